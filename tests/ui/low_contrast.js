// Visible text under WCAG AA contrast (4.5:1, or 3:1 for large text) against its solid background.
// Text on pictures and on inactive, faded controls is left out, as WCAG does. Evaluated by the
// browser tests (tests/ui/helpers.py).
(() => {
  const parse = (c) => { const p = (c.match(/rgba?\(([^)]+)\)/) || [, ""])[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return p.length < 3 ? null : { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const over = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a), a: 1 });
  const lum = (c) => ["r", "g", "b"].map((k) => { const v = c[k] / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const backdrop = (el) => { const chain = []; for (let e = el; e; e = e.parentElement) chain.unshift(e);
    let bg = { r: 255, g: 255, b: 255, a: 1 };
    for (const e of chain) { const s = getComputedStyle(e); if (s.backgroundImage !== "none") return null;
      const c = parse(s.backgroundColor); if (c && c.a > 0) bg = over(c, bg); }
    return bg; };
  const bad = []; const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(el)) continue;
    seen.add(el);
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || el.closest(":disabled, [hidden], .visually-hidden, .skip-link, option, svg")) continue;
    let opacity = 1; for (let e = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    const s = getComputedStyle(el); const bg = backdrop(el);
    if (opacity < 1 || s.visibility === "hidden" || !bg) continue;
    const fg = over(parse(s.color), bg); const [a, b] = [lum(fg), lum(bg)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(s.fontSize); const large = size >= 24 || (Number(s.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) bad.push(`"${walker.currentNode.textContent.trim().slice(0, 40)}" ${ratio.toFixed(2)}:1`);
  }
  return bad;
})()
