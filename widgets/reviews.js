/*! Phasewise reviews badge and carousel. Paste:
 <div data-phasewise-reviews="BRAND-SLUG" data-layout="badge|carousel" data-locale="nl|en" data-phase="PHASE-KEY"></div>
 <script src="https://YOUR-PHASEWISE/reviews.js" async></script> */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script && script.src ? new URL(script.src).origin : location.origin;
  var CSS =
    ":host{all:initial;display:block;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2327}" +
    ".box{background:#fff;border:1px solid #c3c4c7;border-radius:8px;padding:12px 14px;max-width:30em}" +
    ".head{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:baseline}" +
    ".stars{color:#8a5a00;letter-spacing:1px;white-space:nowrap}.avg{font-weight:700}" +
    ".muted{color:#50575e;font-size:13px}a{color:#0a4b78}" +
    "a:focus-visible,button:focus-visible{outline:3px solid #2271b1;outline-offset:2px}" +
    ".labels{display:flex;flex-wrap:wrap;gap:4px;margin:6px 0 0;padding:0;list-style:none}" +
    ".label{font-size:12px;border:1px solid;border-radius:4px;padding:0 5px}" +
    ".ok{color:#0b6e4f}.inc{color:#7a4a00}.no{color:#50575e}" +
    ".slide{margin:10px 0 0}.slide p{margin:4px 0;overflow-wrap:anywhere}" +
    // a review's own paragraphs and line breaks, as its page shows them
    ".body{white-space:pre-line}" +
    ".title{font-weight:700}.reply{border-left:3px solid #0a4b78;padding-left:8px;font-size:14px}" +
    ".nav{display:flex;gap:8px;align-items:center;margin-top:8px}" +
    "button{font:inherit;border:1px solid #0a4b78;background:#fff;color:#0a4b78;border-radius:4px;padding:2px 10px;cursor:pointer}" +
    ".foot{margin-top:8px;font-size:13px}";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = String(text);
    return node;
  }

  function link(href, text) {
    var a = el("a", "", text);
    // Only our own http(s) URLs become links; anything else (javascript:, data:) is dropped.
    if (/^https?:\/\//.test(href)) a.href = href;
    a.target = "_blank";
    a.rel = "noopener";
    return a;
  }

  function stars(rating, label) {
    var n = Math.max(0, Math.min(5, Math.round(rating)));
    var s = el("span", "stars", "\u2605\u2605\u2605\u2605\u2605".slice(0, n) + "\u2606\u2606\u2606\u2606\u2606".slice(0, 5 - n));
    s.setAttribute("role", "img");
    s.setAttribute("aria-label", label);
    return s;
  }

  function labels(review, t) {
    var list = el("ul", "labels");
    // Imported from another site: said first, as the review pages do (textContent: no HTML).
    if (review.source) list.appendChild(el("li", "label", t.imported.replace("{source}", review.source)));
    list.appendChild(el("li", "label " + (review.verified ? "ok" : "no"), review.verified ? t.verified : t.not_verified));
    if (review.incentivized) list.appendChild(el("li", "label inc", t.incentivized));
    return list;
  }

  function slide(review, data, index, total) {
    var t = data.texts;
    var box = el("div", "slide");
    box.setAttribute("role", "group");
    box.setAttribute("aria-roledescription", t.slide);
    box.setAttribute("aria-label", index + 1 + " / " + total);
    var head = el("p");
    head.appendChild(stars(review.rating, review.rating_text));
    if (review.title) head.appendChild(el("span", "title", " " + review.title));
    box.appendChild(head);
    var body = el("p", "body", review.body);
    body.lang = review.locale;
    body.dir = "auto";
    box.appendChild(body);
    var meta = el("p", "muted");
    var who = el("bdi", "", review.author);
    meta.appendChild(who);
    meta.appendChild(document.createTextNode(" \u00b7 " + review.phase + " \u00b7 " + review.date));
    box.appendChild(meta);
    box.appendChild(labels(review, t));
    if (review.reply) {
      var reply = el("p", "reply", t.reply + ": " + review.reply);
      reply.dir = "auto";
      box.appendChild(reply);
    }
    box.appendChild(link(review.url, t.read));
    return box;
  }

  function render(host, data, layout) {
    var root = host.shadowRoot || host.attachShadow({ mode: "open" });
    root.textContent = "";
    if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet) {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(el("style", "", CSS));
    }
    var t = data.texts;
    var box = el("section", "box");
    box.setAttribute("aria-label", t.title);
    box.lang = data.locale;
    var head = el("div", "head");
    if (data.count) {
      head.appendChild(stars(data.average, data.average_text));
      head.appendChild(el("span", "avg", data.average_text));
    }
    head.appendChild(link(data.url, data.count_text));
    box.appendChild(head);
    box.appendChild(el("p", "muted", data.labels_text));
    var reviews = data.reviews || [];
    if (layout === "carousel" && reviews.length) {
      var current = 0;
      var stage = el("div");
      stage.setAttribute("aria-live", "polite");
      stage.id = "stage";
      var region = el("div");
      region.setAttribute("role", "region");
      region.setAttribute("aria-roledescription", t.carousel);
      region.setAttribute("aria-label", t.title);
      var nav = el("div", "nav");
      var prev = el("button", "", "\u2039");
      var next = el("button", "", "\u203a");
      var where = el("span", "muted");
      prev.type = next.type = "button";
      prev.setAttribute("aria-label", t.previous);
      next.setAttribute("aria-label", t.next);
      prev.setAttribute("aria-controls", "stage");
      next.setAttribute("aria-controls", "stage");
      var show = function (index) {
        current = (index + reviews.length) % reviews.length;
        stage.textContent = "";
        stage.appendChild(slide(reviews[current], data, current, reviews.length));
        where.textContent = current + 1 + " / " + reviews.length;
      };
      prev.addEventListener("click", function () { show(current - 1); });
      next.addEventListener("click", function () { show(current + 1); });
      region.addEventListener("keydown", function (event) {
        if (event.key === "ArrowLeft") show(current - 1);
        if (event.key === "ArrowRight") show(current + 1);
      });
      nav.appendChild(prev);
      nav.appendChild(where);
      nav.appendChild(next);
      region.appendChild(stage);
      if (reviews.length > 1) region.appendChild(nav);
      box.appendChild(region);
      show(0);
    }
    var foot = el("p", "foot");
    foot.appendChild(link(data.about, t.about));
    box.appendChild(foot);
    root.appendChild(box);
    host.setAttribute("data-phasewise-ready", "true");
  }

  function load(host) {
    var slug = host.getAttribute("data-phasewise-reviews");
    if (!slug || host.getAttribute("data-phasewise-ready")) return;
    var layout = host.getAttribute("data-layout") || "badge";
    var query = [];
    // data-locale, else the host page's <html lang> (nl or en), else the brand's default
    var hl = /^(nl|en)([-_]|$)/i.exec(document.documentElement.lang) || [];
    var lang = host.getAttribute("data-locale") || (hl[1] && hl[1].toLowerCase());
    if (lang) query.push("lang=" + encodeURIComponent(lang));
    var phase = host.getAttribute("data-phase");
    if (phase) query.push("phase=" + encodeURIComponent(phase));
    var url = base + "/feeds/" + encodeURIComponent(slug) + "/badge.json" + (query.length ? "?" + query.join("&") : "");
    fetch(url, { credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) render(host, data, layout); })
      .catch(function () { /* the badge is decoration: never break the host page */ });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-phasewise-reviews]"), load);
  }

  window.PhasewiseReviews = { load: init };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
