"""A small, safe expression language for rulebook conditions (and, later, KPI formulas).

    severity == "special"
    fields.loss_amount > 50000 and customer.overseas
    is_anonymous and not fields.has_target
    category in ["emergency", "safety"]
    fields.record_count * 2 + 1            # a number, where a number is expected

The text is parsed with Python's `ast` in eval mode and then checked node by node against a strict
whitelist: names, dotted names, literals (numbers, strings, true/false/null, literal lists), `and`,
`or`, `not`, comparisons (== != < <= > >=, chained), `in` / `not in`, and + - * / on numbers.
Anything else (calls, subscripts, lambdas, attributes of literals…) is refused. Nothing is ever
passed to `eval`: the checked tree is turned into plain Python closures by this module.

Every name must be in the *vocabulary* the caller gives (`Fact`s by dotted name with a type and,
for codes, the values they can take), so a typo, a comparison of a yes/no field with a number, or
an unknown severity code is an error when the rulebook is loaded, not a condition that is silently
false for ever. docs/rulebooks.md, "Conditions", is the reference.

Evaluation takes a flat mapping of the same dotted names to values. A value that is not set (None)
makes every comparison false except `== null` and `!=` (and `not in`), counts as false in
`and`/`or`/`not`, and makes arithmetic give "not set".
"""

from __future__ import annotations

import ast
import datetime as dt
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any

__all__ = (
    "BOOL",
    "DATE",
    "DATETIME",
    "LIST",
    "NUMBER",
    "TEXT",
    "Expression",
    "ExpressionError",
    "Fact",
    "compile_expression",
)

TEXT, NUMBER, BOOL, DATE, DATETIME, LIST = "text", "number", "yes/no", "date", "datetime", "list"
_NULL = "null"
# The literals a rulebook author writes in YAML style, besides Python's True/False/None.
_LITERAL_NAMES = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}
_COMPARE = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
}
_ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_ORDERED = {NUMBER, DATE, DATETIME}
_MAX_LENGTH = 1000
_MAX_NODES = 200


@dataclass(frozen=True)
class Fact:
    """One name an expression may use: its type and, for codes, the values it can take."""

    type: str
    options: tuple[str, ...] | None = None
    # What the options are called in messages ("severity", "choice of fields.penalty").
    noun: str = "value"


class ExpressionError(ValueError):
    """The expression is not valid for this vocabulary. `column` is 1-based, None when unknown."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.message = message
        self.column = column
        super().__init__(message if column is None else f"{message} (column {column})")


@dataclass(frozen=True)
class _Node:
    type: str
    run: Callable[[Mapping[str, Any]], Any]
    # Set for a literal: its value, used for checks against a fact's options.
    literal: Any = field(default=None, compare=False)
    is_literal: bool = False
    fact: Fact | None = None
    name: str = ""


@dataclass(frozen=True)
class Expression:
    """A checked expression. `evaluate(facts)` never raises for values of the declared types."""

    source: str
    type: str
    names: frozenset[str]
    _run: Callable[[Mapping[str, Any]], Any] = field(repr=False, compare=False)

    def evaluate(self, facts: Mapping[str, Any]) -> Any:
        value = self._run(facts)
        return bool(value) if self.type == BOOL else value

    def __str__(self) -> str:
        return self.source


def compile_expression(text: str, vocabulary: Mapping[str, Fact], *, result: str = BOOL) -> Expression:
    """Parse and type-check `text`; raise ExpressionError naming the first problem."""
    source = " ".join(str(text).split())
    if not source:
        raise ExpressionError("the expression is empty")
    if len(source) > _MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {_MAX_LENGTH} characters")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"not a valid expression: {exc.msg}", exc.offset)
    if sum(1 for _ in ast.walk(tree)) > _MAX_NODES:
        raise ExpressionError(f"the expression has more than {_MAX_NODES} parts; split it")
    checker = _Checker(vocabulary)
    node = checker.visit(tree.body)
    if node.type != result and not (node.type == _NULL and result != BOOL):
        raise ExpressionError(f"the expression gives a {node.type}, but a {result} is needed here", 1)
    return Expression(source=source, type=result, names=frozenset(checker.names), _run=node.run)


# --------------------------------------------------------------------------------------------------
# Checking and building


def _column(node: ast.AST) -> int:
    return getattr(node, "col_offset", 0) + 1


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _as_type(value: Any, type_: str) -> Any:
    """A fact's value in the form the operators expect (numbers as Decimal)."""
    if value is None:
        return None
    if type_ == NUMBER:
        return _number(value)
    if type_ == BOOL:
        return bool(value)
    if type_ == LIST:
        return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]
    if type_ == DATE and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if type_ == DATETIME and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


