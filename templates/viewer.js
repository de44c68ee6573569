// deck's viewer: one slide at a time, scaled to fit the window, driven by keys and the URL hash.
(function () {
  'use strict';
  var root = document.documentElement;
  var slides = Array.prototype.slice.call(document.querySelectorAll('div.marpit > div.deck-slide'));
  if (!slides.length) return;
  root.classList.add('deck-js');
  var box = document.querySelector('div.marpit');
  var style = getComputedStyle(root);
  var width = parseFloat(style.getPropertyValue('--deck-width')) || 1280;
  var height = parseFloat(style.getPropertyValue('--deck-height')) || 720;
  var current = -1;

  // Headings marked <!-- fit --> grow or shrink to the width of their slide, as in Marp, but
  // never taller than half the slide, so a short word cannot push the rest off the slide.
  function fitHeadings() {
    var heads = document.querySelectorAll('[data-deck-fit]');
    for (var i = 0; i < heads.length; i++) {
      var h = heads[i];
      var inner = h.querySelector('[data-deck-fit-content]');
      if (!inner) continue;
      inner.style.fontSize = '';
      var avail = h.clientWidth;
      var natural = inner.offsetWidth;
      var tall = inner.offsetHeight;
      if (avail > 0 && natural > 0 && tall > 0) {
        var size = parseFloat(getComputedStyle(inner).fontSize);
        var scale = Math.min(avail / natural, (height / 2) / tall);
        inner.style.fontSize = (size * scale) + 'px';
      }
    }
  }

  function layout() {
    var scale = Math.min(window.innerWidth / width, window.innerHeight / height);
    box.style.setProperty('--deck-scale', String(scale));
    box.style.setProperty('--deck-x', ((window.innerWidth - width * scale) / 2) + 'px');
    box.style.setProperty('--deck-y', ((window.innerHeight - height * scale) / 2) + 'px');
  }

  // `#5` is slide 5; other fragments (footnotes) stay on the current slide.
  function fromHash() {
    var m = /^#(\d+)$/.exec(location.hash);
    if (!m) return current < 0 ? 0 : current;
    return Math.max(0, Math.min(slides.length - 1, parseInt(m[1], 10) - 1));
  }

  function show(index, updateHash) {
    index = Math.max(0, Math.min(slides.length - 1, index));
    if (index === current) return;
    if (current >= 0) slides[current].removeAttribute('aria-current');
    slides[index].setAttribute('aria-current', 'true');
    current = index;
    if (updateHash && location.hash !== '#' + (index + 1)) {
      history.replaceState(null, '', '#' + (index + 1));
    }
  }

  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var k = e.key;
    var next = k === 'ArrowRight' || k === 'ArrowDown' || k === 'PageDown' || (k === ' ' && !e.shiftKey);
    var prev = k === 'ArrowLeft' || k === 'ArrowUp' || k === 'PageUp' || (k === ' ' && e.shiftKey);
    if (next) show(current + 1, true);
    else if (prev) show(current - 1, true);
    else if (k === 'Home') show(0, true);
    else if (k === 'End') show(slides.length - 1, true);
    else return;
    e.preventDefault();
  });
  window.addEventListener('hashchange', function () { show(fromHash(), false); });
  window.addEventListener('resize', layout);

  fitHeadings();
  layout();
  show(fromHash(), false);
})();
