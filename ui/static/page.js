() => {
  // The chat page's behaviour on top of Gradio (ui/page.py's page_js). Gradio has no setting for
  // these: its zh-CN table lacks the chat box's strings, and some labels are hard-coded in English.
  const ZH = {
    "Copy message": "复制消息",
    "Copied message": "已复制",
    "Copy": "复制",
    "Copied": "已复制",
    "Copy all": "复制全部",
    "Clear": "清空对话",
    "chatbot conversation": "对话记录",
    "Scroll down": "滚动到底部",
    "Scroll to bottom": "滚动到底部",
    "Chatbot": "对话记录",
    "Conversation": "对话记录",
    "Retry": "重试",
    "Undo": "撤销",
    "Like": "赞",
    "Dislike": "踩",
    "Loading...": "加载中…",
    "Loading": "加载中",
    "Error": "错误",
    "Close": "关闭",
    "More tabs": "更多标签页",
  };
  const ATTRS = ["aria-label", "title", "placeholder", "alt"];
  const isPhone = () => window.matchMedia("(max-width: 600px)").matches;
  if (isPhone()) { const d = document.querySelector(".pq-docs"); if (d) d.open = false; }
  document.documentElement.lang = "zh-CN";

  function plain(html) {  // an aria-label holding a message's raw HTML: its text only
    const t = document.createElement("template");
    t.innerHTML = html;
    return (t.content.textContent || "").replace(/\s+/g, " ").trim().slice(0, 200);
  }
  function patch(el) {
    for (const a of ATTRS) {
      const v = el.getAttribute && el.getAttribute(a);
      if (!v) continue;
      const zh = ZH[v.trim()];
      if (zh) el.setAttribute(a, zh);
      else if (/<[a-z][^>]*>/i.test(v)) el.setAttribute(a, plain(v));
      else if (/^(user|bot|assistant)'s message: /i.test(v)) el.setAttribute(a, (/^user/i.test(v) ? "提问：" : "回答：") + plain(v.replace(/^[^:]*: /, "")));
    }
    // Gradio's own button texts only: never the words of a question or an answer
    const t = el.childElementCount === 0 && el.textContent ? ZH[el.textContent.trim()] : undefined;
    if (t && el.closest("#pq-chat button") && !el.closest(".pq-q, .pq-answer")) el.textContent = t;
  }
  function patchAll(root) { patch(root); root.querySelectorAll && root.querySelectorAll("*").forEach(patch); }

  function scroller(el) {  // the chat box's scrolling element
    for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if ((s.overflowY === "auto" || s.overflowY === "scroll") && p.scrollHeight > p.clientHeight) return p;
    }
    return null;
  }
  function openAt(el, above) {  // put el's top near the top of the chat box (never its end)
    const box = scroller(el);
    if (box) box.scrollTop += el.getBoundingClientRect().top - box.getBoundingClientRect().top - above;
    // and in the window: on a phone the box is taller than what is left of the screen
    const top = el.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.6) window.scrollBy(0, top - above);
  }
  function focusBox() {
    if (window.matchMedia("(pointer: coarse)").matches) return;  // a phone's keyboard would cover the answer
    const box = document.querySelector("#pq-input textarea");
    if (box) box.focus({ preventScroll: true });
  }
  const seen = new WeakSet();
  function onMessages() {
    const chat = document.getElementById("pq-chat");
    if (!chat) return;
    const pending = chat.querySelector(".pq-pending");
    if (pending && !seen.has(pending)) {  // the question just sent, and the pending line under it
      seen.add(pending);
      const q = Array.from(chat.querySelectorAll("[data-testid='user']")).pop();
      requestAnimationFrame(() => openAt(q || pending, 8));
    }
    const answers = chat.querySelectorAll(".pq-answer, .pq-error");
    const last = answers[answers.length - 1];
    if (last && !seen.has(last)) {
      seen.add(last);
      // The lead at the top, with the end of the question above it; once more after Gradio's own
      // updates of the same frame.
      const open = () => openAt(last, 36);
      requestAnimationFrame(() => { open(); focusBox(); setTimeout(open, 120); });
    }
  }
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "attributes") patch(r.target);
      else r.addedNodes.forEach((n) => { if (n.nodeType === 1) patchAll(n); });
    }
    onMessages();
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ATTRS });
  patchAll(document.body);
}
