// The matrix C (convolution) or C.T (transposed convolution), each nonzero coloured by its kernel
// tap, with the lit row or column; and the heat map of how many kernel copies overlap.
"use strict";

const TconvMatrix = (() => {
  const A = TconvArithmetic;
  const { $, range, clamp, svgEl, unflat, tapColor, tapName, cellName, heat, board, grid, cell, label } = TconvSvg;

  // Draw the operator's matrix into #matrix; hovering it selects the row's output pixel and
  // frames the column's input pixel (page.matrixCell), clicking pins the row.
  function draw(page) {
    const { g } = page.current;
    const holder = $("matrix");
    holder.textContent = "";
    const M = A.matrix(g);
    page.current.matrix = M;
    const [rows, cols] = [M.length, M[0].length];
    const width = Math.max(holder.clientWidth, 240);
    const size = Math.max(Math.min(Math.floor((width - 34) / cols), Math.floor(640 / rows), 26), 2);
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
      const text = size < 14 ? null : page.state.numbers ? page.current.values.kernel[t] : size >= 24 ? tapName(t, g) : null;
      if (text !== null) svgEl("text", { x: x + size / 2, y: y + size / 2, class: "lbl small" }, b.base, String(text));
    }));
    if (size >= 12) {
      const every = Math.ceil(14 / size);
      for (let r = 0; r < rows; r += every) svgEl("text", { x: margin / 2, y: margin + (r + 0.5) * size, class: "mtick" }, b.base, String(r));
      for (let c = 0; c < cols; c += every) svgEl("text", { x: margin + (c + 0.5) * size, y: margin / 2, class: "mtick" }, b.base, String(c));
    }
    page.matrixView = { gr, b };
    const outputSide = g.transposed ? "image" : "feature";
    const leave = () => {
      if (!page.matrixCell) return;
      page.matrixCell = null;
      page.hovered = null;
      page.highlight();
    };
    b.svg.addEventListener("mousemove", (event) => {
      const box = b.svg.getBoundingClientRect();
      const scale = b.svg.viewBox.baseVal.width / box.width || 1;
      const c = Math.floor(((event.clientX - box.left) * scale - margin) / size);
      const r = Math.floor(((event.clientY - box.top) * scale - margin) / size);
      if (r < 0 || c < 0 || r >= rows || c >= cols) return leave();
      if (page.matrixCell && page.matrixCell[0] === r && page.matrixCell[1] === c) return;
      page.matrixCell = [r, c];
      page.hovered = { side: outputSide, pos: r };
      page.highlight();
    });
    b.svg.addEventListener("mouseleave", leave);
    b.svg.addEventListener("click", () => { if (page.matrixCell) page.pinned = { side: outputSide, pos: page.matrixCell[0] }; });
    const nnz = M.reduce((n, row) => n + row.filter((t) => t >= 0).length, 0);
    $("matrix-title").textContent = g.transposed
      ? `The matrix Cᵀ (${rows} × ${cols}): the transposed convolution is y = Cᵀ x`
      : `The matrix C (${rows} × ${cols}): the convolution is y = C x`;
    page.current.matrixText = `${nnz} nonzeros of ${rows * cols} (density ${(100 * nnz / (rows * cols)).toFixed(1)}%). ` +
      (g.transposed
        ? "Row r lists the input pixels whose copies reach output pixel r; column m is the copy that input pixel m paints. " +
          "It is the convolution's C with rows and columns swapped: the same taps, read the other way."
        : "Row r is the kernel laid into the flattened input at output r's window; column j lists every window that reads " +
          "input pixel j. The transposed convolution uses the same matrix, transposed.");
  }

  // Light the selection's row (an output pixel) or column (an input pixel), and the hovered column.
  function highlight(page, sel, isOutput) {
    if (!page.matrixView) return;
    const { gr, b } = page.matrixView;
    b.overlay.textContent = "";
    const { g, matrix: M } = page.current;
    const band = (r, c) => {
      const [x, y] = r === null ? gr.xy(0, c) : gr.xy(r, 0);
      svgEl("rect", { x, y, width: r === null ? gr.size : gr.cols * gr.size, height: r === null ? gr.rows * gr.size : gr.size,
                      class: "band", [r === null ? "data-col" : "data-row"]: r === null ? c : r }, b.overlay);
    };
    if (isOutput) band(sel.pos, null);
    else band(null, sel.pos);
    if (page.matrixCell) band(null, page.matrixCell[1]);
    const cells = isOutput ? M[sel.pos].map((t, c) => [sel.pos, c, t]) : M.map((row, r) => [r, sel.pos, row[sel.pos]]);
    for (const [r, c, t] of cells) {
      if (t < 0) continue;
      const [x, y] = gr.xy(r, c);
      svgEl("rect", { x, y, width: gr.size, height: gr.size, fill: "none", class: "lit" }, b.overlay);
    }
    const name = g.transposed ? "Cᵀ" : "C";
    let where = isOutput
      ? `Lit: row ${sel.pos} of ${name} = output pixel ${cellName("y", sel.pos, A.operatorOutput(g))}; its nonzeros are the input window.`
      : `Lit: column ${sel.pos} of ${name} = input pixel ${cellName("x", sel.pos, A.operatorInput(g))}; its nonzeros are the ` +
        (g.transposed ? "region it paints." : "windows that read it.");
    if (page.matrixCell) {
      const [r, c] = page.matrixCell;
      const t = M[r][c];
      where = `${name}[${r}, ${c}] = ${t < 0 ? "0 (no tap joins these pixels)"
        : `${tapName(t, g)}: output ${r} takes input ${c} through tap ${tapName(t, g)}`}. ${where}`;
    }
    $("matrix-caption").textContent = `${where} ${page.current.matrixText}`;
  }

  // ------------------------------------------------------------------ the overlap heat map

  // Per axis, the counts away from the border (where every copy that can reach a pixel does).
  function interiorCounts(g, x) {
    const [k, s, d] = [g.kernel[x], g.stride[x], g.dilation[x]];
    const kh = A.kHat(k, d);
    const counts = new Set();
    for (let j = 0; j < g.image[x]; j++) {
      const u = j + g.pads[x][0];
      if (u < kh - 1 || u > (g.feature[x] - 1) * s) continue;
      let n = 0;
      for (let m = 0; m < g.feature[x]; m++) for (let t = 0; t < k; t++) if (m * s + t * d === u) n++;
      counts.add(n);
    }
    return { x, kh, s, values: [...counts].sort((p, q) => p - q) };
  }

  function drawOverlap(page) {
    const { g, overlap: counts } = page.current;
    const holder = $("overlap");
    holder.textContent = "";
    const top = Math.max(...counts, 1);
    const [rows, cols] = g.ndim === 2 ? g.image : [1, g.image[0]];
    const size = clamp(Math.floor((Math.max(holder.clientWidth, 200) - 4) / cols), 10, 30);
    const gr = grid(board(cols * size + 2, rows * size + 2, holder, "overlap counts"), 1, 1, rows, cols, size);
    counts.forEach((n, pos) => {
      const [r, c] = g.ndim === 2 ? unflat(pos, g.image) : [0, pos];
      cell(gr, r, c, "", {}, heat(n / top));
      label(gr, r, c, String(n), n / top > 0.55 ? "white" : "");
    });
    $("overlap-caption").textContent = verdict(g, range(g.ndim).map((x) => interiorCounts(g, x)));
  }

  function verdict(g, axes) {
    const noun = g.transposed ? "copies" : "windows";
    const words = g.transposed ? "kernel copies land on each output pixel" : "windows read each input pixel";
    const text = `How many ${words} (the transposed convolution of ones through a kernel of ones). `;
    if (axes.every((v) => v.values.length === 0)) {
      return text + `Every pixel here is near the border, where fewer ${noun} reach: the counts follow the distance to ` +
        "the edge, not the stride. Make the input larger to see the interior.";
    }
    const uneven = axes.find((v) => v.values.length > 1);
    if (uneven) {
      const [k, d] = [g.kernel[uneven.x], g.dilation[uneven.x]];
      const why = d > 1 ? `k̂ = ${uneven.kh} (kernel ${k}, dilation ${d}), s = ${uneven.s}`
        : `k = ${k}, s = ${uneven.s}: k mod s = ${k % uneven.s} ≠ 0`;
      return text + `Uneven: away from the border, pixels get ${uneven.values.join(" or ")} ${noun} per axis (${why}).` +
        (uneven.values[0] === 0 ? " Some get none at all: gaps, the stride is longer than the kernel reaches." : "") +
        (g.ndim === 2 ? " In 2-D the counts multiply, so the unevenness squares: a checkerboard."
          : " In 2-D the counts multiply: a checkerboard.") +
        (g.transposed ? " A kernel divisible by the stride (or resize, then convolve) avoids it."
          : " The gradient of this convolution is a transposed convolution with the same pattern.");
    }
    const even = axes.find((v) => v.values.length);
    const rule = g.stride.some((s) => s > 1) && g.dilation.every((d) => d === 1) ? " (k mod s = 0)" : "";
    return text + `Even: away from the border every pixel gets ${even.values[0]} ${noun} per axis${rule}: no ` +
      "checkerboard from the overlap.";
  }

  return { draw, highlight, drawOverlap };
})();
