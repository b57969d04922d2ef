# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Tutorial 11: figures for lecturers, with `tconv.viz` and `tconv figure`
#
# Every picture of the course can be made again, for any geometry, from Python (`tconv.viz`)
# or from the command line (`tconv figure`): convolution and transposed-convolution grids with
# their numbers, animations, the notes' matrix, the checkerboard lab, every view of one
# operator, a U-Net's architecture, a training run's curves, and the whole lecture pack with
# its index page. This tutorial makes each of them, checks that the numbers drawn are the
# library's numbers, and that the Python call and the command write the same bytes.
#
# **Know first:** tutorial 1 (the matrix `C` and the views of the transposed convolution) and
# tutorial 3 (checkerboards). **Runtime:** in the [runtime table](README.md#runtimes);
# `TCONV_QUICK=1` shortens the small training run of section 8.
#
# Every file goes into `OUT` (the folder in `TCONV_TUTORIAL_OUTPUT`, default
# `tutorial_figures/`). The reference for the kinds and their options is docs/figures.md.

# %%
# %matplotlib inline
import filecmp
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

import tconv
import tconv.viz as viz
from tconv.cli import main as tconv_main
from tconv.seg.models import UNet
from tconv.translate import keras_conv_transpose
from tconv.viz.pack import PAPER_CASES, pack_entries
from tconv.viz.network_plot import network_figure
from tconv.viz.networks import network_diagram

np.set_printoptions(precision=3, suppress=True, linewidth=100)
QUICK = os.environ.get("TCONV_QUICK") == "1"
OUT = Path(os.environ.get("TCONV_TUTORIAL_OUTPUT", "tutorial_figures"))
OUT.mkdir(exist_ok=True)

# %% [markdown]
# Three small helpers: `tconv_figure` runs the command line inside this process (through
# `tconv.cli.main`, exactly what the `tconv` command calls), and `texts` / `grid_values` read the
# numbers drawn in a figure back (section 1 explains how).

# %%
def tconv_figure(*arguments):
    """Run ``tconv figure ARGUMENTS`` in this process, exactly as the shell would, and check it worked."""
    arguments = [str(a) for a in arguments]
    print("$ tconv figure " + " ".join(arguments))
    assert tconv_main(["figure"] + arguments) == 0


def texts(fig):
    """Every labelled text of a tconv figure: {gid: text}, e.g. {"output[0,1]": "29", ...}."""
    return {t.get_gid(): t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid()}


def grid_values(labels, name, shape):
    """The numbers drawn in the cells ``name[i,j,...]`` of a grid of ``shape``, as an array."""
    return np.array([float(labels[f"{name}[{','.join(map(str, index))}]"]) for index in np.ndindex(*shape)]
                    ).reshape(shape)


# %% [markdown]
# ## 1. A convolution, with its numbers
#
# A figure starts from a *geometry*: `tconv.conv_geometry(input_size, kernel_size, stride,
# padding, dilation)` says what a convolution does to sizes (the arithmetic `tconv explain`
# prints). `viz.draw_convolution` draws it: the padded input, the kernel's window on its first
# position, the output, every cell labelled; `numbers=True` fills in small seeded integers
# (inputs 1..4, kernels 1..3, so every sum is exact) and writes the products under the picture.
# `viz.save` writes PNG, SVG or PDF by the file's suffix.

# %%
g = tconv.conv_geometry((5, 5), (3, 3), stride=2, padding=1)
print("output size", g.output_size)
fig = viz.draw_convolution(g, numbers=True)
conv_path = viz.save(fig, OUT / "11_conv.png")
fig

# %% [markdown]
# The figure cannot disagree with the arithmetic: its numbers come from the library. Each text
# of a tconv figure carries an id (its matplotlib `gid`) naming what it shows, so we can read the
# drawn output back and compare it with `tconv.conv2d` of the drawn input and kernel
# (`viz.matrix_data` returns those seeded values).

# %%
labels = texts(fig)
values = viz.matrix_data(g, numbers=True)
x, w = values["x"].reshape(g.input_size), values["kernel"]
drawn_output = grid_values(labels, "output", g.output_size)
print("input\n", x, "\nkernel\n", w, "\noutput drawn in the figure\n", drawn_output)
assert np.array_equal(drawn_output, tconv.conv2d(x[None], w[None, None], stride=2, padding=1)[0])
assert grid_values(labels, "kernel", (3, 3)).tolist() == w.tolist()

