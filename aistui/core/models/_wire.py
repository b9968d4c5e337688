"""Lenient readers of decoded JSON fields, shared by the model parsers: a missing or null field
gives the default, a field of the wrong type raises :class:`~aistui.core.errors.ProtocolError`
naming it. The models import them under short private names (``_s``, ``_i``, ``_f``, ``_d``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from ..errors import ProtocolError


def str_field(d: Mapping[str, Any], key: str, default: str = "") -> str:
    v = d.get(key, default)
    return default if v is None else str(v)


def int_field(d: Mapping[str, Any], key: str, default: int = 0) -> int:
    v = d.get(key, default)
    if v is None or v == "":
        return default
    try:
        return int(v)
    except (TypeError, ValueError, OverflowError):
        try:
            return int(float(v))
        except (TypeError, ValueError, OverflowError):  # OverflowError: "inf", 1e400
            raise ProtocolError(key, f"expected an integer, got {v!r}") from None


def float_field(d: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    v = d.get(key, default)
    if v is None or v == "":
        return default
    try:
        return float(v)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int past 1e308
        raise ProtocolError(key, f"expected a number, got {v!r}") from None


def dict_field(v: Any, what: str) -> dict[str, Any]:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise ProtocolError(what, f"expected an object, got {type(v).__name__}")
    return cast("dict[str, Any]", v)
