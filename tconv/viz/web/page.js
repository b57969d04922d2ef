// The explorer page: its state, the controls, the message, the pointer and the keyboard, the steps,
// the link in the address bar, the export, and window.tconvExplorer. The arithmetic is in
// arithmetic.js, the settings in settings.js; grids.js, matrix.js, highlight.js and panels.js draw.
"use strict";

(() => {
  const A = TconvArithmetic;
  const S = TconvSettings;
  const { SVG_CSS, $, range, clamp, el, svgEl, addDefinitions } = TconvSvg;
  const DATA = JSON.parse(document.getElementById("tconv-explorer-data").textContent);
  const LIMITS = DATA.limits;

  // Everything the drawing modules read and write.
  const initial = S.clone(DATA.initial);
  const page = {
    state: initial,           // {params, view, numbers, seed}: what get() returns
    current: null,            // the last valid geometry and what is derived from it (derive)
    message: null,            // tconv's message about the state (an invalid geometry), or null
    refused: null,            // the reason a malformed request changed nothing, or null
    views: {}, stairs: null, matrixView: null,
    step: 0,                  // the scrubber's position
    pinned: null,             // a clicked cell {side, pos}
    hovered: null,            // the cell under the pointer
    matrixCell: null,         // [row, col] under the pointer in the matrix
    linked: initial.params.input.length === 2 && S.PER_AXIS.every((name) => S.isUniform(initial.params[name])),
    sizeBy: initial.params.output_size ? "output_size" : "output_padding",
    padKind: initial.params.padding.some(Array.isArray) ? "pairs" : "symmetric",
    apply: (changes, source) => apply(changes, source),
    highlight: () => TconvHighlight.highlight(page),
  };
  let timer = null;
  let writtenHash = null;

  // ------------------------------------------------------------------ applying a change

  // Change the state; returns null, or the message now shown (a malformed request keeps the old state).
  function apply(changes, source = "api") {
    stopPlaying();
    let next;
    try {
      next = S.merge(page.state, changes);
    } catch (error) {
      if (!(error instanceof S.SettingError)) throw error;
      page.refused = error.message;
      showMessage(source === "link" ? "This link asks for something the explorer cannot show:" : null);
      return page.refused;
    }
    page.refused = null;
    page.state = next;
    const p = next.params;
    if ("output_size" in changes && changes.output_size !== null) page.sizeBy = "output_size";
    if ("output_padding" in changes && !("output_size" in changes)) page.sizeBy = "output_padding";
    if (p.padding.some(Array.isArray)) page.padKind = "pairs";
    if (p.input.length === 1) page.linked = false;
    else if (source !== "control") page.linked = S.PER_AXIS.every((name) => S.isUniform(p[name]));
    page.pinned = null;             // positions of the old geometry mean nothing in the new one
    page.hovered = null;
    page.matrixCell = null;
    refresh();
    return page.message;
  }

  function refresh() {
    const result = S.evaluate(page.state.params, LIMITS);
    page.message = result.error || null;
    if (result.g) {
      page.current = derive(result.g);
      page.step = clamp(page.step, 0, page.current.steps - 1);
    }
    syncControls();
    writeHash();
    showMessage(null);
    if (result.g) draw();
  }

  // Everything the drawings need about one geometry.
  function derive(g) {
    const byFeature = range(A.product(g.feature)).map(() => []);
    const byImage = range(A.product(g.image)).map(() => []);
    for (const [m, j, t] of A.entries(g)) {
      byFeature[m].push([j, t]);
      byImage[j].push([m, t]);
    }
    const equivalentView = g.transposed && page.state.view === "equivalent";
    // one step is one input pixel in the scatter view, one output pixel otherwise
    const stepSide = g.transposed && !equivalentView ? "feature" : g.transposed ? "image" : "feature";
    return { g, byFeature, byImage, equivalentView, stepSide, steps: A.product(stepSide === "feature" ? g.feature : g.image),
             values: A.values(g, page.state.seed), overlap: A.overlap(g), spell: A.spellings(g), sizes: A.inputSizes(g) };
  }

  function draw() {
    TconvGrids.draw(page);
    TconvMatrix.draw(page);
    TconvMatrix.drawOverlap(page);
    TconvPanels.draw(page);
    $("step").max = String(page.current.steps - 1);
    page.highlight();
  }

  // ------------------------------------------------------------------ the message

  // The library names PyTorch's arguments (kernel_size=(5,)); tconv explain names its flags
  // (--kernel (5,)): the same substitution as tconv.translate.spelling.respell.
  function commandLineWords(message) {
    return Object.entries(DATA.flags).reduce((text, [name, flag]) =>
      text.replace(new RegExp(`(?<![\\w-])${name}=(\\S+)`, "g"), `${flag} $1`), message);
  }

  // An invalid geometry: tconv explain's words, with its command line, over the last valid
  // drawing (dimmed). A malformed request: its reason (the state did not change).
  function showMessage(heading) {
    const box = $("message");
    document.querySelector("main").classList.toggle("invalid", Boolean(page.message));
    box.hidden = !page.message && !page.refused;
    box.textContent = "";
    if (page.refused) {
      el("b", {}, box, heading || "The explorer cannot use this setting:");
      el("span", { class: "rule" }, box, page.refused);
    }
    if (page.message) {
      el("b", {}, box, "This geometry is not valid. tconv explain says:");
      el("span", { class: "rule" }, box, `$ ${S.commandLine(page.state, "explain")}\ntconv explain: error: ${commandLineWords(page.message)}`);
      el("span", {}, box, page.current ? "The drawings below show the last valid geometry, dimmed." :
        "Change a parameter to see a drawing.");
    }
  }

  // ------------------------------------------------------------------ the link in the address bar

  function writeHash() {
    const hash = S.hashOf(page.state);
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
    const changes = S.parseHash(text);
    if (!("input" in changes)) changes.input = page.state.params.input;
    if (!("kernel" in changes)) changes.kernel = page.state.params.kernel;
    apply(changes, "link");
  }

  // ------------------------------------------------------------------ controls

  // name, lowest value, highest value (the slider's; the number box takes any int)
  const SLIDERS = [
    ["input", 1, () => LIMITS.side[page.state.params.input.length]],
    ["kernel", 1, () => LIMITS.kernel_size],
    ["stride", 1, () => LIMITS.stride],
    ["padding", 0, () => LIMITS.padding],
    ["dilation", 1, () => LIMITS.dilation],
    ["output_padding", 0, () => LIMITS.stride - 1],
    ["output_size", 1, () => LIMITS.side[page.state.params.input.length]],
  ];

  function buildSliders() {
    const box = $("sliders");
    box.textContent = "";
    const p = page.state.params;
    const ndim = p.input.length;
    const transposed = p.mode === "transposed";
    for (const [name, low, high] of SLIDERS) {
      if ((name === "output_padding" || name === "output_size") && (!transposed || page.sizeBy !== name)) continue;
      const row = el("div", { class: "param", id: `param-${name}` }, box);
      const head = el("div", { class: "name" }, row);
      el("span", {}, head, name === "input" && transposed ? "input (the small side)" : name);
      if (name === "padding") paddingKind(head);
      if (name === "output_padding" || name === "output_size") sizeChoice(head);
      const values = p[name] || range(ndim).map(() => low);
      const parts = name === "padding" && page.padKind === "pairs" ? [["before", 0], ["after", 1]] : [[null, null]];
      for (const x of page.linked ? [0] : range(ndim)) {
        for (const [partName, part] of parts) {
          const line = el("div", { class: "axis" }, row);
          const axisName = ndim > 1 && !page.linked ? `axis ${x}` : "";
          el("span", { class: "tag" }, line, [axisName, partName || ""].filter(Boolean).join(" "));
          const entry = values[x];
          const value = Array.isArray(entry) ? entry[part === null ? 0 : part] : entry;
          const aria = [name, axisName, partName || ""].filter(Boolean).join(" ");
          const data = { "data-name": name, "data-axis": x, "data-part": part === null ? "" : part };
          const slider = el("input", { type: "range", min: low, max: high(), step: 1, value, "aria-label": aria, ...data }, line);
          const number = el("input", { type: "number", step: 1, value, "aria-label": `${aria} (number)`, ...data }, line);
          slider.addEventListener("input", () => { number.value = slider.value; fromControl(slider); });
          number.addEventListener("change", () => { slider.value = number.value; fromControl(number); });
        }
      }
    }
    $("linked-label").hidden = ndim < 2;
  }

  function paddingKind(head) {
    const select = el("select", { id: "pad-kind", "aria-label": "padding kind" }, head);
    for (const [value, text] of [["symmetric", "same both sides"], ["pairs", "before / after"]]) {
      el("option", { value }, select, text).selected = page.padKind === value;
    }
    select.addEventListener("change", () => {
      page.padKind = select.value;
      const pairs = page.padKind === "pairs";
      apply({ padding: page.state.params.padding.map((v) => (Array.isArray(v) ? (pairs ? v : v[0]) : (pairs ? [v, v] : v))) },
            "control");
    });
  }

  function sizeChoice(head) {
    const select = el("select", { id: "size-by", "aria-label": "choose the output size by" }, head);
    for (const value of ["output_padding", "output_size"]) el("option", { value }, select, value).selected = page.sizeBy === value;
    select.addEventListener("change", () => {
      page.sizeBy = select.value;
      const g = page.current && page.current.g;
      if (page.sizeBy === "output_size") apply({ output_size: g ? A.operatorOutput(g) : page.state.params.input }, "control");
      else apply({ output_padding: g ? g.outputPadding : 0 }, "control");
    });
  }

  // A slider or number box moved: write its value into the setting (on both axes when linked).
  function fromControl(input) {
    const name = input.dataset.name;
    const part = input.dataset.part === "" ? null : Number(input.dataset.part);
    let value;
    try {
      value = S.toInt(name, input.value);
    } catch (error) {
      page.refused = error.message;
      showMessage(null);
      return;
    }
    const p = page.state.params;
    const values = S.clone(p[name] || range(p.input.length).map(() => 0));
    for (const axis of page.linked ? range(p.input.length) : [Number(input.dataset.axis)]) {
      if (part === null) {
        values[axis] = value;
      } else {
        const pair = Array.isArray(values[axis]) ? values[axis] : [values[axis], values[axis]];
        pair[part] = value;
        values[axis] = pair;
      }
    }
    apply({ [name]: values }, "control");
  }

  let builtFor = null;

  function syncControls() {
    const { params: p, view, numbers, seed } = page.state;
    const key = JSON.stringify([p.input.length, p.mode, page.linked, page.sizeBy, page.padKind]);
    if (key !== builtFor) {
      buildSliders();
      builtFor = key;
    } else {
      for (const input of $("sliders").querySelectorAll("input[data-name]")) {
        const values = p[input.dataset.name];
        if (!values) continue;
        const entry = values[Number(input.dataset.axis)];
        const value = Array.isArray(entry) ? entry[input.dataset.part === "" ? 0 : Number(input.dataset.part)] : entry;
        if (document.activeElement !== input || input.type === "range") input.value = value;
      }
    }
    for (const radio of document.querySelectorAll("input[name=mode]")) radio.checked = radio.value === p.mode;
    for (const radio of document.querySelectorAll("input[name=ndim]")) radio.checked = Number(radio.value) === p.input.length;
    $("linked").checked = page.linked;
    $("view").checked = view === "equivalent";
    $("view-label").hidden = p.mode !== "transposed";
    $("numbers").checked = numbers;
    if (document.activeElement !== $("seed")) $("seed").value = seed;
  }

  function setupControls() {
    for (const radio of document.querySelectorAll("input[name=mode]")) {
      radio.addEventListener("change", () => apply({ mode: radio.value, view: "direct" }, "control"));
    }
    for (const radio of document.querySelectorAll("input[name=ndim]")) {
      radio.addEventListener("change", () => {
        const input = page.state.params.input;
        apply({ input: range(Number(radio.value)).map((x) => input[Math.min(x, input.length - 1)]) }, "control");
      });
    }
    $("linked").addEventListener("change", () => {
      page.linked = $("linked").checked;
      if (!page.linked) {
        builtFor = null;
        syncControls();
        return;
      }
      const p = page.state.params;          // the first axis' values on every axis
      const same = {};
      for (const name of S.PER_AXIS) if (p[name]) same[name] = p[name].map(() => S.clone(p[name][0]));
      apply(same, "control");
    });
    $("view").addEventListener("change", () => apply({ view: $("view").checked ? "equivalent" : "direct" }, "control"));
    $("numbers").addEventListener("change", () => apply({ numbers: $("numbers").checked }, "control"));
    $("seed").addEventListener("change", () => apply({ seed: $("seed").value }, "control"));
    const presets = $("preset");
    DATA.presets.forEach((preset, n) => el("option", { value: String(n) }, presets, preset.name));
    presets.addEventListener("change", () => {
      if (presets.value === "") return;
      const preset = DATA.presets[Number(presets.value)];
      page.sizeBy = "output_padding";
      page.padKind = preset.params.padding.some(Array.isArray) ? "pairs" : "symmetric";
      apply({ view: "direct", ...preset.params }, "preset");
      presets.value = "";
    });
    const side = LIMITS.side;
    $("limits").textContent = `Limits, so that every cell stays readable: at most ${side[2]} cells per axis in 2-D ` +
      `(${side[1]} in 1-D) on each side, kernel ${LIMITS.kernel_size}, stride ${LIMITS.stride}, dilation ` +
      `${LIMITS.dilation}, padding ${LIMITS.padding}. tconv explain describes any size.`;
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
      const same = hit && page.hovered && hit.side === page.hovered.side && hit.pos === page.hovered.pos;
      if (!page.current || same) return;
      page.hovered = hit;
      page.highlight();
    });
    grids.addEventListener("mouseleave", () => { page.hovered = null; page.highlight(); });
    grids.addEventListener("click", (event) => {
      const hit = cellOf(event);
      if (!hit || !page.current) return;
      if (hit.side === page.current.stepSide) {       // a step's cell: go there
        page.step = hit.pos;
        page.pinned = null;
      } else {                                        // any other: keep it lit (click again to release)
        const again = page.pinned && page.pinned.side === hit.side && page.pinned.pos === hit.pos;
        page.pinned = again ? null : hit;
      }
      page.highlight();
    });
    const keys = (event) => {
      if (!page.current) return;
      const dims = page.current.stepSide === "feature" ? page.current.g.feature : page.current.g.image;
      const width = dims[dims.length - 1];
      const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -width, ArrowDown: width, Home: -Infinity, End: Infinity };
      if (event.key === "Escape") {
        page.pinned = null;
        page.highlight();
      } else if (event.key === " ") {
        event.preventDefault();
        togglePlay();
      } else if (event.key in moves) {
        event.preventDefault();
        moveStep(moves[event.key], false);
      }
    };
    grids.addEventListener("keydown", keys);
    $("matrix").addEventListener("keydown", keys);
    $("prev").addEventListener("click", () => moveStep(-1, true));
    $("next").addEventListener("click", () => moveStep(1, true));
    $("play").addEventListener("click", togglePlay);
    $("step").addEventListener("input", () => { page.step = Number($("step").value); page.pinned = null; page.highlight(); });
    $("export").addEventListener("click", downloadSVG);
    window.addEventListener("hashchange", () => readHash());
    let resizeTimer = null;
    window.addEventListener("resize", () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => { if (page.current && !page.message) draw(); }, 120);
    });
  }

  function moveStep(delta, wrap) {
    if (!page.current) return;
    const n = page.current.steps;
    let next = page.step + delta;
    if (!Number.isFinite(next)) next = delta < 0 ? 0 : n - 1;
    page.step = wrap ? ((next % n) + n) % n : clamp(next, 0, n - 1);
    page.pinned = null;
    page.hovered = null;
    page.highlight();
  }

  function togglePlay() {
    if (timer) return stopPlaying();
    $("play").textContent = "❚❚ pause";
    $("play").setAttribute("aria-label", "pause");
    timer = setInterval(() => moveStep(1, true), 800);
    return null;
  }

  function stopPlaying() {
    if (!timer) return;
    clearInterval(timer);
    timer = null;
    $("play").textContent = "▶ play";
    $("play").setAttribute("aria-label", "play");
  }

  // ------------------------------------------------------------------ export as SVG

  // The grids, the matrix and the overlap map as one SVG document, placed as they are on screen,
  // each with its title, and the sentence under the grids.
  function exportSVG() {
    const origin = document.querySelector("main").getBoundingClientRect();
    const parts = [...document.querySelectorAll("#grids svg, #matrix svg, #overlap svg")];
    const root = svgEl("svg", {});
    const textStyle = "font: 12px sans-serif; fill: #222";
    const heading = (part) => {
      const box = part.closest(".grid-box");
      const title = box ? box.querySelector(".title") : part.closest("section").querySelector("h2");
      return title ? title.textContent : "";
    };
    const top = Math.min(...parts.map((p) => p.getBoundingClientRect().top - origin.top)) - 40;
    svgEl("text", { x: 8, y: top + 20, style: "font: 14px sans-serif; fill: #222" }, root,
          `tconv explorer: ${S.commandLine(page.state, "explain").replace("tconv explain ", "")}`);
    let [width, height] = [0, 0];
    for (const part of parts) {
      const box = part.getBoundingClientRect();
      const [x, y] = [box.left - origin.left, box.top - origin.top];
      svgEl("text", { x: x.toFixed(1), y: (y - 5).toFixed(1), style: textStyle }, root, heading(part));
      const group = svgEl("g", { transform: `translate(${x.toFixed(1)},${y.toFixed(1)})` }, root);
      for (const child of part.childNodes) group.appendChild(child.cloneNode(true));
      [width, height] = [Math.max(width, x + box.width), Math.max(height, y + box.height)];
    }
    const products = $("products").getBoundingClientRect();
    width = Math.max(width, products.right - origin.left);
    svgEl("text", { x: (products.left - origin.left).toFixed(1), y: (products.top - origin.top + 12).toFixed(1),
                    style: textStyle }, root, $("products").textContent);
    const [w, h] = [Math.ceil(width + 8), Math.ceil(height - top + 8)];
    for (const [k, v] of Object.entries({ width: w, height: h, viewBox: `0 ${Math.floor(top)} ${w} ${h}` })) root.setAttribute(k, v);
    root.insertBefore(document.querySelector("#tconv-defs defs").cloneNode(true), root.firstChild);
    root.insertBefore(svgEl("style", {}, null, SVG_CSS), root.firstChild);
    return new XMLSerializer().serializeToString(root);
  }

  function downloadSVG() {
    const blob = new Blob([exportSVG()], { type: "image/svg+xml" });
    const link = el("a", { href: URL.createObjectURL(blob), download: "tconv_explorer.svg" }, document.body);
    link.click();
    setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  }

  // ------------------------------------------------------------------ the scripting interface, and the start

  window.tconvExplorer = {
    get: () => ({ ...S.clone(page.state.params), view: page.state.view, numbers: page.state.numbers, seed: page.state.seed }),
    set: (changes) => apply(S.clone(changes || {}), "api"),
    outputSize: () => (page.current && !page.message ? A.operatorOutput(page.current.g).slice() : null),
    matrix: () => (page.current && !page.message ? A.matrix(page.current.g) : null),
    values: () => (page.current && !page.message ? S.clone(page.current.values) : null),
    message: () => page.refused || page.message,
    selfTest: () => A.selfTest(DATA.cases, LIMITS),
    exportSVG,
  };

  addDefinitions();
  setupControls();
  setupPointer();
  const link = location.hash;
  refresh();                        // the embedded state first, so a bad link still leaves a drawing
  if (link.length > 1) readHash(link);
})();
