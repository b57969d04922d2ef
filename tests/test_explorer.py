"""The explorer page's generator, without a browser: one self-contained file, its data, its bytes.

The page itself (its JavaScript) is tested in a real browser by tests/test_explorer_browser.py;
here: the file fetches nothing and names no address, its embedded JSON is what the page needs,
the golden cases it carries agree with the literature and with ``tconv explain``'s own words,
the same arguments give the same bytes, and ``tconv explore`` and ``tconv.viz.explorer``
refuse what the page cannot show.
"""
from __future__ import annotations

import importlib.util
import json
import re
import shlex
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import tconv
from tconv.cli import main
from tconv.viz import explorer
from tconv.viz.explorer_cases import LIMITS, geometry_params, golden_cases, page_geometry, seeded_ints
from tconv.translate.spelling import COMMAND_LINE_NAMES, respell

ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES = 500_000


def embedded_data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="tconv-explorer-data">(.*?)</script>', page, re.DOTALL)
    assert match, "the page has no embedded data"
    return json.loads(match[1])


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


# --------------------------------------------------------------------------- one self-contained file


@pytest.fixture(scope="module")
def default_page() -> str:
    return explorer().html


def test_the_page_loads_nothing_and_names_no_address(default_page):
    assert not re.search(r"https?:", default_page, re.IGNORECASE), "the page names an http(s) address"
    assert "//cdn" not in default_page and "@import" not in default_page
    parser = _Tags()
    parser.feed(default_page)
    tags = [tag for tag, _ in parser.tags]
    assert "link" not in tags and "img" not in tags and "iframe" not in tags
    for tag, attrs in parser.tags:
        assert "src" not in attrs and "href" not in attrs, f"<{tag}> loads {attrs}"
    # nothing in the scripts opens a connection or loads code
    for call in ("fetch(", "XMLHttpRequest", "WebSocket", "EventSource", "import(", "sendBeacon", "new Worker"):
        assert call not in default_page, call
    # the only url(...) in the style points inside the page (the hatching pattern)
    assert set(re.findall(r"url\(([^)]*)\)", default_page)) <= {"#tconv-hatch"}


def test_the_page_is_small(default_page):
    assert len(default_page.encode("utf-8")) < MAX_BYTES
    largest = tconv.conv_transpose_geometry((16, 16), (1, 1))      # the most cells the page draws
    assert len(explorer(largest, numbers=True).html.encode("utf-8")) < MAX_BYTES


def test_the_data_is_embedded_json_with_the_opening_state(default_page):
    g = tconv.conv_transpose_geometry((5,), (4,), stride=3, padding=((0, 2),), output_padding=1)
    data = embedded_data(explorer(g, numbers=True, seed=4).html)
    assert data["initial"] == {"params": {"mode": "transposed", "input": [5], "kernel": [4], "stride": [3],
                                          "padding": [[0, 2]], "dilation": [1], "output_padding": [1],
                                          "output_size": None},
                               "view": "direct", "numbers": True, "seed": 4}
    assert data["limits"]["side"] == {"1": LIMITS["side"][1], "2": LIMITS["side"][2]}
    assert data["cases"] == golden_cases()
    assert len(data["presets"]) >= 8
    for preset in data["presets"]:                 # every example of the menu is a valid page geometry
        page_geometry(preset["params"])
    # the scripts are inlined once each, and the JSON cannot close its script element early
    assert default_page.count("const TconvArithmetic") == 1 and default_page.count("window.tconvExplorer =") == 1
    assert "</" not in json.dumps(embedded_data(default_page)).replace("<\\/", "")


def test_the_same_arguments_give_the_same_bytes(tmp_path, capsys):
    g = tconv.conv_geometry((6, 5), (3, 2), stride=2, padding=((0, 1), 1))
    assert explorer(g, numbers=True, seed=2).html == explorer(g, numbers=True, seed=2).html
    args = ["explore", "--input", "6", "5", "--kernel", "3", "2", "--stride", "2", "--padding", "0,1", "1", "--numbers"]
    assert main(args + ["-o", str(tmp_path / "a.html")]) == 0
    assert main(args + ["-o", str(tmp_path / "b.html")]) == 0
    capsys.readouterr()
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    assert (tmp_path / "a.html").read_text(encoding="utf-8") == explorer(g, numbers=True).html


def test_the_notebook_shows_the_page_in_a_sandboxed_frame():
    page = explorer()
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts allow-downloads"' in shown
    assert "<script" not in shown                 # escaped into the attribute, run only inside the frame
    assert repr(page).startswith("Explorer(mode='transposed', input=[3, 3]") and repr(page).endswith("bytes)")


