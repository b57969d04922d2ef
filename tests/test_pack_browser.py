"""The pack's page and the lecture deck in a real browser: headless Chromium driven by Playwright, with no network.

A small slide pack (an animation with its still, a network diagram) is rendered once. On its
page the table of contents must jump to its sections, an animation must show its still until
the pointer rests on it (or its play button is pressed), every thumbnail must link to its
full-size file, and the deck and the explorer must be linked at the top. In the deck the keys
must move between slides, start a slide's animation and show the speaker notes. Any request
for something other than the pack's own files, and any JavaScript error, fails the test.

Needs ``playwright`` and Chromium, as ``tests/test_explorer_browser.py``; skipped when missing.
"""
from __future__ import annotations

import os
import shutil

import pytest

from tconv.viz.pack import DECK, EXPLORER, make_pack, pack_entries, section_id

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
CHOSEN = ("05_strides_conv.png", "05_strides_conv.gif", "unet.png")


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pack") / "slides"
    entries = [entry for entry in pack_entries("slide") if entry.filename in CHOSEN]
    make_pack(folder, entries=entries, style="slide", jobs=1)
    return folder, entries


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser, pack):
    """``open_page(name)``: a page of the pack; no foreign request and no JavaScript error may happen."""
    folder, _ = pack
    opened = []

    def open_(name: str, width: int = 1280, height: int = 800):
        page = browser.new_page(viewport={"width": width, "height": height})
        problems = []

        def route(request_route):
            url = request_route.request.url
            if url.startswith("data:") or url.split("#")[0].startswith(folder.as_uri() + "/"):
                request_route.continue_()
            else:
                problems.append(f"network request: {url}")
                request_route.abort()

        page.route("**/*", route)
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.goto((folder / name).as_uri())
        opened.append((page, problems))
        return page

    yield open_
    found = [problem for _, problems in opened for problem in problems]
    for page, _ in opened:
        page.close()
    assert not found, found


def test_the_page_links_the_deck_the_explorer_and_its_sections(open_page, pack):
    folder, entries = pack
    page = open_page("index.html", height=400)
    top = page.eval_on_selector_all("nav.top a", "links => links.map(a => a.getAttribute('href'))")
    assert top == [DECK, EXPLORER] and all((folder / name).is_file() for name in top)
    sections = list(dict.fromkeys(entry.section for entry in entries))
    toc = page.eval_on_selector_all("nav.toc a", "links => links.map(a => a.getAttribute('href'))")
    assert toc == [f"#{section_id(section)}" for section in sections]
    page.click(f"nav.toc a[href='#{section_id(sections[-1])}']")
    assert page.evaluate("location.hash") == f"#{section_id(sections[-1])}"
    top_of_section = page.evaluate(f"document.getElementById('{section_id(sections[-1])}')"
                                   ".getBoundingClientRect().top")
    bottom = page.evaluate("window.scrollY > 0 && window.scrollY + innerHeight >= document.body.scrollHeight - 2")
    assert abs(top_of_section) < 5 or bottom                  # the browser scrolled to the section (or the end)


def test_an_animation_shows_its_still_until_hovered_or_played(open_page, pack):
    folder, _ = pack
    page = open_page("index.html")
    for image in page.locator("figure img").all():         # the stills load lazily: bring each into view
        image.scroll_into_view_if_needed()
    page.wait_for_function("Array.from(document.querySelectorAll('figure img')).every(i => i.complete)")
    page.evaluate("window.scrollTo(0, 0)")
    images = page.eval_on_selector_all("figure img", "imgs => imgs.map(i => [i.getAttribute('src'), "
                                       "i.getAttribute('data-animation'), i.closest('a').getAttribute('href'), "
                                       "i.complete && i.naturalWidth])")
    assert [(src, moving, link) for src, moving, link, _ in images] == [
        ("05_strides_conv.png", "05_strides_conv.gif", "05_strides_conv.gif"),     # the link opens the full file
        ("unet.png", None, "unet.png")]
    assert all(width == 1920 for *_, width in images)                               # every still loaded
    selector = "img[data-animation]"
    source = f"document.querySelector('{selector}').getAttribute('src')"
    page.hover(selector)
    assert page.evaluate(source) == "05_strides_conv.gif"
    page.mouse.move(1, 1)
    assert page.evaluate(source) == "05_strides_conv.png"
    button = page.locator("button.play")
    button.click()
    assert page.evaluate(source) == "05_strides_conv.gif" and "stop" in button.inner_text()
    button.click()
    assert page.evaluate(source) == "05_strides_conv.png" and "play" in button.inner_text()


def test_the_deck_moves_with_the_keys_plays_its_animation_and_shows_its_notes(open_page, pack):
    _, entries = pack
    slides = [entry for entry in entries if entry.deck]
    assert [entry.filename for entry in slides] == ["05_strides_conv.gif", "unet.png"]
    page = open_page(DECK, 1280, 720)
    shown = "Array.from(document.querySelectorAll('.slide')).filter(s => getComputedStyle(s).display !== 'none')" \
            ".map(s => s.id)"
    assert page.evaluate(shown) == ["s1"]
    playing = page.evaluate("document.querySelector('#s1 img').getAttribute('src').slice(0, 16)")
    assert playing == "data:image/webp;"                      # the slide shown plays its animation
    assert not page.is_visible("#s1 .notes")
    page.keyboard.press("n")
    assert page.is_visible("#s1 .notes") and slides[0].notes[0] in page.inner_text("#s1 .notes")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(shown) == ["s2"] and page.evaluate("location.hash") == "#2"
    assert page.evaluate("document.querySelector('#s1 img').getAttribute('src').slice(0, 15)") == "data:image/png;"
    assert slides[1].title in page.inner_text("#s2 .notes")
    page.keyboard.press("ArrowRight")                         # the last slide stays
    assert page.evaluate(shown) == ["s2"]
    page.keyboard.press("Home")
    assert page.evaluate(shown) == ["s1"] and page.evaluate("location.hash") == "#1"
    box = page.evaluate("(() => { const r = document.querySelector('#s1 img').getBoundingClientRect();"
                        " return [r.width, r.height]; })()")
    assert box == [1280, 720]                                  # the slide fills the window
