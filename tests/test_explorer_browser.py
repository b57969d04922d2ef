"""The explorer page in a real browser: headless Chromium driven by Playwright, with no network.

Every request the page makes other than for its own file fails the test, and so does any
JavaScript error. The page's arithmetic is compared with the Python library: its own
``selfTest()`` (golden cases computed by tconv), then drawn geometries whose ``outputSize()``
and ``matrix()`` must equal ``tconv``'s geometry and ``conv_matrix(...).pattern()``, and whose
numbers must equal tconv's reference loops. Hovering a cell must light its window or its
painted region and its row or column of the matrix; an invalid geometry must show the words of
``tconv explain``; the address must carry the state; the keyboard must work.

Needs the ``playwright`` package (the ``test`` extra) and Chromium (Debian's ``chromium``
package, which .ci/run installs; another binary with ``TCONV_CHROMIUM=/path``); skipped, with
the reason, when either is missing.
"""
from __future__ import annotations

import math
import os
import shlex
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tconv
from tconv.cli import main
from tconv.viz import explorer
from tconv.viz.explorer_cases import check_limits, golden_cases, page_geometry
from tconv.translate.spelling import COMMAND_LINE_NAMES, respell

try:
    from playwright.sync_api import sync_playwright
except ImportError:                                   # pragma: no cover - depends on the environment
    sync_playwright = None

CHROMIUM = os.environ.get("TCONV_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.skipif(sync_playwright is None, reason="the playwright package is not installed "
                       "(python -m pip install '.[test]')"),
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason=f"no Chromium at {CHROMIUM} "
                       "(apt-get install chromium, or set TCONV_CHROMIUM to a Chromium binary)"),
]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-extensions", "--disable-sync", "--no-default-browser-check"]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("explorer") / "explorer.html"
    explorer().save(path)
    return path


@pytest.fixture
def open_page(browser, page_file):
    """``open_page(hash="", width=1280)``: the explorer in a fresh page; at the end of the test,
    no request other than the page's own file and no JavaScript error may have happened."""
    opened = []

    def open_(hash_: str = "", width: int = 1280, path=page_file):
        page = browser.new_page(viewport={"width": width, "height": 900})
        own = path.as_uri()
        problems = []

        def route(request_route):
            url = request_route.request.url
            if url.split("#")[0] == own:
                request_route.continue_()
            else:
                problems.append(f"network request: {url}")
                request_route.abort()

        page.route("**/*", route)
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.goto(own + (f"#{hash_}" if hash_ else ""))
        page.wait_for_function("window.tconvExplorer !== undefined")
        opened.append((page, problems))
        open_.problems[id(page)] = problems
        return page

    open_.problems = {}
    yield open_
    found = [problem for _, problems in opened for problem in problems]
    for page, _ in opened:
        page.close()
    assert not found, found


def api(page, call: str, *args):
    return page.evaluate(f"(args) => window.tconvExplorer.{call}(...args)", list(args))


# --------------------------------------------------------------------------- the reference: tconv in Python


def tconv_matrix(g) -> list[list[int]]:
    """The operator's matrix as the page must give it: C (conv) or C.T (transposed), tap indices, -1 elsewhere."""
    weight = np.ones((1, 1) + g.kernel_size)
    if g.transposed:
        pattern = tconv.conv_transpose_matrix(weight, (1,) + g.input_size, g.stride, g.padding, g.output_padding,
                                              1, g.dilation).pattern()
    else:
        pattern = tconv.conv_matrix(weight, (1,) + g.input_size, g.stride, g.padding, g.dilation).pattern()
    dense = np.full((math.prod(g.output_size), math.prod(g.input_size)), -1)
    dense[pattern["row"], pattern["col"]] = np.ravel_multi_index(tuple(pattern["tap"][:, 2:].T), g.kernel_size)
    return dense.tolist()


def tconv_output(g, values) -> list[float]:
    """tconv's reference loops on the page's seeded input and kernel."""
    x = np.array(values["input"], float).reshape((1, 1) + g.input_size)
    w = np.array(values["kernel"], float).reshape((1, 1) + g.kernel_size)
    if g.transposed:
        function = tconv.conv_transpose1d if g.ndim == 1 else tconv.conv_transpose2d
        y = function(x, w, stride=g.stride, padding=g.padding, output_padding=g.output_padding, dilation=g.dilation,
                     method="reference")
    else:
        function = tconv.conv1d if g.ndim == 1 else tconv.conv2d
        y = function(x, w, stride=g.stride, padding=g.padding, dilation=g.dilation, method="reference")
    return y.reshape(-1).tolist()