# --------------------------------------------------------------------------- the golden cases


def _case(name):
    return next(c for c in golden_cases() if c["name"] == name)


def test_golden_overlap_is_the_literatures_checkerboard():
    # Odena, Dumoulin & Olah (2016): 8 input ones, k = 3, s = 2 -> 1 1 2 1 2 ... 2 1 1 (length 17)
    assert _case("1-D checkerboard k=3 s=2")["expect"]["overlap"] == [1, 1] + [2, 1] * 7 + [1]
    assert _case("1-D k=4 s=2")["expect"]["overlap"] == [1, 1] + [2, 2] * 7 + [1, 1]


def test_golden_matrix_is_the_lecture_notes_matrix():
    # the notes' 4x16 matrix C of a 4x4 input and a 3x3 kernel: row 0 holds taps 0..8 at columns
    # 0,1,2, 4,5,6, 8,9,10; rows 1, 2, 3 are row 0 shifted by 1, 4 and 5 columns
    entries = _case("paper: no padding, unit strides")["expect"]["entries"]
    row0 = [(j, t) for m, j, t in entries if m == 0]
    assert row0 == [(0, 0), (1, 1), (2, 2), (4, 3), (5, 4), (6, 5), (8, 6), (9, 7), (10, 8)]
    for m, shift in ((1, 1), (2, 4), (3, 5)):
        assert [(j, t) for mm, j, t in entries if mm == m] == [(j + shift, t) for j, t in row0]


def test_golden_sizes_are_the_papers():
    # Dumoulin & Visin's table: (6, 3, 2, 1) -> 3 with a = 1; its twin 3 -> 6; the sizes 5 and 6 both give 3
    assert _case("paper: padding and strides, odd")["expect"]["output_size"] == [3, 3]
    twin = _case("paper: padding and strides, odd, twin")["expect"]
    assert twin["output_size"] == [6, 6] and twin["input_sizes"] == [[5, 6], [5, 6]]
    assert twin["equivalent"] == {"zeros_between": [1, 1], "stuffed_size": [5, 5], "padding": [[1, 2], [1, 2]],
                                  "output_size": [6, 6]}
    # d2l: conv_transpose2d([[0,1],[2,3]], [[0,1],[2,3]], stride=2) is 4 x 4
    assert _case("d2l: stride 2")["expect"]["output_size"] == [4, 4]


def test_golden_spellings_are_the_known_translations():
    keras = _case("keras same k=3 s=2 exact")["expect"]
    assert keras["spellings"]["keras"] == "keras.layers.Conv2DTranspose(C_out, kernel_size=3, strides=2, padding='same')"
    assert keras["keras"]["same"]["padding"] == [1, 1] and keras["keras"]["same"]["output_padding"] == [1, 1]
    assert keras["keras"]["same"]["exact"] is False           # the one-pixel shift
    nothing = _case("keras same k=2 s=1 (no PyTorch)")["expect"]
    assert nothing["spellings"]["torch"] is None and nothing["keras"]["same"]["torch_call"] is None


def _explain_flags(params) -> list[str]:
    """The tconv explain command line of page parameters (the page shows the same one)."""
    flags = ["--input", *map(str, params["input"]), "--kernel", *map(str, params["kernel"]),
             "--stride", *map(str, params["stride"]), "--dilation", *map(str, params["dilation"]), "--padding"]
    flags += [f"{p[0]},{p[1]}" if isinstance(p, list) else str(p) for p in params["padding"]]
    if params["mode"] == "transposed":
        if params["output_size"] is not None:
            flags += ["--output-size", *map(str, params["output_size"])]
        else:
            flags += ["--output-padding", *map(str, params["output_padding"])]
        flags.append("--transposed")
    return flags


def test_golden_errors_are_tconv_explains_words(capsys):
    refused = [c for c in golden_cases() if "error" in c and "limit" not in c["error"]]
    assert len(refused) >= 10
    checked = 0
    for case in refused:
        flags = _explain_flags(case["params"])
        if any(v.startswith("-") and v[1:].isdigit() for v in flags):
            continue                                 # argparse refuses negative sizes before tconv sees them
        assert main(["explain", *flags]) == 2, shlex.join(flags)
        err = capsys.readouterr().err.strip()
        assert err == f"tconv explain: error: {respell(case['error'], COMMAND_LINE_NAMES)}", shlex.join(flags)
        checked += 1
    assert checked >= 8


