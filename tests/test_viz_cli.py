"""``tconv figure``: exit codes, one-line errors, no file on error, the same bytes twice, the pack's page."""
from __future__ import annotations

import json
import os
import re
import shlex

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

from tconv.cli import main  # noqa: E402
from tconv.viz.pack import index_html, make_pack, pack_entries  # noqa: E402


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_figure_is_listed_by_tconv_help(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "figure" in out
    code, out, _ = run(capsys, "figure", "--help")
    assert code == 0 and "--numbers" in out and "tconv figure pack -o lecture_pack" in out


def test_an_invalid_geometry_gives_explains_error_and_no_file(capsys, tmp_path):
    target = tmp_path / "x.png"
    code, out, err = run(capsys, "figure", "conv", "--input", "4", "--kernel", "3", "--stride", "0", "-o", target)
    _, _, explained = run(capsys, "explain", "--input", "4", "--kernel", "3", "--stride", "0")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err == explained.replace("tconv explain:", "tconv figure:")
    assert err == "tconv figure: error: --stride (0,) must be positive on every axis\n"
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("argv, message", [
    (["conv", "--input", "4", "--kernel", "3", "-o", "{tmp}/x.jpeg"], "unknown suffix .jpeg"),
    (["conv", "--input", "4", "--kernel", "3", "-o", "{tmp}/x.gif"], "is an animation format"),
    (["conv", "--input", "4", "--kernel", "3", "--animate", "-o", "{tmp}/x.png"], "is a figure format"),
    (["conv", "--input", "4", "--kernel", "3", "-o", "{tmp}/no/such/x.png"], "does not exist"),
    (["conv", "--input", "64", "64", "--kernel", "3", "-o", "{tmp}/x.png"], "too many to read"),
    (["conv", "--input", "4", "--kernel", "3", "--transposed", "-o", "{tmp}/x.png"], "tconv figure transposed"),
    (["matrix", "--input", "4", "--kernel", "3", "--animate", "-o", "{tmp}/x.gif"], "--animate does not apply"),
    (["conv", "--input", "4", "--kernel", "3", "--channels", "2", "3", "-o", "{tmp}/x.png"], "one input and one"),
    (["overlap", "--kernel", "3", "--padding", "1", "-o", "{tmp}/x.png"], "drop --padding"),
    (["unet", "--size", "100", "-o", "{tmp}/x.png"], "divisible by 2\\*\\*depth"),
    (["unet", "--input", "4", "-o", "{tmp}/x.png"], "no geometry flags"),
    (["training", "-o", "{tmp}/x.png"], "needs the run folder"),
    (["training", "{tmp}", "-o", "{tmp}/x.png"], "history.json' does not exist"),
    (["conv", "--input", "4", "--kernel", "3"], "-o FILE"),
])
def test_usage_errors_are_one_line_and_write_nothing(capsys, tmp_path, argv, message):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, out, err = run(capsys, "figure", *argv)
    assert code == 2 and out == ""
    assert err.startswith("tconv figure: error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert re.search(message, err), err
    assert os.listdir(tmp_path) == []


def test_mp4_without_ffmpeg_is_a_one_line_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run(capsys, "figure", "conv", "--input", "4", "--kernel", "3", "--animate", "-o",
                       tmp_path / "x.mp4")
    assert code == 2 and "ffmpeg" in err and ".gif" in err and os.listdir(tmp_path) == []


@pytest.mark.parametrize("argv, name", [
    (["transposed", "--input", "3", "--kernel", "3", "--stride", "2", "--padding", "1", "--output-padding", "1",
      "--numbers"], "t.png"),
    (["transposed", "--input", "3", "--kernel", "3", "--stride", "2", "--numbers", "--animate"], "t.gif"),
    (["matrix", "--input", "3", "3", "--kernel", "2", "--transpose"], "m.svg"),
])
def test_the_same_command_gives_the_same_bytes(capsys, tmp_path, argv, name):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        code, out, err = run(capsys, "figure", *argv, "-o", tmp_path / folder / name)
        assert code == 0 and err == "" and out.startswith("wrote ")
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_training_and_unet_draw_from_their_arguments(capsys, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "history.json").write_text(json.dumps([{"epoch": 1, "train_loss": 0.9, "val_miou": 0.3},
                                                      {"epoch": 2, "train_loss": 0.5, "val_miou": 0.5}]))
    assert run(capsys, "figure", "training", run_dir, "-o", tmp_path / "curves.png")[0] == 0
    (run_dir / "history.json").write_text("[{\"epoch\": 1}]")
    code, _, err = run(capsys, "figure", "training", run_dir, "-o", tmp_path / "bad.png")
    assert code == 2 and "has no 'train_loss'" in err
    assert run(capsys, "figure", "unet", "--depth", "2", "--up", "bilinear", "-o", tmp_path / "u.pdf")[0] == 0
    assert sorted(os.listdir(tmp_path)) == ["curves.png", "run", "u.pdf"]


def test_the_pack_page_shows_every_figure_once_with_its_command():
    entries = pack_entries()
    names = [e.filename for e in entries]
    # 4 matrices; per paper case conv and transposed x (still, animation) x (plain, numbers) + the equivalent
    # view (still, animation); the lab (2), the views (2), three networks; the chapters' 8 figures (1 GIF)
    assert len(set(names)) == len(names) == 4 + 8 * 10 + 2 + 2 + 3 + 8
    assert sum(e.animated for e in entries) == 8 * 5 + 1
    page = index_html(entries)
    stills = re.findall(r'<img src="([^"]+)"', page)
    moving = re.findall(r'data-animation="([^"]+)"', page)
    assert sorted(stills + moving) == sorted(names)           # each file once: a still, or the animation behind it
    assert all(name.endswith(".gif") for name in moving) and not any(name.endswith(".gif") for name in stills)
    assert all(f'{stem}.png" data-animation="{stem}.gif"' in page for stem in
               (name[:-4] for name in moving))                # an animation's card shows its own still first
    assert "http" not in page and "<script src" not in page and "<link" not in page
    for entry in entries:
        assert f"<code>{entry.command}</code>" in page.replace("&#x27;", "'")


def test_a_pack_command_makes_the_same_file_as_the_pack(capsys, tmp_path):
    chosen = [e for e in pack_entries() if e.filename in ("01_no_padding_unit_strides_transposed_numbers.gif",
                                                          "07_padding_strides_odd_transposed_equivalent.png",
                                                          "matrix_notes_numbers.png", "phases_k3_s2.png",
                                                          "unpool.png")]
    make_pack(tmp_path / "pack", entries=chosen)
    listed = sorted(os.listdir(tmp_path / "pack"))
    assert listed == sorted([e.filename for e in chosen] + ["index.html", "explorer.html"])
    page = (tmp_path / "pack" / "index.html").read_text()
    assert all(f'src="{name}"' in page for name in listed if name not in ("index.html", "explorer.html"))
    assert '<a href="explorer.html">' in page
    assert main(["explore", "-o", str(tmp_path / "explorer.html")]) == 0       # the command the page prints
    assert (tmp_path / "explorer.html").read_bytes() == (tmp_path / "pack" / "explorer.html").read_bytes()
    for entry in chosen:                     # the command exactly as the page prints it, run from tmp_path
        words = shlex.split(entry.command)
        assert words[:2] == ["tconv", "figure"] and words[-2:] == ["-o", entry.filename]
        code = main(words[1:-1] + [str(tmp_path / entry.filename)])
        assert code == 0
        assert (tmp_path / entry.filename).read_bytes() == (tmp_path / "pack" / entry.filename).read_bytes()
    capsys.readouterr()


def test_pack_refuses_a_file_as_its_folder(capsys, tmp_path):
    (tmp_path / "file").write_text("x")
    code, _, err = run(capsys, "figure", "pack", "-o", tmp_path / "file")
    assert code == 2 and "is a file" in err
