// The grids: a convolution's padded input, kernel and output; a transposed convolution's input,
// kernel and output canvas (the cropped border hatched, the output_padding rows framed); or the
// paper's equivalent direct convolution. In 1-D, one row per window or painted copy: a staircase.
//
// Drawing fills page.views: name -> {gr (the grid), at(coords) -> [row, col], outside?}, where
// coords are the view's own: padded/canvas coordinates u = j + p_before for the image side,
// feature positions m, kernel taps t, the stuffed input's coordinates v. highlight.js marks cells
// through them. Cells that can be hovered carry data-side ("image" or "feature") and data-pos.
"use strict";

const TconvGrids = (() => {
  const A = TconvArithmetic;
  const { $, range, clamp, times, axisText, el, svgEl, flat, allIndices, tapColor, tapName, board, grid, cell, label,
          sideText, gridBox, cellSize } = TconvSvg;

  // Per axis, what each padded/canvas coordinate u of the image side is.
  function imageAxis(g, x) {
    const [b, a] = g.pads[x];
    const full = (g.feature[x] - 1) * g.stride[x] + A.kHat(g.kernel[x], g.dilation[x]);
    const extent = g.transposed ? Math.max(full, b + g.image[x]) : g.image[x] + b + a;
    return range(extent).map((u) => ({ u, j: u - b, inside: u - b >= 0 && u - b < g.image[x] }));
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

  // 2-D: the three grids side by side when their cells can stay 18 pixels or more, else one under
  // the other (the boxes wrap), each as wide as the panel allows.
  function gridCellSize(columns, width) {
    const sideBySide = Math.floor((width - 40 * columns.length) / columns.reduce((a, b) => a + b, 0));
    return sideBySide >= 18 ? clamp(sideBySide, 12, 34) : cellSize(Math.max(...columns), width - 4, 12, 30);
  }

  function draw(page) {
    const holder = $("grids");
    holder.textContent = "";
    page.views = {};
    page.stairs = null;
    const width = Math.max(holder.clientWidth, 280);
    const drawing = { page, g: page.current.g, holder, views: page.views };
    if (drawing.g.ndim === 1) draw1D(drawing, width);
    else draw2D(drawing, width);
    for (const [name, view] of Object.entries(page.views)) view.name = name;
    drawTitle(page);
    drawLegend(page);
  }

  // What a cell shows with the numbers on: the seeded input, or the output.
  function valueOf(page, side, pos) {
    if (!page.state.numbers) return null;
    const isInput = (side === "image") !== page.current.g.transposed;
    return isInput ? page.current.values.input[pos] : page.current.values.output[pos];
  }

  function drawTitle(page) {
    const { g, equivalentView } = page.current;
    $("grids-title").textContent = !g.transposed
      ? "Convolution: the kernel slides over the padded input; each window's products sum to one output pixel"
      : equivalentView
        ? "The same transposed convolution as a direct convolution: zeros inserted, padded, kernel rotated 180°, stride 1"
        : "Transposed convolution: each input pixel paints its scaled copy of the kernel; the copies add up";
  }

  function drawLegend(page) {
    const { g, equivalentView, overlap } = page.current;
    const box = $("legend");
    box.textContent = "";
    const key = (css, text) => {
      el("span", { class: "key", style: css }, box);
      box.appendChild(document.createTextNode(text));
    };
    const padded = g.pads.flat().some((v) => v > 0);
    const cropped = range(g.ndim).some((x) => imageAxis(g, x).some((c) => !c.inside));
    if (!g.transposed) {
      if (padded) key("background:#ececf1;border-style:dashed", "padding (zeros)");
      if (overlap.some((n) => n === 0)) key("background:#fbfbfd;border-style:dotted", "no window reads it (the stride skips it)");
    } else if (equivalentView) {
      key("background:#f4f4f7", "inserted zero (s − 1 between input pixels)");
      key("background:#ececf1;border-style:dashed", "padding k̂ − 1 − p (zeros)");
    } else {
      if (cropped) key("background:repeating-linear-gradient(45deg,#fff 0 3px,#9a9aa6 3px 4px)", "cropped by the padding");
      if (g.outputPadding.some((v) => v > 0)) key("border:2px dashed #0072b2", "output_padding (added at the end)");
    }
    key(`background:${tapColor(0)}`, "kernel taps, one colour each");
    key("border:3px solid #d55e00", "the selected cell");
  }

  // ------------------------------------------------------------------ 2-D

  function draw2D(d, width) {
    const { page, g, holder, views } = d;
    if (page.current.equivalentView) return drawEquivalent2D(d, width);
    const axes = [0, 1].map((x) => imageAxis(g, x));
    const size = gridCellSize([axes[1].length, g.kernel[1], g.feature[1]], width);
    const drawFeature = () => {
      const title = g.transposed ? `input: ${times(g.feature)}` : `output: ${times(g.feature)}`;
      const note = g.transposed ? "each pixel paints a copy of the kernel, scaled by its value" : "one pixel per window";
      const gf = grid(board(g.feature[1] * size + 2, g.feature[0] * size + 2, gridBox(holder, title, note), title),
                      1, 1, g.feature[0], g.feature[1], size);
      for (const m of allIndices(g.feature)) {
        const pos = flat(m, g.feature);
        cell(gf, m[0], m[1], "hot", { side: "feature", pos });
        label(gf, m[0], m[1], valueOf(page, "feature", pos));
      }
      views.feature = { gr: gf, at: (mi) => mi };
    };
    const drawImage = () => {
      const [rows, cols] = [axes[0].length, axes[1].length];
      const padded = g.pads.flat().some((p) => p > 0);
      const canvas = rows !== g.image[0] || cols !== g.image[1] ? ` (canvas ${rows} × ${cols})` : "";
      const title = g.transposed ? `output: ${times(g.image)}${canvas}`
        : padded ? `input: ${times(g.image)}, padded to ${rows} × ${cols}` : `input: ${times(g.image)}`;
      const note = g.transposed
        ? "every copy lands on the canvas; the padding crops its border" +
          (g.outputPadding.some((v) => v > 0) ? ", output_padding adds the last rows/columns" : "")
        : "the kernel's window moves by the stride";
      const gi = grid(board(cols * size + 2, rows * size + 2, gridBox(holder, title, note), title), 1, 1, rows, cols, size);
      for (const a of axes[0]) for (const c of axes[1]) {
        if (a.inside && c.inside) {
          const pos = flat([a.j, c.j], g.image);
          const unread = page.current.overlap[pos] === 0 && !g.transposed;
          cell(gi, a.u, c.u, `hot${unread ? " unreached" : ""}`, { side: "image", pos });
          // without numbers, a transposed convolution's output cells count the copies on them
          const text = page.state.numbers ? valueOf(page, "image", pos) : g.transposed ? page.current.overlap[pos] : null;
          label(gi, a.u, c.u, text, page.state.numbers ? "" : "muted");
        } else {
          cell(gi, a.u, c.u, g.transposed ? "crop" : "pad");
          if (!g.transposed) label(gi, a.u, c.u, "0", "muted");
        }
      }
      if (g.transposed) outputPaddingFrame(g, gi, axes);
      views.image = { gr: gi, at: (u) => u, outside: ([r, c]) => !(axes[0][r].inside && axes[1][c].inside) };
    };
    if (g.transposed) {
      drawFeature();
      drawKernel2D(d, size, false);
      drawImage();
    } else {
      drawImage();
      drawKernel2D(d, size, false);
      drawFeature();
    }
  }

  function drawEquivalent2D(d, width) {
    const { page, g, holder, views } = d;
    const st = [0, 1].map((x) => stuffedAxis(g, x));
    const size = gridCellSize([st[1].length, g.kernel[1], g.image[1]], width);
    const title = `input with zeros inserted and padded: ${st[0].length} × ${st[1].length}`;
    const note = "the transposed convolution's input pixels, s − 1 zeros between them, k̂ − 1 − p of padding around";
    const gs = grid(board(st[1].length * size + 2, st[0].length * size + 2, gridBox(holder, title, note), title),
                    1, 1, st[0].length, st[1].length, size);
    for (const a of st[0]) for (const c of st[1]) {
      if (a.kind === "x" && c.kind === "x") {
        const m = flat([a.m, c.m], g.feature);
        cell(gs, a.v, c.v, "hot", { side: "feature", pos: m });
        label(gs, a.v, c.v, page.state.numbers ? valueOf(page, "feature", m) : `x${a.m}${c.m}`);
      } else {
        cell(gs, a.v, c.v, a.kind === "pad" || c.kind === "pad" ? "pad" : "zero");
        label(gs, a.v, c.v, "0", "muted");
      }
    }
    views.stuffed = { gr: gs, at: (v) => v };
    drawKernel2D(d, size, true);
    const out = `output: ${times(g.image)}`;
    const go = grid(board(g.image[1] * size + 2, g.image[0] * size + 2,
                          gridBox(holder, out, "a stride-1 convolution of the grid on the left"), out),
                    1, 1, g.image[0], g.image[1], size);
    for (const j of allIndices(g.image)) {
      const pos = flat(j, g.image);
      cell(go, j[0], j[1], "hot", { side: "image", pos });
      label(go, j[0], j[1], valueOf(page, "image", pos));
    }
    views.outputEq = { gr: go, at: (j) => j };
  }

  // The output_padding rows and columns of the canvas, framed.
  function outputPaddingFrame(g, gr, axes) {
    const first = axes.map((ax) => ax.find((c) => c.inside).u);
    axes.forEach((ax, x) => {
      const op = g.outputPadding[x];
      if (!op) return;
      const start = first[x] + g.image[x] - op;
      const other = 1 - x;
      const [x0, y0] = x === 0 ? gr.xy(start, first[other]) : gr.xy(first[other], start);
      const [w, h] = x === 0 ? [g.image[other] * gr.size, op * gr.size] : [op * gr.size, g.image[other] * gr.size];
      svgEl("rect", { x: x0, y: y0, width: w, height: h, class: "outpad" }, gr.b.base);
    });
  }

  function drawKernel2D(d, size, rotated) {
    const { page, g, holder, views } = d;
    const dilated = g.dilation.some((v) => v > 1) ? ` (dilation ${axisText(g.dilation)}: taps ${axisText(g.dilation)} apart)` : "";
    const title = rotated ? `kernel rotated 180°: ${times(g.kernel)}` : `kernel: ${times(g.kernel)}${dilated}`;
    const note = rotated ? "the same taps, read from the last to the first" : null;
    const gk = grid(board(g.kernel[1] * size + 2, g.kernel[0] * size + 2, gridBox(holder, title, note), title),
                    1, 1, g.kernel[0], g.kernel[1], size);
    const turn = (t) => t.map((v, x) => g.kernel[x] - 1 - v);
    for (const tau of allIndices(g.kernel)) {
      const tap = flat(rotated ? turn(tau) : tau, g.kernel);
      cell(gk, tau[0], tau[1], "", { tap }, tapColor(tap));
      label(gk, tau[0], tau[1], page.state.numbers ? page.current.values.kernel[tap] : tapName(tap, g));
    }
    views.kernel = { gr: gk, at: (t) => (rotated ? turn(t) : t) };
  }

  // ------------------------------------------------------------------ 1-D: the staircase

  const LEFT = 96;          // room for the row names
  const HEAD = 18;          // a line for the column headings

  function heading(b, x, y, text, anchor = "start") {
    return svgEl("text", { x, y, class: "side", "text-anchor": anchor }, b.base, text);
  }

  function draw1D(d, width) {
    const { page, g, holder, views } = d;
    if (page.current.equivalentView) return drawEquivalent1D(d, width);
    const ax = imageAxis(g, 0);
    const [cols, rows] = [ax.length, g.feature[0]];
    const size = cellSize(cols + 3, width - LEFT - 20, 12, 30);
    const gap = 0.6 * size;
    const height = HEAD + (rows + 1) * size + 2 * gap;
    const note = `kernel copies, ${g.stride[0]} apart`;
    const b = board(Math.max(LEFT + (cols + 3) * size + 4, LEFT + 2 * size + 7 * note.length), height + size + 4, holder,
                    g.transposed ? "transposed convolution" : "convolution");
    // the image side: a convolution's padded input on top, a transposed convolution's summed canvas below
    const imageY = g.transposed ? HEAD + rows * size + gap : HEAD;
    const stairsY = g.transposed ? HEAD : HEAD + size + gap;
    const offset = g.transposed ? 2 * size : 0;
    const imageRow = grid(b, LEFT + offset, imageY, 1, cols, size);
    sideText(b, LEFT - 8, imageY + size / 2, g.transposed ? "output (sum)" : "input, padded", true);
    for (const c of ax) {
      if (c.inside) {
        const unread = page.current.overlap[c.j] === 0 && !g.transposed;
        cell(imageRow, 0, c.u, `hot${unread ? " unreached" : ""}`, { side: "image", pos: c.j });
        const text = page.state.numbers ? valueOf(page, "image", c.j) : g.transposed ? page.current.overlap[c.j] : null;
        label(imageRow, 0, c.u, text, page.state.numbers ? "" : "muted");
      } else {
        cell(imageRow, 0, c.u, g.transposed ? "crop" : "pad");
        if (!g.transposed) label(imageRow, 0, c.u, "0", "muted");
      }
    }
    if (g.transposed && g.outputPadding[0] > 0) {
      const [x0, y0] = imageRow.xy(0, ax.find((c) => c.inside).u + g.image[0] - g.outputPadding[0]);
      svgEl("rect", { x: x0, y: y0, width: g.outputPadding[0] * size, height: size, class: "outpad" }, b.base);
    }
    views.image = { gr: imageRow, at: (u) => [0, u[0]], outside: ([, c]) => !ax[c].inside };
    // one row per feature position: its window (convolution) or its painted copy (transposed)
    const stairs = grid(b, LEFT + offset, stairsY, rows, cols, size);
    const featureColumn = grid(b, g.transposed ? LEFT : LEFT + (cols + 1) * size, stairsY, rows, 1, size);
    sideText(b, LEFT - 8, stairsY + size / 2, g.transposed ? "copies" : "windows", true);
    if (g.transposed) {
      heading(b, featureColumn.x0 + size / 2, HEAD / 2, "x", "middle");
      heading(b, stairs.x0, HEAD / 2, note);
    } else {
      heading(b, featureColumn.x0 + size / 2, stairsY - gap / 2 - 2, "y", "middle");
    }
    for (let m = 0; m < rows; m++) {
      for (let t = 0; t < g.kernel[0]; t++) {
        cell(stairs, m, m * g.stride[0] + t * g.dilation[0], "copy", { side: "feature", pos: m }, tapColor(t));
      }
      cell(featureColumn, m, 0, "hot", { side: "feature", pos: m });
      label(featureColumn, m, 0, valueOf(page, "feature", m));
    }
    views.feature = { gr: featureColumn, at: (m) => [m[0], 0] };
    page.stairs = stairs;
    kernelRow(d, b, height, size, false);
  }

  function drawEquivalent1D(d, width) {
    const { page, g, holder, views } = d;
    const st = stuffedAxis(g, 0);
    const [cols, rows] = [st.length, g.image[0]];
    const size = cellSize(cols + 2, width - LEFT - 20, 12, 30);
    const gap = 0.6 * size;
    const stairsY = HEAD + size + gap;
    const height = stairsY + rows * size + gap;
    const note = "zeros inserted, padded; the rotated kernel slides by 1";
    const b = board(Math.max(LEFT + (cols + 2) * size + 4, LEFT + 7 * note.length), height + size + 4, holder,
                    "equivalent convolution");
    const top = grid(b, LEFT, HEAD, 1, cols, size);
    sideText(b, LEFT - 8, HEAD + size / 2, "input, stuffed", true);
    heading(b, LEFT, HEAD / 2 - 2, note);
    for (const c of st) {
      if (c.kind === "x") {
        cell(top, 0, c.v, "hot", { side: "feature", pos: c.m });
        label(top, 0, c.v, page.state.numbers ? valueOf(page, "feature", c.m) : `x${c.m}`);
      } else {
        cell(top, 0, c.v, c.kind === "pad" ? "pad" : "zero");
        label(top, 0, c.v, "0", "muted");
      }
    }
    views.stuffed = { gr: top, at: (v) => [0, v[0]] };
    const stairs = grid(b, LEFT, stairsY, rows, cols, size);
    const out = grid(b, LEFT + (cols + 1) * size, stairsY, rows, 1, size);
    sideText(b, LEFT - 8, stairsY + size / 2, "windows", true);
    heading(b, out.x0 + size / 2, stairsY - gap / 2 - 2, "y", "middle");
    for (let j = 0; j < rows; j++) {
      for (let tau = 0; tau < g.kernel[0]; tau++) {
        cell(stairs, j, j + tau * g.dilation[0], "copy", { side: "image", pos: j }, tapColor(g.kernel[0] - 1 - tau));
      }
      cell(out, j, 0, "hot", { side: "image", pos: j });
      label(out, j, 0, valueOf(page, "image", j));
    }
    views.outputEq = { gr: out, at: (j) => [j[0], 0] };
    page.stairs = stairs;
    kernelRow(d, b, height, size, true);
  }

  function kernelRow(d, b, y, size, rotated) {
    const { page, g, views } = d;
    const k = g.kernel[0];
    sideText(b, LEFT - 8, y + size / 2, rotated ? "kernel, rotated" : "kernel", true);
    const gk = grid(b, LEFT, y, 1, k, size);
    for (let tau = 0; tau < k; tau++) {
      const tap = rotated ? k - 1 - tau : tau;
      cell(gk, 0, tau, "", { tap }, tapColor(tap));
      label(gk, 0, tau, page.state.numbers ? page.current.values.kernel[tap] : tapName(tap, g));
    }
    views.kernel = { gr: gk, at: (t) => [0, rotated ? k - 1 - t[0] : t[0]] };
  }

  return { draw, imageAxis, stuffedAxis };
})();
