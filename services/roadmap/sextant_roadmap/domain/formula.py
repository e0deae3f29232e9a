"""A small, safe arithmetic language for custom prioritisation formulas.

A tokenizer and a Pratt parser build an AST; ``evaluation`` computes it over named inputs.
Nothing here ever calls ``eval`` or ``compile``: user text only becomes these node types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sextant_kit import DomainError

MAX_LENGTH = 500
MAX_DEPTH = 32
DIGITS = frozenset("0123456789")
"""A number's digits: ASCII only (``str.isdigit`` takes ``²`` and ``٣`` too, which
``float`` then refuses or reads otherwise)."""
FUNCTIONS: Mapping[str, tuple[int, int]] = {
    "min": (1, 16),
    "max": (1, 16),
    "log": (1, 1),
    "sqrt": (1, 1),
    "abs": (1, 1),
}
"""Whitelisted functions and how many arguments each takes (min, max)."""


class FormulaError(DomainError):
    """A formula that cannot be parsed or evaluated; names the formula and, in the message
    and ``column``, where in it (``field`` stays a field path a client can point at)."""

    def __init__(self, formula: str, message: str, column: int, *, field: str) -> None:
        super().__init__(
            f"formula {formula!r}: {message} at column {column}",
            field=field,
            code="invalid-formula",
        )
        self.formula = formula
        self.column = column


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "num", "name", "op", "(", ")", ",", "end"
    text: str
    column: int


@dataclass(frozen=True, slots=True)
class Num:
    value: float
    column: int


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    column: int


@dataclass(frozen=True, slots=True)
class Unary:
    operand: Node
    column: int


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Node
    right: Node
    column: int


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Node, ...]
    column: int


Node = Num | Name | Unary | Binary | Call

_OPS = "+-*/^"
_BINDING = {"+": 10, "-": 10, "*": 20, "/": 20, "^": 30}
_UNARY_BINDING = 25  # -a^2 is -(a^2); -a*b is (-a)*b


def _describe(token: Token) -> str:
    return "end of formula" if token.kind == "end" else f"{token.text!r}"


def tokenize(text: str, *, name: str = "formula", field: str = "expression") -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            name,
            f"is {len(text)} characters long, the limit is {MAX_LENGTH}",
            MAX_LENGTH + 1,
            field=field,
        )
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        column = i + 1
        if ch.isspace():
            i += 1
        elif ch in DIGITS or (ch == "." and i + 1 < len(text) and text[i + 1] in DIGITS):
            j = i
            while j < len(text) and (text[j] in DIGITS or text[j] == "."):
                j += 1
            literal = text[i:j]
            if literal.count(".") > 1:
                raise FormulaError(name, f"malformed number {literal!r}", column, field=field)
            tokens.append(Token("num", literal, column))
            i = j
        elif ch.isalpha() or ch == "_":
            j = i
            while j < len(text) and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(Token("name", text[i:j], column))
            i = j
        elif ch in _OPS:
            tokens.append(Token("op", ch, column))
            i += 1
        elif ch in "(),":
            tokens.append(Token(ch, ch, column))
            i += 1
        else:
            raise FormulaError(name, f"unexpected character {ch!r}", column, field=field)
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token], name: str, field: str) -> None:
        self._tokens = tokens
        self._pos = 0
        self._name = name
        self._field = field

    def _peek(self) -> Token:
        return self._tokens[self._pos]

    def _next(self) -> Token:
        token = self._tokens[self._pos]
        self._pos += 1
        return token

    def _fail(self, message: str, token: Token) -> FormulaError:
        return FormulaError(self._name, message, token.column, field=self._field)

    def parse(self) -> Node:
        if self._peek().kind == "end":
            raise self._fail("the formula is empty", self._peek())
        node = self._expression(0, 1)
        if self._peek().kind != "end":
            raise self._fail(f"unexpected {_describe(self._peek())}", self._peek())
        return node

    def _expression(self, min_binding: int, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self._fail(f"nesting deeper than {MAX_DEPTH} levels", self._peek())
        left = self._prefix(depth)
        while True:
            token = self._peek()
            if token.kind != "op":
                return left
            binding = _BINDING[token.text]
            if binding < min_binding:
                return left
            self._next()
            # ^ is right-associative: parse its right side at the same binding power.
            right_binding = binding if token.text == "^" else binding + 1
            right = self._expression(right_binding, depth + 1)
            left = Binary(token.text, left, right, token.column)

    def _prefix(self, depth: int) -> Node:
        token = self._next()
        if token.kind == "num":
            return Num(float(token.text), token.column)
        if token.kind == "op" and token.text in "-+":
            operand = self._expression(_UNARY_BINDING, depth + 1)
            return Unary(operand, token.column) if token.text == "-" else operand
        if token.kind == "(":
            inner = self._expression(0, depth + 1)
            closing = self._next()
            if closing.kind != ")":
                raise self._fail(f"expected ')' but found {_describe(closing)}", closing)
            return inner
        if token.kind == "name":
            if self._peek().kind == "(":
                return self._call(token, depth)
            if token.text in FUNCTIONS:
                raise self._fail(f"function {token.text!r} needs '(' after it", self._peek())
            return Name(token.text, token.column)
        raise self._fail(f"unexpected {_describe(token)}", token)

    def _call(self, name: Token, depth: int) -> Node:
        if name.text not in FUNCTIONS:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise self._fail(f"unknown function {name.text!r} (allowed: {allowed})", name)
        self._next()  # (
        args: list[Node] = []
        if self._peek().kind != ")":
            while True:
                args.append(self._expression(0, depth + 1))
                if self._peek().kind != ",":
                    break
                self._next()
        closing = self._next()
        if closing.kind != ")":
            raise self._fail(f"expected ',' or ')' but found {_describe(closing)}", closing)
        low, high = FUNCTIONS[name.text]
        if not low <= len(args) <= high:
            want = f"{low}" if low == high else f"{low} to {high}"
            raise self._fail(f"{name.text}() takes {want} argument(s), got {len(args)}", name)
        return Call(name.text, tuple(args), name.column)


def parse(text: str, *, name: str = "formula", field: str = "expression") -> Node:
    """Parse ``text`` into an AST, or raise FormulaError naming the 1-based column."""
    return _Parser(tokenize(text, name=name, field=field), name, field).parse()


def identifiers(node: Node) -> frozenset[str]:
    """The input names a formula reads."""
    match node:
        case Num():
            return frozenset()
        case Name():
            return frozenset({node.name})
        case Unary():
            return identifiers(node.operand)
        case Binary():
            return identifiers(node.left) | identifiers(node.right)
        case Call():
            return frozenset().union(*(identifiers(a) for a in node.args))
