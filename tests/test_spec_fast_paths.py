"""The parser's quick ways agree with its plain ones.

* Nodes and networks are built as writable drafts whose class is then set (``spec._draft``):
  each must be the object the frozen dataclass's own constructor makes, every field set,
  equal, hashed alike, and still frozen.
* An input shape that ``_PLAIN_INPUT`` matches skips the checks of each dim: the dims must be
  those the checked path reads, for hostile shapes too (zeros, leading zeros, 10 digits, five
  dims, non-ASCII digits).
* ``_Parser.parse_seq`` takes a layer whose token it has met before (one the token cache
  holds) and that no ``(`` or repeat follows without its tests for the other kinds of token:
  what it makes, and every error, must be what the plain way makes with the cache shut.
* ``_tokens`` splits the text at its spaces and reads the usual words with str methods,
  leaving the rest to the regex ``_LEX``: its tokens and positions must be those of the regex
  over the whole text (the lexer before, kept here as the reference) and of a plain scan,
  character by character.  The split at " " relies on Python's white space: ``\\s`` in a
  regex is ``str.isspace()``, and every space but " " is unprintable.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from itertools import accumulate

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convcalc import spec
from convcalc.errors import ConvcalcError
from convcalc.spec import (
    _LEX,
    _PLAIN_INPUT,
    BranchNode,
    LayerNode,
    Network,
    _input_dims,
    _tokens,
    parse,
)

SPECS = [
    "28x28x1 conv3p1x16 bn relu res(conv3p1x16 bn relu conv3p1x16 bn) gap dense10",
    "64x64x3 cat(conv1x8 | conv3p1x8 | pool3s1p1)*2 split(relu|gelu) mul(gap) aux(flatten)",
    "3x224x224 (relu bn)*3 RES(conv3p1x3|id) flatten dense10",
    "1x28x28x3 relu",
]


def _walk(nodes):
    for node in nodes:
        yield node
        if isinstance(node, BranchNode):
            for branch in node.branches:
                yield from _walk(branch)


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("channels_first", [False, True])
def test_drafted_objects_are_what_the_constructors_make(spec: str, channels_first: bool):
    net = parse(spec, channels_first=channels_first)
    objects = [net, *_walk(net.nodes)]
    assert {type(o) for o in objects} <= {Network, LayerNode, BranchNode}
    for obj in objects:
        values = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}  # all set
        made = type(obj)(**values)
        assert made == obj and hash(made) == hash(obj) and repr(made) == repr(obj)
        name = dataclasses.fields(obj)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, name, None)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(obj, name)
        assert not hasattr(obj, "__dict__")


def _outcome(shape: str) -> list[int] | tuple[str, str, str, int | None]:
    try:
        return _input_dims(shape, 3)
    except ConvcalcError as err:
        return (type(err).__name__, err.message, err.token, err.position)


def _both_ways(shape: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    """``_input_dims`` as it is, and with its quick way shut (a regex that matches nothing)."""
    quick = _outcome(shape)
    with monkeypatch.context() as patch:
        patch.setattr(spec, "_PLAIN_INPUT", re.compile(r"(?!)"))
        checked = _outcome(shape)
    return quick, checked


PLAIN = [
    "1x1", "28x28x1", "224x224x3", "999999999x2", "999999999x999999999", "8x8x8x2",
    "1x1x1x1", "28X28×1", "2x3x4x5", "46341x46341x1",
]  # fmt: skip
NOT_PLAIN = [
    "0x28x1", "28x0", "028x28x1", "1000000000x2", "2147483647x1", "2147483648x1",
    "99999999999x1", "1x2x3x4x5", "28", "28x", "x28", "28xx28", "٣x3", "𝟘x1", "28x28x1 ",
    "+28x28", "28_000x3", "",
]  # fmt: skip


@pytest.mark.parametrize("shape", PLAIN + NOT_PLAIN)
def test_plain_input_shapes_read_as_the_checked_path_reads_them(shape, monkeypatch):
    norm = shape.lower().replace("×", "x")
    assert (_PLAIN_INPUT.fullmatch(norm) is not None) == (shape in PLAIN)
    quick, checked = _both_ways(shape, monkeypatch)
    assert quick == checked


@settings(max_examples=300)
@given(st.lists(st.text("0123456789", min_size=1, max_size=12), min_size=1, max_size=6))
def test_generated_input_shapes_agree(dims: list[str]):
    with pytest.MonkeyPatch.context() as monkeypatch:
        quick, checked = _both_ways("x".join(dims), monkeypatch)
    assert quick == checked


# the lexer's contract, scanned one character at a time: white space and commas separate,
# '(' ')' '|' are tokens, '*' takes the ASCII digits after it, a word runs to the next of these
_SEP = re.compile(r"[\s,]")
_GROUPS = ("res", "cat", "mul", "split", "aux")


def _scan(text: str) -> tuple[list[str], list[int]]:
    texts: list[str] = []
    starts: list[int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if _SEP.match(ch):
            i += 1
            continue
        j = i + 1
        if ch == "*":
            while j < len(text) and text[j] in "0123456789":
                j += 1
        elif ch not in "()|":
            while j < len(text) and not _SEP.match(text[j]) and text[j] not in "()|*":
                j += 1
        token = text[i:j]
        if (
            token == "("
            and texts
            and texts[-1].lower() in _GROUPS
            and starts[-1] + len(texts[-1]) == i
        ):
            texts[-1] += "("
        else:
            texts.append(token)
            starts.append(i)
        i = j
    return texts, starts


HOSTILE = [
    "", " ", ",,", "res(", "res (", "RES(", "Res((", "res((relu", "xres(", "resres(", "res(res(",
    "(res(", ")res(", "|res(", "*res(", "*2res(", "res(*2(", "cat|(", "mul)(", "split,(",
    "ſplit(", "\u212aat(", "re\u0073(", "aux\u00a0(", "aux\u2003(", "**2*", "*٣", "*2x3",
    "a" * 5000 + "(", "é(|)", "😀res(😀", "\x1c(\x1d)\x1e|\x1f", "res\n(relu)", "cat(,|,)",
]  # fmt: skip


@pytest.mark.parametrize("name", spec.GROUPS)
def test_every_structure_name_opens_in_the_lexer(name: str):
    assert name in _GROUPS
    assert _tokens(f"{name}( {name.upper()}(") == (
        [f"{name}(", f"{name.upper()}("],
        [0, len(name) + 2],
    )


@pytest.mark.parametrize("text", HOSTILE + SPECS)
def test_tokens_are_those_of_a_plain_scan(text: str):
    assert _tokens(text) == _scan(text)


def _regex_tokens(text: str) -> tuple[list[str], list[int]]:
    """The lexer as it was: the regex over the whole text, positions summed from the pieces."""
    pieces = _LEX.split(text)  # separator, token, separator, …, token, separator
    ends = list(accumulate(map(len, pieces)))
    return pieces[1::2], ends[:-1:2]


# every kind of character the lexer tells apart: the white space that str.split(), \s and
# isprintable() might each see differently, commas, ×, repeats, structures in any case,
# words the quick way reads and words it leaves to the regex
PIECES = [
    "res", "RES", "Res", "cat", "mul", "split", "aux", "ſplit", "xres", "(", ")", "|", "*",
    "*2", "*3", "*٣", " ", "  ", ",", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e",
    "\x1f", "\x85", "\u00a0", "\u1680", "\u2000", "\u2028", "\u2029", "\u202f", "\u3000",
    "\u200b", "\x00", "\xad", "x", "2", "×", "conv3p1x16", "28×28×1", "dropout0.5", "bn)", "é",
    "relu6", "zpad0:1_0:1", "res (", ")(", "((", "))", "res()", "😀",
]  # fmt: skip
_TEXTS = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=30)


@settings(max_examples=500)
@given(_TEXTS.map("".join))
def test_generated_texts_lex_as_a_plain_scan(text: str):
    assert _tokens(text) == _scan(text)


@settings(max_examples=1000)
@given(_TEXTS.map("".join))
def test_generated_texts_lex_as_the_regex_over_the_whole_text(text: str):
    assert _tokens(text) == _regex_tokens(text)


@pytest.mark.parametrize("text", HOSTILE + SPECS + PIECES)
def test_tokens_are_those_of_the_regex_over_the_whole_text(text: str):
    for spaced in (text, f" {text} ", f"relu {text} bn)", f"res({text}|id) "):
        assert _tokens(spaced) == _regex_tokens(spaced)


def test_white_space_is_the_same_to_the_regex_and_str_and_unprintable_but_for_the_space():
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    spaces = [ch for ch in every if ch.isspace()]
    assert re.findall(r"\s", every) == spaces
    assert [ch for ch in spaces if ch.isprintable()] == [" "]


class _Forgetful(dict):
    """A token cache that never holds a token: every layer takes the plain way."""

    def get(self, key, default=None):
        return default


def _parsed(text: str) -> object:
    try:
        net = parse(text)
    except ConvcalcError as err:
        return (type(err).__name__, err.message, err.token, err.position)
    nodes = [
        (type(n).__name__, n.token, n.position, getattr(n, "notes", ())) for n in _walk(net.nodes)
    ]
    return net, nodes


def _with_and_without_the_cache(
    text: str, layers: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[object, object]:
    """``text`` parsed with the cache holding its layers, and with a cache that holds none,
    both under a limit of ``layers`` layers."""
    _parsed(text)  # the cache now holds the spec's layers
    with monkeypatch.context() as patch:
        patch.setitem(spec.LIMITS, "layers", layers)
        warm = _parsed(text)
        patch.setattr(spec, "_TOKEN_CACHE", {rank: _Forgetful() for rank in (1, 2, 3)})
        plain = _parsed(text)
    return warm, plain


CACHED = [
    *SPECS,
    "28x28x1 relu relu*2 relu", "28x28x1 relu (relu)*2 relu", "28x28x1 relu relu(3) relu",
    "28x28x1 relu relu (relu)", "28x28x1 Conv2d(1, 8, 3) Conv2d(1, 8, 3)", "28x28x1 relu*2*3",
    "28x28x1 relu relu * relu", "28x28x1 relu | relu", "28x28x1 relu ) relu", "28x28x1 res(relu",
    "28x28x1 relu,relu\trelu\u3000relu", "28x28x1 bogus relu bogus", "28x28x1 relu relu relu",
]  # fmt: skip


@pytest.mark.parametrize("text", CACHED)
@pytest.mark.parametrize("layers", [2, 100_000])
def test_a_cached_layer_parses_as_the_plain_way_parses_it(text, layers, monkeypatch):
    warm, plain = _with_and_without_the_cache(text, layers, monkeypatch)
    assert warm == plain


@settings(max_examples=300)
@given(
    st.lists(
        st.sampled_from(["relu", "bn", "conv3p1x8", "pool2", "gap", "bogus", "Conv2d", "(",
                         ")", "|", "*2", "*", "res(", "cat(", " ", ",", "1, 2"]),
        max_size=14,
    ).map(" ".join),
    st.sampled_from([3, 100_000]),
)  # fmt: skip
def test_generated_specs_parse_as_the_plain_way_parses_them(body: str, layers: int):
    with pytest.MonkeyPatch.context() as monkeypatch:
        warm, plain = _with_and_without_the_cache(f"16x16x4 {body}", layers, monkeypatch)
    assert warm == plain
