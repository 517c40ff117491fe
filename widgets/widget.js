/*! Phasewise widget | one short question per journey phase */
// Built by app/public/widget_build.py (rjsmin) and served gzipped at /widget.js.
// No dependencies, no template literals (rjsmin keeps to plain JavaScript), no inline styles:
// everything renders in an open shadow root styled by a constructable stylesheet.
(function (w, d) {
  'use strict';
  var me = d.currentScript;
  var tag = me ? me.src + JSON.stringify(me.dataset) : '';
  if (w.Phasewise && w.Phasewise.v) {
    // One widget per page; the same tag again (a Turbo visit re-running it) is no news.
    if (tag != w.Phasewise.t) {
      console.warn('Phasewise: a second, different widget tag is ignored (one widget per page); ' +
        'open other phases with Phasewise.show({phase})');
    }
    return;
  }
  var ds = (me && me.dataset) || {};
  var base = me ? new URL(me.src, location.href).origin : location.origin;
  var nonce = me && (me.nonce || me.getAttribute('nonce'));
  var api = base + '/w/v1/';
  var css = ':host{all:initial!important;position:fixed!important;z-index:2147483647!important;' +
    'display:block!important;left:0!important;right:0!important;bottom:0!important;' +
    // !important throughout: `all:initial!important` would otherwise win over these, and the
    // page's own rules (`* {all: unset}`) must not reach the host element either.
    'font:16px/1.45 var(--pw-font,system-ui,-apple-system,"Segoe UI",sans-serif)!important;' +
    'color:var(--pw-fg,#1d2327)!important}' +
    '@media(min-width:640px){:host{left:auto!important;right:16px!important;bottom:16px!important;' +
    'width:420px!important}}' +
    '.p{position:relative;box-sizing:border-box;background:var(--pw-bg,#fff);padding:16px;' +
    'border:1px solid #8c8f94;border-radius:var(--pw-radius,10px) var(--pw-radius,10px) 0 0;' +
    'box-shadow:0 4px 24px rgba(0,0,0,.25);animation:i .25s ease-out;overflow:auto;' +
    // a question or option of one long word (a compound, a URL) wraps instead of widening it
    'overflow-wrap:anywhere;' +
    // at 400 % zoom (320x256) the panel scrolls instead of running off the screen
    'max-height:calc(100vh - 16px);max-height:calc(100dvh - 16px)}' +
    '@media(min-width:640px){.p{border-radius:var(--pw-radius,10px);max-height:calc(100vh - 32px);' +
    'max-height:calc(100dvh - 32px)}}' +
    '@keyframes i{from{transform:translateY(16px);opacity:0}}' +
    '@media(prefers-reduced-motion:reduce){.p{animation:none}}' +
    'h2{font-size:1em;font-weight:600;margin:0 40px 12px 0;outline:0}' +
    'button{font:inherit;cursor:pointer;min-height:44px;padding:0 12px;border-radius:6px;' +
    // --a: the brand colour darkened to 3:1 on white, so a light brand colour keeps its edges
    'border:1px solid var(--pw-accent,var(--a));background:var(--pw-bg,#fff);color:inherit}' +
    'button:hover,.m{background:var(--pw-accent,var(--b));color:var(--pw-on,var(--o))}' +
    ':focus-visible{outline:3px solid var(--pw-focus,#2271b1);outline-offset:2px}' +
    '.s{display:flex;gap:4px}.s button{flex:1;min-width:0;padding:0}' +
    '.o{display:flex;flex-wrap:wrap;gap:6px}' +
    '.l{display:flex;justify-content:space-between;gap:8px;font-size:.8em;color:#50575e;margin-top:4px}' +
    '.x{position:absolute;top:6px;right:6px;border:0;width:32px;min-height:32px;height:32px;' +
    'padding:0;font-size:22px;line-height:1}' +
    'textarea,input{box-sizing:border-box;width:100%;font:inherit;color:#1d2327;background:#fff;' +
    'border:1px solid #8c8f94;border-radius:6px;padding:8px}' +
    'label{display:block;margin:8px 0 4px;font-size:.9em}' +
    '.r{display:flex;flex-wrap:wrap;gap:8px;justify-content:flex-end;margin-top:12px}' +
    '.n{font-size:.85em;color:#50575e;margin:10px 0 0}.v{display:inline-block;padding:2px 0}' +
    '.e{color:#b32d2e;font-size:.9em;margin:6px 0 0}.e:empty{display:none}' +
    // folded down to one small button in the corner while the page's focus is behind the panel
    ':host([data-min]){left:auto!important;width:auto!important}' +
    ':host([data-min=t]){top:0!important;bottom:auto!important}' +
    ':host([data-min]) .p,.u{display:none}' +
    ':host([data-min]) .u{display:block;margin:8px;max-width:60vw;overflow:hidden;white-space:nowrap;' +
    'text-overflow:ellipsis;box-shadow:0 2px 8px rgba(0,0,0,.3)}';
  // gen: counts close() calls, so a show() still waiting for its delay or exit knows to stop
  var host, root, panel, st, back, gen = 0;
  // The tag's share of visitors holds for every show() on the page, force aside.
  var sample = num(ds.sample, 1, 'data-sample');

  function warn(r, res) {
    // For the site's developer: why the server refused (error code, message, fields).
    var e = (res && res.error) || {}, f = JSON.stringify(e.fields || {});
    console.warn('Phasewise: ' + (e.code ? e.code + ': ' + e.message : r.status || r) +
      (f.length > 2 ? ' ' + f : ''));
    return false;
  }

  function store(k, v) {
    try {
      k = 'phasewise:' + k;
      if (v === undefined) return JSON.parse(localStorage.getItem(k));
      if (v === null) localStorage.removeItem(k); else localStorage.setItem(k, JSON.stringify(v));
    } catch (e) { /* storage can be blocked; the widget still works without it */ }
  }

  function el(tag, cls, text, attrs) {
    var e = d.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    for (var a in attrs || {}) e.setAttribute(a, attrs[a]);
    return e;
  }

  function btn(text, fn, cls, attrs) {
    var b = el('button', cls, text, attrs);
    b.type = 'button';
    b.onclick = fn;
    return b;
  }

  function uid() {
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }

  function sheet(t) {
    try {
      var s = new CSSStyleSheet();
      s.replaceSync(t);
      root.adoptedStyleSheets = [s];
    } catch (e) {
      // No constructable stylesheets: a <style> in the shadow root, with the page's nonce.
      var n = el('style', 0, t);
      if (nonce) n.nonce = nonce;
      root.appendChild(n);
    }
  }

  function close() {
    var had = host && root.activeElement;
    if (host) host.remove();
    host = st = null;
    gen++;
    // Focus goes back where it was before the widget took it (if it took it at all).
    if (had && back && back.isConnected) back.focus();
  }

  function live() {
    // A page that swaps <body> or <html> (Turbo, pjax) may have removed the widget: closed.
    if (host && !host.isConnected) close();
    return st;
  }

  function step(title, nodes) {
    var focused = host && root.activeElement, s = st.s, p = s.brand.privacy_url;
    panel.textContent = '';
    var h = el('h2', 0, title, { id: 'h', tabindex: '-1' });
    panel.append(btn('\u00d7', close, 'x', { 'aria-label': s.texts.close }), h);
    nodes.forEach(function (n) { if (n) panel.appendChild(n); });
    // The brand's privacy statement under every step, in a new tab: the answers stay put.
    if (/^https?:\/\//i.test(p)) {
      panel.appendChild(el('a', 'n v', s.texts.privacy, { href: p, target: '_blank', rel: 'noopener' }));
    }
    if (focused) h.focus();
  }

  function group(cls, items) {
    var g = el('div', cls, null, { role: 'group', 'aria-labelledby': 'h' });
    items.forEach(function (i) { g.appendChild(i); });
    return g;
  }

  function row(items) {
    var r = el('div', 'r');
    items.forEach(function (i) { if (i) r.appendChild(i); });
    return r;
  }

  function ask() {
    var s = st.s, q = s.questions[st.i], tx = s.texts, nodes = [], skip;
    var pick = function (v) { return function () { st.a[q.key] = v; next(); }; };
    if (q.scale) {
      var b = [];
      for (var v = q.scale[0]; v <= q.scale[1]; v++) b.push(btn(String(v), pick(v)));
      var g = group('s', b);
      g.setAttribute('aria-describedby', 'd');
      var l = el('div', 'l', null, { id: 'd' });
      l.append(el('span', 0, q.labels[0]), el('span', 0, q.labels[1]));
      nodes.push(g, l);
    } else if (q.options) {
      nodes.push(group('o', q.options.map(function (o) { return btn(o.label, pick(o.key)); })));
    } else {
      var t = el('textarea', 0, null, {
        rows: '3', maxlength: q.max_length, dir: 'auto', 'aria-labelledby': 'h', 'aria-required': !!q.required
      });
      var e = el('p', 'e', null, { id: 'e', role: 'alert' });
      nodes.push(t, e);
      // "Send" only where it sends: after the last question, a written answer leads on to
      // the review step when the brand asks for reviews
      var last = st.i == s.questions.length - 1, label = function () {
        return !last || (s.review_step && t.value.trim()) ? tx.next : tx.send;
      };
      skip = btn(label(), function () {
        var v = plain(t.value, 1);
        if (!v && q.required) {
          e.textContent = tx.required;
          t.setAttribute('aria-invalid', 'true');
          t.setAttribute('aria-describedby', 'e');
          return t.focus();
        }
        if (v) st.a[q.key] = v;
        next();
      }, 'm');
      t.oninput = function () { skip.textContent = label(); };
    }
    if (!q.required && !skip) skip = btn(tx.skip, next);
    nodes.push(row([skip]));
    if (!st.i && s.points_offered) nodes.push(el('p', 'n', tx.points_offer));
    step(q.text, nodes);
  }

  function next() {
    var s = st.s;
    if (++st.i < s.questions.length) return ask();
    var wrote = s.questions.some(function (q) { return q.type == 'text' && st.a[q.key]; });
    if (!s.review_step || !wrote) return submit();
    var tx = s.texts, name = el('input', 0, null, {
      id: 'n', maxlength: '60', dir: 'auto', autocomplete: 'nickname', 'aria-describedby': 'nh'
    });
    step(tx.review_title, [
      el('p', 'n', tx.review_help),
      el('label', 0, tx.review_name, { for: 'n' }), name,
      el('p', 'n', tx.review_name_help, { id: 'nh' }),
      row([btn(tx.review_no, function () { submit(); }),
        btn(tx.review_yes, function () {
          var r = { consent: true }, v = plain(name.value);
          if (v) r.display_name = v;
          submit(r);
        }, 'm')])
    ]);
  }

  // Control characters nobody types on purpose (a vertical tab pasted from Word) would have
  // the server refuse the whole answer, and the customer cannot see them to take them out;
  // in a written answer line breaks and tabs stay.
  function plain(v, lines) {
    return v.replace(lines ? /[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/g : /[\0-\x1f\x7f]/g, '').trim();
  }

  function submit(review) {
    var s = st.s, o = st.o, body = {
      site_key: o.site_key, survey_id: s.survey_id, answers: st.a, locale: s.locale,
      idempotency_key: uid()
    };
    // As text, as in the survey's query: the POST then finds the touchpoint the GET checked.
    ['customer_id', 'customer_sig', 'touchpoint'].forEach(function (k) { if (o[k]) body[k] = '' + o[k]; });
    if (review) {
      // Time from the first question to this consent, for the reviews' "very fast" fraud
      // signal; capped at the server's 24 h bound so a tab left open still delivers.
      review.elapsed_ms = Math.min(864e5, Math.round(performance.now() - st.t));
      body.review = review;
    }
    st.p = body;
    queue(body, 1);
    step(s.texts.sending, [el('p', 'n', null, { role: 'status' })]);
    send(body, 0, st);
  }

  function queue(body, add) {
    var q = (store('queue') || []).filter(function (b) { return b.idempotency_key != body.idempotency_key; });
    if (add) q.push(body);
    store('queue', q.length ? q.slice(-5) : null);
  }

  function post(body, beacon) {
    var url = api + 'responses?site_key=' + encodeURIComponent(body.site_key), data = JSON.stringify(body);
    // text/plain keeps the request "simple" (no preflight), and sendBeacon can only send that.
    if (beacon) return navigator.sendBeacon && navigator.sendBeacon(url, new Blob([data], { type: 'text/plain' }));
    return fetch(url, {
      method: 'POST', body: data, keepalive: true, credentials: 'omit',
      headers: { 'Content-Type': 'text/plain' }
    });
  }

  function send(body, n, view) {
    post(body).then(function (r) {
      if (r.status >= 500 || r.status == 429) throw r;
      // 403 is the site's settings (its origin, its key), which its owner can put right: said
      // in the console, and kept for a retry.
      if (r.status == 403) return r.json().catch(Object).then(function (res) { warn(r, res); throw r; });
      // Delivered, or refused (4xx): a refusal cannot succeed later, so it leaves the queue too.
      queue(body);
      if (view.p === body) view.p = null;
      return r.json().catch(Object).then(function (res) { return r.ok ? res : warn(r, res); });
    }).then(function (res) {
      if (view === st) res ? thanks(res) : step(st.s.texts.not_saved, []);
    }, function () {
      if (n > 4) return view === st && thanks({});
      if (view === st) panel.querySelector('[role=status]').textContent = st.s.texts.retrying;
      setTimeout(send, 1e3 * Math.pow(2, n), body, n + 1, view);
    });
  }

  function thanks(res) {
    // "1.250" in Dutch, "1,250" in English: the survey's language, not the host page's.
    var tx = st.s.texts, n = res.points > 0 && res.points.toLocaleString(st.s.locale);
    var msg = n ? (res.points == 1 ? tx.points_earned_one : tx.points_earned).replace('{points}', n)
      : res.incentivized ? tx.points_pending : '';
    step(tx.thanks, [el('p', 'n', msg, { role: 'status' })]);
  }

  function open(s, o) {
    st = { s: s, o: o, i: 0, a: {}, t: performance.now() };
    host = d.createElement('phasewise-widget');
    host.lang = s.locale; // read aloud in its own language, not the host page's
    root = host.attachShadow({ mode: 'open' });
    var c = /^#[0-9a-f]{6}$/i, k = s.brand, b = c.test(k.color) ? k.color : '#0b6e4f';
    sheet(css + ':host{--b:' + b + ';--a:' + (c.test(k.accent) ? k.accent : b) +
      ';--o:' + (c.test(k.on_color) ? k.on_color : '#fff') + '}');
    panel = el('div', 'p', null, { role: 'dialog', 'aria-label': s.texts.feedback_for });
    panel.onkeydown = function (e) { if (e.key == 'Escape') close(); };
    root.append(panel, btn(s.texts.feedback_for, function () {
      // unfolded by the customer's own click: the focus goes into the survey
      host.removeAttribute('data-min');
      panel.querySelector('h2').focus();
    }, 'u'));
    // Only focus arriving from the page counts (a move inside the shadow root retargets to host).
    back = null;
    host.addEventListener('focusin', function (e) {
      if (e.relatedTarget && e.relatedTarget != host) back = e.relatedTarget;
    });
    ask();
    // On <html>, not <body>: a `body{transform}` would otherwise become its containing block.
    d.documentElement.appendChild(host);
  }

  function cover(t) {
    // WCAG 2.4.11: page content with the focus must not sit hidden behind the panel. Once the
    // browser has scrolled it into view, a panel that hides its centre folds down to a small
    // button; one the button hides sends the button to the other end of the screen.
    // Not on opening: a page's own "Feedback" button that opened it would fold it at once.
    if (t && t != d.body) setTimeout(function () {
      var r = t.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
      for (var i = 0; i < 2 && host && d.elementFromPoint(x, y) == host; i++) {
        host.setAttribute('data-min', host.getAttribute('data-min') == '' ? 't' : '');
      }
    });
  }

  // FNV-1a of the text as a number from 0 to 1: a draw that any browser makes alike.
  function draw(t) {
    for (var h = 2166136261, i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 16777619);
    return (h >>> 0) / 4294967296;
  }

  // Targeting values (share, delay): a bad one is ignored, as if absent, and the site's
  // developer is told. Seconds above an hour are a mistake (milliseconds meant), not a wish.
  function num(v, max, name) {
    if (v == null) return;
    if (/^(\d+\.?\d*|\.\d+)$/.test(v) && v <= max) return +v;
    console.warn('Phasewise: ' + name + ' "' + v + '" ignored: not a number from 0 to ' + max);
  }

  function exit(v, name) {
    if (v == 'exit') return v;
    if (v != null) console.warn('Phasewise: ' + name + ' "' + v + '" ignored: only "exit" is known');
  }

  // A visitor typing in one of the page's own fields is not interrupted. A field with nothing
  // in it does not count: an autofocused search box would keep the widget shut for good.
  function typing(a) {
    a = d.activeElement;
    return a && (a.isContentEditable || a.value && /^(text(area)?|search|email|tel|url|password|number)$/.test(a.type));
  }

  // Resolves when the widget may open: after the delay and, with the exit trigger, when the
  // pointer leaves through the top of the page. A touch screen has no pointer to leave, so
  // there the delay alone counts (15 s when none is given).
  function when(opts) {
    var s = num(opts.delay, 3600, 'delay'), x = exit(opts.trigger, 'trigger');
    var touch = x && matchMedia('(hover:none)').matches;
    return new Promise(function (go) {
      function ready() {
        // the delay has passed, the visitor is typing: asked once the field loses the focus
        typing() ? d.addEventListener('focusout', function () { setTimeout(ready); }, { once: true }) : go();
      }
      setTimeout(function () {
        if (!x || touch) return ready();
        d.addEventListener('mouseout', function out(e) {
          // leaving while typing (off to copy something) is not leaving the page
          if (e.relatedTarget || e.clientY > 20 || typing()) return;
          d.removeEventListener('mouseout', out);
          go();
        });
      }, 1e3 * (s || (touch ? 15 : 0)));
    });
  }

  function show(opts) {
    opts = opts || {};
    var hl = /^(nl|en)([-_]|$)/i.exec(d.documentElement.lang) || [];
    var o = {
      site_key: opts.siteKey || ds.siteKey, phase: opts.phase || ds.phase,
      // the page's own language before the browser's: one language on the screen
      locale: opts.locale || ds.locale || hl[1] || navigator.language,
      customer_id: opts.customerId || ds.customerId, customer_sig: opts.customerSig || ds.customerSig,
      touchpoint: opts.touchpoint || ds.touchpoint, journey: opts.journey || ds.journey
    };
    if (live() || !o.site_key || !o.phase) return Promise.resolve(false);
    // Anonymous visitors: a first-party cooldown stands in for the server's contact budget.
    var cool = 'until:' + o.site_key;
    if (!o.customer_id && !opts.force && (store(cool) || 0) > Date.now()) return Promise.resolve(false);
    var p = opts.sample != null ? num(opts.sample, 1, 'sample') : sample, n = 'in:' + o.site_key + ':' + o.phase;
    if (p != null && !opts.force) {
      // Drawn once and kept, so a visitor is not in on one page and out on the next. Where
      // storage is blocked (undefined) the draw cannot be kept: out, not redrawn on every page.
      // A signed-in customer's draw is their id's hash: the same on their phone and laptop.
      var r = o.customer_id ? draw(n + ':' + o.customer_id) : store(n);
      if (r === null) store(n, r = Math.random());
      if (!(r < p)) return Promise.resolve(false);
    }
    var q = new URLSearchParams();
    for (var k in o) if (o[k]) q.set(k, o[k]);
    // Asked only once it may open: the survey request counts as an ask (cooldown, budget).
    // Phasewise.close() meanwhile (the visitor went on to pay): it does not open after all.
    var g = gen;
    return when(opts).then(function () {
      return g == gen && fetch(api + 'survey?' + q, { credentials: 'omit' });
    }).then(function (r) {
      return r && r.status != 204 && r.json().catch(Object).then(function (s) {
        if (!r.ok) return warn(r, s);
        if (live()) return false;
        if (!o.customer_id) store(cool, Date.now() + s.cooldown_days * 864e5);
        open(s, o);
        return true;
      });
    }).catch(warn);
  }

  // Answers a previous page (or a longer outage) could not deliver are sent again, with the
  // same idempotency keys: on this page view and whenever the browser is back online.
  function flush() { (store('queue') || []).forEach(function (b) { send(b, 3, {}); }); }
  flush();
  w.addEventListener('online', flush);
  // Escape from anywhere on the page folds the panel down to its small button: a keyboard user
  // reveals what it covers without moving the focus (WCAG 2.4.11). Folded, not closed: the
  // page's own dialog or search box may have meant that Escape (a native <dialog> does not
  // say so), and the answers given so far stay. Escape inside the panel still closes it.
  d.addEventListener('keydown', function (e) {
    if (e.key == 'Escape' && !e.defaultPrevented && live() && e.target != host) {
      host.setAttribute('data-min', '');
    }
  });
  d.addEventListener('focusin', function (e) { if (live() && e.target != host) cover(e.target); });
  w.addEventListener('pagehide', function () {
    if (st && st.p) post(st.p, 1);
  });
  w.Phasewise = { v: 1, t: tag, show: show, close: close };
  w.dispatchEvent(new Event('phasewise:ready'));
  // Its delay and trigger are the tag's own opening's: a call from the page's code is its own moment.
  if (ds.phase && ds.siteKey) show({ delay: num(ds.delay, 3600, 'data-delay'), trigger: exit(ds.trigger, 'data-trigger') });
})(window, document);