def drawn_geometries(count: int, seed: int) -> list[dict]:
    """Valid page parameters drawn at random: 1-D and 2-D, both directions, asymmetric padding,
    dilation, output_padding and output_size; each within the page's limits."""
    rng = np.random.default_rng(seed)
    found = []
    while len(found) < count:
        ndim = int(rng.integers(1, 3))
        transposed = bool(rng.integers(0, 2))
        axes = range(ndim)
        pads = []
        for _ in axes:
            b, a = (int(v) for v in rng.integers(0, 3, size=2))
            pads.append([b, a] if rng.random() < 0.3 and b != a else b)
        params = {"mode": "transposed" if transposed else "conv",
                  "input": [int(rng.integers(1, 7 if ndim == 2 else 12)) for _ in axes],
                  "kernel": [int(rng.integers(1, 5)) for _ in axes],
                  "stride": [int(rng.integers(1, 4)) for _ in axes],
                  "dilation": [int(rng.choice([1, 1, 2])) for _ in axes],
                  "padding": pads, "output_padding": [0] * ndim, "output_size": None}
        if transposed:
            params["output_padding"] = [int(rng.integers(0, max(s, d))) for s, d in
                                        zip(params["stride"], params["dilation"])]
        try:
            g = page_geometry(params)
            check_limits(g, params["padding"])
        except ValueError:
            continue
        if transposed and rng.random() < 0.25 and all(a < s for a, s in zip(g.output_padding, g.stride)):
            params = dict(params, output_padding=[0] * ndim, output_size=list(g.output_size))
        found.append(params)
    return found


# --------------------------------------------------------------------------- the arithmetic


def test_the_guard_catches_a_request_and_the_page_makes_none(open_page):
    page = open_page()
    assert open_page.problems[id(page)] == []           # loading, drawing, the self-test: no request
    api(page, "selfTest")
    page.evaluate("() => fetch('http://127.0.0.1:9/nothing').catch(() => null)")
    page.wait_for_timeout(200)
    problems = open_page.problems[id(page)]
    assert problems[0] == "network request: http://127.0.0.1:9/nothing"   # the guard works (and the browser
    assert all("Failed to load resource" in p for p in problems[1:])       # reports the aborted load) ...
    problems.clear()                                    # ... and this one request was the test's own


def test_self_test_passes(open_page):
    page = open_page()
    result = api(page, "selfTest")
    assert result["failed"] == 0, result["failures"][:5]
    assert result["passed"] == sum(comparisons(case) for case in golden_cases()) > 250


def comparisons(case) -> int:
    """What selfTest compares in a golden case: its error, or each quantity (each Keras padding mode once)."""
    if "error" in case:
        return 1
    expect = case["expect"]
    return len(expect) - ("keras" in expect) + len(expect.get("keras", {}))


def test_drawn_geometries_match_tconv(open_page):
    page = open_page()
    cases = drawn_geometries(48, seed=19)
    results = page.evaluate("""(cases) => cases.map((c) => {
        const error = window.tconvExplorer.set(c);
        return {error, size: window.tconvExplorer.outputSize(), matrix: window.tconvExplorer.matrix(),
                values: window.tconvExplorer.values()};
    })""", cases)
    kinds = set()
    for params, got in zip(cases, results):
        g = page_geometry(params)
        kinds.add((g.ndim, g.transposed))
        assert got["error"] is None, (params, got["error"])
        assert got["size"] == list(g.output_size), params
        assert got["matrix"] == tconv_matrix(g), params
        assert got["values"]["output"] == tconv_output(g, got["values"]), params
    assert kinds == {(1, False), (1, True), (2, False), (2, True)}


def test_the_documented_example(open_page):
    page = open_page()
    assert api(page, "set", {"mode": "transposed", "input": [3, 3], "kernel": 3, "stride": 2, "padding": 1,
                             "output_padding": 1}) is None
    assert api(page, "outputSize") == [6, 6]
    assert api(page, "matrix")[0] == [4, -1, -1, -1, -1, -1, -1, -1, -1]
    assert api(page, "get")["stride"] == [2, 2]


# --------------------------------------------------------------------------- what lights up