def test_golden_numbers_are_the_reference_loops():
    case = _case("paper: no padding, unit strides")
    values = case["expect"]["values"]["expect"]
    x = np.array(values["input"], float).reshape(4, 4)
    w = np.array(values["kernel"], float).reshape(3, 3)
    direct = [[float((x[r:r + 3, c:c + 3] * w).sum()) for c in range(2)] for r in range(2)]   # the definition
    assert values["output"] == np.array(direct).reshape(-1).tolist()
    assert set(values["input"]) <= {1, 2, 3, 4} and set(values["kernel"]) <= {1, 2, 3}


def test_seeded_ints_are_park_and_millers_generator():
    # the minimal standard generator: x1 = 48271 from seed state 1, then x2 = 48271^2 mod (2^31 - 1)
    assert seeded_ints(2, 0, 0, 2**31) == [48271, 48271**2 % (2**31 - 1)]


# --------------------------------------------------------------------------- refusals


def test_explorer_refuses_what_the_page_cannot_show():
    with pytest.raises(TypeError, match="geometry="):
        explorer((4, 4))
    with pytest.raises(ValueError, match="3 spatial axes"):
        explorer(tconv.conv_geometry((4, 4, 4), (3, 3, 3)))
    with pytest.raises(ValueError, match=r"kernel_size=\(9, 9\) is above the explorer's limit of 7"):
        explorer(tconv.conv_geometry((12, 12), (9, 9)))
    with pytest.raises(ValueError, match="view='equivalent'"):
        explorer(tconv.conv_geometry((4, 4), (3, 3)), view="equivalent")
    with pytest.raises(ValueError, match="view='side'"):
        explorer(view="side")
    with pytest.raises(ValueError, match="seed=-1"):
        explorer(seed=-1)
    with pytest.raises(TypeError, match="numbers=1"):
        explorer(numbers=1)


def test_geometry_params_round_trip():
    for g in (tconv.conv_geometry((6, 5), (3, 2), stride=2, padding=((0, 1), 1), dilation=(1, 2)),
              tconv.conv_transpose_geometry((3,), (4,), stride=3, padding=((1, 2),), output_padding=2)):
        assert page_geometry(geometry_params(g)) == g


@pytest.mark.parametrize("args, words", [
    ([], "give the file to write with -o FILE"),
    (["-o", "page.png"], "give a name ending in .html"),
    (["--input", "4", "4", "4", "--kernel", "3", "-o", "p.html"], "3 spatial axes"),
    (["--input", "20", "20", "--kernel", "3", "-o", "p.html"], "above the explorer's limit of 16 per axis in 2-D"),
    (["--input", "4", "--kernel", "3", "--channels", "2", "3", "-o", "p.html"], "one input and one output channel"),
    (["--input", "4", "--kernel", "3", "--view", "equivalent", "-o", "p.html"], "add --transposed"),
    (["--input", "2", "--kernel", "3", "--stride", "2", "--output-padding", "2", "--transposed", "-o", "p.html"],
     "--output-padding (2,) must be smaller than stride or dilation"),
    (["--seed", "-1", "-o", "p.html"], "--seed -1 must be a non-negative int"),
    (["-o", "no/such/folder/p.html"], "does not exist"),
])
def test_explore_refuses_with_one_line_and_writes_nothing(args, words, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["explore", *args]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("tconv explore: error: ") and words in err and err.count("\n") == 1 and not out
    assert list(tmp_path.iterdir()) == []


def test_explore_writes_the_page(tmp_path, capsys):
    target = tmp_path / "checkerboard.html"
    assert main(["explore", "--input", "4", "4", "--kernel", "3", "--stride", "2", "--transposed",
                 "-o", str(target)]) == 0
    assert f"wrote {target}" in capsys.readouterr().out
    data = embedded_data(target.read_text(encoding="utf-8"))
    assert data["initial"]["params"]["input"] == [4, 4] and data["initial"]["params"]["mode"] == "transposed"


def test_the_docs_site_page_and_the_explorer_file_have_different_names():
    spec = importlib.util.spec_from_file_location("site_hook", ROOT / "docs" / "hooks" / "site.py")
    source = (ROOT / "docs" / "hooks" / "site.py").read_text(encoding="utf-8")
    name = re.search(r'EXPLORER_PAGE = "([^"]+)"', source)[1]
    assert spec is not None and not (ROOT / "docs" / name.replace(".html", ".md")).exists()
    assert f"]({name})" in (ROOT / "docs" / "explorer.md").read_text(encoding="utf-8")
