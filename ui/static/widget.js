/* 政策问答 widget: <script src="https://HOST/widget.js" data-title="政策问答" data-region="厦门" data-position="right" async></script>
 * data-tab="match": the panel opens on its 政策体检 tab.
 * A floating button in a Shadow DOM (no styles leak in or out) opens a panel with an iframe of HOST/embed.
 * No dependencies; everything it loads comes from HOST. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    var all = document.querySelectorAll("script[src*='widget.js']");
    script = all[all.length - 1];
  }
  if (!script || window.__policyqaWidget) return;
  window.__policyqaWidget = true;
  var origin = new URL(script.src, location.href).origin;
  var title = (script.getAttribute("data-title") || "政策问答").slice(0, 40);
  var region = (script.getAttribute("data-region") || "").slice(0, 20);
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";
  var tab = script.getAttribute("data-tab") === "match" ? "match" : "";

  function mount() {
    // An element name of its own, every property reset inline: the host page's rules for div,
    // *, or [style] cannot reach the widget's box; its shadow root keeps the rest out (and in).
    var host = document.createElement("policyqa-widget");
    host.setAttribute("data-policyqa-widget", "");
    host.style.setProperty("all", "initial", "important");
    var root = host.attachShadow({ mode: "open" });
    var style = document.createElement("style");
    style.textContent =
      "*{box-sizing:border-box;font-family:system-ui,-apple-system,'PingFang SC','Microsoft YaHei','WenQuanYi Micro Hei',sans-serif;line-height:1.4}" +
      ".btn{all:unset;position:fixed;bottom:20px;" + side + ":20px;z-index:2147483000;cursor:pointer;display:flex;align-items:center;gap:8px;background:#1d4ed8;color:#fff;border-radius:999px;padding:12px 18px;box-shadow:0 4px 14px rgba(0,0,0,.25);font-size:15px;font-weight:600}" +
      // a speech bubble drawn in CSS: no image to load, no emoji font needed
      ".ic{position:relative;width:18px;height:13px;border-radius:4px;background:#fff;margin-bottom:3px}" +
      ".ic:after{content:'';position:absolute;left:4px;bottom:-5px;border:3px solid transparent;border-top-color:#fff;border-left-color:#fff}" +
      ".btn:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}" +
      ".panel{position:fixed;z-index:2147483000;bottom:84px;" + side + ":20px;width:380px;height:600px;max-height:calc(100vh - 104px);background:#fff;border-radius:12px;box-shadow:0 10px 40px rgba(0,0,0,.3);overflow:hidden;display:none;flex-direction:column}" +
      ".panel.open{display:flex}" +
      ".bar{display:flex;align-items:center;justify-content:space-between;background:#2563eb;color:#fff;padding:8px 12px;font-weight:600}" +
      ".x{all:unset;cursor:pointer;font-size:20px;line-height:1;padding:4px 8px;border-radius:6px}" +
      ".x:focus-visible{outline:3px solid #93c5fd}" +
      "iframe{border:0;width:100%;flex:1;min-height:0;background:#fff}" +
      // on a phone the panel fills the screen; the bar's × closes it, so the button hides
      ".panel.full{border-radius:0;box-shadow:none}.panel.open.full~.btn{display:none}" +
      // no visualViewport: the same by media query
      "@media (max-width:480px){.panel{left:0;right:0;bottom:0;width:100%;height:100%;max-height:100%;border-radius:0}.panel.open~.btn{display:none}}";
    root.appendChild(style);

    var panel = document.createElement("div");
    panel.className = "panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", title);
    var bar = document.createElement("div");
    bar.className = "bar";
    var name = document.createElement("span");
    name.textContent = title;
    var close = document.createElement("button");
    close.className = "x";
    close.type = "button";
    close.setAttribute("aria-label", "关闭");
    close.textContent = "×";
    bar.appendChild(name);
    bar.appendChild(close);
    panel.appendChild(bar);

    var button = document.createElement("button");
    button.className = "btn";
    button.type = "button";
    button.setAttribute("aria-expanded", "false");
    var icon = document.createElement("span");
    icon.className = "ic";
    icon.setAttribute("aria-hidden", "true");
    var label = document.createElement("span");
    label.textContent = title;
    button.appendChild(icon);
    button.appendChild(label);

    // Placed on the visual viewport (what the user sees): a host page wider than a phone widens the
    // layout viewport that position:fixed follows, putting right:20px off screen. 1/scale undoes pinch zoom.
    var vv = window.visualViewport;
    function put(el, x, y, w, h, origin, s) {
      var v = { left: x + "px", top: y + "px", right: "auto", bottom: "auto", "transform-origin": origin, transform: s === 1 ? "none" : "scale(" + 1 / s + ")" };
      if (w != null) { v.width = w + "px"; v.height = h + "px"; v["max-height"] = "none"; }
      for (var k in v) el.style.setProperty(k, v[k], "important");
    }
    function place() {
      if (!vv) return;
      var s = vv.scale || 1;
      var sw = vv.width * s, sh = vv.height * s;  // the screen, in CSS px at scale 1
      var right = side === "right";
      var full = sw <= 480;
      panel.classList.toggle("full", full);
      var bw = button.offsetWidth, bh = button.offsetHeight;
      var bx = right ? vv.offsetLeft + vv.width - 20 / s - bw : vv.offsetLeft + 20 / s;
      put(button, bx, vv.offsetTop + vv.height - 20 / s - bh, null, null, right ? "100% 100%" : "0 100%", s);
      if (full) {
        put(panel, vv.offsetLeft, vv.offsetTop, sw, sh, "0 0", s);
      } else {
        var pw = Math.min(380, sw - 40), ph = Math.min(600, sh - 104);
        var px = right ? vv.offsetLeft + vv.width - 20 / s - pw : vv.offsetLeft + 20 / s;
        put(panel, px, vv.offsetTop + vv.height - 84 / s - ph, pw, ph, right ? "100% 100%" : "0 100%", s);
      }
    }

    var frame = null;
    function focusChat() {  // the question box is in the iframe (another origin): focus the frame, then ask it
      if (!frame || !frame.contentWindow || !panel.classList.contains("open")) return;
      frame.focus();
      frame.contentWindow.postMessage({ policyqa: "focus" }, origin);
    }
    // Escape in the iframe closes the panel too (its keys never reach this page)
    window.addEventListener("message", function (e) {
      if (frame && e.source === frame.contentWindow && e.origin === origin && e.data && e.data.policyqa === "close") {
        toggle(false);
        button.focus();
      }
    });
    function toggle(open) {
      if (open && !frame) {  // the iframe loads on first open only
        frame = document.createElement("iframe");
        frame.title = title;
        var url = new URL("/embed", origin);
        if (region) url.searchParams.set("region", region);
        url.searchParams.set("title", title);
        if (tab) url.searchParams.set("tab", tab);
        frame.src = url.toString();
        frame.addEventListener("load", focusChat);
        panel.appendChild(frame);
      } else if (open) {
        focusChat();
      }
      panel.classList.toggle("open", open);
      button.setAttribute("aria-expanded", String(open));
      place();
    }
    button.addEventListener("click", function () { toggle(!panel.classList.contains("open")); });
    close.addEventListener("click", function () { toggle(false); button.focus(); });
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { toggle(false); button.focus(); } });

    root.appendChild(panel);
    root.appendChild(button);
    document.body.appendChild(host);
    place();
    if (vv) { vv.addEventListener("resize", place); vv.addEventListener("scroll", place); }
    window.addEventListener("resize", place);
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
