"""convcalc solve: every answer re-checked through the engine, and a brute force over the
documented ranges (through the engine, not the solver) proving that none is missing."""

from __future__ import annotations

import json

import pytest
from conftest import require_torch
from typer.testing import CliRunner

import convcalc
from convcalc.cli.solve import app as solve_app
from convcalc.errors import ConvcalcError
from convcalc.solve import parse_values, solve

# the documented default ranges: kernel 1-7, stride 1-4, dilation 1-3, padding 0 to half the
# dilated kernel, output padding 0 to max(stride, dilation) - 1
KERNELS, STRIDES, DILATIONS = range(1, 8), range(1, 5), range(1, 4)


def out_len(spec: str) -> int | None:
    try:
        return convcalc.analyze(spec).totals.output_shape[0]
    except ConvcalcError:
        return None


def brute(n: int, want: int, transposed: bool) -> set[tuple]:
    name = "deconv" if transposed else "conv"
    found = set()
    for k in KERNELS:
        for s in STRIDES:
            for d in DILATIONS:
                eff = d * (k - 1) + 1
                for p in range(eff // 2 + 1):
                    for op in range(max(s, d)) if transposed else [0]:
                        if (
                            out_len(f"{n}x1 {name}{k}s{s}p{p}op{op}d{d}x1".replace("op0", ""))
                            == want
                        ):
                            found.add((k, s, p, d, op))
                if out_len(f"{n}x1 {name}{k}s{s}psamed{d}x1") == want:
                    found.add((k, s, "same", d, 0))
    return found


PAIRS = [(28, 14, False), (32, 16, False), (224, 112, False), (7, 3, False), (10, 10, False),
         (14, 28, True), (7, 14, True), (5, 12, True)]  # fmt: skip


@pytest.mark.parametrize("n,want,transposed", PAIRS)
def test_nothing_in_range_is_missing(n: int, want: int, transposed: bool) -> None:
    answers = solve(n, want, transposed=transposed)
    got = {(a.kernel, a.stride, a.padding, a.dilation, a.output_padding) for a in answers}
    assert len(got) == len(answers)
    assert got == brute(n, want, transposed)


@pytest.mark.parametrize("n,want,transposed", PAIRS)
def test_every_answer_rechecks_through_the_engine(n: int, want: int, transposed: bool) -> None:
    answers = solve(n, want, transposed=transposed)
    assert answers
    ranks = []
    for a in answers:
        report = convcalc.analyze(a.spec)
        assert report.totals.output_shape == [want, 1]
        assert a.spec == f"{n}x1 {a.token}x1"
        eff = a.dilation * (a.kernel - 1) + 1
        if not transposed and a.padding != "same":
            last_end = (want - 1) * a.stride + eff  # one past the last window, padded coords
            p = a.padding
            # by hand: exact windows end at the padded end; "padding" ones end in the right
            # padding; lossy ones end before the input does
            if a.status == "exact":
                assert last_end == n + 2 * p
            elif a.status == "padding":
                assert n + p <= last_end < n + 2 * p
            elif a.status == "lossy":
                assert last_end < n + p and eff >= a.stride
            else:
                assert a.status == "subsample" and eff < a.stride
            assert bool(report.warnings) == (a.status == "lossy")
        ranks.append(
            ["exact", "even", "padding", "same", "subsample", "uneven", "lossy", "gaps"].index(
                a.status
            )
        )
    assert ranks == sorted(ranks)


def test_the_brief_example() -> None:
    answers = {a.token: a for a in solve(28, 14, kernel=[3])}
    # (28 + 2·1 − 3)/2 = 13.5 → 14: one padding row left over, no input pixel lost
    assert answers["conv3s2p1"].status == "padding"
    assert answers["conv3s2p1"].note == "1 row of padding unused, no input pixel lost"
    # psame at stride 2: (14 − 1)·2 + 3 − 28 = 1 padding: 0 before, 1 after
    assert answers["conv3s2psame"].note == "TensorFlow pads 0 before, 1 after"
    assert next(iter(answers)) == "conv3s2p1"


def test_pins_and_ranges() -> None:
    assert {a.token for a in solve(28, 14, kernel=[3], dilation=[1], padding="same")} == {
        "conv3s2psame"
    }
    assert {a.token for a in solve(28, 14, kernel=[2], dilation=[1], padding=[0])} == {"conv2s2p0"}
    wide = solve(28, 14, kernel=list(range(1, 12)), stride=[2], dilation=[1])
    assert "conv11s2p5" in {a.token for a in wide}  # (28 + 10 − 11)/2 = 13.5 → 14
    assert parse_values("1-3,5", "kernel") == [1, 2, 3, 5]
    assert parse_values("same", "padding", allow_same=True) == "same"
    for bad in ("0", "3-1", "x", "1-5000"):
        with pytest.raises(ConvcalcError):
            parse_values(bad, "kernel")


def test_transposed_output_padding() -> None:
    answers = {a.token: a for a in solve(14, 28, kernel=[3], dilation=[1], transposed=True)}
    # (14 − 1)·2 − 2·1 + 3 + op = 27 + op: op 1 gives 28
    assert answers["deconv3s2p1op1"].output_padding == 1
    assert answers["deconv3s2p1op1"].status == "uneven"  # taps 2 and 1 by phase
    assert "padding=1, output_padding=1" in answers["deconv3s2psame"].note
    even = {a.token: a for a in solve(14, 28, kernel=[4], dilation=[1], transposed=True)}
    assert even["deconv4s2p1"].status == "even"  # (14 − 1)·2 − 2 + 4 = 28


def test_answers_match_pytorch() -> None:
    torch = require_torch()
    for a in solve(28, 14):
        if a.padding == "same":
            continue
        conv = torch.nn.Conv1d(1, 1, a.kernel, a.stride, a.padding, a.dilation)
        assert conv(torch.zeros(1, 1, 28)).shape[-1] == 14, a.token
    for a in solve(14, 28, transposed=True):
        if a.padding == "same":
            continue
        deconv = torch.nn.ConvTranspose1d(
            1, 1, a.kernel, a.stride, a.padding, a.output_padding, dilation=a.dilation
        )
        assert deconv(torch.zeros(1, 1, 14)).shape[-1] == 28, a.token


runner = CliRunner()


def test_cli_table_json_and_no_answer() -> None:
    result = runner.invoke(solve_app, ["28", "14", "--kernel", "3"], env={"NO_COLOR": "1"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["token", "kernel"]
    assert lines[1].split()[:5] == ["conv3s2p1", "3", "2", "1", "1"]
    assert any(x.startswith("conv3s2psame ") for x in lines)
    data = json.loads(runner.invoke(solve_app, ["28", "14", "-k", "3", "--json"]).stdout)
    assert data["answers"][0]["token"] == "conv3s2p1"
    assert data["answers"][0]["spec"] == "28x1 conv3s2p1x1"
    none = runner.invoke(solve_app, ["28", "27", "--kernel", "5", "--stride", "2"])
    assert none.exit_code == 1 and "no conv in range" in none.stderr
    bad = runner.invoke(solve_app, ["28", "14", "--kernel", "three"])
    assert bad.exit_code == 1 and "--kernel takes" in bad.stderr


def test_solve_is_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    from convcalc.cli import run, subcommand

    assert subcommand("solve") is solve_app
    with pytest.raises(SystemExit) as info:
        run(["solve", "14", "28", "--transposed", "--kernel", "4", "--json"])
    assert info.value.code == 0
    assert json.loads(capsys.readouterr().out)["answers"][0]["token"] == "deconv4s2p1"


# --------------------------------------------------------------------------------------------
# a bounded search: paddings are solved for, not enumerated; too wide a search is refused


def test_huge_values_are_solved_not_enumerated() -> None:
    big = 2**31 - 1
    # kernel K = 2³¹−1, stride 2: ⌊(28 + 2p − K)/2⌋ + 1 = 14 ⇔ 26 ≤ 28 + 2p − K ≤ 27 ⇔
    # p = (K − 1)/2 = 1,073,741,823; 27 mod 2 = 1 ≤ p: only padding is left over
    answers = {a.token: a for a in solve(28, 14, kernel=[big])}
    assert answers["conv2147483647s2p1073741823"].status == "padding"
    # dilation D = 2³¹−1, kernel 3: the dilated kernel 2D + 1; p = D: ⌊(28 + 2D − 2D − 1)/2⌋ + 1
    # = 13 + 1 = 14
    assert "conv3s2p2147483647d2147483647" in {a.token for a in solve(28, 14, dilation=[big])}
    # a transposed conv with stride 2³¹−1: (1 − 1)·S − 0 + 1 + op = 1 ⇔ op = 0; kernel 1 <
    # stride, so every output phase but one gets no tap
    (only,) = solve(1, 1, transposed=True, stride=[big], kernel=[1], dilation=[1], padding=[0])
    assert (only.token, only.status) == ("deconv1s2147483647p0", "gaps")


def _taps(k: int, s: int, d: int) -> list[int]:
    """Taps per output phase, counted one by one (the definition)."""
    taps = [0] * s
    for m in range(k):
        taps[d * m % s] += 1
    return taps


def test_transposed_overlap_matches_counting_the_taps() -> None:
    answers = solve(
        9, 20, transposed=True, kernel=list(range(1, 13)), stride=[2, 3, 4], dilation=[1, 2, 3]
    )
    assert len(answers) > 20
    for a in answers:
        if a.padding == "same":
            continue
        taps = _taps(a.kernel, a.stride, a.dilation)
        want = "gaps" if min(taps) == 0 else "even" if min(taps) == max(taps) else "uneven"
        assert a.status == want, (a.token, taps)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(kernel=list(range(1, 1025)), stride=list(range(1, 1025))), "the search would try"),
        (dict(kernel=list(range(1, 1025))), "more than 1,000 answers"),
    ],
)
def test_too_wide_a_search_is_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ConvcalcError, match=message):
        solve(28, 14, **kwargs)


