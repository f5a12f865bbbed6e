"""--format markdown|csv|tsv: parsed back (csv module, a small Markdown table parser), they give
the same numbers as the JSON."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from typer.testing import CliRunner

from convcalc.cli import app
from convcalc.render import SINKS

runner = CliRunner()

SPECS = [
    "28x28x1 conv3x3s2p1x32 pool2 dense5",
    "56x56x64 res(conv3x3p1x64nb bn relu conv3x3p1x64nb bn) res(conv3s2p1x128 relu | conv1s2x128)"
    " cat(id | pool3s1p1 | conv1x32) gap fc10",
    "16x16x8 deconv4s2p1x4 up2 conv3x1x2 flatten",
]


def invoke(*args: str, input: str | None = None):
    result = runner.invoke(app, list(args), input=input, env={"NO_COLOR": "1"})
    return result


def json_rows(spec: str, *extra: str) -> tuple[dict, dict[str, dict]]:
    """The JSON object and its layers by path (1, 2.1.1, …), as the other formats number them."""
    data = json.loads(invoke(spec, "--json", *extra).stdout)
    rows: dict[str, dict] = {}

    def walk(layers: list[dict], prefix: str) -> None:
        for layer in layers:
            path = prefix + str(layer["index"])
            rows[path] = layer
            for b, branch in enumerate(layer.get("branches") or [], 1):
                walk(branch, f"{path}.{b}.")

    walk(data["layers"], "")
    return data, rows


def parse_markdown(text: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    """A GitHub table (escaped pipes allowed) and the '- Name: value' list under it."""
    lines = text.splitlines()
    table = [x for x in lines if x.startswith("|")]
    split = lambda x: [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", x)[1:-1]]  # noqa: E731
    head = split(table[0])
    assert all(re.fullmatch(r":?-+:?", c) for c in split(table[1]))
    rows = [dict(zip(head, split(x))) for x in table[2:]]
    totals = {}
    for x in lines:
        m = re.match(r"- ([A-Za-z ()0-9-]+): ([0-9,]+)", x)
        if m:
            totals[m.group(1)] = m.group(2)
    return rows, totals


def number(text: str) -> int:
    return int(text.replace(",", ""))


def rf_text(field: object, sep: str, condense: bool) -> tuple[str, str, str]:
    if field == "global":
        return "global", "", ""
    out = []
    for key in ("size", "jump", "start"):
        values = [str(v) for v in field[key]]  # type: ignore[index]
        out.append(values[0] if condense and len(set(values)) == 1 else sep.join(values))
    return tuple(out)  # type: ignore[return-value]


def test_formats_are_registered_and_offered() -> None:
    assert {"table", "json", "jsonl", "markdown", "csv", "tsv"} <= set(SINKS)
    help_text = invoke("--help").stdout
    for name in ("markdown", "csv", "tsv", "--explain", "--rf", "--ascii"):
        assert name in help_text


@pytest.mark.parametrize("spec", SPECS)
def test_markdown_round_trip(spec: str) -> None:
    data, by_path = json_rows(spec)
    result = invoke(spec, "--format", "markdown", "--rf")
    assert result.exit_code == 0
    rows, totals = parse_markdown(result.stdout)
    assert rows[0]["Layer"] == "input"
    assert rows[0]["Output shape"] == "×".join(map(str, data["input_shape"]))
    assert [r["#"] for r in rows[1:]] == list(by_path)
    for row in rows[1:]:
        layer = by_path[row["#"]]
        assert number(row["Params"]) == layer["params"]
        assert number(row["MACs"]) == layer["macs"]
        assert row["Output shape"] == "×".join(map(str, layer["output_shape"]))
        label = row["Layer"].strip("`")
        assert label == layer["token"] or label.startswith(layer["kind"] + " (")
        assert (row["RF"], row["Jump"], row["Start"]) == rf_text(layer["rf"], "×", True)
    t = data["totals"]
    assert number(totals["Total params"]) == t["params"]
    assert number(totals["Trainable params"]) == t["trainable_params"]
    assert number(totals["Non-trainable params"]) == t["non_trainable_params"]
    assert number(totals["Total MACs"]) == t["macs"]


@pytest.mark.parametrize("fmt,delimiter", [("csv", ","), ("tsv", "\t")])
@pytest.mark.parametrize("spec", SPECS)
def test_csv_round_trip(spec: str, fmt: str, delimiter: str) -> None:
    _, by_path = json_rows(spec, "--explain")
    result = invoke(spec, "--format", fmt, "--rf", "--explain")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout), delimiter=delimiter))
    assert [r["path"] for r in rows] == list(by_path)
    for row in rows:
        layer = by_path[row["path"]]
        for key in ("params", "trainable_params", "non_trainable_params", "macs"):
            assert int(row[key]) == layer[key], key
        assert row["token"] == layer["token"] and row["kind"] == layer["kind"]
        assert row["output_shape"] == "x".join(map(str, layer["output_shape"]))
        rf_notes = layer["rf"].get("notes", []) if isinstance(layer["rf"], dict) else []
        assert row["notes"] == "; ".join(layer["notes"] + rf_notes)
        assert (row["rf_size"], row["rf_jump"], row["rf_start"]) == rf_text(layer["rf"], "x", False)
        assert row["explain"].split(" | ") == layer["explain"]


def test_csv_without_options_has_the_plain_columns() -> None:
    out = invoke(SPECS[0], "-f", "csv").stdout
    header, *rows = list(csv.reader(io.StringIO(out)))
    assert header == [
        "path",
        "depth",
        "is_container",
        "token",
        "kind",
        "output_shape",
        "params",
        "trainable_params",
        "non_trainable_params",
        "macs",
        "notes",
    ]
    # by hand: (3·3·1 + 1)·32 = 320, 14·14·32·9 = 56,448; (7·7·32 + 1)·5 = 7,845
    assert rows[0][:10] == [
        "1",
        "1",
        "false",
        "conv3x3s2p1x32",
        "conv",
        "14x14x32",
        "320",
        "320",
        "0",
        "56448",
    ]
    assert rows[2][6] == "7845" and rows[2][10] == "flattened 7×7×32 = 1,568"


def test_batches() -> None:
    stdin = "28x28x1 conv3x32\nbad\n8x8x2 gap\n"
    result = invoke("-f", "csv", input=stdin)
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["line"], r["path"], r["output_shape"]) for r in rows] == [
        ("1", "1", "26x26x32"),
        ("3", "1", "2"),
    ]
    assert "line 2" in result.stderr
    md = invoke("-f", "markdown", input=stdin).stdout
    assert md.count("### line ") == 2 and "### line 3: `8x8x2 gap`" in md
    assert md.count("| # | Layer |") == 2


def test_markdown_escapes_and_explain() -> None:
    out = invoke("8x8x4 cat(conv1x2 | conv1x3)", "-f", "markdown", "--explain").stdout
    rows, _ = parse_markdown(out)
    assert rows[1]["Layer"] == "`cat (2 branches)`"
    assert "**Working**" in out
    assert "  - `cat: channels 2 + 3 = 5, giving 8×8×5`" in out


def test_ascii_formats() -> None:
    for fmt in ("table", "markdown", "csv", "tsv", "json", "jsonl"):
        result = invoke(SPECS[1], "-f", fmt, "--ascii", "--explain", "--rf")
        assert result.exit_code == 0
        assert result.stdout.isascii(), fmt
    data = json.loads(invoke(SPECS[0], "--json", "--ascii").stdout)
    assert data["layers"][2]["notes"] == ["flattened 7x7x32 = 1,568"]


# --------------------------------------------------------------------------------------------
# output details (issue 9, item 25)


def test_jsonl_error_lines_are_compact_like_the_results() -> None:
    result = invoke("--jsonl", input="28x28x1 relu\n28x28x1 cnv3\n")
    for line in result.stdout.splitlines():
        obj = json.loads(line)
        assert line == json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def test_every_json_error_has_a_schema_version() -> None:
    single = invoke("--json", "28x28x1 cnv3")
    assert json.loads(single.stderr)["schema_version"] == 1
    batch = invoke("--json", input="28x28x1 cnv3\n")
    assert json.loads(batch.stdout)[0]["schema_version"] == 1


def test_csv_marks_container_rows_so_a_column_sums_once() -> None:
    spec = "56x56x64 res(conv3x3s2p1x128nb bn relu conv3x3p1x128nb bn | conv1x1s2x128nb bn) relu"
    out = invoke(spec, "-f", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    by_path = {r["path"]: r for r in rows}
    assert by_path["1"]["is_container"] == "true" and by_path["1"]["depth"] == "1"
    assert by_path["1.1.1"]["is_container"] == "false" and by_path["1.1.1"]["depth"] == "2"
    leaves = sum(int(r["params"]) for r in rows if r["is_container"] == "false")
    # by hand: 3·3·64·128 + 2·128·2 + 3·3·128·128 + 2·128·2 + 64·128 + 2·128·2 = 230,912
    assert leaves == 230_912
    assert sum(int(r["params"]) for r in rows if r["depth"] == "1") == 230_912
