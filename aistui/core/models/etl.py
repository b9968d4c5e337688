"""ETLs: ``ETLInfo`` (``GET /v1/etl``) and ``ETLDetails`` (``GET /v1/etl/<name>``), v1.5.0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._wire import dict_field as _d
from ._wire import int_field as _i
from ._wire import str_field as _s


@dataclass(frozen=True, slots=True)
class ETLInfo:
    """An ETL as listed by ``GET /v1/etl``: name, stage (Initializing/Running/Aborted/Unknown),
    its job id, objects transformed, bytes in and out."""

    name: str
    stage: str
    xaction_id: str
    obj_count: int
    in_bytes: int
    out_bytes: int

    @classmethod
    def from_json(cls, d: Any) -> ETLInfo:
        d = _d(d, "etl")
        return cls(name=_s(d, "id"), stage=_s(d, "stage"), xaction_id=_s(d, "xaction_id"),
                   obj_count=_i(d, "obj_count"), in_bytes=_i(d, "in_bytes"), out_bytes=_i(d, "out_bytes"))


@dataclass(frozen=True, slots=True)
class ETLDetails:
    """``GET /v1/etl/<name>``: the init message and per-object errors ``[(obj, msg, ecode)]``."""

    name: str
    init_msg: Mapping[str, Any]
    obj_errors: tuple[tuple[str, str, int], ...]

    @classmethod
    def from_json(cls, name: str, d: Any) -> ETLDetails:
        d = _d(d, "etl details")
        errs: list[tuple[str, str, int]] = []
        raw: Any = d.get("obj_errors") or []
        for e in raw:
            e = _d(e, "obj_error")
            errs.append((_s(e, "obj_name"), _s(e, "msg"), _i(e, "ecode")))
        return cls(name=name, init_msg=_d(d.get("init_msg"), "init_msg"), obj_errors=tuple(errs))
