// What lights up. The selected cell (under the pointer, else clicked, else the step's) is an
// output or an input pixel of the operator shown:
// * an output pixel lights its window of input pixels (the nonzeros of its row of C or C.T) and
//   the kernel taps that join them, and its row of the matrix;
// * an input pixel lights, for a transposed convolution, the region it paints (every tap, the
//   cropped ones too), for a convolution the windows that read it, and its column of the matrix.
// Lit cells carry data-view (the view's name) and data-at (its coordinates) so tests can read them.
"use strict";

const TconvHighlight = (() => {
  const A = TconvArithmetic;
  const { $, range, svgEl, flat, unflat, allIndices, tapColor, tapName, cellName, label } = TconvSvg;

  // Fill a view's cell with a tap's colour (and a label: the tap's name, or the product x·w).
  function mark(view, coords, color, text) {
    if (!view) return;
    const [r, c] = view.at(coords);
    const gr = view.gr;
    if (r < 0 || c < 0 || r >= gr.rows || c >= gr.cols) return;
    const [x, y] = gr.xy(r, c);
    const cut = view.outside && view.outside([r, c]);       // on the border the padding crops
    svgEl("rect", { x, y, width: gr.size, height: gr.size, class: `cell lit${cut ? " cut" : ""}`, style: `fill:${color}`,
                    "data-view": view.name, "data-at": coords.join(",") }, gr.b.overlay);
    if (text !== null && text !== undefined) label(gr, r, c, text, "", "overlay");
  }

  // Frame a view's cell.
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

  // The page's selection, lit everywhere: the grids, the kernel, the matrix, the sentence, the step.
  function highlight(page) {
    const current = page.current;
    if (!current) return;
    for (const view of Object.values(page.views)) view.gr.b.overlay.textContent = "";
    const { g } = current;
    const sel = page.hovered || page.pinned || { side: current.stepSide, pos: page.step };
    const taps = sel.side === "feature" ? featureSelected(page, sel.pos) : imageSelected(page, sel.pos);
    for (const t of taps) focus(page.views.kernel, unflat(t, g.kernel));
    if (page.matrixCell) focusInput(page, page.matrixCell[1]);
    const isOutput = (sel.side === "image") === g.transposed;
    TconvMatrix.highlight(page, sel, isOutput);
    $("products").textContent = describe(page, sel, isOutput);
    const [kind, letter, dims] = current.stepSide === "image" ? ["output pixel", "y", g.image]
      : g.transposed ? ["input pixel", "x", g.feature] : ["output pixel", "y", g.feature];
    $("step").value = String(page.step);
    $("step-label").textContent = `step ${page.step + 1} of ${current.steps}: ${kind} ${cellName(letter, page.step, dims)}`;
  }

  // A feature position m: a convolution's output pixel (its window) or a transposed convolution's
  // input pixel (the copy it paints). Returns the kernel taps involved.
  function featureSelected(page, pos) {
    const { g, values, equivalentView } = page.current;
    const { views, stairs } = page;
    const numbers = page.state.numbers;
    const m = unflat(pos, g.feature);
    const taps = new Set();
    if (equivalentView) {                   // the input pixel in the stuffed grid, the outputs it reaches
      const e = A.equivalent(g);
      focus(views.stuffed, m.map((v, x) => e.padding[x][0] + v * g.stride[x]));
      for (const [j, t] of page.current.byFeature[pos]) {
        mark(views.outputEq, unflat(j, g.image), tapColor(t), numbers ? `${values.input[pos]}·${values.kernel[t]}` : tapName(t, g));
        taps.add(t);
      }
      return taps;
    }
    focus(views.feature, m);
    if (stairs) rowBox(stairs, pos);
    for (const t of range(A.product(g.kernel))) {  // every tap, at u = m*s + t*d on the padded grid or canvas
      const u = unflat(t, g.kernel).map((v, x) => m[x] * g.stride[x] + v * g.dilation[x]);
      let text = tapName(t, g);
      if (numbers) {
        const j = u.map((v, x) => v - g.pads[x][0]);
        const inside = j.every((v, x) => v >= 0 && v < g.image[x]);
        const xValue = g.transposed ? values.input[pos] : inside ? values.input[flat(j, g.image)] : 0;
        text = `${xValue}·${values.kernel[t]}`;
      }
      mark(views.image, u, tapColor(t), text);
      if (stairs) mark({ name: "stairs", gr: stairs, at: (c) => [pos, c[0]], outside: views.image.outside }, u, tapColor(t), text);
      taps.add(t);
    }
    return taps;
  }

  // An image position j: a convolution's input pixel (the windows that read it) or a transposed
  // convolution's output pixel (the copies that reach it). Returns the kernel taps involved.
  function imageSelected(page, pos) {
    const { g, values, equivalentView } = page.current;
    const { views, stairs } = page;
    const numbers = page.state.numbers;
    const j = unflat(pos, g.image);
    const taps = new Set();
    if (equivalentView) {                   // the rotated kernel's window over the stuffed grid
      focus(views.outputEq, j);
      if (stairs) rowBox(stairs, pos);
      const stuffed = range(g.ndim).map((x) => TconvGrids.stuffedAxis(g, x));
      for (const tau of allIndices(g.kernel)) {
        const t = flat(tau.map((v, x) => g.kernel[x] - 1 - v), g.kernel);
        const v = tau.map((w, x) => j[x] + w * g.dilation[x]);
        const kinds = v.map((w, x) => stuffed[x][w]);
        const xValue = kinds.every((k) => k.kind === "x") ? values.input[flat(kinds.map((k) => k.m), g.feature)] : 0;
        const text = numbers ? `${xValue}·${values.kernel[t]}` : tapName(t, g);
        mark(views.stuffed, v, tapColor(t), text);
        if (stairs) mark({ name: "stairs", gr: stairs, at: (c) => [pos, c[0]] }, v, tapColor(t), text);
        taps.add(t);
      }
      return taps;
    }
    focus(views.image, j.map((v, x) => v + g.pads[x][0]));
    for (const [m, t] of page.current.byImage[pos]) {
      const text = numbers ? `${g.transposed ? values.input[m] : values.input[pos]}·${values.kernel[t]}` : tapName(t, g);
      mark(views.feature, unflat(m, g.feature), tapColor(t), text);
      if (stairs) {
        const u = j[0] + g.pads[0][0];
        mark({ name: "stairs", gr: stairs, at: () => [m, u] }, [u], tapColor(t), text);
      }
      taps.add(t);
    }
    return taps;
  }

  // The input pixel of the matrix column under the pointer, framed in the grids.
  function focusInput(page, col) {
    const { g, equivalentView } = page.current;
    if (!g.transposed) return focus(page.views.image, unflat(col, g.image).map((v, x) => v + g.pads[x][0]));
    const m = unflat(col, g.feature);
    if (!equivalentView) return focus(page.views.feature, m);
    const e = A.equivalent(g);
    return focus(page.views.stuffed, m.map((v, x) => e.padding[x][0] + v * g.stride[x]));
  }

  // The sentence under the grids: the products being summed, or where an input pixel goes.
  function describe(page, sel, isOutput) {
    const { g, values, byFeature, byImage } = page.current;
    const numbers = page.state.numbers;
    const [inDims, outDims] = [A.operatorInput(g), A.operatorOutput(g)];
    const tap = (t) => `w[${unflat(t, g.kernel).join(",")}]`;
    // the (other side's position, tap) pairs: an output's row of the matrix, an input's column
    const links = (isOutput === g.transposed ? byImage : byFeature)[sel.pos];
    if (isOutput) {
      const name = cellName("y", sel.pos, outDims);
      if (!links.length) return `${name} = 0: no kernel tap reaches it` + (g.transposed ? " (output_padding adds it beyond every copy)" : "");
      const symbolic = links.map(([c, t]) => `${cellName("x", c, inDims)}·${tap(t)}`).join(" + ");
      if (!numbers) return `${name} = ${symbolic}   (${links.length} product${links.length > 1 ? "s" : ""})`;
      const products = links.map(([c, t]) => `${values.input[c]}·${values.kernel[t]}`).join(" + ");
      return `${name} = ${symbolic} = ${products} = ${values.output[sel.pos]}`;
    }
    const name = cellName("x", sel.pos, inDims);
    if (!links.length) return `${name} reaches no output: the stride skips it (its column of C is empty)`;
    const parts = links.map(([r, t]) => (numbers ? `${cellName("y", r, outDims)} += ${values.input[sel.pos]}·${values.kernel[t]}`
      : `${cellName("y", r, outDims)} through ${tap(t)}`));
    return `${name} ${g.transposed ? "paints" : "is read by"} ${links.length} output${links.length > 1 ? "s" : ""}: ${parts.join(", ")}`;
  }

  return { highlight };
})();
