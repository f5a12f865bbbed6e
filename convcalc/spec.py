"""Parse spec text into a typed :class:`Network`: stage one of parse → propagate → render.

The grammar is the contract in ``spec-language.md``::

    SPEC  := INPUT ITEM*                      (white space and/or commas between tokens)
    INPUT := DIM ('x' DIM)+                   (the last DIM is channels unless channels_first)
    ITEM  := (TOKEN | GROUP) ('*' N)?
    GROUP := ('res' | 'cat' | 'mul' | 'split' | 'aux')? '(' BRANCH ('|' BRANCH)* ')'

Layer names, their options and how their numbers are read come from the registry in
``layers.py``; this module knows only the token grammar and the structure.  Every limit of the
contract is checked before anything is expanded, so no input makes the parser slow.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from itertools import accumulate
from math import prod
from typing import Literal, Union

from .errors import ConvcalcError, LimitError, SpecSyntaxError, expect_type
from .errors import clip as _clip
from .layers import MAX_INT, REGISTRY, AnyLayer, Layer, Shape
from .layers.suggest import from_call, suggestion

__all__ = ["LIMITS", "BranchNode", "LayerNode", "Network", "Node", "parse"]

LIMITS = {
    "spec_bytes": 64 * 1024,
    "nesting": 32,
    "layers": 100_000,
    "value": MAX_INT,
}


@dataclass(frozen=True, slots=True)
class LayerNode:
    """One layer as written: the typed layer plus where it stands (positions not compared)."""

    layer: AnyLayer
    token: str = field(compare=False)
    position: int = field(compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class BranchNode:
    """A structure: branches on the same input, merged.  ``res`` adds, ``cat`` concatenates the
    channels, ``mul`` multiplies its input by its body's output (broadcast), ``split`` gives
    each branch its share of the channels and concatenates, ``aux`` runs a side head and passes
    its input on."""

    kind: Literal["res", "cat", "mul", "split", "aux"]
    branches: tuple[tuple[Node, ...], ...]
    token: str = field(compare=False)
    position: int = field(compare=False)


Node = Union[LayerNode, BranchNode]


@dataclass(frozen=True, slots=True)
class Network:
    """A parsed spec: the input shape (channels last) and the layers, repeats expanded."""

    text: str
    input_shape: Shape
    nodes: tuple[Node, ...]
    channels_first: bool = False
    input_token: str = field(default="", compare=False)
    #: how the input shape may have been misread (a C×H×W shape without --channels-first, a
    #: leading batch dimension): the engine shows them with the warnings
    notes: tuple[str, ...] = field(default=(), compare=False)


def _draft(cls: type) -> type:
    """A writable class with the slots of the frozen dataclass ``cls``.  The parser fills one
    and sets its class to ``cls``: the same object as ``cls(…)`` makes, at a quarter of the
    cost, as a frozen __init__ sets each field through object.__setattr__ (a LayerNode took
    7.1 k instructions, more than all the parser's other work on its token, and takes 1.8 k)."""
    return type(f"_{cls.__name__}Draft", (), {"__slots__": cls.__slots__})


_LayerNodeDraft = _draft(LayerNode)
_BranchNodeDraft = _draft(BranchNode)
_NetworkDraft = _draft(Network)


# --------------------------------------------------------------------------------------------
# lexing

# A token is '(' or a structure's 'NAME(' (as in 'res('), ')', '|', a repeat '*N', or a word
# (the input shape, a layer); white space and commas between tokens match nothing.  The group
# captures the tokens, so that split() returns them with the separators in between, and each
# token starts where its separator ends.  (The lookahead only spares the names' alternation
# the characters that cannot start one.)
_LEX = re.compile(r"((?=[rcmsaRCMSA])(?ai:res|cat|mul|split|aux)\(|[()|]|\*[0-9]*|[^\s,()|*]+)")
#: the characters other than white space that end a word
_PUNCTUATION = frozenset(",()|*")
_INPUT = re.compile(r"[0-9]+(?:x[0-9]+)+", re.ASCII)
# 2 to 4 dims of 1 to 999,999,999: the input shapes that _number and the count of dims accept
_PLAIN_INPUT = re.compile(r"[1-9][0-9]{0,8}(?:x[1-9][0-9]{0,8}){1,3}")
_LETTERS = re.compile(r"[a-z]+", re.ASCII)
_WORD_LETTERS = re.compile(r"[^\W\d_]+")
_INTS = re.compile(r"[0-9]+(?:x[0-9]+)*", re.ASCII)
_RATE = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+", re.ASCII)
_OPTION = re.compile(
    r"op([0-9]+)|(psame|pvalid|noscale|fixed|nb|ceil)|([spdgx])([0-9]+(?:_[0-9]+)*)", re.ASCII
)
# zpad's paddings: n, b:a, per dim joined by _ (zpad0:1_0:1)
_PADS = re.compile(r"[0-9]+(?::[0-9]+)?(?:_[0-9]+(?::[0-9]+)?)*", re.ASCII)
#: options that take one value per spatial dim joined by _ (s1_2, p0_3, d1_2)
_PER_DIM = frozenset("spd")

_OPTION_HELP = {
    "s": "s<n>",
    "p": "p<n> psame pvalid",
    "d": "d<n>",
    "g": "g<n>",
    "op": "op<n>",
    "nb": "nb",
    "ceil": "ceil",
    "noscale": "noscale",
    "fixed": "fixed",
}
_DIGIT_NAMES = tuple(sorted((n for n in REGISTRY if not n.isalpha()), key=len, reverse=True))
#: the structures written NAME(…) (res takes one body or two branches, cat and split
#: at least two, mul and aux one body: parse_group checks)
GROUPS = ("res", "cat", "mul", "split", "aux")
_ALL_NAMES = sorted([*REGISTRY, *GROUPS])
_LONGEST_NAME = max(map(len, REGISTRY))


def _tokens(text: str) -> tuple[list[str], list[int]]:
    """The tokens of ``text`` and where each starts.

    A spec is mostly letters and digits between single spaces, and the regex engine spends
    ~450 instructions a character where ``str.split`` spends a few: so the text is split at
    its spaces, a word of letters and digits is one token, and only a word holding anything
    else goes on to :func:`_lex_word`.  (A space separates in the regex too, and no token
    holds one, so lexing word by word gives the regex's tokens.)"""
    texts: list[str] = []
    starts: list[int] = []
    start = 0
    for word in text.split(" "):
        if word.isalnum():
            texts.append(word)
            starts.append(start)
        elif word:  # "" between two spaces
            _lex_word(word, start, texts, starts)
        start += len(word) + 1
    return texts, starts


def _lex_word(word: str, start: int, texts: list[str], starts: list[int]) -> None:
    """Add the tokens of ``word`` (no space in it, not all letters and digits), which starts at
    ``start``.  The usual shapes, ``|`` and ``NAME(`` or ``(``, then letters and digits, then
    ``)``s (as in ``res(conv3x8``, ``bn))``), are read with str methods; any other goes to the
    regex, the lexer's definition."""
    if word == "|":
        texts.append(word)
        starts.append(start)
        return
    body = word.rstrip(")")
    name, paren, core = body.rpartition("(")
    # every character of white space but " " is unprintable (tests/test_spec_fast_paths.py)
    plain = core.isalnum() or (core.isprintable() and _PUNCTUATION.isdisjoint(core))
    if not plain or (name and not (name.isascii() and name.lower() in GROUPS)):
        pieces = _LEX.split(word)  # separator, token, separator, …, token, separator
        texts += pieces[1::2]
        starts += [start + end for end in accumulate(map(len, pieces[:-1]))][::2]
        return
    if paren:
        texts.append(name + paren)
        starts.append(start)
    if core:
        texts.append(core)
        starts.append(start + len(body) - len(core))
    if len(body) < len(word):  # the ')'s, one token each
        texts += word[len(body) :]
        starts += range(start + len(body), start + len(word))


def _number(digits: str, token: str, pos: int, minimum: int = 1) -> int:
    # int() sees at most 10 digits (2³¹−1 has 10): a 5,000-digit number is past its limit
    significant = digits.lstrip("0") if len(digits) > 10 else digits
    if len(significant) > 10 or (n := int(significant or "0")) > MAX_INT:
        raise LimitError(
            f"number {_clip(digits, 12)} in '{_clip(token)}' is larger than 2³¹−1",
            token,
            pos,
        )
    if n < minimum:
        raise SpecSyntaxError(
            f"'{_clip(token)}': {n} is not allowed here (numbers are ≥ {minimum})", token, pos
        )
    return n


def _non_ascii_digit_hint(rest: str) -> str:
    if any(ch.isdigit() or ch.isnumeric() for ch in rest if not ch.isascii()):
        return " (numbers are ASCII digits 0-9)"
    return ""


# --------------------------------------------------------------------------------------------
# one token → one typed layer


def parse_layer(word: str, pos: int, rank: int) -> tuple[Layer, tuple[str, ...]]:
    """Parse one layer token (``conv3x3s2p1x32``) for an input of spatial ``rank``.

    Returns the typed layer and notes on how the token was read.  A word that fails and is a
    PyTorch or Keras name (``BatchNorm2d``, ``Linear``) says which token to write instead.
    """
    try:
        return _parse_layer(word, pos, rank)
    except SpecSyntaxError:
        hint = suggestion(word) if word.lower() not in REGISTRY else None
        if hint is None:  # a convcalc name's own message says more ('dense' takes one number)
            raise
        raise SpecSyntaxError(
            f"'{_clip(word)}' is a PyTorch/Keras name: {hint}", word, pos
        ) from None


def _parse_layer(word: str, pos: int, rank: int) -> tuple[Layer, tuple[str, ...]]:
    norm = word.lower().replace("×", "x")
    if norm.startswith(_DIGIT_NAMES):  # a name with a digit in it (relu6), the longest first
        name = next(n for n in _DIGIT_NAMES if norm.startswith(n))
        return _build(name, norm[len(name) :], word, pos, rank)
    m = _LETTERS.match(norm)
    if m is None:
        if norm[:1].isdigit():
            raise SpecSyntaxError(
                f"'{_clip(word)}' is not a layer: the input shape comes first and only once",
                word,
                pos,
            )
        raise SpecSyntaxError(f"'{_clip(word)}' is not a layer token", word, pos)
    letters = m.group()
    if letters in REGISTRY:
        return _build(letters, norm[len(letters) :], word, pos, rank)
    if letters in GROUPS:
        raise SpecSyntaxError(
            f"'{letters}' needs its branches in parentheses: {letters}(… | …)", word, pos
        )
    # a name run into its options, as in 'poolceil' or 'pools1': try the longest known prefix
    for cut in range(min(len(letters) - 1, _LONGEST_NAME), 0, -1):
        if letters[:cut] in REGISTRY:
            try:
                return _build(letters[:cut], norm[cut:], word, pos, rank)
            except ConvcalcError:
                # 'relunb' is a relu with an option it does not take: say that; 'identity'
                # is no 'id' with options, so it falls through to "unknown layer"
                if _OPTION.match(norm, cut):
                    raise
                break
    # suggest from the whole run of letters, non-ASCII ones included ('cönv' → 'conv')
    run = _WORD_LETTERS.match(norm)
    close = difflib.get_close_matches(run.group() if run else letters, _ALL_NAMES, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise SpecSyntaxError(f"unknown layer '{_clip(word)}'{hint}", word, pos)


def _build(name: str, rest: str, word: str, pos: int, rank: int) -> tuple[Layer, tuple[str, ...]]:
    cls = REGISTRY[name]
    nums: list[int] = []
    opts: dict[str, object] = {}
    i = 0
    if cls.NUMBERS == "ints":
        m = _INTS.match(rest)
        if m:
            zero_ok = name == "zpad"
            nums = [_number(d, word, pos, 0 if zero_ok else 1) for d in m.group().split("x")]
            i = m.end()
    elif cls.NUMBERS == "pads":
        m = _PADS.match(rest)
        if m:
            opts["pads"] = [
                tuple(_number(d, word, pos, 0) for d in (g.split(":") * 2)[:2])
                for g in m.group().split("_")
            ]
            i = m.end()
    elif cls.NUMBERS == "rate":
        m = _RATE.match(rest)
        if m:
            text = m.group()
            opts["rate"] = float(text)
            opts["rate_text"] = text
            i = m.end()
    trailing: list[int] = []
    while i < len(rest):
        m = _OPTION.match(rest, i)
        if m is None:
            allowed = " ".join(_OPTION_HELP[o] for o in _OPTION_HELP if o in cls.OPTIONS)
            expect = f"; {name} options: {allowed}" if allowed else f"; '{name}' takes no options"
            raise SpecSyntaxError(
                f"unexpected '{_clip(rest[i:])}' in '{_clip(word)}'"
                f"{_non_ascii_digit_hint(rest[i:])}{expect}",
                word,
                pos,
            )
        op, flag, key, numbers = m.groups()
        if op is not None:
            key, value = "op", _number(op, word, pos, 0)
        elif flag is not None:
            key, value = flag, True
            if key in ("psame", "pvalid"):
                key, value = "p", key[1:]
        else:
            minimum = 0 if key == "p" else 1
            digits = numbers.split("_")
            if len(digits) == 1:
                value = _number(digits[0], word, pos, minimum)
            elif key not in _PER_DIM:
                raise SpecSyntaxError(
                    f"'{_clip(word)}': {key} takes one number (only s, p and d take one per "
                    "dim joined by _)",
                    word,
                    pos,
                )
            else:
                values = tuple(_number(d, word, pos, minimum) for d in digits)
                if len(values) != rank:
                    takes = "one" if rank == 1 else f"1 or {rank} joined by _"
                    raise SpecSyntaxError(
                        f"'{_clip(word)}': {key}{numbers} gives {len(values)} values; a "
                        f"rank-{rank} input takes {takes}",
                        word,
                        pos,
                    )
                # one value for every dim is the plain form: p1_1 is p1
                value = values[0] if len(set(values)) == 1 else values  # type: ignore[assignment]
        if key == "x":
            if not cls.TRAILING_X:
                raise SpecSyntaxError(
                    f"'{_clip(word)}': x<n> after the options is only for the conv family",
                    word,
                    pos,
                )
            trailing.append(value)  # type: ignore[arg-type]
        else:
            if key not in cls.OPTIONS:
                takes = " ".join(_OPTION_HELP[o] for o in _OPTION_HELP if o in cls.OPTIONS)
                raise SpecSyntaxError(
                    f"option '{_display_option(key, value)}' does not apply to '{name}' "
                    f"({name} takes {takes or 'no options'})",
                    word,
                    pos,
                )
            if key in opts:
                raise SpecSyntaxError(f"option '{key}' given twice in '{_clip(word)}'", word, pos)
            opts[key] = value
        i = m.end()
    if trailing:
        opts["x"] = trailing
    try:
        return cls.from_token(name, nums, opts, rank), tuple(
            cls.reading_notes(name, nums, opts, rank)
        )
    except ConvcalcError as err:
        raise type(err)(err.message, word, pos) from None


def _display_option(key: str, value: object) -> str:
    if value is True:
        return key
    if key == "p" and value in ("same", "valid"):
        return f"p{value}"
    if isinstance(value, tuple):
        return key + "_".join(map(str, value))
    return f"{key}{value}"


# --------------------------------------------------------------------------------------------
# the spec → a Network


def parse(text: str, *, channels_first: bool = False) -> Network:
    """Parse a whole spec.  Raises :class:`~convcalc.errors.ConvcalcError` on bad input, a
    ``TypeError`` naming the parameter for an argument of the wrong type."""
    if type(text) is not str or type(channels_first) is not bool:  # the usual case skips
        expect_type(text, str, "parse", "text")
        expect_type(channels_first, bool, "parse", "channels_first")
    limit = LIMITS["spec_bytes"]
    # a character takes 1 to 4 bytes in UTF-8: encode only when its count cannot tell
    if len(text) > limit or (
        len(text) * 4 > limit and len(text.encode("utf-8", "surrogatepass")) > limit
    ):
        raise LimitError(f"the spec is longer than {limit // 1024} KiB", text[:1], 0)
    texts, starts = _tokens(text)
    if not texts:
        raise SpecSyntaxError(
            "empty spec: give an input shape and layers, e.g. 28x28x1 conv3x32", "", 0
        )
    first = texts[0]
    dims = _input_dims(first, starts[0])
    notes = _input_notes(dims, channels_first)
    if channels_first:
        dims = dims[1:] + dims[:1]
    parser = _Parser(text, texts, starts, len(dims) - 1)
    net = _NetworkDraft()  # Network(text=text, …), made quickly: see _draft
    net.text = text
    net.input_shape = tuple(dims)
    net.nodes = tuple(parser.parse_top())
    net.channels_first = channels_first
    net.input_token = first
    net.notes = notes
    net.__class__ = Network
    return net


def _input_dims(token: str, pos: int) -> list[int]:
    """The dims of the input shape ``token``, in the order typed."""
    shape = token.lower().replace("×", "x")
    if _PLAIN_INPUT.fullmatch(shape):  # the usual case: no dim is 0 or past 2³¹−1
        dims = list(map(int, shape.split("x")))
    else:
        # punctuation never matches, nor starts with a digit
        if not _INPUT.fullmatch(shape):
            if token[:1].isdigit():
                raise SpecSyntaxError(
                    f"bad input shape '{_clip(token)}': write dims joined by x, channels last, "
                    f"e.g. 28x28x1{_non_ascii_digit_hint(token)}",
                    token,
                    pos,
                )
            raise SpecSyntaxError(
                f"missing input shape before '{_clip(token)}': a spec starts with it, e.g. 28x28x1",
                token,
                pos,
            )
        dims = [_number(d, token, pos) for d in shape.split("x")]
        if len(dims) > 4:
            one = dims[0] == 1
            batch = " (a leading 1 looks like a batch dimension: leave it out)" if one else ""
            raise SpecSyntaxError(
                f"input '{_clip(token)}' has {len(dims) - 1} spatial dims; convcalc handles "
                f"1 to 3{batch}",
                token,
                pos,
            )
    if prod(dims) > MAX_INT:
        raise LimitError(f"input '{_clip(token)}' is larger than 2³¹−1 elements", token, pos)
    return dims


def _input_notes(dims: list[int], channels_first: bool) -> tuple[str, ...]:
    """Likely misreadings of the input as written (``dims`` in the order typed)."""
    first, rest = dims[0], dims[1:]
    if first not in (1, 3, 4):  # both notes are about a small first dim
        return ()
    shown = "x".join(map(str, dims))
    if len(dims) == 4 and first == 1:
        layout = "N×C×H×W" if channels_first else "N×H×W×C"
        return (
            f"input {shown} is read as a 3-D input of depth 1; if the leading 1 is a batch "
            f"dimension ({layout}), leave it out: convcalc has none",
        )
    if not channels_first and len(dims) >= 3:
        if all(d >= max(8, 4 * first) for d in rest):
            return (
                f"input {shown} is read channels last: {'×'.join(map(str, dims[:-1]))} with "
                f"{dims[-1]} channels; for C×H×W (PyTorch) add --channels-first, or write "
                f"{'x'.join(map(str, [*rest, first]))}",
            )
    return ()


# Parsed tokens by input rank, shared across specs: a token means the same layer wherever it
# stands (the layers are frozen), and a batch repeats its tokens (relu, bn, pool2 …).  Only
# successes are kept, so an error still carries its own position.  Cleared whole when full:
# bounded, and cheaper on the hot path than LRU bookkeeping.
_TOKEN_CACHE: dict[int, dict[str, tuple[Layer, tuple[str, ...]]]] = {}
_TOKEN_CACHE_SIZE = 4096


class _Parser:
    """Recursive descent over the tokens, ``texts[i]`` standing at ``starts[i]``: a token is
    punctuation by its characters (``(`` or ``res(`` opens, ``)`` closes, ``|`` separates
    branches, ``*N`` repeats), any other is a layer."""

    def __init__(self, text: str, texts: list[str], starts: list[int], rank: int) -> None:
        self.text = text
        self.texts = texts
        self.starts = starts
        self.rank = rank
        self.cache = _TOKEN_CACHE.setdefault(rank, {})
        self.max_layers = LIMITS["layers"]
        self.i = 1  # the input token is consumed

    def parse_top(self) -> list[Node]:
        nodes, _ = self.parse_seq(0)
        if self.i < len(self.texts):
            text, pos = self.texts[self.i], self.starts[self.i]
            if text == "|":
                raise SpecSyntaxError(
                    "'|' separates branches inside res(…), cat(…) or split(…) only", text, pos
                )
            raise SpecSyntaxError("unbalanced ')': no '(' before it", text, pos)
        return nodes

    def parse_seq(self, depth: int) -> tuple[list[Node], int]:
        """Items until '|', ')' or the end; returns the expanded nodes and the layer count.

        The index is a local here, given to ``self.i`` for the calls that read it (the
        attribute's reads and writes cost ~0.5 k instructions a token)."""
        nodes: list[Node] = []
        count = 0
        texts, starts, cache, max_layers = self.texts, self.starts, self.cache, self.max_layers
        end = len(texts)
        i = self.i
        while i < end:
            text, pos = texts[i], starts[i]
            parsed = cache.get(text)  # only layers are kept
            if parsed is not None and (i + 1 == end or texts[i + 1][0] not in "(*"):
                # the usual item, a layer met before, neither called nor repeated: what the
                # plain way below does for it, without its tests for the other kinds of token
                node = _LayerNodeDraft()  # LayerNode(layer, text, pos, notes): see _draft
                node.layer, node.notes = parsed
                node.token = text
                node.position = pos
                node.__class__ = LayerNode
                nodes.append(node)
                i += 1
                count += 1
                if count > max_layers:
                    raise LimitError(f"the spec has more than {max_layers:,} layers", text, pos)
                continue
            if text == "|" or text == ")":
                break
            if text[0] == "*":
                after_repeat = texts[i - 1][0] == "*"
                raise SpecSyntaxError(
                    f"'{_clip(text)}' follows another repeat: group it first, as in (relu*2)*3"
                    if after_repeat
                    else f"'{_clip(text)}' repeats the layer or group before it, and there is none",
                    text,
                    pos,
                )
            if text[-1] == "(":
                self.i = i
                item, item_count = self.parse_group(text, pos, depth + 1)
                i = self.i
            else:  # a layer
                if i + 1 < end and texts[i + 1] == "(":
                    self.i = i
                    self.check_call(text, pos)
                i += 1
                node = _LayerNodeDraft()  # LayerNode(layer, text, pos, notes): see _draft
                node.layer, node.notes = parsed or self.parse_and_keep(text, pos)
                node.token = text
                node.position = pos
                node.__class__ = LayerNode
                item, item_count = [node], 1
            if i < end and texts[i][0] == "*":
                self.i = i
                item, item_count = self.repeat(item, item_count, text)
                i = self.i
            count += item_count
            if count > max_layers:
                raise LimitError(f"the spec has more than {max_layers:,} layers", text, pos)
            nodes.extend(item)
        self.i = i
        return nodes, count

    def parse_and_keep(self, word: str, pos: int) -> tuple[Layer, tuple[str, ...]]:
        """A layer token the cache does not hold yet."""
        parsed = parse_layer(word, pos, self.rank)
        if len(self.cache) >= _TOKEN_CACHE_SIZE:
            self.cache.clear()
        self.cache[word] = parsed
        return parsed

    def repeat(self, item: list[Node], item_count: int, start: str) -> tuple[list[Node], int]:
        """The item before the repeat token at ``self.i``, repeated; ``start`` is its first
        token."""
        star, pos = self.texts[self.i], self.starts[self.i]
        self.i += 1
        if len(star) == 1:
            raise SpecSyntaxError(f"'*' after '{_clip(start)}' needs a count, e.g. *2", star, pos)
        n = _number(star[1:], star, pos)
        if item_count * n > self.max_layers:
            raise LimitError(
                f"'{_clip(star)}' would make {item_count * n:,} layers; the limit is "
                f"{self.max_layers:,}",
                star,
                pos,
            )
        return item * n, item_count * n

    def check_call(self, word: str, pos: int) -> None:
        """PyTorch/Keras call syntax, ``Conv2d(3, 32, 3)`` or ``dropout(0.5)``: say the token."""
        after = self.i + 1  # a plain '(' (a structure's is part of its name's token)
        texts, starts = self.texts, self.starts
        if starts[after] != pos + len(word):
            return
        depth, j = 0, after
        for j in range(after, len(texts)):
            if texts[j][-1] == "(":
                depth += 1
            elif texts[j] == ")":
                depth -= 1
            if depth == 0:
                break
        else:
            return
        end = starts[j]
        token = from_call(word, self.text[starts[after] + 1 : end])
        if token is not None:
            call = self.text[pos : end + 1]
            raise SpecSyntaxError(
                f"'{_clip(call)}' is PyTorch/Keras call syntax; in convcalc write {token}",
                call,
                pos,
            )

    def parse_group(self, open_text: str, open_pos: int, depth: int) -> tuple[list[Node], int]:
        if depth > LIMITS["nesting"]:
            raise LimitError(f"groups nest more than {LIMITS['nesting']} deep", open_text, open_pos)
        self.i += 1
        texts, starts = self.texts, self.starts
        kind = open_text[:-1].lower()  # "" for a plain group
        branches: list[list[Node]] = []
        total = 0
        while True:
            here = self.i
            nodes, count = self.parse_seq(depth)
            if not nodes and self.i >= len(texts):
                raise SpecSyntaxError(
                    f"'{open_text}' is never closed: a ')' is missing", open_text, open_pos
                )
            if not nodes:
                at = (texts[here], starts[here]) if here < len(texts) else (open_text, open_pos)
                raise SpecSyntaxError(
                    f"empty branch in '{open_text}…)': use id for a branch that passes "
                    "its input through",
                    *at,
                )
            branches.append(nodes)
            total += count
            if self.i >= len(texts):
                raise SpecSyntaxError(
                    f"'{open_text}' is never closed: a ')' is missing", open_text, open_pos
                )
            text, pos = texts[self.i], starts[self.i]
            self.i += 1
            if text == ")":
                end = pos + 1
                break
            # a bar
            if not kind:
                raise SpecSyntaxError(
                    "'|' separates branches inside res(…), cat(…) or split(…), not a plain group",
                    text,
                    pos,
                )
        if not kind:
            return branches[0], total
        token = self.text[open_pos:end]
        if kind == "res" and len(branches) > 2:
            raise SpecSyntaxError(
                f"res(…) takes at most 2 branches (BODY | SHORTCUT), got {len(branches)}",
                token,
                open_pos,
            )
        if kind in ("cat", "split") and len(branches) < 2:
            raise SpecSyntaxError(
                f"{kind}(…) needs at least 2 branches separated by '|'", token, open_pos
            )
        if kind in ("mul", "aux") and len(branches) > 1:
            raise SpecSyntaxError(
                f"{kind}(…) takes one body, got {len(branches)} branches", token, open_pos
            )
        node = _BranchNodeDraft()  # BranchNode(kind, branches, token, open_pos): see _draft
        node.kind = kind
        node.branches = tuple(map(tuple, branches))
        node.token = token
        node.position = open_pos
        node.__class__ = BranchNode
        return [node], total + 1
