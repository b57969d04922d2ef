// Drawing helpers shared by every panel: elements, boards of square cells, colours, names, indices.
"use strict";

const TconvSvg = (() => {
  // The SVG namespace, read from the HTML parser (so the page holds no address of any kind).
  const NS = (() => { const d = document.createElement("div"); d.innerHTML = "<svg></svg>"; return d.firstChild.namespaceURI; })();

  // How the drawings look; also written into an exported SVG file.
  const SVG_CSS = `
    .cell { fill: #fff; stroke: #8d8d99; stroke-width: 1; }
    .cell.pad { fill: #ececf1; stroke-dasharray: 3 2; }
    .cell.zero { fill: #f4f4f7; }
    .cell.crop { fill: url(#tconv-hatch); stroke: #b4b4be; }
    .cell.unreached { fill: #fbfbfd; stroke-dasharray: 2 2; }
    .cell.copy { stroke: #fff; stroke-width: 1; opacity: 0.5; }
    .cell.hot { cursor: pointer; }
    .outpad { fill: none; stroke: #0072b2; stroke-width: 2.5; stroke-dasharray: 5 3; pointer-events: none; }
    .lbl { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: #222; text-anchor: middle; dominant-baseline: central; pointer-events: none; }
    .lbl.muted { fill: #8a8a96; }
    .lbl.small { font-size: 9px; }
    .lbl.white { fill: #fff; }
    .side { font: 12px system-ui, "DejaVu Sans", sans-serif; fill: #444; dominant-baseline: central; }
    .side.end { text-anchor: end; }
    .lit { stroke: #222; stroke-width: 1.6; }
    .cut { opacity: 0.45; stroke-dasharray: 3 2; }
    .focus { fill: none; stroke: #d55e00; stroke-width: 3; pointer-events: none; }
    .band { fill: #e69f00; opacity: 0.22; pointer-events: none; }
    .rowbox { fill: none; stroke: #d55e00; stroke-width: 2; pointer-events: none; }
    .mbg { fill: #fff; stroke: #8d8d99; }
    .mgrid { stroke: #e3e3ea; stroke-width: 1; }
    .mtick { font: 9px system-ui, "DejaVu Sans", sans-serif; fill: #777; text-anchor: middle; dominant-baseline: central; }
  `;

  const $ = (id) => document.getElementById(id);
  const range = (n) => [...Array(n).keys()];
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  const times = (sizes) => sizes.join(" × ");
  const axisText = (values) => (values.every((v) => v === values[0]) ? String(values[0]) : times(values));

  function make(create, tag, attrs, parent, text) {
    const node = create(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== null) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  const el = (tag, attrs = {}, parent = null, text = null) => make((t) => document.createElement(t), tag, attrs, parent, text);
  const svgEl = (tag, attrs = {}, parent = null, text = null) =>
    make((t) => document.createElementNS(NS, t), tag, attrs, parent, text);

  // Row-major flattening of a multi-index over `dims`, and back; every multi-index of `dims`.
  const flat = (idx, dims) => idx.reduce((acc, v, x) => acc * dims[x] + v, 0);
  function unflat(pos, dims) {
    const out = new Array(dims.length);
    for (let x = dims.length - 1; x >= 0; x--) { out[x] = pos % dims[x]; pos = Math.floor(pos / dims[x]); }
    return out;
  }
  const allIndices = (dims) => range(dims.reduce((p, v) => p * v, 1)).map((p) => unflat(p, dims));

  // Each kernel tap its own colour (golden-angle hues, light enough for black text) and name (w01).
  const tapColor = (t) => `hsl(${(t * 137.508 + 205) % 360}, 68%, 74%)`;
  const tapName = (tap, g) => "w" + unflat(tap, g.kernel).join("");
  const cellName = (letter, pos, dims) => `${letter}[${unflat(pos, dims).join(",")}]`;

  // A count as a colour: from a pale cream to tconv's blue, by the fraction t of the largest count.
  function heat(t) {
    const lo = [247, 244, 233], hi = [0, 88, 155];
    return `rgb(${lo.map((v, n) => Math.round(v + (hi[n] - v) * t)).join(",")})`;
  }

  // One <svg> holding grids of square cells, with an overlay group on top for the highlights.
  function board(width, height, parent, label) {
    const svg = svgEl("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label }, parent);
    const base = svgEl("g", {}, svg);
    const overlay = svgEl("g", { "pointer-events": "none" }, svg);     // the highlight never hides a cell
    return { svg, base, overlay };
  }

  // A grid of rows x cols cells of `size` pixels at (x0, y0) on board b.
  function grid(b, x0, y0, rows, cols, size) {
    return { b, x0, y0, rows, cols, size, xy: (r, c) => [x0 + c * size, y0 + r * size] };
  }

  function cell(gr, r, c, cls, data = {}, fill = null) {
    const [x, y] = gr.xy(r, c);
    const attrs = { x, y, width: gr.size, height: gr.size, class: `cell ${cls}`.trim() };
    if (fill) attrs.style = `fill:${fill}`;       // a style, so that it wins over the .cell rule
    for (const [k, v] of Object.entries(data)) attrs[`data-${k}`] = v;
    return svgEl("rect", attrs, gr.b.base);
  }

  function label(gr, r, c, text, cls = "", layer = "base") {
    if (text === null || text === undefined || text === "" || gr.size < 11) return null;
    const [x, y] = gr.xy(r, c);
    const small = String(text).length > 2 || gr.size < 16;
    return svgEl("text", { x: x + gr.size / 2, y: y + gr.size / 2, class: `lbl ${small ? "small" : ""} ${cls}`.trim() },
                 gr.b[layer], String(text));
  }

  const sideText = (b, x, y, text, end = false) => svgEl("text", { x, y, class: `side ${end ? "end" : ""}`.trim() }, b.base, text);

  // A box with a title above its drawing (2-D: one box per grid, so narrow windows wrap them).
  function gridBox(parent, title, note) {
    const box = el("div", { class: "grid-box" }, parent);
    el("div", { class: "title" }, box, title);
    const holder = el("div", {}, box);
    if (note) el("div", { class: "note" }, box, note);
    return holder;
  }

  const cellSize = (count, width, low = 12, high = 34) => clamp(Math.floor(width / Math.max(count, 1)), low, high);

  // The hatching of cropped cells, defined once in the page (and copied into an exported SVG).
  function addDefinitions() {
    el("style", {}, document.head, SVG_CSS);
    const holder = svgEl("svg", { id: "tconv-defs", width: 0, height: 0, style: "position:absolute" }, document.body);
    const defs = svgEl("defs", {}, holder);
    const hatch = svgEl("pattern", { id: "tconv-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse",
                                      patternTransform: "rotate(45)" }, defs);
    svgEl("rect", { width: 6, height: 6, fill: "#fafafc" }, hatch);
    svgEl("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#9a9aa6", "stroke-width": 1.6 }, hatch);
  }

  return { SVG_CSS, $, range, clamp, times, axisText, el, svgEl, flat, unflat, allIndices, tapColor, tapName, cellName,
           heat, board, grid, cell, label, sideText, gridBox, cellSize, addDefinitions };
})();