def lit(page):
    """What the highlight shows: lit cells and framed cells per view, and the matrix's bands."""
    return page.evaluate("""() => {
        const pick = (selector) => [...document.querySelectorAll(selector)].map((e) => [e.dataset.view, e.dataset.at]);
        const band = (name) => [...document.querySelectorAll(`#matrix [data-${name}]`)].map((e) => Number(e.dataset[name]));
        return {lit: pick('#grids .lit'), focus: pick('#grids .focus'), rows: band('row'), cols: band('col'),
                products: document.getElementById('products').textContent};
    }""")


def coords(found, view):
    return sorted(tuple(int(v) for v in at.split(",")) for name, at in found if name == view)


def test_hovering_an_output_pixel_lights_its_row_and_input_window(open_page):
    page = open_page()                                # the transposed 3x3 -> 6x6, stride 2, padding 1
    g = page_geometry(api(page, "get"))
    dense = np.array(tconv_matrix(g))
    for pos in (0, 14, 35):
        page.hover(f'#grids [data-side="image"][data-pos="{pos}"]')
        shown = lit(page)
        window = np.nonzero(dense[pos] >= 0)[0]
        assert coords(shown["lit"], "feature") == sorted(np.unravel_index(m, g.input_size) for m in window)
        assert coords(shown["focus"], "kernel") == sorted(np.unravel_index(dense[pos, m], g.kernel_size) for m in window)
        j = np.unravel_index(pos, g.output_size)
        assert coords(shown["focus"], "image") == [tuple(int(v) + b for v, (b, _) in zip(j, g.padding))]
        assert shown["rows"] == [pos] and shown["cols"] == []
        assert shown["products"].startswith(f"y[{j[0]},{j[1]}] = ")


def test_hovering_an_input_pixel_lights_its_column_and_painted_region(open_page):
    page = open_page()
    g = page_geometry(api(page, "get"))
    dense = np.array(tconv_matrix(g))
    for m in (0, 4, 8):
        page.hover(f'#grids [data-side="feature"][data-pos="{m}"]')
        shown = lit(page)
        mi = np.unravel_index(m, g.input_size)
        painted = coords(shown["lit"], "image")          # canvas coordinates, the cropped border included
        expected = sorted(tuple(int(mi[x]) * g.stride[x] + t[x] * g.dilation[x] for x in range(2))
                          for t in np.ndindex(*g.kernel_size))
        assert painted == expected
        inside = sorted(np.unravel_index(j, g.output_size) for j in np.nonzero(dense[:, m] >= 0)[0])
        assert sorted(tuple(u - b for u, (b, _) in zip(p, g.padding)) for p in painted
                      if all(0 <= u - b < o for u, (b, _), o in zip(p, g.padding, g.output_size))) == inside
        assert shown["cols"] == [m] and shown["rows"] == []


def test_a_convolution_window_and_a_one_d_staircase(open_page):
    page = open_page()
    api(page, "set", {"mode": "conv", "input": [5, 6], "kernel": [3, 2], "stride": [2, 1], "padding": [1, [0, 1]]})
    g = page_geometry(api(page, "get"))
    dense = np.array(tconv_matrix(g))
    page.hover('#grids [data-side="feature"][data-pos="4"]')
    window = coords(lit(page)["lit"], "image")
    reads = sorted(np.unravel_index(j, g.input_size) for j in np.nonzero(dense[4] >= 0)[0])
    assert sorted(tuple(u - b for u, (b, _) in zip(p, g.padding)) for p in window
                  if all(0 <= u - b < i for u, (b, _), i in zip(p, g.padding, g.input_size))) == reads
    assert len(window) == 6                            # every tap, those on the padding too
    api(page, "set", {"mode": "transposed", "input": [4], "kernel": 3, "stride": 2, "padding": 0})
    page.hover('#grids [data-side="image"][data-pos="4"]')
    shown = lit(page)
    assert coords(shown["lit"], "feature") == [(1,), (2,)]          # y[4] = x[1]·w[2] + x[2]·w[0]
    assert coords(shown["lit"], "stairs") == [(4,), (4,)]
    assert shown["products"].startswith("y[4] = x[1]·w[2] + x[2]·w[0]")


