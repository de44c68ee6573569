// deck serve's live client: follows the server's build events, patches changed slides in place,
// swaps the theme stylesheet, reloads only when the page's frame changed, and shows build errors
// over the last good slides. Injected by `deck serve` only; never part of a built deck.
(function () {
  'use strict';
  var me = window.__deckLive;
  if (!me || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var pristine = null; // the last build this page shows, as the server sent it
  var busy = false, wanted = null;

  function slideNodes(doc) {
    return Array.prototype.slice.call(doc.querySelectorAll('div.marpit > div.deck-slide'));
  }
  // Everything of a page but its slides, its theme stylesheet and this script: when it changes,
  // the page is reloaded.
  function frame(doc) {
    var parts = [doc.title];
    var styles = doc.querySelectorAll('head style');
    if (styles.length) parts.push(styles[0].textContent);
    var scripts = doc.querySelectorAll('script:not([data-deck-live])');
    for (var i = 0; i < scripts.length; i++) parts.push(scripts[i].textContent);
    var box = doc.querySelector('div.marpit');
    parts.push(box ? box.getAttribute('data-theme') + '|' + box.getAttribute('class') : '');
    return parts.join('\u0000');
  }
  function themeStyle(doc) {
    var styles = doc.querySelectorAll('head style');
    return styles.length > 1 ? styles[styles.length - 1] : null;
  }
  function snapshot(doc) {
    var theme = themeStyle(doc);
    return {
      frame: frame(doc),
      css: theme ? theme.textContent : '',
      slides: slideNodes(doc).map(function (n) { return n.outerHTML; }),
      doc: doc
    };
  }
  // The page as the server has it now, with its build version.
  function load() {
    return fetch(location.pathname + location.search, { cache: 'no-store' })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        var version = parseInt(r.headers.get('X-Deck-Version') || '-1', 10);
        return r.text().then(function (html) {
          var s = snapshot(new DOMParser().parseFromString(html, 'text/html'));
          s.version = version;
          return s;
        });
      });
  }

  function apply(next, follow) {
    var api = window.deck;
    if (!pristine || !api || !api.replaceSlide || next.frame !== pristine.frame ||
        next.slides.length !== pristine.slides.length) {
      location.reload();
      return;
    }
    if (next.css !== pristine.css) {
      var mine = themeStyle(document);
      if (mine) mine.textContent = next.css; else { location.reload(); return; }
    }
    var nodes = slideNodes(next.doc), first = -1;
    for (var i = 0; i < next.slides.length; i++) {
      if (next.slides[i] === pristine.slides[i]) continue;
      if (first < 0) first = i;
      api.replaceSlide(i, nodes[i]);
    }
    pristine = next;
    if (follow && first >= 0) api.go(first + 1, 0);
    document.documentElement.setAttribute('data-deck-version', String(me.version));
  }

  // Bring the page to the server's newest build; one fetch at a time.
  function update(follow) {
    if (busy) { wanted = { follow: follow }; return; }
    busy = true;
    load().then(function (next) {
      me.version = next.version;
      apply(next, follow);
    }).catch(function () { location.reload(); }).then(done);
  }
  function done() {
    busy = false;
    if (wanted) { var w = wanted; wanted = null; update(w.follow); }
  }

  // ---- Error overlay --------------------------------------------------------------------------
  var overlay = null;
  function showErrors(errors) {
    if (!errors || !errors.length) {
      if (overlay) { overlay.remove(); overlay = null; }
      return;
    }
    if (!overlay) {
      overlay = document.createElement('div');
      overlay.className = 'deck-live-errors';
      overlay.setAttribute('role', 'alert');
      overlay.style.cssText = 'position:fixed;left:0;right:0;top:0;z-index:2147483647;max-height:60vh;' +
        'overflow:auto;margin:0;padding:16px 20px;background:rgba(32,8,8,.94);color:#fde8e8;' +
        'font:14px/1.45 ui-monospace,Menlo,Consolas,monospace;border-bottom:3px solid #e5484d;' +
        'box-shadow:0 4px 24px rgba(0,0,0,.5)';
      document.body.appendChild(overlay);
    }
    overlay.innerHTML = '';
    var head = document.createElement('div');
    head.style.cssText = 'font-weight:bold;margin-bottom:8px;color:#ff9592';
    head.textContent = 'deck: ' + errors.length + ' error' + (errors.length === 1 ? '' : 's') +
      ' \u2014 the slides below are the last good build; this goes away when the file is fixed';
    overlay.appendChild(head);
    errors.forEach(function (text) {
      var pre = document.createElement('pre');
      pre.style.cssText = 'margin:0 0 10px;white-space:pre-wrap';
      pre.textContent = text;
      overlay.appendChild(pre);
    });
  }

  // ---- Events -----------------------------------------------------------------------------------
  function onState(d) {
    showErrors(d.errors);
    if (d.version !== me.version) update(me.follow);
  }
  var source = new EventSource('/_deck/events');
  source.addEventListener('hello', function (e) {
    var msg = JSON.parse(e.data);
    var d = msg.decks[me.deck];
    if (!d) { location.reload(); return; }
    onState(d);
  });
  source.addEventListener('deck', function (e) {
    var d = JSON.parse(e.data);
    if (d.deck === me.deck) onState(d);
  });
  // What this page was built from, to compare the next builds with.
  busy = true;
  load().then(function (s) {
    if (s.version !== me.version) { location.reload(); return; }
    pristine = s;
  }).catch(function () { /* the next event retries */ }).then(done);
})();
