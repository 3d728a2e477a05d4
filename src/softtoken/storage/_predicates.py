"""Predicates of the row-store port, evaluated in Python (the memory adapter) and shared
checks for every adapter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from softtoken.ports import Predicate, Row

__all__ = ["matches", "sort_rows"]


def _holds(value: Any, op: str, operand: Any) -> bool:
    if op == "is_null":
        return value is None
    if op == "not_null":
        return value is not None
    if op == "in":
        return value in operand
    if op == "=":
        return bool(value == operand)
    if op == "!=":
        return value is not None and bool(value != operand)
    # SQL semantics: comparing with NULL is never true.
    if value is None or operand is None:
        return False
    if op == "<":
        return bool(value < operand)
    if op == "<=":
        return bool(value <= operand)
    if op == ">":
        return bool(value > operand)
    if op == ">=":
        return bool(value >= operand)
    msg = f"unknown operator {op!r}"
    raise ValueError(msg)


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