# %% [markdown]
# The same figure from the command line. `tconv figure` takes the geometry flags of
# `tconv explain`; the output's suffix chooses the format. The same arguments give the same
# bytes, so a lecturer's slides can be rebuilt exactly. (`tconv_figure` above runs the command
# in this process through `tconv.cli.main`; in a terminal, type what it prints after `$`.)

# %%
conv_cli_path = OUT / "11_conv_cli.png"
tconv_figure("conv", "--input", 5, 5, "--kernel", 3, "--stride", 2, "--padding", 1, "--numbers",
             "-o", conv_cli_path)
assert filecmp.cmp(conv_path, conv_cli_path, shallow=False)      # byte for byte

# %% [markdown]
# And once as a real subprocess, exactly what a shell runs (`python -m tconv` is the `tconv`
# command; `PYTHONPATH` makes it use this same copy of tconv even from a source checkout):

# %%
conv_svg_path = OUT / "11_conv.svg"
command = [sys.executable, "-m", "tconv", "figure", "conv", "--input", "5", "5", "--kernel", "3", "--stride", "2",
           "--padding", "1", "--numbers", "-o", str(conv_svg_path)]
environment = dict(os.environ, PYTHONPATH=str(Path(tconv.__file__).resolve().parents[1]))
finished = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
print(finished.stdout.strip())
assert conv_svg_path.read_text().startswith("<?xml")

# %% [markdown]
# ## 2. The transposed convolution, in both views
#
# `tconv.conv_transpose_geometry` describes a transposed convolution by its *own* input (the
# small side). The direct view shows each input pixel painting a scaled copy of the kernel into
# a canvas (the scatter-add); the padding crops the canvas's border (hatched) and
# `output_padding` adds the last row and column. Here the twin of a stride-2 convolution of a
# 6x6 image: 3x3 → 6x6, which needs `output_padding = 1`.

# %%
gt = tconv.conv_transpose_geometry((3, 3), (3, 3), stride=2, padding=1, output_padding=1)
print("output size", gt.output_size)
fig = viz.draw_convolution(gt, numbers=True)
transposed_path = viz.save(fig, OUT / "11_transposed.png")
fig

# %% [markdown]
# In the direct view the cells are the canvas's: 7x7 (`(3 - 1)·2 + 3`), starting at row and
# column `-padding = -1`. The padding crops one row and column at each end and `output_padding`
# gives the last ones back, so the output is the canvas without its first row and column. The
# drawn sums equal `tconv.conv_transpose2d` (for a transposed geometry, `viz.matrix_data`'s `x`
# is the transposed convolution's input):

# %%
values = viz.matrix_data(gt, numbers=True)
y, w = values["x"].reshape(gt.input_size), values["kernel"]
canvas = grid_values(texts(fig), "output", (7, 7))
expected = tconv.conv_transpose2d(y[None], w[None, None], stride=2, padding=1, output_padding=1)[0]
print("input\n", y, "\nkernel\n", w, "\noutput\n", expected)
assert np.array_equal(canvas[1:, 1:], expected)

# %% [markdown]
# The paper's view (`view="equivalent"`, Dumoulin & Visin 2016): insert `s - 1` zeros between
# the input pixels, pad `k̂ - 1 - p` before and `k̂ - 1 - p + output_padding` after, and run a
# stride-1 convolution with the kernel **rotated by 180°**. The figure draws the kernel and its
# rotation; the rotation is `np.rot90(w, 2)`, and the output is the same. `equivalent_conv()`
# spells the recipe's numbers (padding as `(before, after)` per axis):

# %%
fig = viz.draw_convolution(gt, numbers=True, view="equivalent")
equivalent_path = viz.save(fig, OUT / "11_transposed_equivalent.png")
labels = texts(fig)
assert np.array_equal(grid_values(labels, "kernel_rotated", (3, 3)), np.rot90(w, 2))
assert np.array_equal(grid_values(labels, "output", gt.output_size), expected)
equivalent = gt.equivalent_conv()
print({key: equivalent[key] for key in ("zeros_between", "stuffed_size", "padding", "stride")})
assert equivalent["padding"] == ((1, 2), (1, 2))              # k̂ - 1 - p = 1 before, + output_padding after
fig

