"""Saving (tconv.viz.saving): reproducible bytes, the format from the name, nothing half-written."""
from __future__ import annotations

import os
import subprocess
import sys

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from tconv.geometry import conv_geometry, conv_transpose_geometry  # noqa: E402
from tconv.viz import animate_convolution, draw_convolution, draw_matrix, save  # noqa: E402


def _bytes(path) -> bytes:
    with open(path, "rb") as file:
        return file.read()


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_the_same_figure_gives_the_same_bytes(tmp_path, suffix):
    g = conv_transpose_geometry((2, 2), (3, 3), stride=2, padding=1, output_padding=1)
    first, second = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
    save(draw_convolution(g, numbers=True), first)
    save(draw_convolution(g, numbers=True), second)          # a new figure from the same arguments
    assert _bytes(first) == _bytes(second)
    data = _bytes(first)
    assert b"Matplotlib" not in data and b"matplotlib.org" not in data        # no version, no date


def test_png_is_150_dpi_and_the_gif_has_every_frame(tmp_path):
    save(draw_matrix(conv_geometry((3,), (2,))), tmp_path / "m.png")
    with Image.open(tmp_path / "m.png") as image:
        assert round(image.info["dpi"][0]) == 150
    animation = animate_convolution(conv_geometry((4,), (2,)), numbers=True)
    save(animation, tmp_path / "a.gif")
    save(animate_convolution(conv_geometry((4,), (2,)), numbers=True), tmp_path / "b.gif")
    assert _bytes(tmp_path / "a.gif") == _bytes(tmp_path / "b.gif")
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == animation.n_frames == 3
        assert gif.info["loop"] == 0


def test_the_suffix_must_fit_the_item(tmp_path):
    figure = draw_matrix(conv_geometry((3,), (2,)))
    with pytest.raises(ValueError, match="is an animation format; a figure saves as .png, .svg or .pdf"):
        save(figure, tmp_path / "x.gif")
    with pytest.raises(ValueError, match="unknown suffix .jpeg"):
        save(figure, tmp_path / "x.jpeg")
    with pytest.raises(ValueError, match="is a figure format; an animation saves as .gif or .mp4"):
        save(animate_convolution(conv_geometry((3,), (2,))), tmp_path / "x.png")
    assert os.listdir(tmp_path) == []


def test_mp4_without_ffmpeg_suggests_a_gif(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ValueError, match="needs ffmpeg on the PATH.*save the animation as .gif"):
        save(animate_convolution(conv_geometry((3,), (2,))), tmp_path / "x.mp4")


def test_a_failing_save_leaves_nothing_behind_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "figure.png"
    target.write_bytes(b"old")
    figure = draw_matrix(conv_geometry((3,), (2,)))

    def broken(*args, **kwargs):
        args[0].write(b"half")
        raise RuntimeError("disk full")

    figure.savefig = broken
    with pytest.raises(RuntimeError, match="disk full"):
        save(figure, target)
    assert sorted(os.listdir(tmp_path)) == ["figure.png"] and target.read_bytes() == b"old"


def test_unwritable_places_are_named(tmp_path):
    figure = draw_matrix(conv_geometry((3,), (2,)))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save(figure, tmp_path / "missing" / "x.png")
    (tmp_path / "folder.png").mkdir()
    with pytest.raises(IsADirectoryError, match="is a folder"):
        save(figure, tmp_path / "folder.png")


def test_drawing_chooses_no_backend_and_never_imports_pyplot():
    # rcParams._get_backend_or_none() reads the backend without resolving it (get_backend() would
    # import pyplot to choose one): None means nobody has chosen a backend.
    code = ("import sys, matplotlib; import tconv.viz as v; "
            "from tconv.geometry import conv_geometry as g; v.draw_convolution(g((4, 4), (3, 3))); "
            "v.animate_convolution(g((3,), (2,))).frames_rgb(20).__next__(); "
            "print('matplotlib.pyplot' in sys.modules, matplotlib.rcParams._get_backend_or_none())")
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.stdout.split() == ["False", "None"]
