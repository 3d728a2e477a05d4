"""Predicates of the row-store port, evaluated in Python (the memory adapter) and shared
checks for every adapter."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from softtoken.ports import Predicate, Row

__all__ = ["matches", "sort_rows"]


def _compare(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    # SQL semantics: comparing with NULL is never true.
    return lambda value, operand: value is not None and operand is not None and test(value, operand)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "is_null": lambda value, _: value is None,
    "not_null": lambda value, _: value is not None,
    "in": lambda value, operand: value in operand,
    "=": lambda value, operand: bool(value == operand),
    "!=": _compare(operator.ne),
    "<": _compare(operator.lt),
    "<=": _compare(operator.le),
    ">": _compare(operator.gt),
    ">=": _compare(operator.ge),
}


def _holds(value: Any, op: str, operand: Any) -> bool:
    return _OPERATORS[op](value, operand)


def matches(row: Mapping[str, object], where: Sequence[Predicate]) -> bool:
    return all(_holds(row[column], op, operand) for column, op, operand in where)


def sort_rows(rows: Iterable[Row], order_by: Sequence[str]) -> list[Row]:
    """Sort like SQL's ORDER BY: the last key first, each stable; NULLs first."""
    out = list(rows)
    for key in reversed(order_by):
        column = key.lstrip("-")
        out.sort(
            key=lambda r, c=column: (r[c] is not None, r[c] if r[c] is not None else 0),  # type: ignore[misc]
            reverse=key.startswith("-"),
        )
    return out