# %%
transposed_cli_path = OUT / "11_transposed_cli.png"
equivalent_cli_path = OUT / "11_transposed_equivalent_cli.png"
geometry_flags = ["--input", 3, 3, "--kernel", 3, "--stride", 2, "--padding", 1, "--output-padding", 1]
tconv_figure("transposed", *geometry_flags, "--numbers", "-o", transposed_cli_path)
tconv_figure("transposed", *geometry_flags, "--numbers", "--view", "equivalent", "-o", equivalent_cli_path)
assert filecmp.cmp(transposed_path, transposed_cli_path, shallow=False)
assert filecmp.cmp(equivalent_path, equivalent_cli_path, shallow=False)

# %% [markdown]
# ## 3. Dilation, 1-D and 3-D
#
# The number of `--input` values is the number of axes: a 1-D geometry is drawn as rows of
# cells, a 3-D one slice by slice. A dilated kernel's taps are `d` apart; the dashed box is its
# extent `k̂ = d·(k - 1) + 1`.

# %%
g1 = tconv.conv_geometry((8,), (3,), dilation=2)
fig = viz.draw_convolution(g1, numbers=True)
dilated_path = viz.save(fig, OUT / "11_dilated_1d.png")
values = viz.matrix_data(g1, numbers=True)
assert np.array_equal(grid_values(texts(fig), "output", g1.output_size),
                      tconv.conv1d(values["x"][None], values["kernel"][None, None], dilation=2)[0])
tconv_figure("conv", "--input", 8, "--kernel", 3, "--dilation", 2, "--numbers", "-o", OUT / "11_dilated_1d_cli.png")
assert filecmp.cmp(dilated_path, OUT / "11_dilated_1d_cli.png", shallow=False)
fig

# %%
g3 = tconv.conv_geometry((3, 4, 4), (2, 3, 3), padding=(0, 1, 1))
print("3-D output size", g3.output_size)
assert g3.output_size == (2, 4, 4)
fig = viz.draw_convolution(g3)
three_d_path = viz.save(fig, OUT / "11_conv_3d.png")
tconv_figure("conv", "--input", 3, 4, 4, "--kernel", 2, 3, 3, "--padding", 0, 1, 1, "-o", OUT / "11_conv_3d_cli.png")
assert filecmp.cmp(three_d_path, OUT / "11_conv_3d_cli.png", shallow=False)
fig

# %% [markdown]
# ## 4. An animation
#
# `viz.animate_convolution` returns a `FrameAnimation`: one frame per output position for a
# convolution (and for the paper's view), one per *input* pixel for the direct view of a
# transposed convolution, each pixel adding its scaled kernel to the sums so far. `draw(i)`
# draws frame `i` alone (for a slide), `captions[i]` says in words what it shows, and
# `viz.save(anim, "....gif")` writes a GIF with Pillow (`.mp4` needs ffmpeg). In a notebook the
# animation shows itself as a player.

# %%
anim = viz.animate_convolution(gt, numbers=True)
print(anim.n_frames, "frames; frame 4:", anim.captions[4])
assert anim.n_frames == 9                                   # one per pixel of the 3x3 input
frame_path = viz.save(anim.draw(4), OUT / "11_transposed_frame4.png")
gif_path = viz.save(anim, OUT / "11_transposed.gif")
with Image.open(gif_path) as gif:
    print(f"GIF: {gif.n_frames} frames of {gif.size[0]} x {gif.size[1]} pixels, {gif.info['duration']} ms each")
    assert gif.n_frames == anim.n_frames and gif.info["duration"] == anim.interval_ms
anim

# %%
gif_cli_path = OUT / "11_transposed_cli.gif"
tconv_figure("transposed", *geometry_flags, "--numbers", "--animate", "-o", gif_cli_path)
assert filecmp.cmp(gif_path, gif_cli_path, shallow=False)