class _Checker:
    def __init__(self, vocabulary: Mapping[str, Fact]) -> None:
        self.vocabulary = vocabulary
        self.names: set[str] = set()

    def visit(self, node: ast.AST) -> _Node:
        method = getattr(self, f"_visit_{type(node).__name__}", None)
        if method is None:
            raise ExpressionError(
                f"'{ast.unparse(node)}' is not allowed in a condition; use names, literals, and/or/not, "
                "comparisons, in, and + - * / on numbers",
                _column(node),
            )
        return method(node)

    # names and literals ---------------------------------------------------------------------------

    def _fact(self, name: str, node: ast.AST) -> _Node:
        fact = self.vocabulary.get(name)
        if fact is None:
            close = difflib.get_close_matches(name, list(self.vocabulary), n=3, cutoff=0.6)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            if name.startswith("fields.") and not close:
                known = sorted(k.removeprefix("fields.") for k in self.vocabulary if k.startswith("fields."))
                hint = f"; this case type's fields are: {', '.join(known) or 'none'}"
            raise ExpressionError(f"unknown name '{name}'{hint}", _column(node))
        self.names.add(name)
        type_ = fact.type
        return _Node(type_, lambda facts: _as_type(facts.get(name), type_), fact=fact, name=name)

    def _visit_Name(self, node: ast.Name) -> _Node:
        if node.id in _LITERAL_NAMES:
            return self._literal(_LITERAL_NAMES[node.id], node)
        return self._fact(node.id, node)

    def _visit_Attribute(self, node: ast.Attribute) -> _Node:
        name = _dotted(node)
        if name is None:
            raise ExpressionError(f"'{ast.unparse(node)}' is not a name", _column(node))
        return self._fact(name, node)

    def _literal(self, value: Any, node: ast.AST) -> _Node:
        if value is None:
            return _Node(_NULL, lambda facts: None, literal=None, is_literal=True)
        if isinstance(value, bool):
            return _Node(BOOL, lambda facts: value, literal=value, is_literal=True)
        if isinstance(value, int | float):
            number = Decimal(str(value))
            return _Node(NUMBER, lambda facts: number, literal=number, is_literal=True)
        if isinstance(value, str):
            return _Node(TEXT, lambda facts: value, literal=value, is_literal=True)
        raise ExpressionError(f"'{ast.unparse(node)}' is not a literal this language has", _column(node))

    def _visit_Constant(self, node: ast.Constant) -> _Node:
        return self._literal(node.value, node)

    def _visit_List(self, node: ast.List | ast.Tuple) -> _Node:
        items = [self.visit(item) for item in node.elts]
        if not all(item.is_literal for item in items):
            raise ExpressionError("a list may contain only literal values", _column(node))
        types = {item.type for item in items} - {_NULL}
        if len(types) > 1:
            raise ExpressionError(f"a list mixes {' and '.join(sorted(types))} values", _column(node))
        values = [item.literal for item in items]
        return _Node(
            LIST + ":" + (types.pop() if types else TEXT),
            lambda facts: values,
            literal=values,
            is_literal=True,
        )

    _visit_Tuple = _visit_List

    # operators ------------------------------------------------------------------------------------

    def _visit_BoolOp(self, node: ast.BoolOp) -> _Node:
        parts = [self._boolean(value) for value in node.values]
        runs = [p.run for p in parts]
        if isinstance(node.op, ast.And):
            return _Node(BOOL, lambda facts: all(bool(run(facts)) for run in runs))
        return _Node(BOOL, lambda facts: any(bool(run(facts)) for run in runs))

    def _boolean(self, node: ast.AST) -> _Node:
        part = self.visit(node)
        if part.type != BOOL:
            hint = f"; write `{ast.unparse(node)} != null` to test whether it is filled in" if part.name else ""
            raise ExpressionError(
                f"'{ast.unparse(node)}' is a {part.type}, not a yes/no value{hint}",
                _column(node),
            )
        return part

    def _visit_UnaryOp(self, node: ast.UnaryOp) -> _Node:
        if isinstance(node.op, ast.Not):
            run = self._boolean(node.operand).run
            return _Node(BOOL, lambda facts: not bool(run(facts)))
        if isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.visit(node.operand)
            if operand.type != NUMBER:
                raise ExpressionError(f"'{ast.unparse(node)}': a sign needs a number", _column(node))
            run = operand.run
            if isinstance(node.op, ast.UAdd):
                return operand
            if operand.is_literal:
                return _Node(NUMBER, lambda facts: -operand.literal, literal=-operand.literal, is_literal=True)
            return _Node(NUMBER, lambda facts: None if (v := run(facts)) is None else -v)
        raise ExpressionError(f"'{ast.unparse(node)}' is not allowed", _column(node))

    def _visit_BinOp(self, node: ast.BinOp) -> _Node:
        symbol = _ARITH.get(type(node.op))
        if symbol is None:
            raise ExpressionError(f"the operator in '{ast.unparse(node)}' is not allowed; use + - * /", _column(node))
        left, right = self.visit(node.left), self.visit(node.right)
        if left.type != NUMBER or right.type != NUMBER:
            raise ExpressionError(f"'{ast.unparse(node)}': {symbol} needs numbers on both sides", _column(node))
        lrun, rrun = left.run, right.run

        def run(facts: Mapping[str, Any]) -> Decimal | None:
            a, b = lrun(facts), rrun(facts)
            if a is None or b is None:
                return None
            try:
                if symbol == "+":
                    return a + b
                if symbol == "-":
                    return a - b
                if symbol == "*":
                    return a * b
                return a / b
            except (DivisionByZero, InvalidOperation):
                return None  # x / 0 is "not set", not an error in the middle of a case

        return _Node(NUMBER, run)

    def _visit_Compare(self, node: ast.Compare) -> _Node:
        operands = [self.visit(node.left), *(self.visit(c) for c in node.comparators)]
        tests = []
        for i, op in enumerate(node.ops):
            symbol = _COMPARE.get(type(op))
            if symbol is None:
                raise ExpressionError(
                    f"'{ast.unparse(node)}': use == != < <= > >= in or not in (not 'is')", _column(node)
                )
            left, right = operands[i], operands[i + 1]
            left, right = self._coerce(left, right, node), self._coerce(right, left, node)
            tests.append(self._comparison(symbol, left, right, node))
        if len(tests) == 1:
            return _Node(BOOL, tests[0])
        return _Node(BOOL, lambda facts: all(test(facts) for test in tests))

    def _coerce(self, node: _Node, other: _Node, where: ast.AST) -> _Node:
        """A string literal compared with a date or datetime fact is that date ("2026-03-01")."""
        if node.is_literal and node.type == TEXT and other.type in (DATE, DATETIME):
            try:
                value = (
                    dt.date.fromisoformat(node.literal)
                    if other.type == DATE
                    else dt.datetime.fromisoformat(node.literal)
                )
            except ValueError:
                raise ExpressionError(f"'{node.literal}' is not a {other.type} like 2026-03-01", _column(where))
            return _Node(other.type, lambda facts: value, literal=value, is_literal=True)
        return node

    def _check_option(self, fact_node: _Node, literal: Any, where: ast.AST) -> None:
        fact = fact_node.fact
        if fact is None or fact.options is None or not isinstance(literal, str):
            return
        if literal not in fact.options:
            raise ExpressionError(
                f"unknown {fact.noun} '{literal}' for {fact_node.name} (known: {', '.join(fact.options) or 'none'})",
                _column(where),
            )

    def _comparison(self, symbol: str, left: _Node, right: _Node, where: ast.AST) -> Callable[[Mapping], bool]:
        text = ast.unparse(where)
        lrun, rrun = left.run, right.run
        if symbol in ("in", "not in"):
            if right.type.startswith(LIST + ":"):
                element = right.type.split(":", 1)[1]
                if left.type not in (element, _NULL) and right.literal:
                    raise ExpressionError(f"'{text}': a {left.type} cannot be in a list of {element}s", _column(where))
                for value in right.literal:
                    self._check_option(left, value, where)
            elif right.type == LIST:
                if left.type not in (TEXT, _NULL):
                    raise ExpressionError(f"'{text}': only text can be in {right.name}", _column(where))
                if left.is_literal:
                    self._check_option(right, left.literal, where)
            else:
                raise ExpressionError(f"'{text}': 'in' needs a list on its right, like [\"a\", \"b\"]", _column(where))
            negate = symbol == "not in"

            def contains(facts: Mapping[str, Any]) -> bool:
                value, values = lrun(facts), rrun(facts)
                found = value is not None and values is not None and value in values
                return not found if negate else found

            return contains
        if left.type == LIST or right.type == LIST or LIST + ":" in left.type + right.type:
            raise ExpressionError(f"'{text}': compare a list with 'in', e.g. \"a\" in fields.tags", _column(where))
        if symbol in ("==", "!="):
            if _NULL not in (left.type, right.type) and left.type != right.type:
                raise ExpressionError(f"'{text}' compares a {left.type} with a {right.type}", _column(where))
            if right.is_literal:
                self._check_option(left, right.literal, where)
            if left.is_literal:
                self._check_option(right, left.literal, where)
            negate = symbol == "!="

            def equal(facts: Mapping[str, Any]) -> bool:
                same = lrun(facts) == rrun(facts)
                return not same if negate else same

            return equal
        if left.type != right.type or left.type not in _ORDERED:
            raise ExpressionError(
                f"'{text}': {symbol} compares numbers, dates or datetimes of the same kind "
                f"(here a {left.type} and a {right.type})",
                _column(where),
            )
        compare = {
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
        }[symbol]

        def ordered(facts: Mapping[str, Any]) -> bool:
            a, b = lrun(facts), rrun(facts)
            if a is None or b is None:
                return False
            try:
                return bool(compare(a, b))
            except TypeError:  # an aware and a naive datetime: not comparable, so not true
                return False

        return ordered
