// The explorer's arithmetic: everything the page computes about one geometry, in one place.
//
// Each function here mirrors a function of tconv (named in its comment) and is checked against
// numbers that tconv itself computed when the page was written (selfTest, at the end). Per axis,
// with input i, kernel k, stride s, padding (b before, a after), dilation d and k̂ = d(k-1) + 1
// (Dumoulin & Visin 2016):
//   convolution             o  = floor((i + b + a - k̂) / s) + 1
//   transposed convolution  o' = (i' - 1)s - b - a + k̂ + output_padding
// Feature position m (a convolution's output, a transposed convolution's input) and kernel tap t
// touch image position j = m*s - b + t*d. That one relation gives the matrix, the windows, the
// painted regions and the overlap counts.
"use strict";

const TconvArithmetic = (() => {
  // ------------------------------------------------------------------ Python-style spelling

  // repr() of an int, a string or a tuple, as tconv's messages and calls print them.
  function pyRepr(value) {
    if (Array.isArray(value)) {
      const items = value.map(pyRepr);
      return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
    }
    if (typeof value === "string") return `'${value}'`;
    if (value === null || value === undefined) return "None";
    return String(value);
  }

  // tconv.spelling.collapse: (3, 3) -> 3; (3, 4) stays a tuple.
  function collapse(values) {
    return values.every((v) => v === values[0]) ? values[0] : values.slice();
  }

  const allEqual = (values, x) => values.every((v) => v === x);

  // tconv.spelling.format_call: name(positional, key=value, ...) without the None keywords.
  function formatCall(name, positional, keywords) {
    const parts = positional.map(String);
    for (const [key, value] of keywords) if (value !== null) parts.push(`${key}=${pyRepr(value)}`);
    return `${name}(${parts.join(", ")})`;
  }

  class RuleError extends Error {}

  // ------------------------------------------------------------------ sizes (tconv.geometry)

  const kHat = (k, d) => d * (k - 1) + 1;
  const convOutput = (i, k, s, [b, a], d) => Math.floor((i + b + a - kHat(k, d)) / s) + 1;
  const transposedOutput = (i, k, s, [b, a], d, op) => (i - 1) * s - b - a + kHat(k, d) + op;
  // tconv.geometry.output_size_range: the output sizes a transposed convolution accepts.
  function outputSizeRange(i, k, s, pad, d) {
    const low = transposedOutput(i, k, s, pad, d, 0);
    return [low, low + s - 1];
  }

  // The padding argument as the command line passes it: per axis an int or a (before, after) pair.
  const padPair = (entry) => (Array.isArray(entry) ? [entry[0], entry[1]] : [entry, entry]);

  // Validate like tconv.conv_geometry / tconv.conv_transpose_geometry, in the same order and with
  // the same words, and return the geometry. `params` holds per-axis arrays of ints (the shape of
  // window.tconvExplorer.get()); a RuleError carries tconv's message.
  function geometry(params) {
    const { input, kernel, stride, dilation, padding } = params;
    const transposed = params.mode === "transposed";
    const ndim = kernel.length;
    if (!kernel.every((k) => k >= 1)) {
      throw new RuleError(`kernel_size=${pyRepr(kernel)} must be a tuple of 1, 2 or 3 positive ints`);
    }
    for (const [name, value] of [["input_size", input], ["stride", stride], ["dilation", dilation]]) {
      if (!value.every((v) => v >= 1)) throw new RuleError(`${name}=${pyRepr(value)} must be positive on every axis`);
    }
    const pads = padding.map(padPair);
    if (pads.some(([b, a]) => b < 0 || a < 0)) {
      throw new RuleError(`padding=${pyRepr(padding)} must be non-negative on every axis ` +
        "(crop the input instead of padding it negatively)");
    }
    const axes = [...Array(ndim).keys()];
    if (!transposed) {
      for (const x of axes) {
        const [b, a] = pads[x];
        const kh = kHat(kernel[x], dilation[x]);
        if (input[x] + b + a < kh) {
          throw new RuleError(`kernel_size=${pyRepr(kernel)} with dilation=${pyRepr(dilation)} (effective kernel ` +
            `${kh}) is larger than the padded input on axis ${x}: input ${input[x]} + padding ${b} + ${a} = ` +
            `${input[x] + b + a}`);
        }
      }
      const feature = axes.map((x) => convOutput(input[x], kernel[x], stride[x], pads[x], dilation[x]));
      return { ndim, transposed, image: input.slice(), feature, kernel: kernel.slice(), stride: stride.slice(),
               pads, dilation: dilation.slice(), outputPadding: axes.map(() => 0) };
    }
    let outputPadding = params.output_padding;
    const wanted = params.output_size;
    if (wanted) {
      if (!wanted.every((v) => v >= 1)) throw new RuleError(`output_size=${pyRepr(wanted)} must be positive on every axis`);
      const ranges = axes.map((x) => outputSizeRange(input[x], kernel[x], stride[x], pads[x], dilation[x]));
      for (const x of axes) {
        if (wanted[x] < ranges[x][0] || wanted[x] > ranges[x][1]) {
          throw new RuleError(`output_size=${pyRepr(wanted)}: requested an output size of ${pyRepr(wanted)}, but ` +
            `valid sizes range from ${pyRepr(ranges.map((r) => r[0]))} to ${pyRepr(ranges.map((r) => r[1]))} ` +
            `(for an input of ${pyRepr(input)}); axis ${x} asks for ${wanted[x]}`);
        }
      }
      outputPadding = axes.map((x) => wanted[x] - ranges[x][0]);
    }
    if (!outputPadding.every((v) => v >= 0)) {
      throw new RuleError(`output_padding=${pyRepr(outputPadding)} must be >= 0 on every axis`);
    }
    for (const x of axes) {
      const [op, s, d] = [outputPadding[x], stride[x], dilation[x]];
      if (op >= s && op >= d) {
        throw new RuleError(`output_padding=${pyRepr(outputPadding)} must be smaller than stride or dilation on ` +
          `every axis; axis ${x} has output_padding ${op}, stride ${s}, dilation ${d}`);
      }
    }
    const image = axes.map((x) => transposedOutput(input[x], kernel[x], stride[x], pads[x], dilation[x],
                                                   outputPadding[x]));
    for (const x of axes) {
      if (image[x] < 1) {
        throw new RuleError(`padding=${pyRepr(padding)} is too large: the transposed convolution's output on ` +
          `axis ${x} would have size (i-1)s - p_before - p_after + k̂ + a = ${image[x]}; it must be at least 1`);
      }
    }
    return { ndim, transposed, image, feature: input.slice(), kernel: kernel.slice(), stride: stride.slice(),
             pads, dilation: dilation.slice(), outputPadding: outputPadding.slice() };
  }

  // The operator's input and output sizes: C maps image -> feature, C.T maps feature -> image.
  const operatorInput = (g) => (g.transposed ? g.feature : g.image);
  const operatorOutput = (g) => (g.transposed ? g.image : g.feature);
  const product = (values) => values.reduce((p, v) => p * v, 1);

  // The explorer's own limits (tconv.viz.explorer_cases.check_limits), checked after tconv's rules:
  // the message for a geometry larger than the page draws, or null.
  function limitMessage(g, padding, limits) {
    const side = limits.side[g.ndim];
    const other = 3 - g.ndim;
    const where = ` in ${g.ndim}-D (${limits.side[other]} in ${other}-D)`;
    const checks = [
      [`input_size=${pyRepr(operatorInput(g))}`, operatorInput(g), side, where],
      [`the output size ${pyRepr(operatorOutput(g))}`, operatorOutput(g), side, where],
      [`kernel_size=${pyRepr(g.kernel)}`, g.kernel, limits.kernel_size, ""],
      [`stride=${pyRepr(g.stride)}`, g.stride, limits.stride, ""],
      [`dilation=${pyRepr(g.dilation)}`, g.dilation, limits.dilation, ""],
      [`padding=${pyRepr(padding)}`, g.pads.flat(), limits.padding, ""],
    ];
    for (const [what, values, top, tail] of checks) {
      if (Math.max(...values) > top) {
        return `${what} is above the explorer's limit of ${top} per axis${tail}, which keeps every cell readable; ` +
          "tconv explain describes any size";
      }
    }
    return null;
  }

  // ------------------------------------------------------------------ the matrix (tconv.conv_matrix)

  // One axis: for every feature position m, the (tap t, image position j) pairs inside the image.
  function axisTaps(g, x) {
    const rows = [];
    for (let m = 0; m < g.feature[x]; m++) {
      const pairs = [];
      for (let t = 0; t < g.kernel[x]; t++) {
        const j = m * g.stride[x] - g.pads[x][0] + t * g.dilation[x];
        if (j >= 0 && j < g.image[x]) pairs.push([t, j]);
      }
      rows.push(pairs);
    }
    return rows;
  }

  // Every nonzero of C as [feature index, image index, tap index], all flattened row-major: in 2-D
  // feature (m0, m1) -> m0*f1 + m1, image (j0, j1) -> j0*i1 + j1, tap (t0, t1) -> t0*k1 + t1.
  function entries(g) {
    let out = [[0, 0, 0]];
    for (let x = 0; x < g.ndim; x++) {
      const taps = axisTaps(g, x);
      const next = [];
      for (const [m, j, t] of out) {
        taps.forEach((pairs, mx) => {
          for (const [tx, jx] of pairs) {
            next.push([m * g.feature[x] + mx, j * g.image[x] + jx, t * g.kernel[x] + tx]);
          }
        });
      }
      out = next;
    }
    return out;
  }

  // The operator's dense matrix as rows of tap indices, -1 where C has a structural zero:
  // rows = output positions, columns = input positions (C for a convolution, C.T for a transposed one).
  function matrix(g) {
    const rows = product(operatorOutput(g));
    const cols = product(operatorInput(g));
    const dense = Array.from({ length: rows }, () => new Array(cols).fill(-1));
    for (const [m, j, t] of entries(g)) {
      if (g.transposed) dense[j][m] = t;
      else dense[m][j] = t;
    }
    return dense;
  }

  // How many kernel copies touch each image position (tconv.viz.overlap_counts with this geometry):
  // the nonzeros of C's column, i.e. the transposed convolution of ones through a kernel of ones.
  function overlap(g) {
    const counts = new Array(product(g.image)).fill(0);
    for (const [, j] of entries(g)) counts[j] += 1;
    return counts;
  }

  // ------------------------------------------------------------------ the paper's equivalent convolution

  // tconv.ConvGeometry.equivalent_conv: insert s-1 zeros, pad k̂-1-b before and k̂-1-a+op after
  // (negative = crop), convolve with stride 1, dilation d and the kernel rotated 180 degrees.
  function equivalent(g) {
    const axes = [...Array(g.ndim).keys()];
    const kh = axes.map((x) => kHat(g.kernel[x], g.dilation[x]));
    const stuffed = axes.map((x) => (g.feature[x] - 1) * g.stride[x] + 1);
    const padding = axes.map((x) => [kh[x] - 1 - g.pads[x][0], kh[x] - 1 - g.pads[x][1] + g.outputPadding[x]]);
    return {
      zeros_between: axes.map((x) => g.stride[x] - 1),
      stuffed_size: stuffed,
      padding,
      output_size: axes.map((x) => stuffed[x] + padding[x][0] + padding[x][1] - kh[x] + 1),
    };
  }

  // Every image size (per axis) that the convolution maps to this feature size, and the
  // output_padding with which the transposed convolution returns to each: the reason output_padding
  // exists. (tconv.geometry.conv_output_size over all sizes; the same set as output_size_range.)
  function inputSizes(g) {
    return [...Array(g.ndim).keys()].map((x) => {
      const [low] = outputSizeRange(g.feature[x], g.kernel[x], g.stride[x], g.pads[x], g.dilation[x]);
      const sizes = [];
      for (let i = Math.max(low, 1); i <= low + g.stride[x] - 1; i++) sizes.push(i);
      return { sizes, output_padding: sizes.map((i) => i - low), current: g.image[x] };
    });
  }

  // ------------------------------------------------------------------ spellings (tconv.spelling)

  function padsSpelling(pairs) {
    if (pairs.every(([b, a]) => b === a)) return collapse(pairs.map(([b]) => b));
    return pairs.map((pair) => pair.slice());
  }

  function tconvCall(fn, stride, pairs, outputPadding, dilation) {
    const padding = padsSpelling(pairs);
    return formatCall(`tconv.${fn}`, ["x", "w"], [
      ["stride", allEqual(stride, 1) ? null : collapse(stride)],
      ["padding", padding === 0 ? null : padding],
      ["output_padding", !outputPadding || allEqual(outputPadding, 0) ? null : collapse(outputPadding)],
      ["dilation", allEqual(dilation, 1) ? null : collapse(dilation)]]);
  }

  function torchTransposeCall(ndim, kernel, stride, padding, outputPadding, dilation) {
    return formatCall(`nn.ConvTranspose${ndim}d`, ["C_in", "C_out"], [
      ["kernel_size", collapse(kernel)],
      ["stride", allEqual(stride, 1) ? null : collapse(stride)],
      ["padding", allEqual(padding, 0) ? null : collapse(padding)],
      ["output_padding", allEqual(outputPadding, 0) ? null : collapse(outputPadding)],
      ["dilation", allEqual(dilation, 1) ? null : collapse(dilation)]]);
  }

  function layouts(ndim, transposed) {
    const spatial = ["kd", "kh", "kw"].slice(3 - ndim).join(", ");
    const perm = [...Array(ndim).keys()].map((x) => x + 2).concat([1, 0]).join(", ");
    const [torchShape, kerasShape] = transposed
      ? [`(C_in, C_out/groups, ${spatial})`, `(${spatial}, C_out, C_in)`]
      : [`(C_out, C_in/groups, ${spatial})`, `(${spatial}, C_in/groups, C_out)`];
    return [`weight ${torchShape}`,
            `channels-last; kernel ${kerasShape} = PyTorch's weight.permute(${perm}), not flipped`];
  }

  const kerasRefusal = (g) => (Math.max(...g.stride) > 1 && Math.max(...g.dilation) > 1
    ? "Keras refuses strides > 1 together with dilation_rate > 1" : null);

  // PyTorch crops p at the start, so p = padding before; output_padding then fixes the size.
  function torchTranspose(g) {
    const padding = [];
    const outputPadding = [];
    for (let x = 0; x < g.ndim; x++) {
      const [f, o, s, d, b] = [g.feature[x], g.image[x], g.stride[x], g.dilation[x], g.pads[x][0]];
      const a = o - ((f - 1) * s - 2 * b + kHat(g.kernel[x], d));
      if (!(a >= 0 && a < Math.max(s, d))) {
        return [null, "no PyTorch padding/output_padding gives this: PyTorch pads symmetrically, so it would need " +
          `output_padding=${a} (valid: 0 <= a < max(stride, dilation)); ${cropRecipe(g)}`];
      }
      padding.push(b);
      outputPadding.push(a);
    }
    return [torchTransposeCall(g.ndim, g.kernel, g.stride, padding, outputPadding, g.dilation), layouts(g.ndim, true)[0]];
  }

  function cropRecipe(g) {
    const keep = g.pads.map(([b], x) => `${b}:${b + g.image[x]}`).join(", ");
    let recipe = `use nn.ConvTranspose${g.ndim}d(..., padding=0) and keep y[..., ${keep}]`;
    const short = g.pads.map(([b], x) => {
      const full = (g.feature[x] - 1) * g.stride[x] + kHat(g.kernel[x], g.dilation[x]);
      return Math.max(b + g.image[x] - full, 0);
    });
    if (short.some((v) => v > 0)) recipe += ` after zero-padding its end by ${pyRepr(collapse(short))}`;
    return recipe;
  }

  // Keras "valid" crops nothing at the start; "same" crops max((i-1)s + k̂ - o', 0) // 2.
  function kerasTranspose(g) {
    const refusal = kerasRefusal(g);
    if (refusal) return [null, refusal];
    for (const mode of ["valid", "same"]) {
      const explicit = [];
      let allDefault = true;
      let fits = true;
      for (let x = 0; x < g.ndim && fits; x++) {
        const [f, o, s, b] = [g.feature[x], g.image[x], g.stride[x], g.pads[x][0]];
        const kh = kHat(g.kernel[x], g.dilation[x]);
        let fallback, base;
        if (mode === "valid") {
          fits = b === 0;
          fallback = (f - 1) * s + Math.max(kh, s);
          base = (f - 1) * s + kh;
        } else {
          fits = b === Math.floor(Math.max((f - 1) * s + kh - o, 0) / 2) && Math.ceil(o / s) === f;
          fallback = f * s;
          base = (f - 1) * s + (kh % 2);
        }
        allDefault = allDefault && o === fallback;
        explicit.push(o - base);
      }
      if (!fits) continue;
      let outputPadding = null;
      if (!allDefault) {
        if (!explicit.every((a, x) => a >= 0 && a < g.stride[x])) continue;
        outputPadding = collapse(explicit);
      }
      const call = formatCall(`keras.layers.Conv${g.ndim}DTranspose`, ["C_out"], [
        ["kernel_size", collapse(g.kernel)],
        ["strides", allEqual(g.stride, 1) ? null : collapse(g.stride)],
        ["padding", mode], ["output_padding", outputPadding],
        ["dilation_rate", allEqual(g.dilation, 1) ? null : collapse(g.dilation)]]);
      return [call, layouts(g.ndim, true)[1]];
    }
    return [null, "no Keras padding places the output like this: 'valid' crops nothing at the start and " +
      "'same' crops max((i-1)s + k̂ - o', 0) // 2"];
  }

  // A convolution's values depend on the padding before and the output size; PyTorch pads p both sides.
  function torchConv(g) {
    const befores = g.pads.map(([b]) => b);
    let padding;
    const symmetricFits = g.image.every((i, x) =>
      Math.floor((i + 2 * befores[x] - kHat(g.kernel[x], g.dilation[x])) / g.stride[x]) + 1 === g.feature[x]);
    if (symmetricFits) {
      padding = allEqual(befores, 0) ? null : collapse(befores);
    } else if (allEqual(g.stride, 1) && g.pads.every(([b, a], x) => {
      const kh = kHat(g.kernel[x], g.dilation[x]);
      return b === Math.floor((kh - 1) / 2) && a === kh - 1 - Math.floor((kh - 1) / 2);
    })) {
      padding = "same";                  // PyTorch's "same" puts the odd pixel at the end, too
    } else {
      const torchPad = g.pads.slice().reverse().map(([b, a]) => `${b}, ${a}`).join(", ");
      return [null, `PyTorch's padding is symmetric; pad first: F.pad(x, (${torchPad})) (last axis first), ` +
        `then nn.Conv${g.ndim}d(..., padding=0)`];
    }
    const call = formatCall(`nn.Conv${g.ndim}d`, ["C_in", "C_out"], [
      ["kernel_size", collapse(g.kernel)],
      ["stride", allEqual(g.stride, 1) ? null : collapse(g.stride)],
      ["padding", padding],
      ["dilation", allEqual(g.dilation, 1) ? null : collapse(g.dilation)]]);
    return [call, layouts(g.ndim, false)[0]];
  }

  // Keras "valid" pads nothing; "same" gives ceil(i/s) outputs and pads T//2 before.
  function kerasConv(g) {
    const refusal = kerasRefusal(g);
    if (refusal) return [null, refusal];
    for (const mode of ["valid", "same"]) {
      const ok = g.image.every((i, x) => {
        const [o, s, b] = [g.feature[x], g.stride[x], g.pads[x][0]];
        const kh = kHat(g.kernel[x], g.dilation[x]);
        if (mode === "valid") return b === 0 && o === Math.floor((i - kh) / s) + 1;
        return o === Math.ceil(i / s) && b === Math.floor(Math.max((o - 1) * s + kh - i, 0) / 2);
      });
      if (ok) {
        const call = formatCall(`keras.layers.Conv${g.ndim}D`, ["C_out"], [
          ["kernel_size", collapse(g.kernel)],
          ["strides", allEqual(g.stride, 1) ? null : collapse(g.stride)],
          ["padding", mode],
          ["dilation_rate", allEqual(g.dilation, 1) ? null : collapse(g.dilation)]]);
        return [call, layouts(g.ndim, false)[1]];
      }
    }
    return [null, "no Keras padding gives this: 'valid' pads nothing and 'same' gives ceil(i/s) outputs with " +
      "T = max((o-1)s + k̂ - i, 0) split T//2 before, the rest after"];
  }

  // tconv.spelling.framework_calls with placeholder channels C_in, C_out and one group.
  function spellings(g) {
    const [torch, torchNote] = g.transposed ? torchTranspose(g) : torchConv(g);
    const [keras, kerasNote] = g.transposed ? kerasTranspose(g) : kerasConv(g);
    const fn = g.transposed ? `conv_transpose${g.ndim}d` : `conv${g.ndim}d`;
    const tconv = tconvCall(fn, g.stride, g.pads, g.transposed ? g.outputPadding : null, g.dilation);
    return { tconv, torch, keras, torch_note: torchNote, keras_note: kerasNote };
  }

  // tconv.translate.keras_conv_transpose: Keras' Conv*DTranspose(padding=mode) of this kernel,
  // stride and dilation, in tconv (exact, with an asymmetric padding pair) and in PyTorch
  // (per axis "exact", "shifted" by one pixel, or "none": no padding/output_padding gives it).
  function kerasTranslation(mode, kernel, stride, dilation) {
    const ndim = kernel.length;
    if (Math.max(...stride) > 1 && Math.max(...dilation) > 1) {
      throw new RuleError(`stride=${pyRepr(collapse(stride))} with dilation=${pyRepr(collapse(dilation))}: ` +
        "Keras' Conv*DTranspose refuses strides > 1 together with dilation_rate > 1");
    }
    const pairs = [], outPads = [], torchP = [], torchA = [], status = [];
    for (let x = 0; x < ndim; x++) {
      const [s, d] = [stride[x], dilation[x]];
      const kh = kHat(kernel[x], d);
      const total = mode === "same" ? Math.max(kh - s, 0) : 0;
      pairs.push([Math.floor(total / 2), total - Math.floor(total / 2)]);
      outPads.push(Math.max(s - kh, 0));
      let p = 0, a = Math.max(s - kh, 0);
      if (total > 0) {
        p = Math.ceil(total / 2);         // ceil(T/2) on both sides ...
        a = 2 * p - total;                // ... and the surplus back at the end (0 or 1)
      }
      torchP.push(p);
      torchA.push(a);
      status.push(a >= Math.max(s, d) ? "none" : a === 0 || total === 0 ? "exact" : "shifted");
    }
    const shapeEquivalent = !status.includes("none");
    return {
      mode, status, shape_equivalent: shapeEquivalent, exact: status.every((st) => st === "exact"),
      tconv_padding: pairs, tconv_output_padding: outPads,
      padding: shapeEquivalent ? torchP : null, output_padding: shapeEquivalent ? torchA : null,
      keras_call: formatCall(`keras.layers.Conv${ndim}DTranspose`, ["filters"], [
        ["kernel_size", collapse(kernel)], ["strides", allEqual(stride, 1) ? null : collapse(stride)],
        ["padding", mode], ["dilation_rate", allEqual(dilation, 1) ? null : collapse(dilation)]]),
      torch_call: shapeEquivalent ? torchTransposeCall(ndim, kernel, stride, torchP, torchA, dilation) : null,
      tconv_call: tconvCall(`conv_transpose${ndim}d`, stride, pairs, outPads, dilation),
    };
  }

  // tconv.translate.keras_output_size: "same" gives i*s, "valid" (i-1)s + max(k̂, s).
  const kerasOutputSize = (mode, i, k, s, d) => (mode === "same" ? i * s : (i - 1) * s + Math.max(kHat(k, d), s));

  // ------------------------------------------------------------------ seeded values for the numbers

  // Small integers from a seed (Park & Miller's minimal standard generator, exact in doubles):
  // the input from 1..4 (so a zero on the page is always padding or an inserted zero), the kernel
  // from 1..3; every sum is an exact integer.
  function seededInts(count, seed, low, high) {
    let state = (seed % 2147483646) + 1;
    const out = [];
    for (let n = 0; n < count; n++) {
      state = (state * 48271) % 2147483647;
      out.push(low + (state % (high - low + 1)));
    }
    return out;
  }

  // The operator's input x, kernel w and output y = M x (M the operator's matrix, entries w[tap]).
  function values(g, seed) {
    const x = seededInts(product(operatorInput(g)), seed, 1, 4);
    const w = seededInts(product(g.kernel), seed + 1, 1, 3);
    const y = matrix(g).map((row) => row.reduce((sum, t, c) => (t < 0 ? sum : sum + x[c] * w[t]), 0));
    return { input: x, kernel: w, output: y };
  }

  // ------------------------------------------------------------------ the self-test

  // Deep equality of JSON values (objects compared key by key, whatever their order).
  function same(a, b) {
    if (Array.isArray(a) || Array.isArray(b)) {
      return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, n) => same(v, b[n]));
    }
    if (a && b && typeof a === "object" && typeof b === "object") {
      const keys = Object.keys(a);
      return keys.length === Object.keys(b).length && keys.every((k) => k in b && same(a[k], b[k]));
    }
    return a === b;
  }

  // Compare the page's arithmetic with golden cases that tconv computed (each case: the page's
  // parameters and what tconv says about them, or tconv's error message). Returns
  // {passed, failed, failures}: every compared quantity counts once.
  function selfTest(cases, limits) {
    let passed = 0;
    const failures = [];
    const check = (name, got, want) => {
      if (same(got, want)) passed += 1;
      else failures.push(`${name}: page ${JSON.stringify(got)}, tconv ${JSON.stringify(want)}`);
    };
    for (const c of cases) {
      const label = `${c.name} ${JSON.stringify(c.params)}`;
      let g = null;
      let refusal = null;
      try {
        g = geometry(c.params);
        refusal = limitMessage(g, c.params.padding, limits);
      } catch (error) {
        if (!(error instanceof RuleError)) throw error;
        refusal = error.message;
      }
      if (refusal !== null || c.error !== undefined) {
        check(`${label} error`, refusal, c.error === undefined ? null : c.error);
        continue;
      }
      const want = c.expect;
      check(`${label} output size`, operatorOutput(g), want.output_size);
      if (want.entries) check(`${label} matrix`, entries(g).sort(byIndex), want.entries);
      if (want.overlap) check(`${label} overlap`, overlap(g), want.overlap);
      if (want.equivalent) check(`${label} equivalent`, equivalent(g), want.equivalent);
      if (want.input_sizes) check(`${label} input sizes`, inputSizes(g).map((s) => s.sizes), want.input_sizes);
      if (want.spellings) check(`${label} spellings`, spellings(g), want.spellings);
      if (want.keras) {
        for (const [mode, expected] of Object.entries(want.keras)) {
          let got;
          try {
            const t = kerasTranslation(mode, g.kernel, g.stride, g.dilation);
            got = { keras_call: t.keras_call, torch_call: t.torch_call, tconv_call: t.tconv_call, exact: t.exact,
                    shape_equivalent: t.shape_equivalent, padding: t.padding, output_padding: t.output_padding,
                    tconv_padding: t.tconv_padding, tconv_output_padding: t.tconv_output_padding,
                    output_size: g.feature.map((i, x) => kerasOutputSize(mode, i, g.kernel[x], g.stride[x], g.dilation[x])) };
          } catch (error) {
            if (!(error instanceof RuleError)) throw error;
            got = { error: error.message };
          }
          check(`${label} keras ${mode}`, got, expected);
        }
      }
      if (want.values) check(`${label} values`, values(g, want.values.seed), want.values.expect);
    }
    return { passed, failed: failures.length, failures };
  }

  const byIndex = (p, q) => p[0] - q[0] || p[1] - q[1];

  return {
    RuleError, pyRepr, collapse, kHat, geometry, limitMessage, operatorInput, operatorOutput, product, axisTaps, entries,
    matrix, overlap, equivalent, inputSizes, spellings, kerasTranslation, kerasOutputSize, values, selfTest,
  };
})();