@pytest.mark.parametrize(
    "args",
    [
        ["28", "14", "--kernel", "2147483647"],
        ["28", "14", "--dilation", "2147483647"],
        ["28", "14", "--kernel", "1-1024"],
        ["1", "1", "-t", "--stride", "2147483647", "--kernel", "1", "--dilation", "1", "-p", "0"],
        ["28", "14", "-k", "1-1024", "-s", "1-1024", "-d", "1-1024"],
        ["1", "2147483647", "-t", "-s", "2147483647", "-d", "1-1024"],
    ],
)
def test_every_solve_answers_or_refuses(args: list[str]) -> None:
    import subprocess
    import sys

    # the timeout only detects a hang (these took minutes or 16 GiB before); no timing claim
    proc = subprocess.run(
        [sys.executable, "-m", "convcalc", "solve", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=10,
    )
    if proc.returncode == 0:
        assert json.loads(proc.stdout)["answers"]
    else:
        assert proc.returncode == 1 and proc.stderr.startswith("convcalc: error: ")
        assert "Traceback" not in proc.stderr


# --------------------------------------------------------------------------------------------
# the library validates what the CLI validates


@pytest.mark.parametrize(
    "args,kwargs,error,name",
    [
        ((28.5, 14), {}, TypeError, "size_in"),
        ((28, "14"), {}, TypeError, "size_out"),
        ((True, 14), {}, TypeError, "size_in"),
        ((28, 14), dict(kernel=3), TypeError, "kernel"),
        ((28, 14), dict(kernel=["3"]), TypeError, "kernel"),
        ((28, 14), dict(stride=[2.0]), TypeError, "stride"),
        ((28, 14), dict(transposed="yes"), TypeError, "transposed"),
        ((0, 14), {}, ConvcalcError, "size_in"),
        ((28, 14), dict(kernel=[-3]), ConvcalcError, "kernel"),
        ((28, 14), dict(padding=[-1]), ConvcalcError, "padding"),
        ((28, 14), dict(stride=[0]), ConvcalcError, "stride"),
        ((28, 14), dict(dilation=[2**31]), ConvcalcError, "dilation"),
        ((28, 14), dict(kernel=[]), ConvcalcError, "kernel"),
        ((28, 14), dict(kernel=range(1, 10**12)), ConvcalcError, "kernel"),
        ((28, 14), dict(padding="valid"), ConvcalcError, "padding"),
    ],
)
def test_library_arguments_are_checked(args: tuple, kwargs: dict, error: type, name: str) -> None:
    with pytest.raises(error, match=name):
        solve(*args, **kwargs)
