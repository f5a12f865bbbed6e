"""Drawings (--format svg|tikz|html): well-formed, every shape labelled, folding as documented,
user text escaped for XML, HTML and LaTeX.  The browser checks are in test_browser.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from itertools import combinations

import pytest
from typer.testing import CliRunner

import convcalc
from convcalc.cli import app
from convcalc.draw.layout import Box, Label, Line, Node, layout
from convcalc.draw.palette import FILLS, luma
from convcalc.draw.svg import svg
from convcalc.draw.tikz import latex_text, tikz
from convcalc.engine import LayerReport

runner = CliRunner()
NS = {"s": "http://www.w3.org/2000/svg"}

HOMEWORK = "28x28x1 conv3x3s2p1x32 pool2 dense5"
SPECS = {
    "homework": HOMEWORK,
    "resnet_stage": "56x56x64 (res(conv3p1x64nb bn relu conv3p1x64nb bn) relu)*2 "
    "res(conv3s2p1x128nb bn relu conv3p1x128nb bn | conv1s2x128nb bn) relu "
    "res(conv3p1x128nb bn relu conv3p1x128nb bn) relu",
    "inception": "28x28x192 cat(conv1x64nb bn relu | conv1x96nb bn relu conv3p1x128nb bn relu "
    "| conv1x16nb bn relu conv3p1x32nb bn relu | pool3s1p1ceil conv1x32nb bn relu)",
    "unet": "zoo:unet",
    "plain100": "32x32x3 " + " ".join(f"conv3p1x{8 + i}" for i in range(99)) + " gap dense10",
}


def _spec(name: str) -> str:
    if name == "unet":
        from convcalc import zoo

        return zoo.get("unet").spec
    return SPECS[name]


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env={"NO_COLOR": "", **(env or {})})


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def all_shapes(layers: list[LayerReport]) -> set[str]:
    out: set[str] = set()
    for layer in layers:
        out.add("×".join(map(str, layer.output_shape)))
        for branch in layer.branches or []:
            out |= all_shapes(branch)
    return out


@pytest.mark.parametrize("name", list(SPECS))
def test_svg_is_xml_and_labels_every_shape(name: str) -> None:
    report = convcalc.analyze(_spec(name))
    root = ET.fromstring(svg([layout(report)]))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    labels = set(texts(root))
    wanted = all_shapes(report.layers) | {"×".join(map(str, report.input_shape))}
    assert wanted <= labels, wanted - labels
    # standalone: nothing external, nothing that runs
    text = svg([layout(report)])
    assert "<script" not in text and "href" not in text and "@import" not in text
    assert "url(#cc-head)" in text and not re.search(r"url\((?!#)", text)


def test_homework_picture() -> None:
    """Four maps (input, conv, pool, the dense vector), three arrows labelled by their tokens,
    the totals at the foot: params (3·3·1+1)·32 + 0 + (7·7·32+1)·5 = 320 + 7,845 = 8,165;
    MACs 14·14·32·9 + 1,568·5 = 56,448 + 7,840 = 64,288."""
    pic = layout(convcalc.analyze(HOMEWORK), title="Homework 3")
    boxes = [i for i in pic.items if isinstance(i, Box)]
    assert [b.family for b in boxes] == ["input", "conv", "pool", "dense"]
    assert [b.vector for b in boxes] == [False, False, False, True]
    ops = [i.text for i in pic.items if isinstance(i, Label) and i.role == "op"]
    assert ops == ["conv3x3s2p1x32", "pool2", "dense5"]
    legend = " ".join(i.text for i in pic.items if isinstance(i, Label) and i.role == "legend")
    assert "8,165" in legend and "64,288" in legend
    assert any(isinstance(i, Label) and i.text == "Homework 3" for i in pic.items)
    # log scale: 28×28 is taller than 14×14, which is taller than 7×7; 32 channels thicker than 1
    assert boxes[0].h > boxes[1].h > boxes[2].h
    assert boxes[1].w > boxes[0].w and boxes[1].w == boxes[2].w


def _labels(spec: str, depth: int | None = None) -> list[Label]:
    return [i for i in layout(convcalc.analyze(spec), depth=depth).items if isinstance(i, Label)]


def test_elementwise_layers_fold_into_the_arrow() -> None:
    pic = layout(convcalc.analyze("8x8x3 conv3p1x8nb bn relu dropout pool2"))
    assert len([i for i in pic.items if isinstance(i, Box)]) == 3  # input, conv, pool
    extras = [i.text for i in pic.items if isinstance(i, Label) and i.role == "extra"]
    assert extras == ["bn relu dropout"]


@pytest.mark.parametrize(
    ("spec", "count", "boxes"),
    [
        ("8x8x3 (conv3p1x8 relu)*5", 5, 2),  # one conv box in the frame, and the input
        ("8x8x8 conv3p1x8*100", 100, 2),
        # a changing shape is not a repeat: 8 → 4 → 2
        ("8x8x8 conv3s2p1x8*2", None, 3),
    ],
)
def test_repeats_fold_to_one_block(spec: str, count: int | None, boxes: int) -> None:
    pic = layout(convcalc.analyze(spec))
    marks = [i.text for i in pic.items if isinstance(i, Label) and i.role == "repeat"]
    assert marks == ([f"×{count}"] if count else [])
    assert len([i for i in pic.items if isinstance(i, Box)]) == boxes


def test_resnet50_folds_each_stage_to_its_blocks() -> None:
    """[3, 4, 6, 3] bottlenecks: per stage a projection block, then the rest as one ×N."""
    from convcalc import zoo

    pic = layout(convcalc.analyze(zoo.get("resnet50").spec))
    marks = [i.text for i in pic.items if isinstance(i, Label) and i.role == "repeat"]
    assert marks == ["×2", "×3", "×5", "×2"]
    assert len([i for i in pic.items if isinstance(i, Node)]) == 8  # 4 stages × 2 blocks drawn


def test_long_networks_wrap_into_rows() -> None:
    """100 distinct convs do not fold; the rows stay within the wrap width (plus the margins)."""
    report = convcalc.analyze("32x32x3 " + " ".join(f"conv3p1x{8 + i}" for i in range(100)))
    wrapped = layout(report)
    assert wrapped.width <= 1400 + 2 * 16 + 8
    one_row = layout(report, wrap=None)
    assert one_row.width > 10 * wrapped.width / 2 and one_row.height < wrapped.height / 5
    boxes = [i for i in wrapped.items if isinstance(i, Box)]
    assert len(boxes) == 101 and len({round(b.y) for b in boxes}) >= 8  # at least 8 rows


@pytest.mark.parametrize(
    ("spec", "ops"),
    [
        ("8x8x8 res(conv3p1x8 bn)", ["add"]),
        ("8x8x8 cat(id | conv1x8 | pool3s1p1)", ["cat"]),
        ("8x8x8 res(cat(conv1x4 | conv1x4) | id) relu", ["cat", "add"]),
    ],
)
def test_branches_merge_at_their_node(spec: str, ops: list[str]) -> None:
    pic = layout(convcalc.analyze(spec))
    assert sorted(n.op for n in pic.items if isinstance(n, Node)) == sorted(ops)


def test_mul_split_aux() -> None:
    """se-style mul (⊗ with the skip), split (⧺, named at the fork), aux (a side lane, no node);
    the aux head's MACs are named apart in the legend: apool4 0, conv1x16 4·4·16 · 32 = 8,192,
    dense10 on 4·4·16 = 256 inputs 256·10 = 2,560; 8,192 + 2,560 = 10,752."""
    spec = "28x28x32 mul(apool1 conv1x8 relu conv1x32 sigmoid) split(id | conv1x16) "
    spec += "aux(apool4 conv1x16 flatten dense10)"
    pic = layout(convcalc.analyze(spec))
    assert [n.op for n in pic.items if isinstance(n, Node)] == ["mul", "cat"]
    notes = [i.text for i in pic.items if isinstance(i, Label) and i.role == "note"]
    assert "split" in notes and "aux" in notes
    legend = [i.text for i in pic.items if isinstance(i, Label) and i.role == "legend"]
    assert any("side heads 10,752 more" in x for x in legend), legend


def _touches(point: tuple[float, float], items: list, line: Line) -> bool:
    """Whether a line's last point meets a box's left or right edge (on its centre line), a
    node, or a point of another line."""
    x, y = point
    near = lambda a, b: abs(a - b) < 0.01  # noqa: E731
    for item in items:
        if isinstance(item, Box) and near(y, item.y + item.h / 2):
            if near(x, item.x) or near(x, item.x + item.w):
                return True
        elif isinstance(item, Node) and abs((x - item.x) ** 2 + (y - item.y) ** 2 - item.r**2) < 1:
            return True
        elif isinstance(item, Line) and item is not line:
            if any(near(x, px) and near(y, py) for px, py in item.points):
                return True
    return False


@pytest.mark.parametrize(
    "spec",
    [
        *SPECS.values(),
        "32x32x3 conv3p1x16 aux(apool4 conv1x8 flatten dense10) conv3s2p1x32 gap dense10",
        "28x28x32 mul(apool1 conv1x8 relu conv1x32 sigmoid) split(id | conv1x16) relu",
        "8x8x8 (res(conv3p1x8 bn) relu)*3 cat(conv1x4 | pool3s1p1) flatten dense1000",
    ],
)
def test_no_line_ends_in_empty_space(spec: str) -> None:
    """Every line ends at a box, a node or another line: a shape label wider than its box
    leaves no stub after the last box of a network or of an aux lane (a lane that stops)."""
    if spec == "zoo:unet":
        spec = _spec("unet")
    items = layout(convcalc.analyze(spec)).items
    for line in (i for i in items if isinstance(i, Line)):
        assert _touches(line.points[-1], items, line), (line, spec)


def test_depth_folds_branches_as_tables_do() -> None:
    spec = "8x8x8 res(conv3p1x8 bn) cat(id | conv1x8)"
    assert not [i for i in layout(convcalc.analyze(spec), depth=1).items if isinstance(i, Node)]
    ops = [x.text for x in _labels(spec, depth=1) if x.role == "op"]
    assert ops == ["res (1 branch)", "cat (2 branches)"]
    nested = "8x8x8 res(cat(conv1x4 | conv1x4) | id)"
    assert [n.op for n in layout(convcalc.analyze(nested), depth=2).items if isinstance(n, Node)]
    ops2 = [x.text for x in _labels(nested, depth=2) if x.role == "op"]
    assert "cat (2 branches)" in ops2


def test_palette_reads_in_greyscale() -> None:
    """Every two families differ by at least 0.08 in luma (Rec. 601 grey)."""
    for (a, ca), (b, cb) in combinations(FILLS.items(), 2):
        assert abs(luma(ca) - luma(cb)) >= 0.08, (a, b)


def test_dark_mode_and_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    report = convcalc.analyze(HOMEWORK)
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = svg([layout(report)])
    assert "prefers-color-scheme: dark" in coloured and FILLS["conv"] in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    mono = svg([layout(report)])
    assert "prefers-color-scheme" not in mono
    colours = set(re.findall(r"#[0-9a-fA-F]{6}\b", mono))
    assert colours <= {"#ffffff", "#000000"}, colours
    tex_colours = set(re.findall(r"rgb,255:[^}]*", tikz(layout(report))))
    assert tex_colours <= {"rgb,255:red,255;green,255;blue,255"}, tex_colours


HOSTILE = [
    "</svg><script>alert(1)</script>",
    "a & b \"quoted\" 'single'",
    "\\input{/etc/passwd} \\def\\x{1} # % {} $ ^ ~ _",
    "two\nlines\r\x00\x1b[31m",
    "]]><!-- -->",
]


@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_title_and_token_in_svg_and_html(title: str) -> None:
    report = convcalc.analyze(HOMEWORK)
    report.layers[0].token = title  # as if a token could carry it: the writers must not trust it
    root = ET.fromstring(svg([layout(report, title=title)]))  # well-formed XML
    assert not list(root.iter("{http://www.w3.org/2000/svg}script"))
    # shown as typed, control characters as spaces: the title and the token's arrow label
    shown = " ".join("".join(c if c.isprintable() else " " for c in title).split())
    assert [" ".join(t.split()) for t in texts(root)].count(shown) == 2
    result = run(HOMEWORK, "--format", "html", "--title", title)
    assert result.exit_code == 0
    assert "<script" not in result.stdout
    assert "\x00" not in result.stdout and "\x1b" not in result.stdout


@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_text_in_tikz(title: str) -> None:
    report = convcalc.analyze(HOMEWORK)
    report.layers[0].token = title
    text = tikz(layout(report, title=title))
    body = "\n".join(x for x in text.splitlines() if not x.startswith("%"))
    # no user backslash, brace or comment survives: the only commands are the writer's own
    assert "\\input" not in text and "\\def" not in text
    assert "\x00" not in text and "\x1b" not in text
    for node in re.findall(r"\\node\[[^\]]*\] at \([^)]*\) \{(.*)\};", body):
        unescaped = re.sub(r"\{\\char\d+\}|\\ensuremath\{\\(times|cdot)\}", "", node)
        assert not re.search(r"[\\{}#$%&^~_]", unescaped), node


def test_latex_text_table() -> None:
    assert latex_text("a_b%c") == "a{\\char95}b{\\char37}c"
    assert latex_text("14×14") == "14\\ensuremath{\\times}14"
    assert latex_text("é") == "?"


def _pdflatex() -> str:
    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but pdflatex is missing (.ci/run installs texlive)")
        pytest.skip(
            "pdflatex is not installed (apt-get install texlive-latex-base texlive-pictures)"
        )
    return exe


@pytest.mark.parametrize("name", ["homework", "resnet_stage", "inception"])
def test_tikz_compiles_with_pdflatex(name: str, tmp_path) -> None:
    exe = _pdflatex()
    title = 'Net #1: 100% \\input{/etc/passwd} & {x}_y^z ~ "q"'
    pic = tikz(layout(convcalc.analyze(_spec(name)), title=title))
    (tmp_path / "pic.tex").write_text(pic)
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage{tikz}\n\\pagestyle{empty}\n"
        "\\begin{document}\n\\input{pic.tex}\n\\end{document}\n"
    )
    done = subprocess.run(
        [exe, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000
    assert "passwd" not in (tmp_path / "doc.log").read_text(errors="replace").split("pic.tex")[-1]


def test_cli_formats_and_title() -> None:
    result = run(HOMEWORK, "--format", "svg", "--title", "My net")
    assert result.exit_code == 0, result.output
    root = ET.fromstring(result.stdout)
    assert "My net" in texts(root)
    tex = run(HOMEWORK, "--format", "tikz")
    assert tex.stdout.count("\\begin{tikzpicture}") == 1
    html = run(HOMEWORK, "--format", "html", "--explain")
    assert html.stdout.startswith("<!DOCTYPE html>")
    assert "<svg" in html.stdout and "<table>" in html.stdout and "Working" in html.stdout
    # the worked arithmetic of the conv, as README's --explain shows it
    assert "params: (3·3·1 + 1)·32 = 320" in html.stdout
    assert "Working" not in run(HOMEWORK, "--format", "html").stdout
    assert "--title" in run("--help").stdout


def test_batch_stacks_pictures_and_keeps_errors_apart() -> None:
    res = runner.invoke(
        app, ["--format", "svg"], input=f"{HOMEWORK}\n10x10x3 cnv3\n8x8x3 conv3x4\n"
    )
    assert res.exit_code == 1
    root = ET.fromstring(res.stdout)
    labels = texts(root)
    assert any(t.startswith("line 1: ") for t in labels)
    assert any(t.startswith("line 3: ") for t in labels)
    assert "line 2" in res.stderr
