/* 政策体检 in the widget's iframe: the tab bar, the form (its fields from GET /api/match/form, the same
 * as the chat page's tab), POST /api/match, and the result in its three groups.
 * All text goes into the page through textContent: nothing from the server or the user is parsed as HTML. */
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var region = (params.get("region") || "").slice(0, 20);
  var GROUPS = [["eligible", "可申报", "m-ok"], ["possible", "可能符合", "m-maybe"], ["ineligible", "不符合", "m-no"]];
  var spec = null;
  var loanCount = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // -- tabs: arrows, Home and End move between them (the WAI-ARIA tabs pattern) ------------------
  function selectTab(tab, focus) {
    var tabs = Array.prototype.slice.call(document.querySelectorAll("[role=tab]"));
    tabs.forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    });
    if (focus) tab.focus();
    if (tab.id === "tab-match" && !spec) loadForm();
  }

  function tabKeys(e) {
    var tabs = Array.prototype.slice.call(document.querySelectorAll("[role=tab]"));
    var i = tabs.indexOf(e.target), next = null;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") next = tabs[(i + 1) % tabs.length];
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") next = tabs[(i - 1 + tabs.length) % tabs.length];
    else if (e.key === "Home") next = tabs[0];
    else if (e.key === "End") next = tabs[tabs.length - 1];
    if (next) { e.preventDefault(); selectTab(next, true); }
  }

  // -- the form ----------------------------------------------------------------------------
  var uid = 0;
  function field(label, input, hint) {
    var id = "m-f" + (++uid);
    input.id = input.id || id;
    var wrap = el("div", "m-field");
    var l = el("label", null, label);
    l.htmlFor = input.id;
    var err = el("div", "m-err");
    err.id = input.id + "-err";
    input.setAttribute("aria-describedby", err.id);
    wrap.appendChild(l);
    wrap.appendChild(input);
    if (hint) wrap.appendChild(el("div", "m-hint", hint));
    wrap.appendChild(err);
    return wrap;
  }

  function textInput(name, unit) {
    var i = el("input");
    i.type = "text";
    i.name = name;
    i.maxLength = 20;
    i.inputMode = unit === "级" || unit === "人" || unit === "人次" || unit === "天" || unit === "月" ? "numeric" : "decimal";
    i.dataset.unit = unit || "";
    return i;
  }

  function choices(legend, name, values) {
    var fs = el("fieldset", "m-choices");
    fs.appendChild(el("legend", null, legend));
    var box = el("div", "m-chips");
    values.forEach(function (v) {
      var l = el("label", "m-chip");
      var c = el("input");
      c.type = "checkbox";
      c.name = name;
      c.value = v;
      l.appendChild(c);
      l.appendChild(el("span", null, v));
      box.appendChild(l);
    });
    fs.appendChild(box);
    return fs;
  }

  function section(title, open) {
    var d = el("details", "m-section");
    d.open = !!open;
    d.appendChild(el("summary", null, title));
    var grid = el("div", "m-grid");
    d.appendChild(grid);
    return [d, grid];
  }

  function renumberLoans() {
    Array.prototype.slice.call(document.querySelectorAll(".m-loan")).forEach(function (fs, i) {
      fs.querySelector("legend").textContent = "第" + (i + 1) + "笔贷款";
      fs.querySelector(".m-del").setAttribute("aria-label", "删除第" + (i + 1) + "笔贷款");
    });
  }

  function addLoan(list, focus) {
    var fs = el("fieldset", "m-loan");
    fs.appendChild(el("legend"));
    var grid = el("div", "m-grid");
    var kind = el("select");
    kind.name = "kind";
    kind.appendChild(el("option", null, "请选择贷款类型")).value = "";
    spec.loan_kinds.forEach(function (k) { kind.appendChild(el("option", null, k)).value = k; });
    grid.appendChild(field("贷款类型", kind));
    spec.loan_fields.forEach(function (f) { grid.appendChild(field(f.label, textInput(f.key, f.unit))); });
    fs.appendChild(grid);
    var del = el("button", "m-del", "删除这笔贷款");
    del.type = "button";
    del.onclick = function () {
      fs.remove();
      loanCount -= 1;
      renumberLoans();
      document.getElementById("m-add-loan").disabled = false;
      document.getElementById("m-add-loan").focus();
    };
    fs.appendChild(del);
    list.appendChild(fs);
    loanCount += 1;
    renumberLoans();
    document.getElementById("m-add-loan").disabled = loanCount >= spec.max_loans;
    if (focus) kind.focus();
  }

  function buildForm(form) {
    form.textContent = "";
    var place = el("fieldset", "m-place");
    place.appendChild(el("legend", null, "注册地"));
    var grid = el("div", "m-grid");
    var city = el("select");
    city.id = "m-city";
    city.name = "city";
    city.required = true;
    city.setAttribute("aria-required", "true");
    city.appendChild(el("option", null, "请选择城市")).value = "";
    spec.cities.forEach(function (c) { city.appendChild(el("option", null, c)).value = c; });
    if (region && spec.cities.indexOf(region) >= 0) city.value = region;
    grid.appendChild(field("注册地城市（必填）", city));
    var district = textInput("district", "");
    district.id = "m-district";
    district.inputMode = "text";
    district.placeholder = "如：湖里区";
    grid.appendChild(field("区（县）", district));
    place.appendChild(grid);
    form.appendChild(place);
    form.appendChild(choices("企业类型（可多选）", "types", spec.types));
    if (spec.levels.length) form.appendChild(choices("已获认定类别（可选）", "levels", spec.levels));
    spec.sections.forEach(function (s, i) {
      var sec = section(s.title, i === 0);
      s.fields.forEach(function (f) {
        var input = textInput(f.key, f.unit);
        input.id = "m-" + f.key;
        input.dataset.figure = f.key;
        input.dataset.label = f.label.replace(/（[^（）]*）$/, "");
        sec[1].appendChild(field(f.label, input));
      });
      form.appendChild(sec[0]);
    });
    var loans = section("贷款", false);
    loans[1].className = "m-loans";
    var add = el("button", "m-add", "添加一笔贷款");
    add.type = "button";
    add.id = "m-add-loan";
    add.onclick = function () { addLoan(loans[1], true); };
    loans[0].appendChild(add);
    form.appendChild(loans[0]);
    var row = el("div", "m-actions");
    var all = el("label", "m-chip");
    var allBox = el("input");
    allBox.type = "checkbox";
    allBox.id = "m-all";
    all.appendChild(allBox);
    all.appendChild(el("span", null, "同时列出不符合的措施及原因"));
    row.appendChild(all);
    var run = el("button", "m-run", "开始体检");
    run.type = "submit";
    run.id = "m-run";
    row.appendChild(run);
    form.appendChild(row);
    var alert = el("div", "m-alert");
    alert.id = "m-alert";
    alert.setAttribute("role", "alert");
    form.appendChild(alert);
  }

  function loadForm() {
    var form = document.getElementById("match");
    spec = {};
    fetch("/api/match/form").then(function (r) {
      if (!r.ok) throw new Error("form " + r.status);
      return r.json();
    }).then(function (j) {
      spec = j;
      buildForm(form);
    }).catch(function () {
      spec = null;
      form.textContent = "";
      form.appendChild(el("p", "m-alert", "表单加载失败，请稍后再试。"));
    });
  }

  // -- validation and the request ------------------------------------------------------------
  function clearErrors() {
    Array.prototype.slice.call(document.querySelectorAll("#match [aria-invalid]")).forEach(function (i) {
      i.removeAttribute("aria-invalid");
    });
    Array.prototype.slice.call(document.querySelectorAll("#match .m-err")).forEach(function (e) { e.textContent = ""; });
    document.getElementById("m-alert").textContent = "";
  }

  function invalid(input, message) {
    input.setAttribute("aria-invalid", "true");
    var err = document.getElementById(input.getAttribute("aria-describedby"));
    if (err) err.textContent = message;
    var sec = input.closest("details");
    if (sec) sec.open = true;
    return input;
  }

  function checked(name) {
    return Array.prototype.slice.call(document.querySelectorAll("#match input[name=" + name + "]:checked"))
      .map(function (c) { return c.value; });
  }

  function readProfile() {
    var bad = [];
    var city = document.getElementById("m-city");
    if (!city.value) bad.push(invalid(city, "请选择企业注册地城市。"));
    var data = {
      city: city.value, district: document.getElementById("m-district").value.trim(),
      types: checked("types"), levels: checked("levels"), figures: {}, loans: [],
      include_ineligible: document.getElementById("m-all").checked
    };
    Array.prototype.slice.call(document.querySelectorAll("#match input[data-figure]")).forEach(function (i) {
      var v = i.value.trim();
      if (!v) return;
      if (!/[0-9０-９一二三四五六七八九十百千万亿]/.test(v)) {
        bad.push(invalid(i, "“" + i.dataset.label + "”应填写数值，单位：" + i.dataset.unit + "。"));
        return;
      }
      data.figures[i.dataset.figure] = v;
    });
    Array.prototype.slice.call(document.querySelectorAll(".m-loan")).forEach(function (fs, n) {
      var loan = {}, any = false;
      var kind = fs.querySelector("select[name=kind]");
      Array.prototype.slice.call(fs.querySelectorAll("input")).forEach(function (i) {
        if (i.value.trim()) { loan[i.name] = i.value.trim(); any = true; }
      });
      if (!kind.value) {
        if (any) bad.push(invalid(kind, "请选择第" + (n + 1) + "笔贷款的类型，或删除这笔贷款。"));
        return;
      }
      loan.kind = kind.value;
      data.loans.push(loan);
    });
    return [data, bad];
  }

  // the server names the field it could not read (“本年度研发费用”的值…, 第2笔贷款…): mark that field too
  function markServerError(message) {
    var inputs = Array.prototype.slice.call(document.querySelectorAll("#match input[data-figure]"));
    var hit = inputs.filter(function (i) { return message.indexOf("“" + i.dataset.label + "”") >= 0; })[0];
    var m = /第(\d+)笔贷款/.exec(message);
    if (!hit && m) {
      var fs = document.querySelectorAll(".m-loan")[Number(m[1]) - 1];
      if (fs) hit = fs.querySelector("select");
    }
    if (!hit && message.indexOf("注册地") >= 0) hit = document.getElementById("m-city");
    return hit ? invalid(hit, message) : null;
  }

  function submit(e) {
    e.preventDefault();
    if (!spec || !spec.types) return;
    clearErrors();
    var read = readProfile(), data = read[0], bad = read[1];
    var alert = document.getElementById("m-alert");
    if (bad.length) {
      alert.textContent = "请先更正标出的" + bad.length + "处信息。";
      bad[0].focus();
      return;
    }
    var run = document.getElementById("m-run");
    var out = document.getElementById("m-out");
    run.disabled = true;
    out.textContent = "";
    out.appendChild(el("p", "m-pending", "正在逐项对照政策条款…"));
    fetch("/api/match", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data)
    }).then(function (r) {
      return r.json().then(function (j) { return [r.ok, j]; });
    }).then(function (res) {
      out.textContent = "";
      if (!res[0]) {
        var message = (res[1].error && res[1].error.message) || "请求失败，请稍后再试。";
        alert.textContent = message;
        var field_ = markServerError(message);
        (field_ || run).focus();
        return;
      }
      renderResult(res[1], out);
    }).catch(function () {
      out.textContent = "";
      alert.textContent = "网络错误，请稍后再试。";
    }).then(function () { run.disabled = false; });
  }

  // -- the result --------------------------------------------------------------------------
  function wan(v) { return v + "万元"; }

  function badge(v) {
    var zh = v.status === "not_stated" ? "有效期未载明" : v.status_zh;
    return el("span", "badge b-" + v.status, zh);
  }

  function lineCard(line, citations) {
    var li = el("li", "m-line");
    var head = el("div", "m-head");
    head.appendChild(el("span", "m-title", line.title));
    if (line.group === "eligible" && line.amount_wan != null) {
      head.appendChild(el("span", "m-amount", wan(line.amount_wan) + (line.upper_bound ? "（上限）" : "")));
    } else if (line.cap_wan != null) {
      head.appendChild(el("span", "m-cap", "最高" + wan(line.cap_wan)));
    } else if (line.rule_id == null) {
      head.appendChild(el("span", "m-cap", "金额以主管部门核定为准"));
    }
    head.appendChild(badge(line.validity));
    li.appendChild(head);
    li.appendChild(el("div", "m-row formula", line.formula));
    if (line.if_met) li.appendChild(el("div", "m-row", "若条件满足：" + line.if_met.formula));
    if (line.missing.length) {
      var miss = el("div", "m-row m-missing", "还需：");
      var ul = el("ul");
      line.missing.forEach(function (m) { ul.appendChild(el("li", null, m)); });
      miss.appendChild(ul);
      li.appendChild(miss);
    }
    if (line.group === "ineligible") li.appendChild(el("div", "m-row m-why", "原因：" + line.reasons.join("；")));
    else if (line.reasons.length) {
      li.appendChild(el("div", "m-row m-note", line.reasons.filter(function (r, i, a) { return a.indexOf(r) === i; }).join("；")));
    }
    if (line.overlap_group) {
      li.appendChild(el("div", "m-row m-overlap", line.overlap_group + "：与" + line.overlaps_with.join("、") + "不重复享受，只计较高者"));
    }
    var who = line.department || (line.issuers.length ? "（发布单位：" + line.issuers.join("、") + "）" : "条款未载明");
    li.appendChild(el("div", "m-row m-dept", "责任单位：" + who));
    var q = el("blockquote", "m-quote");
    q.appendChild(el("mark", null, line.quote));
    q.appendChild(el("cite", null, "[" + line.citation_n + "] " + line.reference));
    var c = citations[line.citation_n - 1];
    if (c && typeof c.source_url === "string" && c.source_url.indexOf("/source/") === 0) {
      var a = el("a", "src", "查看原文（在文件中的位置）");
      a.href = c.source_url;
      a.target = "_blank";
      a.rel = "noopener";
      q.appendChild(a);
    }
    li.appendChild(q);
    return li;
  }

  function renderResult(out, box) {
    var m = out.match;
    var h = el("h2", "m-result-head", "体检结果");
    h.tabIndex = -1;
    box.appendChild(h);
    if (out.no_basis) {
      box.appendChild(el("p", "m-empty", out.answer));
      h.focus();
      return;
    }
    var total = el("div", "m-total");
    total.appendChild(el("span", null, "可申报确定金额合计"));
    total.appendChild(el("strong", null, wan(m.total_wan != null ? m.total_wan : "0")));
    if (m.total_formula) total.appendChild(el("div", "m-row formula", m.total_formula + "（就高不重复的只计较高者）"));
    if (m.total_cap_wan != null && m.total_cap_wan !== m.total_wan) {
      total.appendChild(el("div", "m-row", "连同由主管部门核定金额的措施的上限，最多" + wan(m.total_cap_wan)));
    }
    box.appendChild(total);
    var citations = out.citations || [];
    GROUPS.forEach(function (g) {
      var lines = m.groups[g[0]];
      if (g[0] === "ineligible" && !lines.length) return;
      var sec = el("section", "m-group " + g[2]);
      sec.appendChild(el("h3", null, g[1] + "（" + lines.length + "项）"));
      var ol = el("ol");
      lines.forEach(function (line) { ol.appendChild(lineCard(line, citations)); });
      if (!lines.length) ol.appendChild(el("li", "m-empty", "无"));
      sec.appendChild(ol);
      box.appendChild(sec);
    });
    if (m.notices.length) {
      var ul = el("ul", "m-notices");
      m.notices.forEach(function (n) { ul.appendChild(el("li", null, n)); });
      box.appendChild(ul);
    }
    h.focus({ preventScroll: true });
    h.scrollIntoView({ block: "start" });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.slice.call(document.querySelectorAll("[role=tab]")).forEach(function (t) {
      t.addEventListener("click", function () { selectTab(t, false); });
      t.addEventListener("keydown", tabKeys);
    });
    document.getElementById("match").addEventListener("submit", submit);
    if (params.get("tab") === "match") selectTab(document.getElementById("tab-match"), false);
  });
})();
