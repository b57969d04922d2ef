// The panels in words: the output-size formula with the numbers filled in, the input sizes that
// give this output (why output_padding exists), the paper's equivalent convolution, the tconv /
// PyTorch / Keras spellings (with Keras' "same" and "valid" for this kernel and stride), the
// command lines and the link.
"use strict";

const TconvPanels = (() => {
  const A = TconvArithmetic;
  const S = TconvSettings;
  const { $, range, times, axisText, el } = TconvSvg;

  function draw(page) {
    formula(page);
    sizes(page);
    equivalent(page);
    spellings(page);
    links(page);
  }

  // As tconv explain writes it: o = floor((i + p_before + p_after - k̂) / s) + 1, filled in per axis.
  function formula(page) {
    const { g } = page.current;
    const box = $("formula");
    box.textContent = "";
    const head = el("div", {}, box);
    el("b", {}, head, "Output size per axis: ");
    el("span", { class: "eq" }, head, g.transposed
      ? "o' = (i' − 1)·s − (p_before + p_after) + k̂ + a,   k̂ = d·(k − 1) + 1"
      : "o = floor((i + p_before + p_after − k̂) / s) + 1,   k̂ = d·(k − 1) + 1");
    for (let x = 0; x < g.ndim; x++) {
      const [b, a] = g.pads[x];
      const [k, d, s] = [g.kernel[x], g.dilation[x], g.stride[x]];
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

  // Every image size the convolution maps to this feature size, each a button that shows the
  // transposed convolution returning to it.
  function sizes(page) {
    const { g, sizes: perAxis } = page.current;
    const box = $("sizes");
    box.textContent = "";
    const featureText = times(g.feature);
    el("p", {}, box, perAxis.every((a) => a.sizes.length === 1)
      ? `Stride 1: only ${times(perAxis.map((a) => a.sizes[0]))} gives ${featureText}, so the size goes back up ` +
        "unambiguously and output_padding stays 0."
      : `A stride-${axisText(g.stride)} convolution drops the remainder of its last step, so several input sizes give ` +
        `the same output ${featureText}. The transposed convolution cannot know which one you came from: ` +
        "output_padding (or output_size) tells it.");
    perAxis.forEach((axis, x) => {
      const row = el("div", { class: "sizes-list" }, box);
      el("span", {}, row, `${g.ndim > 1 ? `axis ${x}: ` : ""}conv input ${axis.sizes.length > 1 ? "sizes" : "size"} `);
      axis.sizes.forEach((i, n) => {
        const a = axis.output_padding[n];
        const button = el("button", { type: "button", class: i === axis.current ? "current" : "",
                                      title: `show the transposed convolution with output_padding ${a}` }, row,
                          `${i} (output_padding ${a})`);
        button.addEventListener("click", () => {
          const op = g.transposed ? g.outputPadding.slice() : range(g.ndim).map(() => 0);
          op[x] = a;
          if (page.linked) op.fill(a);
          page.sizeBy = "output_padding";
          page.apply({ mode: "transposed", input: g.feature.slice(), output_padding: op, view: "direct" }, "control");
        });
      });
      el("span", {}, row, ` → ${g.feature[x]}`);
    });
    if (!g.transposed) {
      const restoring = g.image.map((i, x) => i - perAxis[x].sizes[0]);
      el("p", {}, box, `This convolution maps ${times(g.image)} to ${featureText}. Its transposed twin goes back from ` +
        `${featureText} to ${times(g.image)} with output_padding ${axisText(restoring)}; click a size to see it.`);
      return;
    }
    const [low, high] = [perAxis.map((a) => a.sizes[0]), perAxis.map((a) => a.sizes[a.sizes.length - 1])];
    el("p", {}, box, `Valid output_size: ${times(low)} to ${times(high)} (PyTorch's rule: [o'(a=0), o'(a=0) + s − 1]).` +
      (g.outputPadding.some((a, x) => a >= g.stride[x])
        ? " This output_padding is not below the stride: it is legal because it is below the dilation, but output_size= " +
          "cannot ask for it."
        : ""));
  }

  // The paper's "primed" parameters (tconv.ConvGeometry.equivalent_conv), and the view's switch.
  function equivalent(page) {
    const { g } = page.current;
    const box = $("equivalent");
    box.textContent = "";
    if (!g.transposed) {
      el("p", { class: "note" }, box, "Switch to the transposed convolution to see it written as a direct convolution " +
        "(Dumoulin & Visin 2016, section 4): zeros inserted between the input pixels, padding k̂ − 1 − p, the kernel " +
        "rotated 180°.");
      return;
    }
    const e = A.equivalent(g);
    const padded = e.stuffed_size.map((n, x) => n + e.padding[x][0] + e.padding[x][1]);
    const list = el("ol", {}, box);
    el("li", {}, list, `insert s − 1 = ${axisText(e.zeros_between)} zero${e.zeros_between.every((z) => z === 1) ? "" : "s"} ` +
      `between input pixels: ${times(g.feature)} → ${times(e.stuffed_size)}`);
    el("li", {}, list, `pad k̂ − 1 − p_before = ${axisText(e.padding.map((p) => p[0]))} before and k̂ − 1 − p_after + a = ` +
      `${axisText(e.padding.map((p) => p[1]))} after (negative = crop): → ${times(padded)}`);
    el("li", {}, list, `convolve with stride 1, dilation ${axisText(g.dilation)} and the kernel rotated 180°: → ` +
      `${times(e.output_size)}`);
    el("p", { class: "note" }, box, "These are the paper's \"primed\" numbers, not arguments of any framework. " +
      "Hover an output pixel in this view: its window covers exactly the input pixels of its row of Cᵀ.");
    const equivalentView = page.state.view === "equivalent";
    const button = el("button", { type: "button", id: "toggle-view" }, box,
      equivalentView ? "back to the scatter view" : "show the equivalent view");
    button.addEventListener("click", () => page.apply({ view: equivalentView ? "direct" : "equivalent" }, "control"));
  }

  // tconv.spelling.framework_calls, and for a transposed convolution tconv.translate's Keras table.
  function spellings(page) {
    const { g, spell } = page.current;
    const box = $("spellings");
    box.textContent = "";
    for (const [who, call, note] of [["tconv", spell.tconv, null], ["PyTorch", spell.torch, spell.torch_note],
                                     ["Keras", spell.keras, spell.keras_note]]) {
      const row = el("div", {}, box);
      el("b", {}, row, who);
      if (call) el("code", { class: "call" }, row, call);
      else el("span", { class: "verdict-none" }, row, " no single layer");
      if (note) el("div", { class: "note" }, row, note);
    }
    if (!g.transposed) return;
    el("h3", {}, box, `Keras' Conv${g.ndim}DTranspose with this kernel and stride`);
    const modes = [];
    for (const mode of ["same", "valid"]) {
      try {
        modes.push(A.kerasTranslation(mode, g.kernel, g.stride, g.dilation));
      } catch (error) {
        if (!(error instanceof A.RuleError)) throw error;
        el("p", { class: "note" }, box, `padding='${mode}': ${error.message}`);
      }
    }
    if (!modes.length) return;
    const table = el("table", { class: "modes" }, el("div", { class: "table-box" }, box));
    const head = el("tr", {}, table);
    for (const text of ["Keras", "output", "tconv, exactly", "PyTorch"]) el("th", {}, head, text);
    for (const t of modes) kerasRow(page, table, t);
  }

  function kerasRow(page, table, t) {
    const { g } = page.current;
    const tr = el("tr", {}, table);
    const out = g.feature.map((i, x) => A.kerasOutputSize(t.mode, i, g.kernel[x], g.stride[x], g.dilation[x]));
    el("code", {}, el("td", {}, tr), t.keras_call);
    el("td", {}, tr, `${times(out)} (${t.mode === "same" ? "i·s" : "(i − 1)·s + max(k̂, s)"})`);
    const show = (cell, changes, padKind) => {
      el("button", { type: "button" }, el("div", {}, cell), "show it").addEventListener("click", () => {
        page.padKind = padKind;
        page.sizeBy = "output_padding";
        page.apply(changes, "control");
      });
    };
    const exact = el("td", {}, tr);
    el("code", {}, exact, t.tconv_call);
    show(exact, { padding: t.tconv_padding.map(([b, a]) => (b === a ? b : [b, a])), output_padding: t.tconv_output_padding },
         t.tconv_padding.some(([b, a]) => b !== a) ? "pairs" : "symmetric");
    const torch = el("td", {}, tr);
    if (!t.torch_call) {
      const axes = t.status.map((st, x) => (st === "none" ? x : -1)).filter((x) => x >= 0);
      el("div", { class: "verdict-none" }, torch, "no equivalent: matching the size needs output_padding ≥ " +
        `max(stride, dilation) on axis ${axes.join(", ")} (an even effective kernel at stride 1); use tconv's asymmetric ` +
        "padding, or PyTorch with padding=0 and crop the end");
      return;
    }
    el("code", {}, torch, t.torch_call);
    const [kind, words] = t.exact ? ["exact", "the same values"]
      : ["shifted", "same size, values shifted by one pixel towards the start (torch[j] = keras[j+1]): TensorFlow crops " +
         "T//2 at the start, PyTorch ceil(T/2)"];
    el("div", { class: `verdict-${kind}` }, torch, words);
    show(torch, { padding: t.padding, output_padding: t.output_padding }, "symmetric");
  }

  function links(page) {
    const box = $("links");
    box.textContent = "";
    el("p", {}, box, "In a terminal, the same numbers in words, and this page again:");
    el("code", { class: "call" }, box, S.commandLine(page.state, "explain"));
    el("code", { class: "call" }, box, S.commandLine(page.state, "explore"));
    el("p", {}, box, `This view's link ends with #${S.hashOf(page.state)}`);
  }

  return { draw };
})();
