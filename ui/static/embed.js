/* The compact chat inside the widget's iframe. Calls /api/ask and /api/feedback on its own origin.
 * All text goes into the page through textContent: nothing from a question or an answer is parsed as HTML. */
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var region = (params.get("region") || "").slice(0, 20);
  var title = (params.get("title") || "政策问答").slice(0, 40);
  var history = [];
  var EXAMPLES = ["专精特新企业在国内举办产品推介会有什么补贴？", "小巨人企业数字化改造投了120万，达到二级了，能补多少？", "专精特新企业贷款贴息有什么规定？"];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function citationCard(c, open) {
    var d = el("details", "cite");
    if (open) d.open = true;
    var s = el("summary", null, "[" + c.n + "] 《" + c.title + "》");
    s.appendChild(el("span", "badge b-" + c.status, c.status_zh));
    d.appendChild(s);
    d.appendChild(el("div", "meta", (c.doc_no ? "文号：" + c.doc_no + "　" : "") + "地区：" + c.region));
    d.appendChild(el("div", "meta", c.label + "　" + c.path));
    var q = el("blockquote");
    var i = c.quote ? c.text.indexOf(c.quote) : -1;
    if (i < 0) q.textContent = c.text;
    else {
      q.appendChild(document.createTextNode(c.text.slice(0, i)));
      q.appendChild(el("mark", null, c.quote));
      q.appendChild(document.createTextNode(c.text.slice(i + c.quote.length)));
    }
    d.appendChild(q);
    if (typeof c.source_url === "string" && c.source_url.indexOf("/source/") === 0) {
      var a = el("a", "src", "查看原文（在文件中的位置）");
      a.href = c.source_url;
      a.target = "_blank";
      a.rel = "noopener";
      d.appendChild(a);
    }
    return d;
  }

  function calcCard(k) {
    var d = el("details", "calc");
    d.open = true;
    d.appendChild(el("summary", null, "计算过程"));
    // Each input under its name in the rule (input_labels), e.g. 数字化改造实际投入资金：120万元.
    var labels = k.input_labels || {};
    var values = Object.keys(k.inputs || {}).map(function (n) { return (labels[n] || n) + "：" + k.inputs[n]; });
    if (values.length) d.appendChild(el("div", "meta", "已知条件：" + values.join("、")));
    if (k.steps && k.steps.length) {
      var ol = el("ol");
      k.steps.forEach(function (s) { ol.appendChild(el("li", null, s.text)); });
      d.appendChild(ol);
    }
    // the steps are the formula, line by line: the formula line alone only when there are none
    if (k.formula && !(k.steps && k.steps.length)) d.appendChild(el("div", "formula", k.formula));
    if (k.missing && k.missing.length) d.appendChild(el("div", "meta", "还需提供：" + k.missing.join("、")));
    if (k.amount_wan != null) {
      var res = el("div", "result", "结果：");
      res.appendChild(el("strong", null, k.amount_wan + " 万元"));
      d.appendChild(res);
    }
    (k.reasons || []).forEach(function (r) { d.appendChild(el("div", "meta", r)); });
    if (k.citation) d.appendChild(el("div", "meta", "依据：" + k.citation.reference));
    return d;
  }

  function feedbackRow(a) {
    var row = el("div", "fb");
    row.appendChild(el("span", null, "有帮助吗？"));
    var input = el("input");
    input.maxLength = 1000;
    input.placeholder = "补充意见（可选）";
    input.setAttribute("aria-label", "补充意见（可选）");
    var status = el("span");
    function send(useful) {
      fetch("/api/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          question: a.question, answer: a.answer, answer_id: a.answer_id, useful: useful, comment: input.value,
          citations: (a.citations || []).map(function (c) { return c.reference; })
        })
      }).then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
        .then(function (res) { status.textContent = res[0] ? "已记录，谢谢！" : res[1].error.message; if (res[0]) { input.value = ""; } })
        .catch(function () { status.textContent = "反馈发送失败"; });
    }
    var yes = el("button", null, "有用"); yes.type = "button"; yes.onclick = function () { send(true); };
    var no = el("button", null, "没用"); no.type = "button"; no.onclick = function () { send(false); };
    row.appendChild(yes); row.appendChild(no); row.appendChild(input); row.appendChild(status);
    return row;
  }

  // The 提示 list less what the formula card shows (its conditions and formula), as ui/render.py does.
  function withoutCardLines(block, calcs) {
    var reasons = [], formulas = [];
    calcs.forEach(function (k) { reasons = reasons.concat(k.reasons || []); if (k.formula) formulas.push(k.formula); });
    var lines = block.split("\n");
    var kept = lines.slice(1).filter(function (line) {
      var text = line.replace(/^· /, "");
      return reasons.indexOf(text) < 0 && !formulas.some(function (f) { return line.indexOf(f) >= 0; });
    });
    return kept.length ? [lines[0]].concat(kept).join("\n") : "";
  }

  function render(a, box) {
    box.textContent = "";
    var calcs = a.calculations || [];
    var blocks = a.answer.split("\n\n").filter(function (b) {
      return b.trim() && !((a.citations || []).length && b.indexOf("依据：") === 0) &&
        !((a.related || []).length && b.indexOf("以下条款内容相近") === 0);
    }).map(function (b) {
      return calcs.length && b.indexOf("提示：") === 0 ? withoutCardLines(b, calcs) : b;
    }).filter(function (b) { return b; });
    box.appendChild(el("div", "text lead", blocks[0] || ""));
    if (blocks.length > 1) box.appendChild(el("div", "text", blocks.slice(1).join("\n\n")));
    (a.calculations || []).forEach(function (k) { box.appendChild(calcCard(k)); });
    (a.citations || []).forEach(function (c, i) { box.appendChild(citationCard(c, i === 0)); });
    if (a.related && a.related.length) {
      box.appendChild(el("div", "meta", "相关条款（仅供参考，并非依据）："));
      a.related.forEach(function (c) { box.appendChild(citationCard(c, false)); });
    }
    box.appendChild(feedbackRow(a));
  }

  function ask(question) {
    var log = document.getElementById("log");
    var send = document.getElementById("send");
    question = question.trim();
    if (!question) return;
    log.appendChild(el("div", "msg user", question));
    var box = el("div", "msg bot pending", "正在检索政策条款…");
    log.appendChild(box);
    log.scrollTop = log.scrollHeight;
    send.disabled = true;
    fetch("/api/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: question, history: history.slice(-10), region: region || null })
    }).then(function (r) {
      return r.json().then(function (j) { return [r.ok, j]; });
    }).then(function (res) {
      box.classList.remove("pending");
      if (!res[0]) { box.classList.add("error"); box.textContent = (res[1].error && res[1].error.message) || "请求失败，请稍后再试。"; return; }
      history.push(question);
      render(res[1], box);
    }).catch(function () {
      box.classList.remove("pending"); box.classList.add("error"); box.textContent = "网络错误，请稍后再试。";
    }).then(function () {
      send.disabled = false;
      // open the answer at its lead (the end of the question above it), not at its last card
      var question = box.previousElementSibling || box;
      log.scrollTop = question.offsetTop - log.offsetTop - 4;
      focusBox();
    });
  }

  function focusBox() {
    if (window.matchMedia("(pointer: coarse)").matches) return;  // a phone's keyboard would cover the answer
    if (document.getElementById("pane-chat").hidden) return;  // the 政策体检 tab is open (embed_match.js)
    document.getElementById("q").focus({ preventScroll: true });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.title = title;
    if (region) document.getElementById("scope").textContent = "默认地区：" + region + "。";
    var ex = document.getElementById("examples");
    EXAMPLES.forEach(function (q) {
      var b = el("button", null, q); b.type = "button";
      b.onclick = function () { ask(q); };
      ex.appendChild(b);
    });
    var form = document.getElementById("ask");
    var q = document.getElementById("q");
    form.addEventListener("submit", function (e) { e.preventDefault(); var v = q.value; q.value = ""; ask(v); });
    q.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
    });
    // the widget asks for focus when its panel opens (ui/static/widget.js)
    window.addEventListener("message", function (e) {
      if (e.source === window.parent && e.data && e.data.policyqa === "focus") focusBox();
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && window.parent !== window) window.parent.postMessage({ policyqa: "close" }, "*");
    });
    document.getElementById("clear").onclick = function () {
      history = [];
      Array.prototype.slice.call(document.querySelectorAll("#log .msg")).forEach(function (m) { m.remove(); });
    };
  });
})();
