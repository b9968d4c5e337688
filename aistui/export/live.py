"""The live dry-run's figures: the bottleneck of one second of the loader.

Pure functions over the harness's ``tick`` events (:mod:`aistui.export.harness`, units: samples/s,
MiB/s with MiB = 2^20 bytes, ms, CPU in cores) and the references of the first reference run
(:func:`aistui.export.figures.summarize_refs`). No torch, no aistore.
"""

from __future__ import annotations

from typing import Any

from .figures import STAGE_NAMES, add_ratios

__all__ = ["tick_bottleneck", "bottleneck_text"]


def tick_bottleneck(tick: dict[str, Any], refs: dict[str, Any] | None, cpus: int, workers: int) -> str | None:
    """The bottleneck stage of one second (``get``, ``decode`` or ``loader``; None without
    references or samples), by the dry-run's rule (:func:`aistui.export.figures.add_ratios`):
    the reference with the least headroom over the loader's samples/s in that second."""
    if not refs or not tick.get("samples_per_s"):
        return None
    run: dict[str, Any] = {"workers": workers, "steady": {"samples_per_s": tick["samples_per_s"]}}
    add_ratios(run, refs, max(1, cpus))
    return run["bottleneck"]


def bottleneck_text(stage: str | None) -> str:
    """The stage's words (:data:`aistui.export.figures.STAGE_NAMES`), ``-`` for none."""
    return STAGE_NAMES.get(stage, stage) if stage else "-"
