"""The export screen's results, in the forms it shows them: the dry-run's table rows (one per
``num_workers``, :data:`COLUMNS`) and its bar chart of samples/s against the references (a Rich
table), and the tuner's plot series. Built from the result dicts of
:func:`aistui.export.dryrun.dry_run` and :func:`aistui.export.tune.tune`; no Textual."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

COLUMNS = ("workers", "TTFB s", "list s", "start s", "1st s", "samples/s", "MiB/s", "wait p50 ms",
           "p99 ms", "CPU", "GET x", "dec x", "bottleneck")


def cell(v, fmt: str) -> str:
    """``v`` formatted with ``fmt``, or "-" when it is not a number."""
    return format(v, fmt) if isinstance(v, (int, float)) else "-"


def result_rows(result: dict) -> list[tuple[str, ...]]:
    """The results table's rows (one per ``num_workers``)."""
    rows = []
    for r in result["runs"]:
        t, s, w = r["ttfb"] or {}, r["steady"], r["wait_ms"]
        p99 = cell(w["p99"], ".1f") + ("*" if w["p99_is_max"] and w["p99"] is not None else "")
        rows.append((str(r["workers"]), cell(t.get("total_s"), ".2f"), cell(t.get("listing_s"), ".2f"),
                     cell(t.get("workers_s"), ".2f"), cell(t.get("first_batch_s"), ".2f"),
                     cell(s["samples_per_s"], ",.0f"), cell(s["mib_per_s"], ",.2f"), cell(w["p50"], ".1f"), p99,
                     cell(r["cpu"]["cores"], ".2f"), cell(r["ratios"].get("get"), ".2f"),
                     cell(r["ratios"].get("decode"), ".2f"), r.get("bottleneck") or "-"))
    return rows


def point_key(p: dict) -> tuple:
    """What tells the tuner's points apart: style, num_workers, batch size, requests in flight."""
    return (p["style"], p["workers"], p["batch_size"], p["inflight"])


def plot_series(points: list[dict]) -> list[tuple[str, list[int], list[float]]]:
    """``[(style, num_workers values, samples/s)]`` for the tuner's plot: per style, the best
    rate at each ``num_workers`` (over batch sizes and requests in flight), sorted by workers."""
    best: dict[str, dict[int, float]] = {}
    for p in points:
        if p["samples_per_s"]:
            per = best.setdefault(p["style"], {})
            per[p["workers"]] = max(per.get(p["workers"], 0.0), p["samples_per_s"])
    return [(style, sorted(per), [per[w] for w in sorted(per)]) for style, per in best.items()]


def result_chart(result: dict, width: int = 40) -> Table:
    """Bars of steady samples/s per ``num_workers``, with the references on the same scale."""
    bars: list[tuple[str, float, str]] = []
    for r in result["runs"]:
        bars.append((f"workers={r['workers']}", r["steady"]["samples_per_s"] or 0.0, "green"))
    refs = result["references"]
    if refs.get("get"):
        bars.append(("raw GET", refs["get"]["samples_per_s"], "cyan"))
    if refs.get("decode"):
        bars.append(("decode/core", refs["decode"]["images_per_s_core"], "magenta"))
    top = max((v for _, v, _ in bars), default=0.0) or 1.0
    t = Table.grid(padding=(0, 1))
    t.add_column(justify="right")
    t.add_column()
    t.add_column(justify="right")
    for name, v, color in bars:
        n = int(round(width * v / top))
        t.add_row(name, Text("█" * n + "·" * (width - n), style=color), f"{v:,.0f}/s")
    return t


def tune_rows(points: list[dict]) -> list[tuple[str, ...]]:
    """The tuner's points as rows of the results table (:data:`COLUMNS`), fastest first:
    ``style:num_workers``, samples/s, MiB/s, the GET ratio, and batch size, requests in flight
    and the bottleneck in the last column."""
    return [(f"{p['style']}:{p['workers']}", "-", "-", "-", "-", cell(p["samples_per_s"], ",.0f"),
             cell(p["mib_per_s"], ",.2f"), "-", "-", "-",
             cell(1 / p["get_share"] if p.get("get_share") else None, ".2f"), "-",
             f"bs={p['batch_size']}" + (f" k={p['inflight']}" if p["inflight"] is not None else "")
             + f" {p.get('bottleneck') or '-'}")
            for p in sorted(points, key=lambda p: -(p["samples_per_s"] or 0))]
