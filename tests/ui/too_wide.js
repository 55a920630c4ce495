// Elements that stick out of the viewport sideways (not those inside a box that clips or scrolls
// them, such as the zoomed picture or a table's own scroller), and the page itself if it scrolls
// sideways. Evaluated by the browser tests (tests/ui/helpers.py).
(() => {
  const width = document.documentElement.clientWidth;
  const clipped = (e) => { for (let p = e.parentElement; p; p = p.parentElement) {
    if (/(hidden|auto|scroll|clip)/.test(getComputedStyle(p).overflowX)) return true; } return false; };
  const out = [...document.querySelectorAll('body *')].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && (r.right > width + 1 || r.left < -1) && !clipped(e);
  }).map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`);
  if (document.documentElement.scrollWidth > width) out.unshift(`page ${document.documentElement.scrollWidth}px`);
  return out;
})()
