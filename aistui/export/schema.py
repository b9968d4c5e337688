"""The JSON Schema of the loader dry-run's result (``aistui export --dry-run --json``,
:func:`aistui.export.dryrun.dry_run`'s last event)."""

from __future__ import annotations

from typing import Any

__all__ = ["SCHEMA", "SCHEMA_ID"]

SCHEMA_ID = "aistui.dryrun/1"

_NUM = {"type": ["number", "null"]}
_RUN = {
    "type": "object",
    "required": ["workers", "reason", "batches", "samples", "bytes", "ttfb", "steady", "wait_ms", "cpu",
                 "ratios", "bottleneck"],
    "properties": {
        "workers": {"type": "integer", "minimum": 0},
        "reason": {"enum": ["batches", "seconds", "exhausted", "error"]},
        "batches": {"type": "integer", "minimum": 0},
        "samples": {"type": "integer", "minimum": 0},
        "bytes": {"type": "integer", "minimum": 0},
        "ttfb": {"type": ["object", "null"], "required": ["total_s", "listing_s", "workers_s", "first_batch_s"],
                 "properties": {k: {"type": "number", "minimum": 0}
                                for k in ("total_s", "listing_s", "workers_s", "first_batch_s")}},
        "steady": {"type": "object",
                   "required": ["warmup_batches", "batches", "samples", "bytes", "seconds", "samples_per_s",
                                "mib_per_s"],
                   "properties": {"warmup_batches": {"type": "integer"}, "batches": {"type": "integer"},
                                  "samples": {"type": "integer"}, "bytes": {"type": "integer"},
                                  "seconds": {"type": "number"}, "samples_per_s": _NUM, "mib_per_s": _NUM}},
        "wait_ms": {"type": "object", "required": ["n", "p50", "p99", "p99_is_max"],
                    "properties": {"n": {"type": "integer"}, "p50": _NUM, "p99": _NUM,
                                   "p99_is_max": {"type": "boolean"}}},
        "cpu": {"type": "object", "required": ["main_s", "workers_s", "sys_s", "wall_s", "cores"],
                "properties": {"main_s": {"type": "number"}, "workers_s": {"type": "number"},
                               "sys_s": {"type": "number"}, "wall_s": {"type": "number"}, "cores": _NUM}},
        "ratios": {"type": "object", "additionalProperties": _NUM},
        "bottleneck": {"enum": [None, "get", "decode", "loader"]},
    },
}

#: JSON Schema (draft 2020-12) of the dry-run result (``aistui export --dry-run --json``).
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "type": "object",
    "required": ["schema", "spec", "setup", "limits", "source", "references", "runs", "verdict"],
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "spec": {"type": "object", "required": ["bucket", "prefix", "style", "batch_size"]},
        "setup": {"type": "object", "required": ["python", "torch", "aistore", "start_method", "cpus"]},
        "limits": {"type": "object", "required": ["max_batches", "max_seconds"]},
        "source": {"type": "object", "required": ["objects", "object_bytes", "samples", "sample_bytes"],
                   "properties": {k: {"type": "integer", "minimum": 0}
                                  for k in ("objects", "object_bytes", "samples", "sample_bytes")}},
        "references": {"type": "object", "required": ["get", "decode"],
                       "properties": {
                           "get": {"type": ["object", "null"],
                                   "required": ["runs", "objects_per_s", "mib_per_s", "samples_per_s"]},
                           "decode": {"type": ["object", "null"], "required": ["images", "seconds",
                                                                                "images_per_s_core"]}}},
        "runs": {"type": "array", "items": _RUN},
        "verdict": {"type": "string"},
    },
}