def test_the_equivalent_view_window_covers_the_row_of_c_transposed(open_page):
    # the paper's view: the rotated kernel's window over the stuffed input covers exactly the input
    # pixels of the output's row of C.T (all other cells under it are inserted zeros or padding)
    page = open_page("input=3,3&kernel=3,3&stride=2,2&padding=1,1&output_padding=1,1&mode=transposed&view=equivalent")
    g = page_geometry(api(page, "get"))
    dense = np.array(tconv_matrix(g))
    e = g.equivalent_conv()
    for pos in (0, 14, 35):
        page.hover(f'#grids [data-side="image"][data-pos="{pos}"]')
        window = coords(lit(page)["lit"], "stuffed")
        assert len(window) == 9
        on_pixels = sorted(tuple((v - b) // s for v, (b, _), s in zip(w, e["padding"], g.stride)) for w in window
                           if all(0 <= v - b < n and (v - b) % s == 0 for v, (b, _), n, s in
                                  zip(w, e["padding"], e["stuffed_size"], g.stride)))
        assert on_pixels == sorted(np.unravel_index(m, g.input_size) for m in np.nonzero(dense[pos] >= 0)[0])


def test_hovering_the_matrix_lights_a_row_and_a_column(open_page):
    page = open_page()
    api(page, "set", {"mode": "conv", "input": [4, 4], "kernel": 3, "stride": 1, "padding": 0})
    box = page.evaluate("""() => { const r = document.querySelector('#matrix .mbg').getBoundingClientRect();
                                   return [r.left, r.top, r.width, r.height]; }""")
    rows, cols = 4, 16
    for r, c in ((1, 4), (2, 10)):
        page.mouse.move(box[0] + (c + 0.5) * box[2] / cols, box[1] + (r + 0.5) * box[3] / rows)
        shown = lit(page)
        assert shown["rows"] == [r] and shown["cols"] == [c]
        assert coords(shown["focus"], "image") == [divmod(c, 4)]     # the column's input pixel, framed
        caption = page.text_content("#matrix-caption")
        tap = tconv_matrix(tconv.conv_geometry((4, 4), (3, 3)))[r][c]
        assert caption.startswith(f"C[{r}, {c}] = " + ("0" if tap < 0 else f"w{tap // 3}{tap % 3}"))


def test_clicking_pins_and_the_keyboard_moves_the_step(open_page):
    page = open_page()                                # steps: the 3 x 3 input pixels
    page.focus("#grids")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    assert page.text_content("#step-label").startswith("step 5 of 9: input pixel x[1,1]")
    page.keyboard.press("End")
    assert page.text_content("#step-label").startswith("step 9 of 9")
    page.click('#grids [data-side="image"][data-pos="7"]')
    page.mouse.move(0, 0)                              # leave the grids: the clicked pixel stays lit
    assert lit(page)["rows"] == [7]
    page.focus("#grids")
    page.keyboard.press("Escape")
    assert lit(page)["cols"] == [8]
    # Tab reaches the controls; a slider moves with the arrow keys and both axes follow
    page.focus('input[type=range][aria-label="stride"]')
    page.keyboard.press("ArrowRight")
    assert api(page, "get")["stride"] == [3, 3]
    assert api(page, "outputSize") == [tconv.conv_transpose_output_size(3, 3, 3, 1, 1, 1)] * 2     # 8
    page.focus("body")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('#controls') !== null")
    page.focus("#grids")
    page.keyboard.press("End")
    page.keyboard.press(" ")                           # Space plays: the step moves on by itself
    page.wait_for_function("() => document.getElementById('step-label').textContent.startsWith('step 1 of 9')")
    page.click("#play")                                # and the button pauses it
    assert page.text_content("#play").endswith("play")


# --------------------------------------------------------------------------- messages, the link, the file


def message_lines(page):
    assert page.is_visible("#message")
    return page.text_content("#message .rule").split("\n")


@pytest.mark.parametrize("changes", [
    {"mode": "transposed", "input": [2, 2], "kernel": 3, "stride": 2, "padding": 0, "output_padding": 2},
    {"mode": "conv", "input": [3], "kernel": 5, "stride": 1, "padding": 0},
    {"mode": "transposed", "input": [4, 4], "kernel": 3, "stride": 2, "padding": 1, "output_size": [9, 9]},
    {"mode": "transposed", "input": [2], "kernel": 3, "stride": 1, "padding": [[3, 3]], "output_padding": 0},
])
def test_an_invalid_geometry_shows_tconv_explains_words(open_page, changes, capsys):
    page = open_page()
    said = api(page, "set", changes)
    command, error = message_lines(page)
    assert command.startswith("$ tconv explain ") and error == f"tconv explain: error: {respell(said, COMMAND_LINE_NAMES)}"
    assert main(shlex.split(command[2:])[1:]) == 2             # the command the page prints, run
    assert capsys.readouterr().err.strip() == error
    assert api(page, "outputSize") is None and api(page, "matrix") is None
    assert page.locator("#grids svg").count() > 0               # the last valid drawing stays, dimmed
    assert api(page, "set", {"output_padding": 0, "output_size": None, "kernel": 3, "padding": 0}) is None
    assert not page.is_visible("#message")


def test_sizes_above_the_limits_are_refused_the_same_way(open_page):
    page = open_page()
    said = api(page, "set", {"mode": "conv", "input": [20, 20]})
    assert said == ("input_size=(20, 20) is above the explorer's limit of 16 per axis in 2-D (32 in 1-D), which keeps "
                    "every cell readable; tconv explain describes any size")
    assert message_lines(page)[1] == f"tconv explain: error: {respell(said, COMMAND_LINE_NAMES)}"
    assert api(page, "set", {"input": [40]}).startswith("input_size=(40,) is above the explorer's limit of 32")
    assert api(page, "set", {"input": [2, 2, 2]}).endswith("(tconv explain describes 3-D ones)")
    assert api(page, "get")["input"] == [40]                     # a malformed request changes nothing


def test_the_link_carries_the_state(open_page):
    g = tconv.conv_transpose_geometry((5, 4), (3, 2), stride=(2, 1), padding=((0, 1), 1), dilation=(1, 2),
                                      output_padding=(1, 0))
    link = ("input=5,4&kernel=3,2&stride=2,1&padding=0:1,1&dilation=1,2&output_size="
            f"{g.output_size[0]},{g.output_size[1]}&mode=transposed&view=equivalent&numbers=1&seed=3")
    page = open_page(link)
    assert api(page, "get") == {"mode": "transposed", "input": [5, 4], "kernel": [3, 2], "stride": [2, 1],
                                "padding": [[0, 1], 1], "dilation": [1, 2], "output_padding": [0, 0],
                                "output_size": list(g.output_size), "view": "equivalent", "numbers": True, "seed": 3}
    assert api(page, "outputSize") == list(g.output_size) and api(page, "message") is None
    assert api(page, "set", {"stride": [1, 1], "output_padding": 0}) is None
    hash_ = page.evaluate("() => location.hash")
    assert hash_ == "#input=5,4&kernel=3,2&stride=1,1&padding=0:1,1&dilation=1,2&output_padding=0,0&mode=transposed" \
                    "&view=equivalent&numbers=1&seed=3"
    again = open_page(hash_[1:])
    assert api(again, "get") == api(page, "get")
    # a link the page cannot follow says why, and the page still draws
    bad = open_page("input=2,2,2&kernel=3")
    assert "1-D and 2-D" in page_text(bad, "#message") and bad.locator("#grids svg").count() > 0
    assert "unknown setting" in page_text(open_page("input=4&kernel=3&colour=red"), "#message")


def page_text(page, selector):
    return page.text_content(selector) if page.is_visible(selector) else ""


def test_export_is_an_svg_document(open_page):
    page = open_page()
    svg = api(page, "exportSVG")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    rects = root.findall(".//{http://www.w3.org/2000/svg}rect")
    assert len(rects) > 100 and root.find("{http://www.w3.org/2000/svg}style") is not None
    assert "<script" not in svg and "tconv explorer: --input 3 3" in svg


def test_a_narrow_window_has_no_sideways_scroll(open_page):
    page = open_page(width=420)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 420
    assert page.locator("#grids svg").count() == 3


def test_the_notebook_frame_runs_the_page(browser):
    page = browser.new_page()
    blocked = []
    page.route("**/*", lambda r: (blocked.append(r.request.url), r.abort()))
    page.set_content(explorer()._repr_html_())
    frame = page.frames[1]
    frame.wait_for_function("window.tconvExplorer !== undefined")
    assert frame.evaluate("() => window.tconvExplorer.selfTest().failed") == 0
    assert frame.evaluate("() => window.tconvExplorer.set({stride: 3})") is None
    page.close()
    assert blocked == []


def test_the_page_is_under_500_kb(page_file):
    assert page_file.stat().st_size < 500_000