# %% [markdown]
# ## 5. The notes' matrix
#
# `viz.draw_matrix` draws the lecture notes' three pictures for any geometry: the input with its
# cells numbered in the order they are stretched into `x`, the kernel (one colour per tap), and
# the sparse matrix `C` (one row per output pixel, one column per input pixel, each nonzero
# labelled with its tap or value), with `x` above and `y = C x` beside. For the notes' 4x4 input
# and 3x3 kernel, row 0 of `C` is `[1,4,1,0, 1,4,3,0, 3,3,1,0, 0,0,0,0]` and `y = [122, 148, 126,
# 134]`. `transpose=True` draws `C.T` and `C.T y`.

# %%
notes = tconv.conv_geometry((4, 4), (3, 3))
fig = viz.draw_matrix(notes, numbers=True)
matrix_path = viz.save(fig, OUT / "11_matrix.png")
labels = texts(fig)
assert [float(labels[f"C[0,{c}]"]) for c in range(16)] == [1, 4, 1, 0, 1, 4, 3, 0, 3, 3, 1, 0, 0, 0, 0, 0]
assert viz.matrix_data(notes, numbers=True)["y"].tolist() == [122, 148, 126, 134]
tconv_figure("matrix", "--input", 4, 4, "--kernel", 3, "--numbers", "-o", OUT / "11_matrix_cli.png")
assert filecmp.cmp(matrix_path, OUT / "11_matrix_cli.png", shallow=False)
fig

# %%
fig = viz.draw_matrix(notes, numbers=True, transpose=True)
matrix_t_path = viz.save(fig, OUT / "11_matrix_transposed.png")
transposed_data = viz.matrix_data(notes, numbers=True, transpose=True)
print("C.T y =\n", transposed_data["y"].reshape(4, 4))
assert transposed_data["y"].reshape(4, 4).tolist() == [[2, 9, 6, 1], [6, 29, 30, 7], [10, 29, 33, 13],
                                                      [12, 24, 16, 4]]
fig

# %% [markdown]
# ## 6. The checkerboard lab
#
# `viz.plot_checkerboard_lab(kernel_size, stride)` draws, for a transposed convolution, how many
# kernel copies overlap each output pixel (1-D, 2-D and through three layers); a constant image
# upsampled four ways on one colour scale, with each interior's spread `(max - min) / mean`
# printed; and the input gradient of a strided convolution, which shows the same pattern
# (Odena, Dumoulin & Olah 2016). `viz.overlap_counts` gives the counts: with kernel 3 and stride 2
# they alternate 1, 2 (uneven: a checkerboard); with kernel 4 the interior is even.

# %%
counts = viz.overlap_counts(3, 2).astype(int)
print("kernel 3, stride 2:", counts)
assert counts.tolist() == [1, 1] + [2, 1] * 7 + [1]
assert set(viz.overlap_counts(4, 2)[2:-2].tolist()) == {2.0}
fig = viz.plot_checkerboard_lab(kernel_size=3, stride=2)
lab_path = viz.save(fig, OUT / "11_checkerboard_lab.png")
fig

# %% [markdown]
# The command draws the whole lab (`tconv figure overlap --kernel 3 --stride 2 -o lab.png`) or one
# part of it, `--part counts|upsampling|gradient` (in Python `viz.plot_overlap`,
# `viz.plot_upsampling`, `viz.plot_gradient_checkerboard`). Here the counts for kernel 4, which
# overlap evenly:

# %%
counts_cli_path = OUT / "11_overlap_counts_cli.png"
tconv_figure("overlap", "--kernel", 4, "--stride", 2, "--part", "counts", "-o", counts_cli_path)

# %% [markdown]
# ## 7. Every view of one operator, and a U-Net
#
# `viz.plot_views` computes one transposed convolution five ways (`C.T @ y` with the explicit
# matrix, scatter-add, the paper's zero insertion, the autograd's gradient of a convolution, and
# `tconv.conv_transpose2d`) and draws them side by side on one colour scale, with the largest
# difference from the scatter-add over each panel: 0, because with small integers every view is
# exact. `viz.views_data` returns the arrays.

# %%
fig = viz.plot_views(gt)
views_path = viz.save(fig, OUT / "11_views.png")
views = viz.views_data(gt)
for name, array in views["views"]:
    print(f"{name:<48} max |difference from section 2's output| = {np.abs(array - expected).max()}")
    assert np.array_equal(array, expected)
