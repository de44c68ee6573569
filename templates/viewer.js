// deck's viewer: one slide at a time, scaled to fit; fragments, history, overview, presenter view.
// Works offline from file:// and loads nothing. Without JavaScript the slides are shown one under
// the other, so this script only ever adds behaviour.
(function () {
  'use strict';
  var root = document.documentElement;
  var box = document.querySelector('div.marpit');
  var slides = Array.prototype.slice.call(document.querySelectorAll('div.marpit > div.deck-slide'));
  if (!box || !slides.length) return;

  var params = new URLSearchParams(location.search);
  var presenter = params.get('view') === 'presenter';
  var css = getComputedStyle(root);
  var width = parseFloat(css.getPropertyValue('--deck-width')) || 1280;
  var height = parseFloat(css.getPropertyValue('--deck-height')) || 720;
  var total = slides.length;
  var reduceMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  root.classList.add('deck-js');
  if (presenter) root.classList.add('deck-presenter');
  // marp-cli's bespoke options and the theme's @auto-scaling, as the page says them.
  var autoScaling = (root.getAttribute('data-deck-auto-scaling') || '');
  function scales(what) { return autoScaling === 'true' || autoScaling.indexOf(what) >= 0; }
  var transitionsOn = root.getAttribute('data-deck-transitions') !== 'false';

  // Fragments of each slide, in step order.
  var fragments = slides.map(function (s) { return fragmentsOf(s); });
  var state = { slide: -1, step: 0 };

  function el(tag, attrs, html) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (html) e.innerHTML = html;
    return e;
  }

  // ---- Chrome: controls, live region, overlays ------------------------------------------------
  var live = el('div', { 'class': 'deck-live', 'aria-live': 'polite', 'role': 'status' });
  var controls = el('nav', { 'class': 'deck-controls', 'aria-label': 'Slide controls' },
    '<button type="button" data-deck-action="prev" aria-label="Previous (Left arrow)">&#8249;</button>' +
    '<span class="deck-counter" aria-hidden="true"></span>' +
    '<button type="button" data-deck-action="next" aria-label="Next (Right arrow)">&#8250;</button>' +
    '<button type="button" data-deck-action="overview" aria-label="Overview (O)">&#9638;</button>' +
    '<button type="button" data-deck-action="presenter" aria-label="Presenter view (P)">&#9636;</button>' +
    '<button type="button" data-deck-action="fullscreen" aria-label="Fullscreen (F)">&#10530;</button>' +
    '<button type="button" data-deck-action="help" aria-label="Keyboard shortcuts (?)">?</button>');
  var black = el('div', { 'class': 'deck-black', 'aria-hidden': 'true' });
  var help = el('div', { 'class': 'deck-help', 'role': 'dialog', 'aria-label': 'Keyboard shortcuts', 'hidden': '' },
    '<h2>Keys</h2><table>' +
    '<tr><td>&rarr; &darr; Space PageDown</td><td>next step or slide</td></tr>' +
    '<tr><td>&larr; &uarr; Shift+Space PageUp</td><td>previous step or slide</td></tr>' +
    '<tr><td>Home / End</td><td>first / last slide</td></tr>' +
    '<tr><td>number, Enter</td><td>go to that slide</td></tr>' +
    '<tr><td>O</td><td>overview: click a slide, or arrows then Enter</td></tr>' +
    '<tr><td>P</td><td>presenter view (notes, next slide, timer)</td></tr>' +
    '<tr><td>F</td><td>fullscreen</td></tr>' +
    '<tr><td>B or .</td><td>black screen</td></tr>' +
    '<tr><td>?</td><td>this help</td></tr>' +
    '<tr><td>Esc</td><td>close</td></tr></table>');
  document.body.appendChild(live);
  if (root.getAttribute('data-deck-osc') !== 'false') document.body.appendChild(controls);
  var progress = null;
  if (root.getAttribute('data-deck-progress') === 'true') {
    progress = el('div', { 'class': 'deck-progress', 'aria-hidden': 'true' }, '<div class="deck-progress-bar"></div>');
    document.body.appendChild(progress);
  }
  document.body.appendChild(black);
  document.body.appendChild(help);
  var counter = controls.querySelector('.deck-counter');

  // ---- Presenter view -----------------------------------------------------------------------
  var pane = null, nextPane = null, notesPane = null, timerEl = null, clockEl = null, posEl = null;
  var started = Date.now();
  if (presenter) {
    var ui = el('div', { 'class': 'deck-presenter-ui' },
      '<div class="deck-p-current" aria-label="Current slide"></div>' +
      '<div class="deck-p-side">' +
      '<div class="deck-p-label">Next</div><div class="deck-p-next" aria-label="Next slide"></div>' +
      '<div class="deck-p-label">Notes</div><div class="deck-p-notes" aria-live="polite"></div>' +
      '</div>' +
      '<div class="deck-p-bar"><span class="deck-p-pos"></span>' +
      '<button type="button" class="deck-p-timer" title="Click to restart the timer">00:00</button>' +
      '<span class="deck-p-clock"></span></div>');
    document.body.appendChild(ui);
    pane = ui.querySelector('.deck-p-current');
    nextPane = ui.querySelector('.deck-p-next');
    notesPane = ui.querySelector('.deck-p-notes');
    timerEl = ui.querySelector('.deck-p-timer');
    clockEl = ui.querySelector('.deck-p-clock');
    posEl = ui.querySelector('.deck-p-pos');
    timerEl.addEventListener('click', function () { started = Date.now(); tick(); });
    document.title = 'Presenter: ' + document.title;
    setInterval(tick, 1000);
  }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function tick() {
    if (!timerEl) return;
    var s = Math.floor((Date.now() - started) / 1000);
    var h = Math.floor(s / 3600);
    timerEl.textContent = (h ? h + ':' : '') + pad(Math.floor(s / 60) % 60) + ':' + pad(s % 60);
    var now = new Date();
    clockEl.textContent = pad(now.getHours()) + ':' + pad(now.getMinutes());
  }

  // A copy of a slide for the presenter's "next" pane: all fragments shown, no duplicate ids.
  function preview(i) {
    nextPane.innerHTML = '';
    if (i >= total) {
      nextPane.appendChild(el('div', { 'class': 'deck-p-end' }, 'End of the deck'));
      return;
    }
    var copy = slides[i].cloneNode(true);
    copy.removeAttribute('id');
    copy.removeAttribute('aria-current');
    copy.setAttribute('aria-hidden', 'true');
    var withIds = copy.querySelectorAll('[id]');
    for (var k = 0; k < withIds.length; k++) withIds[k].removeAttribute('id');
    copy.classList.add('deck-preview');
    // Inside a .marpit wrapper so the deck's (scoped) theme CSS applies to it.
    var wrap = el('div', { 'class': 'marpit' });
    wrap.appendChild(copy);
    nextPane.appendChild(wrap);
    fitPreview();
  }

  // ---- Layout -----------------------------------------------------------------------------------
  function fit(node, rect) {
    var scale = Math.min(rect.width / width, rect.height / height);
    node.style.setProperty('--deck-scale', String(scale));
    node.style.setProperty('--deck-x', (rect.left + (rect.width - width * scale) / 2) + 'px');
    node.style.setProperty('--deck-y', (rect.top + (rect.height - height * scale) / 2) + 'px');
  }
  function layout() {
    var rect = pane ? pane.getBoundingClientRect()
      : { left: 0, top: 0, width: window.innerWidth, height: window.innerHeight };
    fit(box, rect);
    fitPreview();
  }
  // The preview is positioned inside its own pane.
  function fitPreview() {
    var copy = nextPane && nextPane.querySelector('.deck-preview');
    if (!copy) return;
    var r = nextPane.getBoundingClientRect();
    fit(copy, { left: 0, top: 0, width: r.width, height: r.height });
  }

  // Headings marked <!-- fit --> grow or shrink to the width of their slide, as in Marp, but never
  // taller than half the slide, so a short word cannot push the rest off the slide.
  function fitHeadings() {
    if (!scales('fittingHeader')) return;
    var heads = document.querySelectorAll('[data-deck-fit]');
    for (var i = 0; i < heads.length; i++) {
      var inner = heads[i].querySelector('[data-deck-fit-content]');
      if (!inner) continue;
      inner.style.fontSize = '';
      var avail = heads[i].clientWidth, natural = inner.offsetWidth, tall = inner.offsetHeight;
      if (avail > 0 && natural > 0 && tall > 0) {
        var size = parseFloat(getComputedStyle(inner).fontSize);
        inner.style.fontSize = (size * Math.min(avail / natural, (height / 2) / tall)) + 'px';
      }
    }
  }

  // Code blocks and display math wider than their slide shrink to fit its width, as Marp's
  // auto-scaling does (downscale only): the text gets smaller, the block keeps its padding.
  function fitWide() {
    var wanted = [];
    if (scales('code')) wanted.push('div.deck-slide > section pre > code');
    if (scales('math')) wanted.push('div.deck-slide > section math[display="block"]');
    if (!wanted.length) return;
    var blocks = document.querySelectorAll(wanted.join(', '));
    for (var i = 0; i < blocks.length; i++) {
      var el = blocks[i], box = el.parentElement;
      el.style.zoom = '';
      el.style.display = '';
      var cs = getComputedStyle(box);
      var avail = box.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      var range = document.createRange();
      range.selectNodeContents(el);
      // Rectangles are transformed by the viewer's scale; widths in layout pixels are not.
      var scale = box.getBoundingClientRect().width / (box.offsetWidth || 1) || 1;
      var natural = range.getBoundingClientRect().width / scale;
      // `zoom` scales the text and its letter spacing alike, as Marp's SVG scaling does.
      // A zoomed code element is a block, so its line spacing shrinks with its text as in
      // Marp's scaled SVG (an inline one keeps the pre's full-size line boxes).
      if (avail > 0 && natural > avail + 0.5) {
        el.style.zoom = String(avail / natural);
        if (el.tagName === 'CODE') el.style.display = 'block';
      }
    }
  }

  // ---- Navigation ---------------------------------------------------------------------------------
  function hashFor(slide, step) { return '#' + (slide + 1) + (step ? '.' + step : ''); }
  function fromHash() {
    var m = /^#(\d+)(?:\.(\d+))?$/.exec(location.hash);
    if (!m) return null;
    var slide = Math.max(0, Math.min(total - 1, parseInt(m[1], 10) - 1));
    return { slide: slide, step: Math.min(fragments[slide].length, parseInt(m[2] || '0', 10)) };
  }
  function label(i) { return slides[i].getAttribute('aria-label') || ('Slide ' + (i + 1)); }

  // Show slide `slide` at fragment step `step`. `how`: {history: 'push'|'replace'|'none', remote}.
  function go(slide, step, how) {
    how = how || {};
    slide = Math.max(0, Math.min(total - 1, slide));
    step = Math.max(0, Math.min(fragments[slide].length, step));
    if (slide === state.slide && step === state.step) return;
    var from = state.slide;
    if (from >= 0 && slide !== from && !how.remote && !presenter && transition(from, slide, function () { show(slide, step, how); })) return;
    show(slide, step, how);
  }
  function show(slide, step, how) {
    var slideChanged = slide !== state.slide;
    if (state.slide >= 0) slides[state.slide].removeAttribute('aria-current');
    slides[slide].setAttribute('aria-current', 'true');
    var frs = fragments[slide];
    for (var k = 0; k < frs.length; k++) {
      if (k < step) frs[k].setAttribute('data-deck-shown', '');
      else frs[k].removeAttribute('data-deck-shown');
    }
    state = { slide: slide, step: step };
    counter.textContent = (slide + 1) + ' / ' + total;
    if (progress) progress.firstChild.style.width = (total > 1 ? 100 * slide / (total - 1) : 100) + '%';
    if (slideChanged) live.textContent = label(slide) + ' (' + (slide + 1) + ' of ' + total + ')';
    var hash = hashFor(slide, step);
    if (location.hash !== hash && how.history !== 'none') {
      if (how.history === 'push' && slideChanged) history.pushState(null, '', hash);
      else history.replaceState(null, '', hash);
    }
    if (presenter) {
      preview(slide + 1);
      var notes = slides[slide].querySelector('.deck-notes');
      notesPane.innerHTML = notes ? notes.innerHTML : '<p class="deck-p-none">No notes for this slide.</p>';
      posEl.textContent = 'Slide ' + (slide + 1) + ' / ' + total +
        (frs.length ? ' \u00b7 step ' + step + ' / ' + frs.length : '');
    }
    if (!how.remote) broadcast();
  }
  function next() {
    if (state.step < fragments[state.slide].length) go(state.slide, state.step + 1, { history: 'push' });
    else if (state.slide < total - 1) go(state.slide + 1, 0, { history: 'push' });
  }
  function prev() {
    if (state.step > 0) go(state.slide, state.step - 1, { history: 'push' });
    else if (state.slide > 0) go(state.slide - 1, fragments[state.slide - 1].length, { history: 'push' });
  }

  // ---- Transitions: the `transition` directive, as marp-cli's bespoke template plays it --------
  // Going forward plays the current slide's `data-transition`, going back its
  // `data-transition-back`, with the View Transitions API: the old page animates out and the new
  // one in. Keyframes named marp-(outgoing|incoming)-transition-[backward-]NAME or
  // marp-transition-[backward-]NAME in the deck's CSS win; deck's own draw the built-in names.
  var keyframeNames = null;
  function keyframes() {
    if (keyframeNames) return keyframeNames;
    keyframeNames = {};
    var walk = function (rules) {
      for (var i = 0; rules && i < rules.length; i++) {
        if (rules[i].type === 7 /* KEYFRAMES_RULE */) keyframeNames[rules[i].name] = rules[i];
        else if (rules[i].cssRules) walk(rules[i].cssRules);
      }
    };
    for (var s = 0; s < document.styleSheets.length; s++) {
      try { walk(document.styleSheets[s].cssRules); } catch (e) { /* unreadable sheet */ }
    }
    return keyframeNames;
  }
  function transitionNames(data, back) {
    var k = keyframes(), name = data.name, out = null, inn = null, reverseIn = false;
    var pick = function (kind) {
      var tries = back ? ['marp-' + kind + '-transition-backward-' + name, 'marp-' + kind + '-transition-' + name]
        : ['marp-' + kind + '-transition-' + name];
      for (var i = 0; i < tries.length; i++) if (k[tries[i]]) return tries[i];
      return null;
    };
    out = pick('outgoing');
    inn = pick('incoming');
    if (!out && !inn) {
      var both = (back && k['marp-transition-backward-' + name]) ? 'marp-transition-backward-' + name
        : (k['marp-transition-' + name] ? 'marp-transition-' + name : null);
      if (both) { out = both; inn = both; reverseIn = true; }
    }
    if (!out && !inn && data.builtinFallback && k['deck-in-' + name]) {
      out = 'deck-out-' + name;
      inn = 'deck-in-' + name;
    }
    if (!out && !inn) return null;
    return { out: out, inn: inn, reverseIn: reverseIn };
  }
  var transitioning = false;
  function transition(from, to, update) {
    // One at a time: a key pressed during a transition moves on at once.
    if (!transitionsOn || !document.startViewTransition || transitioning) return false;
    var back = to < from;
    var section = slides[from].querySelector('section');
    var raw = section && section.getAttribute(back ? 'data-transition-back' : 'data-transition');
    if (!raw) return false;
    var data;
    try { data = JSON.parse(raw); } catch (e) { return false; }
    if (!data || !data.name || data.name === 'none') return false;
    var names = transitionNames(data, back);
    if (!names) return false;
    if (window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches) {
      names = { out: 'deck-reduced-out', inn: 'deck-reduced-in', reverseIn: false };
    }
    var duration = data.duration;
    if (!duration) {
      var rule = keyframes()[names.inn || names.out];
      var first = rule && rule.cssRules && rule.cssRules[0];
      var own = first && first.style && first.style.getPropertyValue('--marp-transition-duration');
      duration = (own && own.trim()) || '0.5s';
    }
    var css = ':root { --marp-transition-direction: ' + (back ? -1 : 1) + '; }\n' +
      '::view-transition-old(root) { animation: ' + (names.out ? names.out + ' ' + duration + ' both' : 'none') + '; }\n' +
      '::view-transition-new(root) { animation: ' + (names.inn ? names.inn + ' ' + duration + ' both' + (names.reverseIn ? ' reverse' : '') : 'none') + '; }';
    var style = el('style', { id: 'deck-transition' });
    style.textContent = css;
    var old = document.getElementById('deck-transition');
    if (old) old.remove();
    document.head.appendChild(style);
    var done = function () { style.remove(); transitioning = false; };
    transitioning = true;
    try {
      var t = document.startViewTransition(update);
      t.finished.then(done, done);
    } catch (e) {
      done();
      update();
    }
    return true;
  }

  // ---- Sync between the audience and presenter windows ------------------------------------------
  // BroadcastChannel reaches every window of this deck; window references (opener / the opened
  // presenter) are a fallback where file:// pages do not share a channel.
  var id = Math.random().toString(36).slice(2);
  var channelName = 'deck:' + location.pathname;
  var channel = null;
  try { channel = new BroadcastChannel(channelName); } catch (e) { channel = null; }
  var peer = null;
  function send(msg) {
    msg.deck = channelName;
    msg.sender = id;
    if (channel) channel.postMessage(msg);
    var targets = [window.opener, peer];
    for (var i = 0; i < targets.length; i++) {
      try { if (targets[i] && !targets[i].closed) targets[i].postMessage(msg, '*'); } catch (e) { /* closed */ }
    }
  }
  function broadcast() { send({ type: 'state', slide: state.slide, step: state.step }); }
  function receive(msg) {
    if (!msg || msg.deck !== channelName || msg.sender === id) return;
    if (msg.type === 'state') go(msg.slide, msg.step, { history: 'replace', remote: true });
    else if (msg.type === 'hello' && !presenter) broadcast();
  }
  if (channel) channel.onmessage = function (e) { receive(e.data); };
  window.addEventListener('message', function (e) { receive(e.data); });

  function openPresenter() {
    var url = location.href.split('#')[0].split('?')[0] + '?view=presenter' + hashFor(state.slide, state.step);
    peer = window.open(url, 'deck-presenter-' + channelName, 'width=1280,height=760');
  }

  // ---- Overlays -------------------------------------------------------------------------------------
  function toggleOverview(on) {
    if (presenter) return;
    var show = on === undefined ? !root.classList.contains('deck-overview') : on;
    root.classList.toggle('deck-overview', show);
    if (show) {
      slides[state.slide].scrollIntoView({ block: 'center' });
      slides[state.slide].focus({ preventScroll: true });
    } else {
      layout();
    }
  }
  function toggleHelp(on) {
    var show = on === undefined ? help.hasAttribute('hidden') : on;
    if (show) help.removeAttribute('hidden'); else help.setAttribute('hidden', '');
  }
  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else if (root.requestFullscreen) root.requestFullscreen().catch(function () { /* refused */ });
  }
  function wire(s) {
    s.setAttribute('tabindex', '-1');
    s.addEventListener('click', function () {
      if (root.classList.contains('deck-overview')) {
        go(slides.indexOf(s), 0, { history: 'push' });
        toggleOverview(false);
      }
    });
  }
  slides.forEach(wire);
  function fragmentsOf(s) {
    var items = Array.prototype.slice.call(s.querySelectorAll('[data-marpit-fragment]'));
    items.sort(function (a, b) { return a.getAttribute('data-marpit-fragment') - b.getAttribute('data-marpit-fragment'); });
    return items;
  }

  // Replace slide i by `node` (a div.deck-slide from a newer build), keeping the slide, the step
  // and the presenter's panes: the live server's in-place update.
  function replaceSlide(i, node) {
    if (i < 0 || i >= total) return false;
    var fresh = document.importNode(node, true);
    slides[i].parentNode.replaceChild(fresh, slides[i]);
    slides[i] = fresh;
    fragments[i] = fragmentsOf(fresh);
    wire(fresh);
    if (i === state.slide || i === state.slide + 1) {
      var keep = state;
      state = { slide: -1, step: 0 };
      go(keep.slide, keep.step, { history: 'none', remote: true });
    }
    fitHeadings();
    fitWide();
    return true;
  }
  controls.addEventListener('click', function (e) {
    var action = e.target.closest && e.target.closest('[data-deck-action]');
    if (!action) return;
    var what = action.getAttribute('data-deck-action');
    if (what === 'prev') prev();
    else if (what === 'next') next();
    else if (what === 'overview') toggleOverview();
    else if (what === 'presenter') openPresenter();
    else if (what === 'fullscreen') toggleFullscreen();
    else if (what === 'help') toggleHelp();
  });

  // ---- Input ----------------------------------------------------------------------------------------
  var typed = '';
  var typedAt = 0;
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var k = e.key;
    if (/^[0-9]$/.test(k)) {
      typed = (Date.now() - typedAt < 2000 ? typed : '') + k;
      typedAt = Date.now();
      e.preventDefault();
      return;
    }
    if (k === 'Enter' && !typed && root.classList.contains('deck-overview')) {
      toggleOverview(false);
      e.preventDefault();
      return;
    }
    if (k === 'Enter' && typed && Date.now() - typedAt < 2000) {
      go(parseInt(typed, 10) - 1, 0, { history: 'push' });
      typed = '';
      e.preventDefault();
      return;
    }
    typed = '';
    if (k === 'Escape') {
      toggleHelp(false);
      toggleOverview(false);
      root.classList.remove('deck-blacked');
      return;
    }
    var overview = root.classList.contains('deck-overview');
    if (overview && (k === 'ArrowRight' || k === 'ArrowDown')) { go(state.slide + 1, 0, { history: 'push' }); slides[state.slide].scrollIntoView({ block: 'nearest' }); }
    else if (overview && (k === 'ArrowLeft' || k === 'ArrowUp')) { go(state.slide - 1, 0, { history: 'push' }); slides[state.slide].scrollIntoView({ block: 'nearest' }); }
    else if (k === 'ArrowRight' || k === 'ArrowDown' || k === 'PageDown' || (k === ' ' && !e.shiftKey)) next();
    else if (k === 'ArrowLeft' || k === 'ArrowUp' || k === 'PageUp' || (k === ' ' && e.shiftKey)) prev();
    else if (k === 'Home') go(0, 0, { history: 'push' });
    else if (k === 'End') go(total - 1, 0, { history: 'push' });
    else if (k === 'o' || k === 'O') toggleOverview();
    else if (k === 'p' || k === 'P') { if (!presenter) openPresenter(); }
    else if (k === 'f' || k === 'F') toggleFullscreen();
    else if (k === 'b' || k === 'B' || k === '.') root.classList.toggle('deck-blacked');
    else if (k === '?') toggleHelp();
    else return;
    e.preventDefault();
  });

  // Mouse wheel: one step per gesture (a trackpad sends dozens of events).
  var wheelAt = 0;
  var wheelSum = 0;
  window.addEventListener('wheel', function (e) {
    if (root.classList.contains('deck-overview') || presenter) return;
    e.preventDefault();
    wheelSum += e.deltaY;
    var now = Date.now();
    if (Math.abs(wheelSum) < 40 || now - wheelAt < 400) return;
    if (wheelSum > 0) next(); else prev();
    wheelSum = 0;
    wheelAt = now;
  }, { passive: false });

  // Touch: a horizontal swipe changes step.
  var touch = null;
  window.addEventListener('touchstart', function (e) {
    if (e.touches.length === 1) touch = { x: e.touches[0].clientX, y: e.touches[0].clientY };
  }, { passive: true });
  window.addEventListener('touchend', function (e) {
    if (!touch || root.classList.contains('deck-overview')) return;
    var dx = e.changedTouches[0].clientX - touch.x;
    var dy = e.changedTouches[0].clientY - touch.y;
    touch = null;
    if (Math.abs(dx) > 50 && Math.abs(dx) > Math.abs(dy)) { if (dx < 0) next(); else prev(); }
  }, { passive: true });

  // Controls fade out when the mouse rests.
  var idleTimer = null;
  function wake() {
    root.classList.remove('deck-idle');
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { root.classList.add('deck-idle'); }, 2000);
  }
  window.addEventListener('mousemove', wake);
  root.classList.add('deck-idle');

  window.addEventListener('popstate', function () {
    var h = fromHash();
    if (h) go(h.slide, h.step, { history: 'none' });
  });
  window.addEventListener('hashchange', function () {
    var h = fromHash();
    if (h) go(h.slide, h.step, { history: 'none' });
  });
  window.addEventListener('resize', layout);
  window.addEventListener('beforeprint', function () { root.classList.remove('deck-overview'); });

  fitHeadings();
  fitWide();
  if (document.fonts && document.fonts.ready) {
    document.fonts.ready.then(function () { fitHeadings(); fitWide(); });
  }
  var start = fromHash() || { slide: 0, step: 0 };
  go(start.slide, start.step, { history: 'replace', remote: true });
  layout();
  tick();
  if (presenter) send({ type: 'hello' });
  if (reduceMotion) root.classList.add('deck-reduced-motion');

  // For tests and tools: the viewer's state.
  window.deck = {
    state: function () { return { slide: state.slide + 1, step: state.step, total: total, presenter: presenter }; },
    go: function (slide, step) { go(slide - 1, step || 0, { history: 'push' }); },
    replaceSlide: replaceSlide
  };
})();
