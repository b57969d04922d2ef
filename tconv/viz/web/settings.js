// The explorer's settings: what get() returns and set() and the address accept, with no drawing.
//
// The settings are tconv explain's flags: per-axis lists of ints (one value means every axis), a
// padding entry is an int or a [before, after] pair, mode is "conv" or "transposed"; view,
// numbers and seed set the display. A malformed request (a word for a number, three values on a
// 2-D geometry, an unknown name) is a SettingError and changes nothing; a well-formed one that
// tconv refuses (stride 0, output_padding too large, ...) is kept and shown with tconv's words.
"use strict";

const TconvSettings = (() => {
  const A = TconvArithmetic;
  const PER_AXIS = ["input", "kernel", "stride", "padding", "dilation", "output_padding", "output_size"];
  const SETTINGS = [...PER_AXIS, "mode", "view", "numbers", "seed"];

  class SettingError extends Error {}

  const clone = (value) => JSON.parse(JSON.stringify(value));
  const range = (n) => [...Array(n).keys()];
  const isUniform = (values) => !values || values.every((v) => JSON.stringify(v) === JSON.stringify(values[0]));

  // An int, or the message the command line gives for a token that is not one.
  function toInt(name, token) {
    if (typeof token === "number" && Number.isSafeInteger(token)) return token;
    if (typeof token === "string" && /^\s*-?\d+\s*$/.test(token) && Number.isSafeInteger(Number(token))) {
      return Number(token);
    }
    throw new SettingError(`${name}: '${String(token)}' is not an int`);
  }

  function padEntry(name, value) {
    if (!Array.isArray(value)) return toInt(name, value);
    if (value.length !== 2) {
      throw new SettingError(`${name}: a padding pair is [before, after] (two ints), got ${JSON.stringify(value)}`);
    }
    return [toInt(name, value[0]), toInt(name, value[1])];
  }

  // One value per axis: an int (every axis) or a list of one or ndim values.
  function perAxis(name, value, ndim) {
    const entry = name === "padding" ? padEntry : toInt;
    if (name === "padding" && ndim === 1 && Array.isArray(value) && value.length === 2 && !value.some(Array.isArray)) {
      return [padEntry(name, value)];                      // a lone [before, after] pair in 1-D
    }
    const parsed = (Array.isArray(value) ? value : [value]).map((v) => entry(name, v));
    if (parsed.length === 1) return range(ndim).map(() => clone(parsed[0]));
    if (parsed.length !== ndim) {
      throw new SettingError(`${name} has ${parsed.length} values but input has ${ndim}: give one value for every ` +
        "axis or one per axis");
    }
    return parsed;
  }

  // The state after `changes` (a partial get()), or a SettingError. Settings not mentioned keep
  // their value, adapted to a new number of axes; a convolution has no output_padding, so switching
  // to one drops it (asking for both at once is an error).
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
      ndim = Array.isArray(changes.input) ? changes.input.length : ndim;
      if (ndim < 1 || ndim > 2) {
        throw new SettingError(`input has ${ndim} values; the explorer draws 1-D and 2-D geometries ` +
          "(tconv explain describes 3-D ones)");
      }
    }
    for (const name of PER_AXIS) {
      if (name in changes) {
        p[name] = name === "output_size" && changes[name] === null ? null : perAxis(name, changes[name], ndim);
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

  // tconv's own rules first (the same words as tconv explain), then the explorer's size limits:
  // {g} for a geometry the page draws, {error} otherwise.
  function evaluate(params, limits) {
    let g;
    try {
      g = A.geometry(params);
    } catch (error) {
      if (error instanceof A.RuleError) return { error: error.message };
      throw error;
    }
    const limit = A.limitMessage(g, params.padding, limits);
    return limit ? { error: limit } : { g };
  }

  // ------------------------------------------------------------------ the address

  const listText = (values) => values.map((v) => (Array.isArray(v) ? `${v[0]}:${v[1]}` : String(v))).join(",");

  // #input=5,5&kernel=3,3&...&mode=transposed: tconv explain's names, commas between the axes.
  function hashOf(state) {
    const p = state.params;
    const parts = [`input=${listText(p.input)}`, `kernel=${listText(p.kernel)}`, `stride=${listText(p.stride)}`,
      `padding=${listText(p.padding)}`, `dilation=${listText(p.dilation)}`];
    if (p.mode === "transposed") {
      parts.push(p.output_size ? `output_size=${listText(p.output_size)}` : `output_padding=${listText(p.output_padding)}`);
    }
    parts.push(`mode=${p.mode}`);
    if (state.view === "equivalent") parts.push("view=equivalent");
    if (state.numbers) parts.push("numbers=1");
    if (state.seed) parts.push(`seed=${state.seed}`);
    return parts.join("&");
  }

  // The changes an address asks for; what it leaves out takes tconv explain's defaults.
  function parseHash(text) {
    const changes = { stride: 1, padding: 0, dilation: 1, output_padding: 0, output_size: null, mode: "conv",
                      view: "direct", numbers: false, seed: 0 };
    for (const part of text.replace(/^#/, "").split("&")) {
      if (!part) continue;
      const at = part.indexOf("=");
      const key = decodeURIComponent(at < 0 ? part : part.slice(0, at)).trim().replace(/-/g, "_");
      const raw = decodeURIComponent(at < 0 ? "" : part.slice(at + 1)).trim();
      changes[key] = !PER_AXIS.includes(key) ? raw
        : raw.split(",").map((token) => (key === "padding" && token.includes(":") ? token.split(":") : token));
    }
    if (changes.mode === "conv") {          // a convolution has neither; asking for one is an error
      if (changes.output_size === null) delete changes.output_size;
      if (changes.output_padding === 0) delete changes.output_padding;
    }
    return changes;
  }

  // The command line of a state: tconv explain (or tconv explore) with the same flags.
  function commandLine(state, command) {
    const p = state.params;
    const spell = (values) => (values.every((v) => String(v) === String(values[0])) ? String(values[0]) : values.join(" "));
    const flags = [`tconv ${command}`, `--input ${p.input.join(" ")}`, `--kernel ${spell(p.kernel)}`];
    const add = (flag, values, fallback) => { if (!values.every((v) => v === fallback)) flags.push(`${flag} ${spell(values)}`); };
    add("--stride", p.stride, 1);
    if (p.padding.some((v) => JSON.stringify(v) !== "0")) {
      flags.push(`--padding ${spell(p.padding.map((v) => (Array.isArray(v) ? `${v[0]},${v[1]}` : String(v))))}`);
    }
    add("--dilation", p.dilation, 1);
    if (p.mode === "transposed") {
      if (p.output_size) flags.push(`--output-size ${spell(p.output_size)}`);
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

  return { PER_AXIS, SETTINGS, SettingError, clone, isUniform, toInt, merge, evaluate, hashOf, parseHash, commandLine };
})();
