"""Type guards for decoded JSON (``AISClient.decode_json`` returns ``Any``): ``isinstance(v, dict)``
would narrow to ``dict[Unknown, Unknown]``; these narrow to the types the parsers read."""

from __future__ import annotations

from typing import Any, TypeGuard

__all__ = ["is_dict", "is_list"]


def is_dict(v: object) -> TypeGuard[dict[str, Any]]:
    """``isinstance(v, dict)``: a JSON object."""
    return isinstance(v, dict)


def is_list(v: object) -> TypeGuard[list[Any]]:
    """``isinstance(v, list)``: a JSON array."""
    return isinstance(v, list)
