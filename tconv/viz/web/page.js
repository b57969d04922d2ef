// The explorer page: controls, drawing, linked highlighting, the link in the address bar, the API.
// All arithmetic comes from TconvArithmetic (arithmetic.js); this file only draws and listens.
"use strict";

(() => {
  const A = TconvArithmetic;
  const DATA = JSON.parse(document.getElementById("tconv-explorer-data").textContent);
  const LIMITS = DATA.limits;
  const $ = (id) => document.getElementById(id);
  const PER_AXIS = ["input", "kernel", "stride", "padding", "dilation", "output_padding", "output_size"];
  const SETTINGS = [...PER_AXIS, "mode", "view", "numbers", "seed"];

  // The SVG namespace, read from the HTML parser (so this file holds no address of any kind).
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

  // ------------------------------------------------------------------ small helpers

  const clone = (value) => JSON.parse(JSON.stringify(value));
  const range = (n) => [...Array(n).keys()];
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  const times = (sizes) => sizes.join(" × ");
  const axisText = (values) => (values.every((v) => v === values[0]) ? String(values[0]) : times(values));

  function el(tag, attrs = {}, parent = null, text = null) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== null) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function svgEl(tag, attrs = {}, parent = null, text = null) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== null) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  // Row-major flattening of a multi-index over `dims`, and back.
  const flat = (idx, dims) => idx.reduce((acc, v, x) => acc * dims[x] + v, 0);
  function unflat(pos, dims) {
    const out = new Array(dims.length);
    for (let x = dims.length - 1; x >= 0; x--) { out[x] = pos % dims[x]; pos = Math.floor(pos / dims[x]); }
    return out;
  }
  // Every multi-index of `dims`, row-major.
  const allIndices = (dims) => range(A.product(dims)).map((p) => unflat(p, dims));

  // Each kernel tap its own colour (golden-angle hues, light enough for black text); also a name.
  const tapColor = (t) => `hsl(${(t * 137.508 + 205) % 360}, 68%, 74%)`;
  const tapName = (tap, g) => "w" + unflat(tap, g.kernel).join(g.ndim > 1 ? "" : "");
  const cellName = (letter, pos, dims) => `${letter}[${unflat(pos, dims).join(",")}]`;

  // ------------------------------------------------------------------ state

  const initial = DATA.initial;
  let state = normalizeState(clone(initial));
  let linked = state.params.input.length === 2 && PER_AXIS.every((name) => isUniform(state.params[name]));
  let sizeBy = state.params.output_size ? "output_size" : "output_padding";
  let padKind = state.params.padding.some(Array.isArray) ? "pairs" : "symmetric";
  let current = null;          // the last valid geometry and everything derived from it
  let message = null;          // tconv's message about the state (an invalid geometry), or null
  let refused = null;          // the message about a malformed request (the state did not change), or null
  let step = 0;
  let pinned = null;           // a clicked cell: {side, pos}
  let hovered = null;          // the cell under the pointer
  let matrixCell = null;       // [row, col] under the pointer in the matrix
  let timer = null;
  let writtenHash = null;

  function isUniform(values) {
    if (!values) return true;
    return values.every((v) => JSON.stringify(v) === JSON.stringify(values[0]));
  }

  function normalizeState(s) {
    s.view = s.view === "equivalent" ? "equivalent" : "direct";
    s.numbers = Boolean(s.numbers);
    s.seed = Number.isSafeInteger(s.seed) && s.seed >= 0 ? s.seed : 0;
    return s;
  }

  class SettingError extends Error {}

  // An int, or the message the command line gives for a token that is not one.
  function toInt(name, token) {
    if (typeof token === "number" && Number.isSafeInteger(token)) return token;
    if (typeof token === "string" && /^\s*-?\d+\s*$/.test(token) && Number.isSafeInteger(Number(token))) {
      return Number(token);
    }
    throw new SettingError(`${name}: ${JSON.stringify(String(token)).replace(/^"|"$/g, "'")} is not an int`);
  }

  // One value per axis: an int (every axis) or a list of one or ndim values.
  function perAxis(name, value, ndim, entry = toInt) {
    const values = Array.isArray(value) ? value : [value];
    if (name === "padding" && Array.isArray(value) && value.length === 2 && ndim === 1 && !value.some(Array.isArray)) {
      // a lone [before, after] pair in 1-D
      return [[toInt(name, value[0]), toInt(name, value[1])]];
    }
    const parsed = values.map((v) => entry(name, v));
    if (parsed.length === 1) return range(ndim).map(() => clone(parsed[0]));
    if (parsed.length !== ndim) {
      throw new SettingError(`${name} has ${parsed.length} values but input has ${ndim}: give one value for every ` +
        "axis or one per axis");
    }
    return parsed;
  }

  const padEntry = (name, v) => (Array.isArray(v) ? (v.length === 2 ? [toInt(name, v[0]), toInt(name, v[1])]
    : (() => { throw new SettingError(`${name}: a padding pair is [before, after] (two ints), got ${JSON.stringify(v)}`); })())
    : toInt(name, v));

  // The parameters after `changes` (a partial get()), or a SettingError for a malformed request.
  // Parameters not mentioned keep their value, adapted to a new number of axes; a convolution has
  // no output_padding, so switching to one drops it (asking for both at once is an error).
  function merge(base, changes) {
    for (const key of Object.keys(changes)) {
      if (!SETTINGS.includes(key)) {
        throw new SettingError(`unknown setting ${JSON.stringify(key)}; the settings are ${SETTINGS.join(", ")}`);
      }
    }
    const next = clone(base);
    const p = next.params;
    if ("mode" in changes) {
      if (!["conv", "transposed"].includes(changes.mode)) {
        throw new SettingError(`mode=${JSON.stringify(changes.mode)} must be conv or transposed`);
      }
      p.mode = changes.mode;
    }
    let ndim = p.input.length;
    if ("input" in changes) {
      const count = Array.isArray(changes.input) ? changes.input.length : ndim;
      if (count < 1 || count > 2) {
        throw new SettingError(`input has ${count} values; the explorer draws 1-D and 2-D geometries ` +
          "(tconv explain describes 3-D ones)");
      }
      ndim = count;
    }
    for (const name of PER_AXIS) {
      const entry = name === "padding" ? padEntry : toInt;
      if (name in changes) {
        p[name] = changes[name] === null && name === "output_size" ? null : perAxis(name, changes[name], ndim, entry);
      } else if (p[name] && p[name].length !== ndim) {
        p[name] = range(ndim).map((x) => clone(p[name][Math.min(x, p[name].length - 1)]));
      }
    }
    if ("output_padding" in changes && !("output_size" in changes)) p.output_size = null;
    if (p.mode === "conv") {
      const asked = ("output_padding" in changes && p.output_padding.some((v) => v !== 0)) ||
        ("output_size" in changes && p.output_size !== null);
      if (asked) {
        throw new SettingError("output_padding and output_size only apply to a transposed convolution " +
          "(set mode=transposed)");
      }
      p.output_padding = range(ndim).map(() => 0);
      p.output_size = null;
    }
    if ("view" in changes) {
      if (!["direct", "equivalent"].includes(changes.view)) {
        throw new SettingError(`view=${JSON.stringify(changes.view)} must be direct or equivalent`);
      }
      next.view = changes.view;
    }
    if ("numbers" in changes) next.numbers = [true, 1, "1", "true", "yes"].includes(changes.numbers);
    if ("seed" in changes) {
      const seed = toInt("seed", changes.seed);
      if (seed < 0) throw new SettingError(`seed=${seed} must be a non-negative int`);
      next.seed = seed;
    }
    return next;
  }

  // tconv's own rules first (the same words as tconv explain), then the explorer's size limits.
  function evaluate(params) {
    let g;
    try {
      g = A.geometry(params);
    } catch (error) {
      if (error instanceof A.RuleError) return { error: error.message };
      throw error;
    }
    const limit = A.limitMessage(g, params.padding, LIMITS);
    return limit ? { error: limit } : { g };
  }

  // ------------------------------------------------------------------ the link (state in the address)

  const listText = (values) => values.map((v) => (Array.isArray(v) ? `${v[0]}:${v[1]}` : String(v))).join(",");

  function hashOf(s) {
    const p = s.params;
    const parts = [`input=${listText(p.input)}`, `kernel=${listText(p.kernel)}`, `stride=${listText(p.stride)}`,
      `padding=${listText(p.padding)}`, `dilation=${listText(p.dilation)}`];
    if (p.mode === "transposed") {
      parts.push(p.output_size ? `output_size=${listText(p.output_size)}` : `output_padding=${listText(p.output_padding)}`);
    }
    parts.push(`mode=${p.mode}`);
    if (s.view === "equivalent") parts.push("view=equivalent");
    if (s.numbers) parts.push("numbers=1");
    if (s.seed) parts.push(`seed=${s.seed}`);
    return parts.join("&");
  }

  // The settings a link asks for; what it leaves out takes tconv explain's defaults.
  function parseHash(text) {
    const changes = { stride: 1, padding: 0, dilation: 1, output_padding: 0, output_size: null, mode: "conv",
                      view: "direct", numbers: false, seed: 0 };
    for (const part of text.replace(/^#/, "").split("&")) {
      if (!part) continue;
      const at = part.indexOf("=");
      const key = decodeURIComponent(at < 0 ? part : part.slice(0, at)).trim().replace(/-/g, "_");
      const raw = decodeURIComponent(at < 0 ? "" : part.slice(at + 1)).trim();
      if (PER_AXIS.includes(key)) {
        changes[key] = raw.split(",").map((token) => (key === "padding" && token.includes(":")
          ? token.split(":") : token));
      } else {
        changes[key] = raw;
      }
    }
    if (changes.mode === "conv") {          // a convolution has neither; asking for one is an error
      if (changes.output_size === null) delete changes.output_size;
      if (changes.output_padding === 0) delete changes.output_padding;
    }
    return changes;
  }

  function writeHash() {
    const hash = hashOf(state);
    if (hash === writtenHash) return;
    writtenHash = hash;
    try {
      history.replaceState(null, "", `#${hash}`);
    } catch (error) {
      // a sandboxed frame (a notebook) may not change its address; the page works the same
    }
  }

  function readHash(link = location.hash) {
    const text = (link || "").replace(/^#/, "");
    if (!text || text === writtenHash) return;
    writtenHash = text;
    const base = clone(state);
    const hashed = parseHash(text);
    if (!("input" in hashed)) hashed.input = base.params.input;
    if (!("kernel" in hashed)) hashed.kernel = base.params.kernel;
    apply(hashed, "link");
  }

  // ------------------------------------------------------------------ applying a change

  // Change the state; returns null, or the message now shown (a malformed request keeps the old state).
  function apply(changes, source = "api") {
    stopPlaying();
    let next;
    try {
      next = merge(state, changes);
    } catch (error) {
      if (!(error instanceof SettingError)) throw error;
      refused = error.message;
      showMessage(source === "link" ? "This link asks for something the explorer cannot show:" :
        "The explorer cannot use this setting:");
      return refused;
    }
    refused = null;
    state = next;
    if ("output_size" in changes && changes.output_size !== null) sizeBy = "output_size";
    if ("output_padding" in changes && !("output_size" in changes)) sizeBy = "output_padding";
    if (state.params.padding.some(Array.isArray)) padKind = "pairs";
    if (state.params.input.length === 1) linked = false;
    else if (source !== "control") linked = PER_AXIS.every((name) => isUniform(state.params[name]));
    pinned = null;                  // positions of the old geometry mean nothing in the new one
    hovered = null;
    matrixCell = null;
    refresh();
    return message;
  }

  function refresh() {
    const result = evaluate(state.params);
    message = result.error || null;
    if (result.g) {
      current = derive(result.g);
      step = clamp(step, 0, current.steps - 1);
    }
    syncControls();
    writeHash();
    showMessage(null);
    if (result.g) draw();
  }

  // Everything the drawings need about one geometry.
  function derive(g) {
    const entries = A.entries(g);
    const byFeature = range(A.product(g.feature)).map(() => []);
    const byImage = range(A.product(g.image)).map(() => []);
    for (const [m, j, t] of entries) {
      byFeature[m].push([j, t]);
      byImage[j].push([m, t]);
    }
    const values = A.values(g, state.seed);
    const equivalentView = g.transposed && state.view === "equivalent";
    // what one step selects: an output position (conv, equivalent view) or an input pixel (scatter view)
    const stepSide = g.transposed && !equivalentView ? "feature" : g.transposed ? "image" : "feature";
    const steps = A.product(stepSide === "feature" ? g.feature : g.image);
    return { g, entries, byFeature, byImage, values, overlap: A.overlap(g), matrix: null, equivalentView, stepSide, steps,
             spell: A.spellings(g), sizes: A.inputSizes(g) };
  }

  // ------------------------------------------------------------------ controls

  const SLIDERS = [
    ["input", "input", 1, () => LIMITS.side[state.params.input.length]],
    ["kernel", "kernel", 1, () => LIMITS.kernel_size],
    ["stride", "stride", 1, () => LIMITS.stride],
    ["padding", "padding", 0, () => LIMITS.padding],
    ["dilation", "dilation", 1, () => LIMITS.dilation],
    ["output_padding", "output_padding", 0, () => 3],
    ["output_size", "output_size", 1, () => LIMITS.side[state.params.input.length]],
  ];

  function buildSliders() {
    const box = $("sliders");
    box.textContent = "";
    const p = state.params;
    const ndim = p.input.length;
    const transposed = p.mode === "transposed";
    for (const [name, label, low, high] of SLIDERS) {
      if ((name === "output_padding" || name === "output_size") && (!transposed || sizeBy !== name)) continue;
      const row = el("div", { class: "param", id: `param-${name}` }, box);
      const head = el("div", { class: "name" }, row);
      el("span", {}, head, name === "input" && transposed ? "input (the small side)" : label);
      if (name === "padding") {
        const select = el("select", { id: "pad-kind", "aria-label": "padding kind" }, head);
        for (const [value, text] of [["symmetric", "same both sides"], ["pairs", "before / after"]]) {
          el("option", { value }, select, text).selected = padKind === value;
        }
        select.addEventListener("change", () => {
          padKind = select.value;
          const pads = p.padding.map((v) => (padKind === "pairs" ? (Array.isArray(v) ? v : [v, v]) : (Array.isArray(v) ? v[0] : v)));
          apply({ padding: pads }, "control");
        });
      }
      if (name === "output_padding" || name === "output_size") {
        const select = el("select", { id: "size-by", "aria-label": "choose the output size by" }, head);
        for (const value of ["output_padding", "output_size"]) el("option", { value }, select, value).selected = sizeBy === value;
        select.addEventListener("change", () => {
          sizeBy = select.value;
          if (sizeBy === "output_size") apply({ output_size: current ? A.operatorOutput(current.g) : p.input }, "control");
          else apply({ output_padding: current ? current.g.outputPadding : 0 }, "control");
        });
      }
      const value = p[name] || range(ndim).map(() => low);
      const axes = linked ? [0] : range(ndim);
      for (const x of axes) {
        const parts = name === "padding" && padKind === "pairs" ? [["before", 0], ["after", 1]] : [[null, null]];
        for (const [partName, part] of parts) {
          const line = el("div", { class: "axis" }, row);
          const tag = [ndim > 1 && !linked ? `axis ${x}` : "", partName || ""].filter(Boolean).join(" ");
          el("span", { class: "tag" }, line, tag);
          const entry = value[x];
          const current = part === null ? (Array.isArray(entry) ? entry[0] : entry) : (Array.isArray(entry) ? entry[part] : entry);
          const aria = `${name}${ndim > 1 && !linked ? ` axis ${x}` : ""}${partName ? ` ${partName}` : ""}`;
          const slider = el("input", { type: "range", min: low, max: high(), step: 1, value: current, "aria-label": aria,
                                       "data-name": name, "data-axis": x, "data-part": part === null ? "" : part }, line);
          const box2 = el("input", { type: "number", step: 1, value: current, "aria-label": `${aria} (number)`,
                                     "data-name": name, "data-axis": x, "data-part": part === null ? "" : part }, line);
          slider.addEventListener("input", () => { box2.value = slider.value; fromControl(slider); });
          box2.addEventListener("change", () => { slider.value = box2.value; fromControl(box2); });
        }
      }
    }
    $("linked-label").hidden = ndim < 2;
  }

  // A slider or number box moved: write its value into the parameter (both axes when linked).
  function fromControl(input) {
    const name = input.dataset.name;
    const x = Number(input.dataset.axis);
    const part = input.dataset.part === "" ? null : Number(input.dataset.part);
    let value;
    try {
      value = toInt(name, input.value);
    } catch (error) {
      refused = error.message;
      showMessage(null);
      return;
    }
    const p = state.params;
    const ndim = p.input.length;
    const values = clone(p[name] || range(ndim).map(() => 0));
    for (const axis of linked ? range(ndim) : [x]) {
      if (part === null) values[axis] = value;
      else {
        const pair = Array.isArray(values[axis]) ? values[axis] : [values[axis], values[axis]];
        pair[part] = value;
        values[axis] = pair;
      }
    }
    apply({ [name]: values }, "control");
  }

  let builtFor = null;

  function syncControls() {
    const p = state.params;
    const key = JSON.stringify([p.input.length, p.mode, linked, sizeBy, padKind]);
    if (key !== builtFor) {
      buildSliders();
      builtFor = key;
    } else {
      for (const input of $("sliders").querySelectorAll("input[data-name]")) {
        const values = p[input.dataset.name];
        if (!values) continue;
        const entry = values[Number(input.dataset.axis)];
        const part = input.dataset.part === "" ? null : Number(input.dataset.part);
        const value = Array.isArray(entry) ? entry[part === null ? 0 : part] : entry;
        if (document.activeElement !== input || input.type === "range") input.value = value;
      }
    }
    for (const radio of document.querySelectorAll("input[name=mode]")) radio.checked = radio.value === p.mode;
    for (const radio of document.querySelectorAll("input[name=ndim]")) radio.checked = Number(radio.value) === p.input.length;
    $("linked").checked = linked;
    $("view").checked = state.view === "equivalent";
    $("view-label").hidden = p.mode !== "transposed";
    $("numbers").checked = state.numbers;
    if (document.activeElement !== $("seed")) $("seed").value = state.seed;
  }

  function setupControls() {
    for (const radio of document.querySelectorAll("input[name=mode]")) {
      radio.addEventListener("change", () => apply({ mode: radio.value, view: "direct" }, "control"));
    }
    for (const radio of document.querySelectorAll("input[name=ndim]")) {
      radio.addEventListener("change", () => {
        const ndim = Number(radio.value);
        const p = state.params;
        apply({ input: range(ndim).map((x) => p.input[Math.min(x, p.input.length - 1)]) }, "control");
      });
    }
    $("linked").addEventListener("change", () => {
      linked = $("linked").checked;
      if (linked) {
        const p = state.params;
        const same = {};
        for (const name of PER_AXIS) if (p[name]) same[name] = p[name].map(() => clone(p[name][0]));
        if (!p.output_size) delete same.output_size;
        apply(same, "control");
      } else {
        builtFor = null;
        syncControls();
      }
    });
    $("view").addEventListener("change", () => apply({ view: $("view").checked ? "equivalent" : "direct" }, "control"));
    $("numbers").addEventListener("change", () => apply({ numbers: $("numbers").checked }, "control"));
    $("seed").addEventListener("change", () => apply({ seed: $("seed").value }, "control"));
    const presets = $("preset");
    DATA.presets.forEach((preset, n) => el("option", { value: String(n) }, presets, preset.name));
    presets.addEventListener("change", () => {
      if (presets.value === "") return;
      const preset = DATA.presets[Number(presets.value)];
      sizeBy = "output_padding";
      padKind = preset.params.padding.some(Array.isArray) ? "pairs" : "symmetric";
      apply(Object.assign({ view: "direct" }, preset.params), "preset");
      presets.value = "";
    });
    const side = LIMITS.side;
    $("limits").textContent = `Limits, so that every cell stays readable: at most ${side[2]} cells per axis in 2-D ` +
      `(${side[1]} in 1-D) on each side, kernel ${LIMITS.kernel_size}, stride ${LIMITS.stride}, dilation ` +
      `${LIMITS.dilation}, padding ${LIMITS.padding}. tconv explain describes any size.`;
  }

  // ------------------------------------------------------------------ the message

  // An invalid geometry: tconv explain's words, with its command line. A malformed request: its
  // reason (the drawing stays, since the state did not change).
  function showMessage(heading) {
    const box = $("message");
    const main = document.querySelector("main");
    main.classList.toggle("invalid", Boolean(message));
    if (!message && !refused) {
      box.hidden = true;
      return;
    }
    box.hidden = false;
    box.textContent = "";
    if (refused) {
      el("b", {}, box, heading || "The explorer cannot use this setting:");
      el("span", { class: "rule" }, box, refused);
    }
    if (message) {
      el("b", {}, box, "This geometry is not valid. tconv explain says:");
      el("span", { class: "rule" }, box, `$ ${commandLine("explain")}\ntconv explain: error: ${message}`);
      el("span", {}, box, current ? "The drawings below show the last valid geometry, dimmed." :
        "Change a parameter to see a drawing.");
    }
  }

  // The command line of this state: tconv explain / tconv explore with the same flags.
  function commandLine(command) {
    const p = state.params;
    const flags = [`tconv ${command}`, `--input ${p.input.join(" ")}`, `--kernel ${collapseFlag(p.kernel)}`];
    const add = (flag, values, fallback) => { if (!values.every((v) => v === fallback)) flags.push(`${flag} ${collapseFlag(values)}`); };
    add("--stride", p.stride, 1);
    if (p.padding.some((v) => JSON.stringify(v) !== "0")) {
      flags.push(`--padding ${collapseFlag(p.padding.map((v) => (Array.isArray(v) ? `${v[0]},${v[1]}` : String(v))))}`);
    }
    add("--dilation", p.dilation, 1);
    if (p.mode === "transposed") {
      if (p.output_size) flags.push(`--output-size ${collapseFlag(p.output_size)}`);
      else add("--output-padding", p.output_padding, 0);
      flags.push("--transposed");
    }
    if (command === "explore") {
      if (state.view === "equivalent") flags.push("--view equivalent");
      if (state.numbers) flags.push("--numbers");
      if (state.seed) flags.push(`--seed ${state.seed}`);
      flags.push("-o explorer.html");
    }
    return flags.join(" ");
  }
  const collapseFlag = (values) => (values.every((v) => String(v) === String(values[0])) ? String(values[0]) : values.join(" "));

  // ------------------------------------------------------------------ drawing: boards and grids

  // One <svg> holding grids of square cells, with an overlay group on top for the highlights.
  function board(width, height, parent, label) {
    const svg = svgEl("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label }, parent);
    const base = svgEl("g", {}, svg);
    const overlay = svgEl("g", { "pointer-events": "none" }, svg);     // the highlight never hides a cell
    return { svg, base, overlay };
  }

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
    if (text === null || text === "" || gr.size < 11) return null;
    const [x, y] = gr.xy(r, c);
    const small = String(text).length > 2 || gr.size < 16;
    return svgEl("text", { x: x + gr.size / 2, y: y + gr.size / 2, class: `lbl ${small ? "small" : ""} ${cls}`.trim() },
                 gr.b[layer], String(text));
  }

  function sideText(b, x, y, text, end = false) {
    return svgEl("text", { x, y, class: `side ${end ? "end" : ""}`.trim() }, b.base, text);
  }

  // A box with a title above its drawing (2-D: one box per grid, so narrow windows wrap them).
  function gridBox(parent, title, note) {
    const box = el("div", { class: "grid-box" }, parent);
    el("div", { class: "title" }, box, title);
    const holder = el("div", {}, box);
    if (note) el("div", { class: "note" }, box, note);
    return holder;
  }

  // Per axis, what each padded/canvas coordinate u of the image side is.
  function imageAxis(g, x) {
    const [b, a] = g.pads[x];
    const full = (g.feature[x] - 1) * g.stride[x] + A.kHat(g.kernel[x], g.dilation[x]);
    const extent = g.transposed ? Math.max(full, b + g.image[x]) : g.image[x] + b + a;
    return range(extent).map((u) => {
      const j = u - b;
      const inside = j >= 0 && j < g.image[x];
      return { u, j, inside, outpad: g.transposed && inside && j >= g.image[x] - g.outputPadding[x] };
    });
  }

  // Per axis, what each coordinate v of the paper's stuffed and padded input is.
  function stuffedAxis(g, x) {
    const e = A.equivalent(g);
    const [before, after] = e.padding[x];
    return range(e.stuffed_size[x] + before + after).map((v) => {
      const z = v - before;
      if (z < 0 || z >= e.stuffed_size[x]) return { v, kind: "pad" };
      return z % g.stride[x] === 0 ? { v, kind: "x", m: z / g.stride[x] } : { v, kind: "zero" };
    });
  }

  const cellSize = (count, width, low = 12, high = 34) => clamp(Math.floor(width / Math.max(count, 1)), low, high);

  // 2-D: the three grids side by side when their cells can stay 18 pixels or more, else one under
  // the other (the boxes wrap), each as wide as the panel allows.
  function gridCellSize(columns, width) {
    const sideBySide = Math.floor((width - 40 * columns.length) / columns.reduce((a, b) => a + b, 0));
    return sideBySide >= 18 ? clamp(sideBySide, 12, 34) : cellSize(Math.max(...columns), width - 4, 12, 30);
  }

  // ------------------------------------------------------------------ drawing the grids

  let views = {};          // logical grids: name -> {gr, at(coords) -> [r, c]}
  let stairs = null;       // 1-D: the staircase grid (one row per feature position or output)

  function draw() {
    const { g } = current;
    const holder = $("grids");
    holder.textContent = "";
    views = {};
    stairs = null;
    const width = Math.max(holder.clientWidth, 280);
    if (g.ndim === 1) draw1D(holder, width);
    else draw2D(holder, width);
    for (const [name, view] of Object.entries(views)) view.name = name;
    $("step").max = String(current.steps - 1);
    drawTitle();
    drawLegend();
    drawMatrix();
    drawOverlap();
    drawFormula();
    drawSizes();
    drawEquivalent();
    drawSpellings();
    drawLinks();
    highlight();
  }

  function drawTitle() {
    const { g, equivalentView } = current;
    $("grids-title").textContent = !g.transposed
      ? "Convolution: the kernel slides over the padded input; each window's products sum to one output pixel"
      : equivalentView
        ? "The same transposed convolution as a direct convolution: zeros inserted, padded, kernel rotated 180°, stride 1"
        : "Transposed convolution: each input pixel paints its scaled copy of the kernel; the copies add up";
  }

  function drawLegend() {
    const { g, equivalentView } = current;
    const box = $("legend");
    box.textContent = "";
    const key = (cls, text) => {
      const swatch = el("span", { class: "key" }, box);
      swatch.style.cssText = cls;
      box.appendChild(document.createTextNode(text));
    };
    if (!g.transposed) {
      key("background:#ececf1;border-style:dashed", "padding (zeros)");
      if (current.overlap.some((n) => n === 0)) key("background:#fbfbfd;border-style:dotted", "no window reads it (the stride skips it)");
    } else if (equivalentView) {
      key("background:#f4f4f7", "inserted zero (s − 1 between input pixels)");
      key("background:#ececf1;border-style:dashed", "padding k̂ − 1 − p (zeros)");
    } else {
      key("background:repeating-linear-gradient(45deg,#fff 0 3px,#9a9aa6 3px 4px)", "cropped by the padding");
      if (g.outputPadding.some((v) => v > 0)) key("border:2px dashed #0072b2", "output_padding (added at the end)");
    }
    key(`background:${tapColor(0)}`, "kernel taps, one colour each");
    key("border:3px solid #d55e00", "the selected cell");
  }

  function labelFor(side, pos) {
    if (!state.numbers) return null;
    const v = current.values;
    const g = current.g;
    const isInput = (side === "image") !== g.transposed;
    return isInput ? v.input[pos] : v.output[pos];
  }

  function draw2D(holder, width) {
    const { g, equivalentView } = current;
    const axes = [0, 1].map((x) => imageAxis(g, x));
    const featureDims = g.feature;
    const kernelDims = g.kernel;
    if (equivalentView) {
      const st = [0, 1].map((x) => stuffedAxis(g, x));
      const size = gridCellSize([st[1].length, g.kernel[1], g.image[1]], width);
      // stuffed, padded input
      const h1 = gridBox(holder, `input with zeros inserted and padded: ${st[0].length} × ${st[1].length}`,
        "the transposed convolution's input pixels, s − 1 zeros between them, k̂ − 1 − p of padding around");
      const b1 = board(st[1].length * size + 2, st[0].length * size + 2, h1, "stuffed and padded input");
      const gs = grid(b1, 1, 1, st[0].length, st[1].length, size);
      for (const a of st[0]) for (const c of st[1]) {
        if (a.kind === "x" && c.kind === "x") {
          const m = flat([a.m, c.m], featureDims);
          cell(gs, a.v, c.v, "hot", { side: "feature", pos: m });
          label(gs, a.v, c.v, state.numbers ? labelFor("feature", m) : `x${a.m}${c.m}`);
        } else {
          cell(gs, a.v, c.v, a.kind === "pad" || c.kind === "pad" ? "pad" : "zero");
          label(gs, a.v, c.v, "0", "muted");
        }
      }
      views.stuffed = { gr: gs, at: (v) => v };
      drawKernel2D(holder, size, true);
      const h3 = gridBox(holder, `output: ${times(g.image)}`, "a stride-1 convolution of the grid on the left");
      const b3 = board(g.image[1] * size + 2, g.image[0] * size + 2, h3, "output");
      const go = grid(b3, 1, 1, g.image[0], g.image[1], size);
      for (const j of allIndices(g.image)) {
        const pos = flat(j, g.image);
        cell(go, j[0], j[1], "hot", { side: "image", pos });
        label(go, j[0], j[1], labelFor("image", pos));
      }
      views.outputEq = { gr: go, at: (j) => j };
      return;
    }
    const size = gridCellSize([axes[1].length, g.kernel[1], g.feature[1]], width);
    const drawFeature = () => {
      const title = g.transposed ? `input: ${times(g.feature)}` : `output: ${times(g.feature)}`;
      const note = g.transposed ? "each pixel paints a copy of the kernel, scaled by its value" : "one pixel per window";
      const hf = gridBox(holder, title, note);
      const bf = board(g.feature[1] * size + 2, g.feature[0] * size + 2, hf, title);
      const gf = grid(bf, 1, 1, g.feature[0], g.feature[1], size);
      for (const m of allIndices(featureDims)) {
        const pos = flat(m, featureDims);
        cell(gf, m[0], m[1], "hot", { side: "feature", pos });
        label(gf, m[0], m[1], labelFor("feature", pos));
      }
      views.feature = { gr: gf, at: (m) => m };
    };
    const drawImage = () => {
      const rows = axes[0].length;
      const cols = axes[1].length;
      const title = g.transposed
        ? `output: ${times(g.image)} (canvas ${rows} × ${cols})`
        : g.pads.flat().some((p) => p > 0) ? `input: ${times(g.image)}, padded to ${rows} × ${cols}` : `input: ${times(g.image)}`;
      const note = g.transposed
        ? "every copy lands on the canvas; the padding crops its border" +
          (g.outputPadding.some((v) => v > 0) ? ", output_padding adds the last rows/columns" : "")
        : "the kernel's window moves by the stride";
      const hi = gridBox(holder, title, note);
      const bi = board(cols * size + 2, rows * size + 2, hi, title);
      const gi = grid(bi, 1, 1, rows, cols, size);
      for (const a of axes[0]) for (const c of axes[1]) {
        if (a.inside && c.inside) {
          const pos = flat([a.j, c.j], g.image);
          const unread = current.overlap[pos] === 0;
          cell(gi, a.u, c.u, `hot ${unread && !g.transposed ? "unreached" : ""}`, { side: "image", pos });
          const text = state.numbers ? labelFor("image", pos) : g.transposed ? current.overlap[pos] : null;
          label(gi, a.u, c.u, text, state.numbers ? "" : "muted");
        } else {
          cell(gi, a.u, c.u, g.transposed ? "crop" : "pad");
          if (!g.transposed) label(gi, a.u, c.u, "0", "muted");
        }
      }
      if (g.transposed) outpadFrame(gi, axes);
      views.image = { gr: gi, at: (u) => u, outside: ([r, c]) => !(axes[0][r].inside && axes[1][c].inside) };
    };
    if (g.transposed) {
      drawFeature();
      drawKernel2D(holder, size, false);
      drawImage();
    } else {
      drawImage();
      drawKernel2D(holder, size, false);
      drawFeature();
    }
  }

  // The output_padding rows and columns of the canvas, framed.
  function outpadFrame(gr, axes) {
    const g = current.g;
    const first = axes.map((ax) => ax.find((c) => c.inside).u);
    axes.forEach((ax, x) => {
      const op = g.outputPadding[x];
      if (!op) return;
      const start = first[x] + g.image[x] - op;
      const other = 1 - x;
      const [x0, y0] = x === 0 ? gr.xy(start, first[other]) : gr.xy(first[other], start);
      const w = x === 0 ? g.image[other] * gr.size : op * gr.size;
      const h = x === 0 ? op * gr.size : g.image[other] * gr.size;
      svgEl("rect", { x: x0, y: y0, width: w, height: h, class: "outpad" }, gr.b.base);
    });
  }

  function drawKernel2D(holder, size, rotated) {
    const g = current.g;
    const title = rotated ? `kernel rotated 180°: ${times(g.kernel)}` : `kernel: ${times(g.kernel)}` +
      (g.dilation.some((d) => d > 1) ? ` (dilation ${axisText(g.dilation)}: taps ${axisText(g.dilation)} apart)` : "");
    const hk = gridBox(holder, title, rotated ? "the same taps, read from the last to the first" : null);
    const bk = board(g.kernel[1] * size + 2, g.kernel[0] * size + 2, hk, title);
    const gk = grid(bk, 1, 1, g.kernel[0], g.kernel[1], size);
    for (const tau of allIndices(g.kernel)) {
      const tap = rotated ? flat(tau.map((v, x) => g.kernel[x] - 1 - v), g.kernel) : flat(tau, g.kernel);
      cell(gk, tau[0], tau[1], "", { tap }, tapColor(tap));
      label(gk, tau[0], tau[1], state.numbers ? current.values.kernel[tap] : tapName(tap, g));
    }
    views.kernel = { gr: gk, at: (t) => (rotated ? t.map((v, x) => g.kernel[x] - 1 - v) : t) };
  }

  // 1-D: one picture; between the input and the output, one row per window (convolution, the
  // equivalent view) or per painted copy (transposed convolution): a staircase.
  function draw1D(holder, width) {
    const { g, equivalentView } = current;
    const left = 96;
    const head = 18;                       // a line for the column headings
    const header = (b, x, text, anchor = "start") =>
      svgEl("text", { x, y: head / 2, class: "side", "text-anchor": anchor }, b.base, text);
    if (equivalentView) {
      const st = stuffedAxis(g, 0);
      const cols = st.length;
      const rows = g.image[0];
      const size = cellSize(cols + 2, width - left - 20, 12, 30);
      const gap = 0.6 * size;
      const stairsY = head + size + gap;
      const height = stairsY + rows * size + gap;
      const b = board(left + (cols + 2) * size + 4, height + size + 4, holder, "equivalent convolution");
      const top = grid(b, left, head, 1, cols, size);
      sideText(b, left - 8, head + size / 2, "input, stuffed", true);
      for (const c of st) {
        if (c.kind === "x") {
          cell(top, 0, c.v, "hot", { side: "feature", pos: c.m });
          label(top, 0, c.v, state.numbers ? labelFor("feature", c.m) : `x${c.m}`);
        } else {
          cell(top, 0, c.v, c.kind === "pad" ? "pad" : "zero");
          label(top, 0, c.v, "0", "muted");
        }
      }
      views.stuffed = { gr: top, at: (v) => [0, v[0]] };
      stairs = grid(b, left, stairsY, rows, cols, size);
      const out = grid(b, left + (cols + 1) * size, stairsY, rows, 1, size);
      sideText(b, left - 8, stairsY + size / 2, "windows", true);
      header(b, left, "zeros inserted, padded; the rotated kernel slides by 1");
      svgEl("text", { x: out.x0 + size / 2, y: stairsY - gap / 2 - 2, class: "side", "text-anchor": "middle" }, b.base, "y");
      for (let j = 0; j < rows; j++) {
        for (let tau = 0; tau < g.kernel[0]; tau++) {
          const v = j + tau * g.dilation[0];
          const tap = g.kernel[0] - 1 - tau;
          cell(stairs, j, v, "copy", { side: "image", pos: j }, tapColor(tap));
        }
        cell(out, j, 0, "hot", { side: "image", pos: j });
        label(out, j, 0, labelFor("image", j));
      }
      views.outputEq = { gr: out, at: (j) => [j[0], 0] };
      addKernelRow(b, left, height, size, true);
      return;
    }
    const ax = imageAxis(g, 0);
    const cols = ax.length;
    const rows = g.feature[0];
    const size = cellSize(cols + 3, width - left - 20, 12, 30);
    const gap = 0.6 * size;
    const height = head + (rows + 1) * size + 2 * gap;
    const b = board(left + (cols + 3) * size + 4, height + size + 4, holder, g.transposed ? "transposed convolution" : "convolution");
    const imageRowY = g.transposed ? head + rows * size + gap : head;
    const stairsY = g.transposed ? head : head + size + gap;
    const offset = g.transposed ? 2 * size : 0;
    const imageRow = grid(b, left + offset, imageRowY, 1, cols, size);
    sideText(b, left - 8, imageRowY + size / 2, g.transposed ? "output (sum)" : "input, padded", true);
    for (const c of ax) {
      if (c.inside) {
        cell(imageRow, 0, c.u, `hot ${current.overlap[c.j] === 0 && !g.transposed ? "unreached" : ""}`, { side: "image", pos: c.j });
        const text = state.numbers ? labelFor("image", c.j) : g.transposed ? current.overlap[c.j] : null;
        label(imageRow, 0, c.u, text, state.numbers ? "" : "muted");
      } else {
        cell(imageRow, 0, c.u, g.transposed ? "crop" : "pad");
        if (!g.transposed) label(imageRow, 0, c.u, "0", "muted");
      }
    }
    if (g.transposed && g.outputPadding[0] > 0) {
      const start = ax.find((c) => c.inside).u + g.image[0] - g.outputPadding[0];
      const [x0, y0] = imageRow.xy(0, start);
      svgEl("rect", { x: x0, y: y0, width: g.outputPadding[0] * size, height: size, class: "outpad" }, b.base);
    }
    views.image = { gr: imageRow, at: (u) => [0, u[0]], outside: ([, c]) => !ax[c].inside };
    stairs = grid(b, left + offset, stairsY, rows, cols, size);
    const featureCol = grid(b, g.transposed ? left : left + (cols + 1) * size, stairsY, rows, 1, size);
    sideText(b, left - 8, stairsY + size / 2, g.transposed ? "copies" : "windows", true);
    if (g.transposed) {
      svgEl("text", { x: featureCol.x0 + size / 2, y: head / 2, class: "side", "text-anchor": "middle" }, b.base, "x");
      header(b, stairs.x0, `each input pixel's copy of the kernel, ${g.stride[0]} further along than the last`);
    } else {
      svgEl("text", { x: featureCol.x0 + size / 2, y: stairsY - gap / 2 - 2, class: "side", "text-anchor": "middle" }, b.base, "y");
    }
    for (let m = 0; m < rows; m++) {
      for (let t = 0; t < g.kernel[0]; t++) {
        const u = m * g.stride[0] + t * g.dilation[0];
        cell(stairs, m, u, "copy", { side: "feature", pos: m }, tapColor(t));
      }
      cell(featureCol, m, 0, "hot", { side: "feature", pos: m });
      label(featureCol, m, 0, labelFor("feature", m));
    }
    views.feature = { gr: featureCol, at: (m) => [m[0], 0] };
    addKernelRow(b, left, height, size, false);
  }

  function addKernelRow(b, left, y, size, rotated) {
    const g = current.g;
    const k = g.kernel[0];
    sideText(b, left - 8, y + size / 2, rotated ? "kernel, rotated" : "kernel", true);
    const gk = grid(b, left, y, 1, k, size);
    for (let tau = 0; tau < k; tau++) {
      const tap = rotated ? k - 1 - tau : tau;
      cell(gk, 0, tau, "", { tap }, tapColor(tap));
      label(gk, 0, tau, state.numbers ? current.values.kernel[tap] : tapName(tap, g));
    }
    views.kernel = { gr: gk, at: (t) => [0, rotated ? k - 1 - t[0] : t[0]] };
  }

  // ------------------------------------------------------------------ highlighting

  // The selected cell: the one under the pointer, else the clicked one, else the step's.
  function selection() {
    return hovered || pinned || { side: current.stepSide, pos: step };
  }

  // Which (input position, tap) pairs meet at an output position, and the other way round.
  const outputLinks = (pos) => (current.g.transposed ? current.byImage[pos] : current.byFeature[pos]);
  const inputLinks = (pos) => (current.g.transposed ? current.byFeature[pos] : current.byImage[pos]);
  const isOutputSide = (side) => (side === "image") === current.g.transposed;

  function mark(view, coords, color, text) {
    if (!view) return;
    const [r, c] = view.at(coords);
    const gr = view.gr;
    if (r < 0 || c < 0 || r >= gr.rows || c >= gr.cols) return;
    const [x, y] = gr.xy(r, c);
    const outside = view.outside && view.outside([r, c]);
    svgEl("rect", { x, y, width: gr.size, height: gr.size, class: `cell lit${outside ? " cut" : ""}`, style: `fill:${color}`,
                    "data-view": view.name, "data-at": coords.join(",") }, gr.b.overlay);
    if (text !== null && text !== undefined) label(gr, r, c, text, "", "overlay");
  }

  function focus(view, coords) {
    if (!view) return;
    const [r, c] = view.at(coords);
    const gr = view.gr;
    const [x, y] = gr.xy(r, c);
    svgEl("rect", { x: x + 1, y: y + 1, width: gr.size - 2, height: gr.size - 2, class: "focus",
                    "data-view": view.name, "data-at": coords.join(",") }, gr.b.overlay);
  }

  function rowBox(gr, r) {
    const [x, y] = gr.xy(r, 0);
    svgEl("rect", { x: x - 2, y: y - 1, width: gr.cols * gr.size + 4, height: gr.size + 2, class: "rowbox" }, gr.b.overlay);
  }

  function clearOverlays() {
    for (const view of Object.values(views)) view.gr.b.overlay.textContent = "";
    if (stairs) stairs.b.overlay.textContent = "";
  }

  function highlight() {
    if (!current) return;
    clearOverlays();
    const { g, equivalentView, values } = current;
    const sel = selection();
    const numbers = state.numbers;
    const kernelTaps = new Set();
    const tapText = (t) => (numbers ? null : tapName(t, g));
    if (sel.side === "feature") {
      const m = unflat(sel.pos, g.feature);
      if (equivalentView) {
        const e = A.equivalent(g);
        focus(views.stuffed, m.map((v, x) => e.padding[x][0] + v * g.stride[x]));
        for (const [j, t] of current.byFeature[sel.pos]) {
          mark(views.outputEq, unflat(j, g.image), tapColor(t), numbers ? `${values.input[sel.pos]}·${values.kernel[t]}` : tapText(t));
          kernelTaps.add(t);
        }
      } else {
        focus(views.feature, m);
        if (stairs) rowBox(stairs, sel.pos);
        for (const t of range(A.product(g.kernel))) {
          const tap = unflat(t, g.kernel);
          const u = tap.map((v, x) => m[x] * g.stride[x] + v * g.dilation[x]);
          let text = tapText(t);
          if (numbers) {
            const j = u.map((v, x) => v - g.pads[x][0]);
            const inside = j.every((v, x) => v >= 0 && v < g.image[x]);
            const xValue = g.transposed ? values.input[sel.pos] : inside ? values.input[flat(j, g.image)] : 0;
            text = `${xValue}·${values.kernel[t]}`;
          }
          mark(views.image, u, tapColor(t), text);
          if (stairs) mark({ name: "stairs", gr: stairs, at: (c) => [sel.pos, c[0]], outside: views.image.outside }, u, tapColor(t), text);
          kernelTaps.add(t);
        }
      }
    } else {
      const j = unflat(sel.pos, g.image);
      if (equivalentView) {
        focus(views.outputEq, j);
        if (stairs) rowBox(stairs, sel.pos);
        const e = A.equivalent(g);
        const st = [...Array(g.ndim).keys()].map((x) => stuffedAxis(g, x));
        for (const tau of allIndices(g.kernel)) {
          const t = flat(tau.map((v, x) => g.kernel[x] - 1 - v), g.kernel);
          const v = tau.map((w, x) => j[x] + w * g.dilation[x]);
          const kinds = v.map((w, x) => st[x][w]);
          let text = tapText(t);
          if (numbers) {
            const xValue = kinds.every((k) => k.kind === "x") ? values.input[flat(kinds.map((k) => k.m), g.feature)] : 0;
            text = `${xValue}·${values.kernel[t]}`;
          }
          mark(views.stuffed, v, tapColor(t), text);
          if (stairs) mark({ name: "stairs", gr: stairs, at: (c) => [sel.pos, c[0]] }, v, tapColor(t), text);
          kernelTaps.add(t);
        }
        void e;
      } else {
        focus(views.image, j.map((v, x) => v + g.pads[x][0]));
        for (const [m, t] of current.byImage[sel.pos]) {
          const mi = unflat(m, g.feature);
          const product = `${g.transposed ? values.input[m] : values.input[sel.pos]}·${values.kernel[t]}`;
          mark(views.feature, mi, tapColor(t), numbers ? product : tapText(t));
          if (stairs) {
            const u = j[0] + g.pads[0][0];
            mark({ name: "stairs", gr: stairs, at: () => [m, u] }, [u], tapColor(t), numbers ? product : tapText(t));
          }
          kernelTaps.add(t);
        }
      }
    }
    for (const t of kernelTaps) focus(views.kernel, unflat(t, g.kernel));
    if (matrixCell) focusInput(matrixCell[1]);
    highlightMatrix(sel);
    describeSelection(sel);
    const stepText = current.stepSide === "feature"
      ? (g.transposed ? "input pixel" : "output pixel") : "output pixel";
    $("step").value = String(step);
    $("step-label").textContent = `step ${step + 1} of ${current.steps}: ${stepText} ` +
      `${cellName(current.stepSide === "feature" ? (g.transposed ? "x" : "y") : "y", step,
                  current.stepSide === "feature" ? g.feature : g.image)}`;
  }

  // The input pixel of the matrix column under the pointer, framed in the grids.
  function focusInput(col) {
    const g = current.g;
    if (g.transposed) {
      const m = unflat(col, g.feature);
      if (current.equivalentView) {
        const e = A.equivalent(g);
        focus(views.stuffed, m.map((v, x) => e.padding[x][0] + v * g.stride[x]));
      } else {
        focus(views.feature, m);
      }
    } else {
      focus(views.image, unflat(col, g.image).map((v, x) => v + g.pads[x][0]));
    }
  }

  // The sentence under the grids: the products being summed, or where an input pixel goes.
  function describeSelection(sel) {
    const { g, values } = current;
    const numbers = state.numbers;
    const inDims = A.operatorInput(g);
    const outDims = A.operatorOutput(g);
    const box = $("products");
    const tap = (t) => (g.ndim > 1 ? `w[${unflat(t, g.kernel).join(",")}]` : `w[${t}]`);
    if (isOutputSide(sel.side)) {
      const links = outputLinks(sel.pos);
      const name = cellName("y", sel.pos, outDims);
      if (!links.length) {
        box.textContent = `${name} = 0: no kernel tap reaches it` +
          (g.transposed ? " (output_padding adds it beyond every copy)" : "");
        return;
      }
      const symbolic = links.map(([c, t]) => `${cellName("x", c, inDims)}·${tap(t)}`).join(" + ");
      if (!numbers) {
        box.textContent = `${name} = ${symbolic}   (${links.length} product${links.length > 1 ? "s" : ""})`;
        return;
      }
      const products = links.map(([c, t]) => `${values.input[c]}·${values.kernel[t]}`).join(" + ");
      box.textContent = `${name} = ${symbolic} = ${products} = ${values.output[sel.pos]}`;
    } else {
      const links = inputLinks(sel.pos);
      const name = cellName("x", sel.pos, inDims);
      const verb = g.transposed ? "paints" : "is read by";
      if (!links.length) {
        box.textContent = `${name} reaches no output: the stride skips it (its column of C is empty)`;
        return;
      }
      const parts = links.map(([r, t]) => {
        const target = cellName("y", r, outDims);
        return numbers ? `${target} += ${values.input[sel.pos]}·${values.kernel[t]}` : `${target} through ${tap(t)}`;
      });
      box.textContent = `${name} ${verb} ${links.length} output${links.length > 1 ? "s" : ""}: ${parts.join(", ")}`;
    }
  }

  // ------------------------------------------------------------------ the matrix

  let matrixView = null;

  function drawMatrix() {
    const { g } = current;
    const holder = $("matrix");
    holder.textContent = "";
    const M = A.matrix(g);
    current.matrix = M;
    const rows = M.length;
    const cols = M[0].length;
    const width = Math.max(holder.clientWidth, 240);
    let size = Math.min(Math.floor((width - 34) / cols), Math.floor(640 / rows), 26);
    size = Math.max(size, 2);
    const margin = size >= 12 ? 30 : 6;
    const b = board(margin + cols * size + 2, margin + rows * size + 2, holder, g.transposed ? "the matrix C transposed" : "the matrix C");
    svgEl("rect", { x: margin, y: margin, width: cols * size, height: rows * size, class: "mbg" }, b.base);
    if (size >= 6) {
      for (let r = 1; r < rows; r++) svgEl("line", { x1: margin, x2: margin + cols * size, y1: margin + r * size, y2: margin + r * size, class: "mgrid" }, b.base);
      for (let c = 1; c < cols; c++) svgEl("line", { y1: margin, y2: margin + rows * size, x1: margin + c * size, x2: margin + c * size, class: "mgrid" }, b.base);
    }
    const gr = grid(b, margin, margin, rows, cols, size);
    M.forEach((row, r) => row.forEach((t, c) => {
      if (t < 0) return;
      const [x, y] = gr.xy(r, c);
      svgEl("rect", { x, y, width: size, height: size, fill: tapColor(t) }, b.base);
      if (size >= 14) {
        const text = state.numbers ? current.values.kernel[t] : size >= 24 ? tapName(t, g) : null;
        if (text !== null) svgEl("text", { x: x + size / 2, y: y + size / 2, class: "lbl small" }, b.base, String(text));
      }
    }));
    if (size >= 12) {
      const every = Math.ceil(14 / size);
      for (let r = 0; r < rows; r += every) svgEl("text", { x: margin / 2, y: margin + (r + 0.5) * size, class: "mtick" }, b.base, String(r));
      for (let c = 0; c < cols; c += every) svgEl("text", { x: margin + (c + 0.5) * size, y: margin / 2, class: "mtick" }, b.base, String(c));
    }
    matrixView = { gr, b, rows, cols, margin };
    b.svg.addEventListener("mousemove", (event) => {
      const box = b.svg.getBoundingClientRect();
      const scale = b.svg.viewBox.baseVal.width / box.width || 1;
      const c = Math.floor(((event.clientX - box.left) * scale - margin) / size);
      const r = Math.floor(((event.clientY - box.top) * scale - margin) / size);
      if (r < 0 || c < 0 || r >= rows || c >= cols) return leaveMatrix();
      if (matrixCell && matrixCell[0] === r && matrixCell[1] === c) return;
      matrixCell = [r, c];
      hovered = { side: g.transposed ? "image" : "feature", pos: r };
      highlight();
    });
    b.svg.addEventListener("mouseleave", leaveMatrix);
    b.svg.addEventListener("click", () => { if (matrixCell) { pinned = { side: g.transposed ? "image" : "feature", pos: matrixCell[0] }; } });
    const nnz = M.reduce((n, row) => n + row.filter((t) => t >= 0).length, 0);
    $("matrix-title").textContent = g.transposed
      ? `The matrix Cᵀ (${rows} × ${cols}): the transposed convolution is y = Cᵀ x`
      : `The matrix C (${rows} × ${cols}): the convolution is y = C x`;
    current.matrixText = `${nnz} nonzeros of ${rows * cols} (density ${(100 * nnz / (rows * cols)).toFixed(1)}%). ` +
      (g.transposed
        ? "Row r lists the input pixels whose copies reach output pixel r; column m is the copy that input pixel m paints. " +
          "It is the convolution's C with rows and columns swapped: the same taps, read the other way."
        : "Row r is the kernel laid into the flattened input at output r's window; column j lists every window that reads input pixel j. " +
          "The transposed convolution uses the same matrix, transposed.");
  }

  function leaveMatrix() {
    if (!matrixCell) return;
    matrixCell = null;
    hovered = null;
    highlight();
  }

  function highlightMatrix(sel) {
    if (!matrixView) return;
    const { gr, b } = matrixView;
    b.overlay.textContent = "";
    const { g } = current;
    const M = current.matrix;
    const band = (r, c) => {
      const [x, y] = r === null ? gr.xy(0, c) : gr.xy(r, 0);
      svgEl("rect", { x, y, width: r === null ? gr.size : gr.cols * gr.size, height: r === null ? gr.rows * gr.size : gr.size,
                      class: "band", [r === null ? "data-col" : "data-row"]: r === null ? c : r }, b.overlay);
    };
    const rowOrCol = isOutputSide(sel.side) ? ["row", sel.pos] : ["col", sel.pos];
    if (rowOrCol[0] === "row") band(sel.pos, null);
    else band(null, sel.pos);
    if (matrixCell) band(null, matrixCell[1]);
    // outline the nonzeros of the lit row / column
    const cells = rowOrCol[0] === "row" ? M[sel.pos].map((t, c) => [sel.pos, c, t]) : M.map((row, r) => [r, sel.pos, row[sel.pos]]);
    for (const [r, c, t] of cells) {
      if (t < 0) continue;
      const [x, y] = gr.xy(r, c);
      svgEl("rect", { x, y, width: gr.size, height: gr.size, fill: "none", class: "lit" }, b.overlay);
    }
    const caption = $("matrix-caption");
    const name = g.transposed ? "Cᵀ" : "C";
    let where = rowOrCol[0] === "row"
      ? `Lit: row ${sel.pos} of ${name} = output pixel ${cellName("y", sel.pos, A.operatorOutput(g))}; its nonzeros are the input window.`
      : `Lit: column ${sel.pos} of ${name} = input pixel ${cellName("x", sel.pos, A.operatorInput(g))}; its nonzeros are the ` +
        (g.transposed ? "region it paints." : "windows that read it.");
    if (matrixCell) {
      const [r, c] = matrixCell;
      const t = M[r][c];
      where = `${name}[${r}, ${c}] = ${t < 0 ? "0 (no tap joins these pixels)" : `${tapName(t, g)}: output ${r} ` +
        `takes input ${c} through tap ${tapName(t, g)}`}. ` + where;
    }
    caption.textContent = `${where} ${current.matrixText}`;
  }

  // ------------------------------------------------------------------ overlap heat map

  function heat(t) {
    // from a pale cream to tconv's blue, by the fraction t of the largest count
    const lo = [247, 244, 233], hi = [0, 88, 155];
    return `rgb(${lo.map((v, n) => Math.round(v + (hi[n] - v) * t)).join(",")})`;
  }

  function drawOverlap() {
    const { g } = current;
    const holder = $("overlap");
    holder.textContent = "";
    const counts = current.overlap;
    const top = Math.max(...counts, 1);
    const rows = g.ndim === 2 ? g.image[0] : 1;
    const cols = g.ndim === 2 ? g.image[1] : g.image[0];
    const size = clamp(Math.floor((Math.max(holder.clientWidth, 200) - 4) / cols), 10, 30);
    const b = board(cols * size + 2, rows * size + 2, holder, "overlap counts");
    const gr = grid(b, 1, 1, rows, cols, size);
    counts.forEach((n, pos) => {
      const [r, c] = g.ndim === 2 ? unflat(pos, g.image) : [0, pos];
      cell(gr, r, c, "", {}, heat(n / top));
      label(gr, r, c, String(n), n / top > 0.55 ? "white" : "");
    });
    // the interior: where every copy that can overlap a pixel is present
    const verdicts = range(g.ndim).map((x) => {
      const kh = A.kHat(g.kernel[x], g.dilation[x]);
      const s = g.stride[x];
      const k = g.kernel[x];
      const line = range(g.image[x]).map((j) => {
        const u = j + g.pads[x][0];
        let n = 0;
        for (let m = 0; m < g.feature[x]; m++) for (let t = 0; t < k; t++) if (m * s + t * g.dilation[x] === u) n++;
        return { u, n };
      }).filter(({ u }) => u >= kh - 1 && u <= (g.feature[x] - 1) * s);
      return { x, kh, s, values: [...new Set(line.map((c) => c.n))].sort((p, q) => p - q) };
    });
    const words = g.transposed ? "kernel copies land on each output pixel" : "windows read each input pixel";
    const uneven = verdicts.filter((v) => v.values.length > 1);
    const noun = g.transposed ? "copies" : "windows";
    let text = `How many ${words} (the transposed convolution of ones through a kernel of ones). `;
    if (verdicts.every((v) => v.values.length === 0)) {
      text += `Every pixel here is near the border, where fewer ${noun} reach: the counts follow the distance to ` +
        "the edge, not the stride. Make the input larger to see the interior.";
    } else if (uneven.length) {
      const v = uneven[0];
      const [k, d] = [g.kernel[v.x], g.dilation[v.x]];
      const why = d > 1 ? `k̂ = ${v.kh} (kernel ${k}, dilation ${d}), s = ${v.s}` : `k = ${k}, s = ${v.s}: k mod s = ${k % v.s} ≠ 0`;
      text += `Uneven: away from the border, pixels get ${v.values.join(" or ")} ${noun} per axis (${why}).` +
        (v.values[0] === 0 ? " Some get none at all: gaps, the stride is longer than the kernel reaches." : "") +
        (g.ndim === 2 ? " In 2-D the counts multiply, so the unevenness squares: a checkerboard."
          : " In 2-D the counts multiply: a checkerboard.") +
        (g.transposed ? " A kernel divisible by the stride (or resize, then convolve) avoids it."
          : " The gradient of this convolution is a transposed convolution with the same pattern.");
    } else {
      const v = verdicts.find((w) => w.values.length);
      const rule = g.stride.some((st) => st > 1) && g.dilation.every((dd) => dd === 1) ? " (k mod s = 0)" : "";
      text += `Even: away from the border every pixel gets ${v.values[0]} ${noun} per axis${rule}: no checkerboard ` +
        "from the overlap.";
    }
    $("overlap-caption").textContent = text;
  }

  // ------------------------------------------------------------------ formula, sizes, equivalent, spellings

  function drawFormula() {
    const { g } = current;
    const box = $("formula");
    box.textContent = "";
    const head = el("div", {}, box);
    el("b", {}, head, g.transposed ? "Output size per axis: " : "Output size per axis: ");
    el("span", { class: "eq" }, head, g.transposed
      ? "o' = (i' − 1)·s − (p_before + p_after) + k̂ + a,   k̂ = d·(k − 1) + 1"
      : "o = floor((i + p_before + p_after − k̂) / s) + 1,   k̂ = d·(k − 1) + 1");
    for (let x = 0; x < g.ndim; x++) {
      const [b, a] = g.pads[x];
      const k = g.kernel[x], d = g.dilation[x], s = g.stride[x];
      const kh = A.kHat(k, d);
      const pads = b === a ? `2·${b}` : `(${b} + ${a})`;
      const out = A.operatorOutput(g)[x];
      const filled = g.transposed
        ? `o' = (${g.feature[x]} − 1)·${s} − ${pads} + ${kh} + ${g.outputPadding[x]} = ${out}`
        : `o = floor((${g.image[x]} + ${pads} − ${kh}) / ${s}) + 1 = ${out}`;
      el("div", { class: "eq" }, box, `axis ${x}: k̂ = ${d}·(${k} − 1) + 1 = ${kh};   ${filled}`);
    }
    el("div", {}, box, `${g.transposed ? "Transposed convolution" : "Convolution"}: ${times(A.operatorInput(g))} → ` +
      `${times(A.operatorOutput(g))}`);
  }

  function drawSizes() {
    const { g } = current;
    const box = $("sizes");
    box.textContent = "";
    const sizes = current.sizes;
    const s = g.stride;
    const lead = el("p", {}, box);
    const featureText = times(g.feature);
    if (sizes.every((a) => a.sizes.length === 1)) {
      lead.textContent = `Stride 1: only ${times(sizes.map((a) => a.sizes[0]))} gives ${featureText}, so the size ` +
        "goes back up unambiguously and output_padding stays 0.";
    } else {
      lead.textContent = `A stride-${axisText(s)} convolution drops the remainder of its last step, so several input ` +
        `sizes give the same output ${featureText}. The transposed convolution cannot know which one you came from: ` +
        "output_padding (or output_size) tells it.";
    }
    sizes.forEach((axis, x) => {
      const row = el("div", { class: "sizes-list" }, box);
      el("span", {}, row, `${g.ndim > 1 ? `axis ${x}: ` : ""}conv input ${axis.sizes.length > 1 ? "sizes" : "size"} `);
      axis.sizes.forEach((i, n) => {
        const button = el("button", { type: "button", class: i === axis.current ? "current" : "",
                                      title: `show the transposed convolution with output_padding ${axis.output_padding[n]}` }, row,
                          `${i} (output_padding ${axis.output_padding[n]})`);
        button.addEventListener("click", () => {
          const op = g.transposed ? g.outputPadding.slice() : range(g.ndim).map(() => 0);
          op[x] = axis.output_padding[n];
          if (linked) op.fill(op[x]);
          sizeBy = "output_padding";
          apply({ mode: "transposed", input: g.feature.slice(), output_padding: op, view: "direct" }, "control");
        });
      });
      el("span", {}, row, ` → ${g.feature[x]}`);
    });
    if (!g.transposed) {
      const twin = el("p", {}, box);
      twin.textContent = `This convolution maps ${times(g.image)} to ${featureText}. Its transposed twin goes back ` +
        `from ${featureText} to ${times(g.image)} with output_padding ${axisText(g.image.map((i, x) => i - sizes[x].sizes[0]))}; ` +
        "click a size to see it.";
    } else {
      const [low, high] = [sizes.map((a) => a.sizes[0]), sizes.map((a) => a.sizes[a.sizes.length - 1])];
      el("p", {}, box, `Valid output_size: ${times(low)} to ${times(high)} (PyTorch's rule: [o'(a=0), o'(a=0) + s − 1]).` +
        (g.outputPadding.some((a, x) => a >= g.stride[x])
          ? " This output_padding is not below the stride: it is legal because it is below the dilation, but output_size= cannot ask for it."
          : ""));
    }
  }

  function drawEquivalent() {
    const { g } = current;
    const box = $("equivalent");
    box.textContent = "";
    const panel = $("equivalent-panel");
    if (!g.transposed) {
      el("p", { class: "note" }, box, "Switch to the transposed convolution to see it written as a direct convolution " +
        "(Dumoulin & Visin 2016, section 4): zeros inserted between the input pixels, padding k̂ − 1 − p, the kernel rotated 180°.");
      panel.classList.add("quiet");
      return;
    }
    const e = A.equivalent(g);
    const padded = e.stuffed_size.map((n, x) => n + e.padding[x][0] + e.padding[x][1]);
    const items = [
      `insert s − 1 = ${axisText(e.zeros_between)} zero${e.zeros_between.every((z) => z === 1) ? "" : "s"} between input pixels: ${times(g.feature)} → ${times(e.stuffed_size)}`,
      `pad k̂ − 1 − p_before = ${axisText(e.padding.map((p) => p[0]))} before and k̂ − 1 − p_after + a = ` +
        `${axisText(e.padding.map((p) => p[1]))} after (negative = crop): → ${times(padded)}`,
      `convolve with stride 1, dilation ${axisText(g.dilation)} and the kernel rotated 180°: → ${times(e.output_size)}`,
    ];
    const list = el("ol", {}, box);
    for (const item of items) el("li", {}, list, item);
    el("p", { class: "note" }, box, "These are the paper's \"primed\" numbers, not arguments of any framework. " +
      "Hover an output pixel in this view: its window covers exactly the input pixels of its row of Cᵀ.");
    const button = el("button", { type: "button", id: "toggle-view" }, box,
      state.view === "equivalent" ? "back to the scatter view" : "show the equivalent view");
    button.addEventListener("click", () => apply({ view: state.view === "equivalent" ? "direct" : "equivalent" }, "control"));
  }

  function drawSpellings() {
    const { g, spell } = current;
    const box = $("spellings");
    box.textContent = "";
    const line = (who, call, note) => {
      const row = el("div", {}, box);
      el("b", {}, row, who);
      if (call) el("code", { class: "call" }, row, call);
      else el("span", { class: "verdict-none" }, row, " no single layer");
      if (note) el("div", { class: "note" }, row, note);
    };
    line("tconv", spell.tconv, null);
    line("PyTorch", spell.torch, spell.torch_note);
    line("Keras", spell.keras, spell.keras_note);
    if (!g.transposed) return;
    el("h3", {}, box, "Keras' Conv" + g.ndim + "DTranspose with this kernel and stride");
    let table;
    const rows = [];
    for (const mode of ["same", "valid"]) {
      let t;
      try {
        t = A.kerasTranslation(mode, g.kernel, g.stride, g.dilation);
      } catch (error) {
        if (!(error instanceof A.RuleError)) throw error;
        el("p", { class: "note" }, box, `padding='${mode}': ${error.message}`);
        continue;
      }
      rows.push(t);
    }
    if (!rows.length) return;
    table = el("table", { class: "modes" }, el("div", { class: "table-box" }, box));
    const head = el("tr", {}, table);
    for (const text of ["Keras", "output", "tconv, exactly", "PyTorch"]) el("th", {}, head, text);
    for (const t of rows) {
      const tr = el("tr", {}, table);
      const out = g.feature.map((i, x) => A.kerasOutputSize(t.mode, i, g.kernel[x], g.stride[x], g.dilation[x]));
      el("code", {}, el("td", {}, tr), t.keras_call);
      el("td", {}, tr, `${times(out)} (${t.mode === "same" ? "i·s" : "(i − 1)·s + max(k̂, s)"})`);
      const exactCell = el("td", {}, tr);
      el("code", {}, exactCell, t.tconv_call);
      const show = el("button", { type: "button" }, el("div", {}, exactCell), "show it");
      show.addEventListener("click", () => {
        padKind = t.tconv_padding.some(([b, a]) => b !== a) ? "pairs" : "symmetric";
        sizeBy = "output_padding";
        apply({ padding: t.tconv_padding.map(([b, a]) => (b === a ? b : [b, a])), output_padding: t.tconv_output_padding }, "control");
      });
      const torchCell = el("td", {}, tr);
      if (t.torch_call) {
        el("code", {}, torchCell, t.torch_call);
        const verdict = t.exact ? ["exact", "the same values"]
          : ["shifted", "same size, values shifted by one pixel towards the start (torch[j] = keras[j+1]): TensorFlow crops T//2 " +
             "at the start, PyTorch ceil(T/2)"];
        el("div", { class: `verdict-${verdict[0]}` }, torchCell, verdict[1]);
        const showTorch = el("button", { type: "button" }, el("div", {}, torchCell), "show it");
        showTorch.addEventListener("click", () => {
          padKind = "symmetric";
          sizeBy = "output_padding";
          apply({ padding: t.padding, output_padding: t.output_padding }, "control");
        });
      } else {
        const a = t.status.map((st, x) => (st === "none" ? x : -1)).filter((x) => x >= 0);
        el("div", { class: "verdict-none" }, torchCell, `no equivalent: matching the size needs output_padding ≥ ` +
          `max(stride, dilation) on axis ${a.join(", ")} (an even effective kernel at stride 1); use tconv's ` +
          "asymmetric padding, or PyTorch with padding=0 and crop the end");
      }
    }
  }

  function drawLinks() {
    const box = $("links");
    box.textContent = "";
    el("p", {}, box, "In a terminal, the same numbers in words, and this page again:");
    el("code", { class: "call" }, box, commandLine("explain"));
    el("code", { class: "call" }, box, commandLine("explore"));
    el("p", {}, box).textContent = `This view's link ends with #${hashOf(state)}`;
  }

  // ------------------------------------------------------------------ pointer, keyboard, steps

  function cellOf(event) {
    const target = event.target.closest ? event.target.closest("[data-side]") : null;
    return target ? { side: target.dataset.side, pos: Number(target.dataset.pos) } : null;
  }

  function setupPointer() {
    const grids = $("grids");
    grids.addEventListener("mouseover", (event) => {
      const hit = cellOf(event);
      if (!current || (hit && hovered && hit.side === hovered.side && hit.pos === hovered.pos)) return;
      hovered = hit;
      highlight();
    });
    grids.addEventListener("mouseleave", () => { hovered = null; if (current) highlight(); });
    grids.addEventListener("click", (event) => {
      const hit = cellOf(event);
      if (!hit || !current) return;
      if (hit.side === current.stepSide) {
        step = hit.pos;
        pinned = null;
      } else {
        pinned = pinned && pinned.side === hit.side && pinned.pos === hit.pos ? null : hit;
      }
      highlight();
    });
    const keys = (event) => {
      if (!current) return;
      const dims = current.stepSide === "feature" ? current.g.feature : current.g.image;
      const width = dims[dims.length - 1];
      const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -width, ArrowDown: width, Home: -Infinity, End: Infinity };
      if (event.key === "Escape") {
        pinned = null;
        highlight();
        return;
      }
      if (event.key === " ") {
        event.preventDefault();
        togglePlay();
        return;
      }
      if (!(event.key in moves)) return;
      event.preventDefault();
      moveStep(moves[event.key], false);
    };
    grids.addEventListener("keydown", keys);
    $("matrix").addEventListener("keydown", keys);
    $("prev").addEventListener("click", () => moveStep(-1, true));
    $("next").addEventListener("click", () => moveStep(1, true));
    $("play").addEventListener("click", togglePlay);
    $("step").addEventListener("input", () => { step = Number($("step").value); pinned = null; highlight(); });
    $("export").addEventListener("click", downloadSVG);
    window.addEventListener("hashchange", () => readHash());
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => { if (current && !message) draw(); }, 120);
    });
  }

  function moveStep(delta, wrap) {
    if (!current) return;
    const n = current.steps;
    let next = step + delta;
    if (!Number.isFinite(next)) next = delta < 0 ? 0 : n - 1;
    step = wrap ? ((next % n) + n) % n : clamp(next, 0, n - 1);
    pinned = null;
    hovered = null;
    highlight();
  }

  function togglePlay() {
    if (timer) return stopPlaying();
    $("play").textContent = "❚❚ pause";
    $("play").setAttribute("aria-label", "pause");
    timer = setInterval(() => moveStep(1, true), 800);
  }

  function stopPlaying() {
    if (!timer) return;
    clearInterval(timer);
    timer = null;
    $("play").textContent = "▶ play";
    $("play").setAttribute("aria-label", "play");
  }

  // ------------------------------------------------------------------ export as SVG

  // The grids, the matrix and the overlap map as one SVG document, placed as they are on screen.
  function exportSVG() {
    const main = document.querySelector("main");
    const origin = main.getBoundingClientRect();
    const parts = [...document.querySelectorAll("#grids svg, #matrix svg, #overlap svg")];
    const root = svgEl("svg", {});
    let width = 0, height = 0;
    const title = svgEl("text", { x: 8, y: 20, style: "font: 14px sans-serif; fill: #222" }, root,
                        `tconv explorer: ${commandLine("explain").replace("tconv explain ", "")}`);
    void title;
    const top = 34;
    // each drawing's title (an HTML heading on the page) becomes a line of text above it
    const heading = (part) => {
      const box = part.closest(".grid-box");
      const title = box ? box.querySelector(".title") : part.closest("section").querySelector("h2");
      return title ? title.textContent : "";
    };
    const textStyle = "font: 12px sans-serif; fill: #222";
    for (const part of parts) {
      const box = part.getBoundingClientRect();
      const x = box.left - origin.left;
      const y = box.top - origin.top;
      svgEl("text", { x: x.toFixed(1), y: (y + top - 5).toFixed(1), style: textStyle }, root, heading(part));
      const group = svgEl("g", { transform: `translate(${x.toFixed(1)},${(y + top).toFixed(1)})` }, root);
      for (const child of part.childNodes) group.appendChild(child.cloneNode(true));
      width = Math.max(width, x + box.width);
      height = Math.max(height, y + top + box.height);
    }
    const products = $("products").getBoundingClientRect();
    width = Math.max(width, products.right - origin.left);
    svgEl("text", { x: (products.left - origin.left).toFixed(1), y: (products.top - origin.top + top + 12).toFixed(1),
                    style: textStyle }, root, $("products").textContent);
    const minY = Math.min(...parts.map((p) => p.getBoundingClientRect().top - origin.top)) - 40;
    root.setAttribute("width", Math.ceil(width + 8));
    root.setAttribute("height", Math.ceil(height - minY + 8));
    root.setAttribute("viewBox", `0 ${Math.floor(minY)} ${Math.ceil(width + 8)} ${Math.ceil(height - minY + 8)}`);
    title.setAttribute("y", String(Math.floor(minY) + 20));
    const defs = document.querySelector("#tconv-defs defs").cloneNode(true);
    root.insertBefore(defs, root.firstChild);
    const style = svgEl("style", {}, null, SVG_CSS);
    root.insertBefore(style, root.firstChild);
    return new XMLSerializer().serializeToString(root);
  }

  function downloadSVG() {
    const blob = new Blob([exportSVG()], { type: "image/svg+xml" });
    const link = el("a", { href: URL.createObjectURL(blob), download: "tconv_explorer.svg" }, document.body);
    link.click();
    setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  }

  // ------------------------------------------------------------------ start

  function injectStyle() {
    el("style", {}, document.head, SVG_CSS);
    const holder = svgEl("svg", { id: "tconv-defs", width: 0, height: 0, style: "position:absolute" }, document.body);
    const defs = svgEl("defs", {}, holder);
    const hatch = svgEl("pattern", { id: "tconv-hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse",
                                      patternTransform: "rotate(45)" }, defs);
    svgEl("rect", { width: 6, height: 6, fill: "#fafafc" }, hatch);
    svgEl("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#9a9aa6", "stroke-width": 1.6 }, hatch);
  }

  window.tconvExplorer = {
    get: () => ({ ...clone(state.params), view: state.view, numbers: state.numbers, seed: state.seed }),
    set: (changes) => apply(clone(changes || {}), "api"),
    outputSize: () => (current && !message ? A.operatorOutput(current.g).slice() : null),
    matrix: () => (current && !message ? A.matrix(current.g) : null),
    values: () => (current && !message ? clone(current.values) : null),
    message: () => refused || message,
    selfTest: () => A.selfTest(DATA.cases, LIMITS),
    exportSVG: () => exportSVG(),
  };

  injectStyle();
  setupControls();
  setupPointer();
  const link = location.hash;
  refresh();                        // the embedded state first, so a bad link still leaves a drawing
  if (link.length > 1) readHash(link);
})();
