"""The drawings in a real browser: Debian's chromium (headless shell), driven by Playwright.

For each spec the SVG and the HTML page are loaded from files under ``build/drawings/`` and the
browser's own geometry (``getBBox``) is checked: nothing is drawn outside the viewBox, no two
text labels overlap, no label sits on a box, and every output shape in the report is a label.
A PNG screenshot of each is kept under ``build/screenshots/`` (gitignored; CI's artifacts).

Locally these tests skip when Playwright or a chromium binary is missing; when ``CI`` is set
they fail instead (``.ci/run`` installs both).  ``CONVCALC_CHROMIUM`` names another binary.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import convcalc
from convcalc.draw.layout import layout
from convcalc.draw.svg import svg
from convcalc.engine import LayerReport, Report

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"

SPECS = {
    "homework": "28x28x1 conv3x3s2p1x32 pool2 dense5",
    # ResNet-18's second stage: a downsampling block with its projection shortcut, then a block
    "resnet18_stage": "56x56x64 res(conv3s2p1x128nb bn relu conv3p1x128nb bn | conv1s2x128nb bn) "
    "relu res(conv3p1x128nb bn relu conv3p1x128nb bn) relu",
    # GoogLeNet's inception 3a on its 28×28×192 input
    "inception": "28x28x192 cat(conv1x64nb bn relu | conv1x96nb bn relu conv3p1x128nb bn relu "
    "| conv1x16nb bn relu conv3p1x32nb bn relu | pool3s1p1ceil conv1x32nb bn relu)",
    "unet": "zoo:unet",
    # 100 layers that fold into nothing: 99 convs of different widths, then the head
    "plain100": "32x32x3 " + " ".join(f"conv3p1x{8 + i}" for i in range(98)) + " gap dense10",
    # 50 layers with weights: each stage folds to its projection block and one block ×N
    "resnet50": "zoo:resnet50",
    # the newer structures: squeeze-and-excitation (⊗), a ShuffleNet split (⧺), a side head
    "mul_split_aux": "28x28x32 mul(apool1 conv1x8 relu conv1x32 hsigmoid) "
    "split(id | conv1x16 bn relu dwconv3p1nb bn conv1x16 bn relu) shuffle2 "
    "aux(apool4 conv1x16 flatten dense10) conv1x8",
}

LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The browser's geometry of one <svg>: its viewBox, every drawn element's box, every label.
MEASURE = """
(svg) => {
  const vb = svg.viewBox.baseVal;
  const box = (el) => { const b = el.getBBox(); return [b.x, b.y, b.width, b.height]; };
  const shapes = [], texts = [];
  for (const el of svg.querySelectorAll('rect, polygon, polyline, circle, line, text')) {
    if (el.closest('defs') || el.classList.contains('bg')) continue;
    const item = {tag: el.tagName, cls: el.getAttribute('class') || '', box: box(el),
                  text: el.tagName === 'text' ? el.textContent : ''};
    (el.tagName === 'text' ? texts : shapes).push(item);
  }
  return {viewBox: [vb.x, vb.y, vb.width, vb.height], shapes, texts,
          background: getComputedStyle(svg.querySelector('.bg')).fill};
}
"""


def _spec(name: str) -> str:
    spec = SPECS[name]
    if spec.startswith("zoo:"):
        from convcalc import zoo

        return zoo.get(spec[4:]).spec
    return spec


def _shapes(layers: list[LayerReport]) -> set[str]:
    out: set[str] = set()
    for layer in layers:
        out.add("×".join(map(str, layer.output_shape)))
        for branch in layer.branches or []:
            out |= _shapes(branch)
    return out


def _chromium() -> str | None:
    for name in (os.environ.get("CONVCALC_CHROMIUM"), "chromium-headless-shell", "chromium"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {what} (.ci/run installs it): the browser tests must run")
    pytest.skip(f"{what}; see .ci/run")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install playwright)")
    exe = _chromium()
    if exe is None:
        _missing("no chromium binary (apt-get install chromium-headless-shell)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=LAUNCH_ARGS)
        yield b
        b.close()


def _overlap(a: list[float], b: list[float], slack: float = 0.5) -> bool:
    """Do two boxes [x, y, w, h] overlap by more than ``slack`` on both axes?"""
    return (
        min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]) > slack
        and min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]) > slack
    )


def check_geometry(geo: dict, report: Report) -> list[str]:
    """What is wrong with one measured picture (an empty list: nothing)."""
    problems: list[str] = []
    vx, vy, vw, vh = geo["viewBox"]
    for item in geo["shapes"] + geo["texts"]:
        x, y, w, h = item["box"]
        if x < vx or y < vy or x + w > vx + vw or y + h > vy + vh:
            problems.append(f"outside the viewBox: {item['tag']} {item['text']!r} at {item['box']}")
    texts = geo["texts"]
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            if _overlap(a["box"], b["box"]):
                problems.append(
                    f"labels overlap: {a['text']!r} {a['box']} / {b['text']!r} {b['box']}"
                )
    faces = [s for s in geo["shapes"] if "edge" in s["cls"] or s["cls"] == "node"]
    for t in texts:
        for s in faces:
            if _overlap(t["box"], s["box"]):
                problems.append(
                    f"label on a shape: {t['text']!r} {t['box']} / {s['tag']} {s['box']}"
                )
                break
    labels = {t["text"] for t in texts}
    wanted = _shapes(report.layers) | {"×".join(map(str, report.input_shape))}
    problems += [f"no label for the shape {s}" for s in sorted(wanted - labels)]
    return problems


def _load(page, path: Path) -> list[str]:
    """Open a file; returns the URLs of any request that is not the file itself (offline)."""
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    return [u for u in requests if u != path.as_uri()]


@pytest.mark.parametrize("name", list(SPECS))
def test_svg_in_the_browser(browser, name: str) -> None:
    report = convcalc.analyze(_spec(name))
    (BUILD / "drawings").mkdir(parents=True, exist_ok=True)
    (BUILD / "screenshots").mkdir(parents=True, exist_ok=True)
    path = BUILD / "drawings" / f"{name}.svg"
    path.write_text(svg([layout(report, title=f"convcalc: {name}")]), encoding="utf-8")
    page = browser.new_page()
    try:
        assert _load(page, path) == []
        geo = page.locator("svg").first.evaluate(MEASURE)
        assert check_geometry(geo, report) == []
        # a whole-page shot of an SVG document never settles in the headless shell: shoot the
        # element, which is the whole picture
        page.locator("svg").first.screenshot(path=str(BUILD / "screenshots" / f"{name}-svg.png"))
    finally:
        page.close()


@pytest.mark.parametrize("name", list(SPECS))
def test_html_in_the_browser(browser, name: str) -> None:
    from convcalc.draw.html import page as html_page

    report = convcalc.analyze(_spec(name), explain=True)
    (BUILD / "drawings").mkdir(parents=True, exist_ok=True)
    (BUILD / "screenshots").mkdir(parents=True, exist_ok=True)
    path = BUILD / "drawings" / f"{name}.html"
    picture = layout(report, title=f"convcalc: {name}")
    path.write_text(html_page([(report, picture, None)], title=name), encoding="utf-8")
    page = browser.new_page()
    try:
        assert _load(page, path) == []  # offline: no request leaves the file
        geo = page.locator("svg").first.evaluate(MEASURE)
        assert check_geometry(geo, report) == []
        table = page.locator("table").first.inner_text()
        assert all(s in table for s in _shapes(report.layers))
        assert "Working" in page.content()
        page.screenshot(path=str(BUILD / "screenshots" / f"{name}-html.png"), full_page=True)
    finally:
        page.close()


def test_dark_mode_and_hostile_title(browser) -> None:
    """Under prefers-color-scheme: dark the background turns dark; a hostile title is text."""
    title = '</svg><script>document.title="pwned"</script> & "q" \\input{x}'
    report = convcalc.analyze(SPECS["homework"])
    path = BUILD / "drawings" / "homework-dark.svg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(svg([layout(report, title=title)]), encoding="utf-8")
    page = browser.new_page(color_scheme="dark")
    try:
        _load(page, path)
        geo = page.locator("svg").first.evaluate(MEASURE)
        assert geo["background"] == "rgb(27, 29, 33)"
        assert title in [t["text"] for t in geo["texts"]]
        assert page.evaluate("document.querySelectorAll('script').length") == 0
        assert check_geometry(geo, report) == []
        (BUILD / "screenshots").mkdir(parents=True, exist_ok=True)
        page.locator("svg").first.screenshot(
            path=str(BUILD / "screenshots" / "homework-dark-svg.png")
        )
    finally:
        page.close()


def test_the_checks_can_fail(browser) -> None:
    """A picture with the faults the checks look for: each one is reported."""
    report = convcalc.analyze("8x8x1 conv3p1x4")
    bad = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
        '<rect class="bg" width="200" height="100"/>'
        '<rect class="edge" x="150" y="10" width="80" height="20"/>'  # sticks out on the right
        '<text x="10" y="50" font-size="12">8×8×1</text>'
        '<text x="20" y="52" font-size="12">overlapping</text>'  # on top of the first label
        '<text x="150" y="25" font-size="10">on</text>'  # on the box
        "</svg>"
    )
    path = BUILD / "drawings" / "broken.svg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(bad, encoding="utf-8")
    page = browser.new_page()
    try:
        _load(page, path)
        problems = check_geometry(page.locator("svg").first.evaluate(MEASURE), report)
    finally:
        page.close()
    kinds = {p.split(":")[0] for p in problems}
    assert kinds == {
        "outside the viewBox",
        "labels overlap",
        "label on a shape",
        "no label for the shape 8×8×4",
    }