tconv_figure("views", "--transposed", *geometry_flags, "-o", OUT / "11_views_cli.png")
assert filecmp.cmp(views_path, OUT / "11_views_cli.png", shallow=False)
fig

# %% [markdown]
# `tconv figure unet` draws a U-Net in the visual language of Ronneberger, Fischer & Brox (2015,
# figure 1): it builds a real `tconv.seg.models.UNet`, reads every feature map's channels and side
# from the model's own `summary()` (`network_diagram`), and draws each map as a bar whose height
# follows its side and whose width follows its channels, with arrows for the convolutions, the
# poolings, the up-convolutions and the copied skips. `tconv figure fcn` and `tconv figure vnet`
# draw an FCN (with its skip fusion) and a V-Net lite the same way. Here depth 2, 8 channels at
# full resolution, 32x32 inputs:

# %%
model = UNet(in_channels=1, num_classes=2, base=8, depth=2, up="transpose")
diagram = network_diagram(model, size=32)
for m in diagram.maps:
    print(f"{m.key:<14} level {m.level}: {m.channels:>3} channels, side {m.side:>2}  ({m.role})")
assert all((m.channels, m.side) == (8 * 2 ** m.level, 32 // 2 ** m.level) for m in diagram.maps if m.role == "feature")
assert sum(diagram.parameters.values()) == sum(p.data.size for p in model.parameters())
fig = network_figure("unet", depth=2, base=8, size=32)
unet_path = viz.save(fig, OUT / "11_unet.png")
tconv_figure("unet", "--depth", 2, "--base", 8, "--size", 32, "-o", OUT / "11_unet_cli.png")
assert filecmp.cmp(unet_path, OUT / "11_unet_cli.png", shallow=False)
fig

# %% [markdown]
# ## 8. A training run's curves
#
# `tconv train` writes a run folder; its `history.json` holds one record per epoch (`epoch`,
# `train_loss`, `val_loss`, `val_miou`, `val_dice`, `elapsed_s`). `tconv figure training RUN_DIR`
# and `viz.plot_history(history)` draw the curves. A tiny run (16x16 synthetic shapes, a U-Net of
# depth 2 with 4 channels, a few epochs) is enough to see them; `tconv train` also leaves
# `curves.png` and `predictions.png` in the folder.

# %%
run_dir = OUT / "11_run"
train_flags = ["--samples", 32 if QUICK else 64, "--val-samples", 16, "--size", 16, "--classes", 2,
               "--base", 4, "--depth", 2, "--epochs", 2 if QUICK else 4, "--lr", 0.01, "--seed", 0]
arguments = ["train", *map(str, train_flags), "--out", str(run_dir), "--no-progress"]
print("$ tconv " + " ".join(arguments))
assert tconv_main(arguments) == 0
history = json.loads((run_dir / "history.json").read_text())
print(json.dumps(history[-1], indent=1))
assert [row["epoch"] for row in history] == list(range(1, len(history) + 1))

# %%
fig = viz.plot_history(history)
curves_path = viz.save(fig, OUT / "11_training_curves.png")
tconv_figure("training", run_dir, "-o", OUT / "11_training_curves_cli.png")
assert filecmp.cmp(curves_path, OUT / "11_training_curves_cli.png", shallow=False)
run_predictions_path = run_dir / "predictions.png"            # written by tconv train
fig

# %% [markdown]
# ## 9. The lecture pack
#
# `tconv figure pack -o lecture_pack` renders the whole pack in the lecture's order: the notes'
# matrix; for each of the paper's eight configurations (Dumoulin & Visin 2016) the convolution and
# its transposed twin, still and animated, with and without numbers, and the twin in the paper's
# zero-insertion view, still and animated; the checkerboard lab for kernels 3 and 4, every view
# of two operators, the U-Net, FCN and V-Net lite diagrams, and the figures of tutorials 12-16
# (phases, gridding, unpooling, tiling, the weight map, trained decoders); and `index.html`, a
# page that shows each figure with its caption and the command that makes it again. That is 99
# figures (41 of them GIFs), well over a minute of CPU time (docs/benchmarks.md): too long for
# this tutorial, so here we render a part of it with the same function,
# `viz.make_pack(folder, entries=...)`. `pack_entries()` lists everything the pack holds:

# %%
entries = pack_entries()
gifs = [e for e in entries if e.animated]
sections = list(dict.fromkeys(e.section for e in entries))
print(f"{len(entries)} figures, {len(gifs)} animated, in {len(sections)} sections:")
for section in sections:
    print(f"  {sum(e.section == section for e in entries):>2}  {section}")
assert len(entries) == 99 and len(gifs) == 41 and len(PAPER_CASES) == 8

# %% [markdown]
# A part: the still pictures of the first configuration (no padding, unit strides) and the notes'
# matrix with its numbers.

# %%
chosen = [e for e in entries if e.filename.startswith("01_") and not e.animated] + \
         [e for e in entries if e.filename == "matrix_notes_numbers.png"]
pack_dir = OUT / "11_lecture_pack"
timings = viz.make_pack(pack_dir, entries=chosen)
for name, seconds in timings.items():
    print(f"{seconds:5.2f} s  {name}")
print(sorted(p.name for p in pack_dir.iterdir()))
index_path = pack_dir / "index.html"
assert sorted(timings) == sorted(e.filename for e in chosen)

# %% [markdown]
# The index page is plain HTML with relative links only (one inline script, which plays an
# animation while the pointer rests on it; nothing is fetched from the web), so the folder can be
# copied to a course site or opened from a USB stick. Its structure: a title, links to the
# explorer (and, in a slide pack, the deck), a table of contents, then one `<section>` per
# section and one `<figure>` per file (an animation shares the card of its still), each with
# the picture linked to its full-size file, its caption and the command:

# %%
page = index_path.read_text()
headings = re.findall(r'<section id="[^"]+"><h2>(.*?)<a class="anchor"', page)
figures = re.findall(r'<figure id="[^"]*"><a href="([^"]+)"><img src="([^"]+)"[^>]*></a><figcaption>(.*?)<code>(.*?)'
                     r'</code>', page)
print("sections:", headings)
href, src, caption, command_text = figures[0]
print(f"first figure: {src}\n  caption: {caption}\n  command: {command_text}")
assert len(figures) == len(chosen) and all(a == b and (pack_dir / a).is_file() for a, b, _, _ in figures)
assert "<script src" not in page and "http" not in page.replace("http-equiv", "")

# %% [markdown]
# Each caption's command makes its file again, byte for byte. Run one of them (the `-o` goes to
# another name here, to compare):

# %%
entry = next(e for e in chosen if e.filename == "matrix_notes_numbers.png")
print(entry.command)
again_path = OUT / "11_pack_entry_again.png"
tconv_figure(*entry.argv, "-o", again_path)
assert filecmp.cmp(pack_dir / entry.filename, again_path, shallow=False)

# %% [markdown]
# For a whole course: `tconv figure pack -o lecture_pack` (add `--jobs N` to render on N
# processes), then open `lecture_pack/index.html`. For a projector: `tconv figure pack --style
# slide -o slides` draws every figure on one 1920 x 1080 canvas with large text (the deck,
# `slides/lecture.html`, comes with it), and `tconv figure deck -o lecture.pdf` writes the lecture
# as 35 slides, each with its title and speaker notes.
#
# ## Exercises
#
# Each exercise ends with `check("11.k", answer)`, which prints *right*, or *not yet* with a
# hint that does not give the answer away. In a student copy (made by
# `tconv tutorials --student DIR`) every solution is a blank (`...`) for you to fill in; in
# the tutorial itself the solutions are filled in. For exam questions of this kind, drawn at
# random with their answer key, see `tconv exercise` (docs/exercises.md).

# %%
from tconv.exercises import check

# %% [markdown]
# **1.** The paper's "padding and strides, odd input" case is a 6x6 image, kernel 3, stride 2,
# padding 1. Which `output_padding` does its transposed twin (3x3 back to 6x6) need, and how many
# frames does the twin's animation have in the direct view and in the paper's view (section 4
# says what one frame is)? Answer `(output_padding, direct frames, paper's-view frames)`, then
# check with `viz.animate_convolution` and count the frames of the command line's GIF.

# %%
# BEGIN SOLUTION 11.1
# STUDENT: odd_twin = ...                 # (output_padding, frames in the direct view, in the paper's view)
a = (6 + 2 * 1 - 3) % 2                                       # (i + 2p - k) mod s, on each axis
odd_twin = (a, 3 * 3, 6 * 6)                                  # one frame per input pixel; per output pixel
# END SOLUTION 11.1
check("11.1", odd_twin)

# %%
odd = tconv.conv_geometry((6, 6), (3, 3), stride=2, padding=1)
twin = tconv.conv_transpose_geometry(odd.output_size, (3, 3), stride=2, padding=1,
                                     output_padding=odd.restoring_output_padding())
frames = {view: viz.animate_convolution(twin, view=view).n_frames for view in ("direct", "equivalent")}
print("output_padding", odd.restoring_output_padding(), " frames:", frames)
odd_gif_path = OUT / "11_exercise_odd_direct.gif"
tconv_figure("transposed", "--input", 3, 3, "--kernel", 3, "--stride", 2, "--padding", 1, "--output-padding", 1,
             "--animate", "-o", odd_gif_path)
with Image.open(odd_gif_path) as gif:
    assert gif.n_frames == frames["direct"]

# %% [markdown]
# **2.** Keras' `Conv2DTranspose(kernel_size=3, strides=2, padding="same")` and PyTorch's
# `ConvTranspose2d(kernel_size=3, stride=2, padding=1, output_padding=1)` both turn 3x3 into 6x6,
# but one pixel apart (tutorial 4). Predict: which pixel `(i, j)` of PyTorch's output holds the
# value of Keras' pixel `(2, 3)`? Then draw both (the paper's view shows the padding best), with
# `tconv.translate.keras_conv_transpose` giving each spelling, and read the drawn numbers.

# %%
# BEGIN SOLUTION 11.2
# STUDENT: torch_pixel = ...              # (i, j)
# PyTorch crops one more pixel at the start of each axis: torch[i, j] = keras[i + 1, j + 1]
torch_pixel = (2 - 1, 3 - 1)
# END SOLUTION 11.2
check("11.2", torch_pixel)

# %%
keras = keras_conv_transpose("same", 3, stride=2)
print("Keras' padding for tconv:", keras.tconv_padding, "  PyTorch:", keras.padding, keras.output_padding)
g_keras = tconv.conv_transpose_geometry((3, 3), (3, 3), stride=2, padding=keras.tconv_padding,
                                        output_padding=keras.tconv_output_padding)
g_torch = tconv.conv_transpose_geometry((3, 3), (3, 3), stride=2, padding=keras.padding,
                                        output_padding=keras.output_padding)
drawn = {}
for name, geometry in (("keras", g_keras), ("torch", g_torch)):
    fig = viz.draw_convolution(geometry, numbers=True, view="equivalent")
    viz.save(fig, OUT / f"11_exercise_{name}_same.png")
    drawn[name] = grid_values(texts(fig), "output", geometry.output_size)
print("Keras:\n", drawn["keras"], "\nPyTorch:\n", drawn["torch"])
assert np.array_equal(drawn["torch"][:-1, :-1], drawn["keras"][1:, 1:])
keras_path = OUT / "11_exercise_keras_same.png"
fig

# %% [markdown]
# **3.** Read a figure before you draw it. In the figure of section 1 (a 5x5 input, kernel 3,
# stride 2, padding 1), which *input* cells `(row, column)` lie under the window of output pixel
# `(1, 2)`? Leave out the padding (it is not input). Answer a set of pairs, then draw the figure
# with `position=(1, 2)` to see the window.

# %%
# BEGIN SOLUTION 11.3
# STUDENT: under_window = ...             # a set of (row, column) input cells
# The window of output (r, c) starts at input row r*s - p and column c*s - p: rows 1..3, columns 3..5;
# column 5 is padding (the input's columns are 0..4).
under_window = {(row, col) for row in range(1 * 2 - 1, 1 * 2 - 1 + 3) for col in range(2 * 2 - 1, 2 * 2 - 1 + 3)
                if 0 <= row < 5 and 0 <= col < 5}
# END SOLUTION 11.3
check("11.3", under_window)

# %%
window_path = viz.save(viz.draw_convolution(g, numbers=True, position=(1, 2)), OUT / "11_exercise_window.png")
viz.draw_convolution(g, numbers=True, position=(1, 2))
