"""Dry-run arithmetic on synthetic harness events (no cluster, no torch): warm-up exclusion,
counts, units, percentiles, ratios and the bottleneck; and that the console never imports
torch or aistore."""

from __future__ import annotations

import subprocess
import sys

import jsonschema

from aistui.export.dryrun import (
    MIB,
    SCHEMA,
    add_ratios,
    percentile,
    summarize_refs,
    summarize_run,
    verdict,
    warmup_batches,
)


def batches(n, *, every=0.1, size=10, nbytes=10 * 1024, first=1.0):
    return [{"i": i, "n": size, "bytes": nbytes, "wait_s": 0.5 if i == 0 else 0.01, "t_s": first + i * every}
            for i in range(n)]


DONE = {"reason": "batches", "ttfb_s": 1.0, "listing_main_s": 0.2, "listing_workers_s": 0.1,
        "workers_start_s": 0.3, "wall_s": 10.0, "cpu_main_s": 3.0, "cpu_workers_s": 5.0, "cpu_sys_s": 1.0}


def test_warmup_is_at_least_three_batches_and_two_seconds_but_at_most_half():
    assert warmup_batches(batches(100, every=0.1), 0) == 21  # 2 s after the first batch
    assert warmup_batches(batches(100, every=1.0), 0) == 3
    assert warmup_batches(batches(100, every=1.0), 4) == 16   # 2 x workers x prefetch 2
    assert warmup_batches(batches(6, every=1.0), 4) == 3      # capped at half
    assert warmup_batches(batches(1), 0) == 0


def test_summary_counts_and_units():
    run = summarize_run(2, batches(100, every=0.1), DONE)
    assert run["samples"] == 1000 and run["bytes"] == 100 * 10 * 1024 and run["batches"] == 100
    s = run["steady"]
    assert s["warmup_batches"] == 21 and s["batches"] == 79 and s["samples"] == 790
    assert abs(s["seconds"] - 7.9) < 1e-6
    assert abs(s["samples_per_s"] - 100.0) < 1e-3
    assert abs(s["mib_per_s"] - 790 * 1024 / MIB / 7.9) < 1e-3
    t = run["ttfb"]
    assert t["total_s"] == 1.0 and abs(t["listing_s"] - 0.3) < 1e-9 and t["workers_s"] == 0.3
    assert abs(t["listing_s"] + t["workers_s"] + t["first_batch_s"] - t["total_s"]) < 1e-6
    assert run["wait_ms"] == {"n": 79, "p50": 10.0, "p99": 10.0, "p99_is_max": True}
    assert run["cpu"]["cores"] == 0.8


def test_percentile_nearest_rank():
    v = list(range(1, 101))
    assert percentile(v, 50) == 50 and percentile(v, 99) == 99 and percentile(v, 100) == 100
    assert percentile([], 50) is None


def test_ratios_name_the_bottleneck():
    source = {"objects": 10, "samples": 100, "object_bytes": 1, "sample_bytes": 1}
    refs = summarize_refs([{"objects": 50, "bytes": 50 * MIB, "seconds": 1.0, "concurrency": 16},
                           {"objects": 30, "bytes": 30 * MIB, "seconds": 1.0}],
                          {"images": 100, "seconds": 1.0, "resize": 0}, source)
    assert refs["get"]["objects_per_s"] == 40.0 and refs["get"]["samples_per_s"] == 400.0  # 10 samples/shard
    run = summarize_run(2, batches(100, every=0.1), DONE)  # 100 samples/s
    add_ratios(run, refs, cpus=2)
    assert run["ratios"] == {"get": 4.0, "decode": 2.0}  # decode: 100 images/s/core x 2 cores
    assert run["bottleneck"] == "decode"
    add_ratios(run, {"get": refs["get"], "decode": None}, cpus=2)
    assert run["bottleneck"] == "loader"  # 4x headroom on every reference
    result = {"runs": [run], "references": refs}
    assert "25% of the GET ceiling" in verdict(result)


def test_schema_accepts_a_summary_and_rejects_a_broken_one():
    run = summarize_run(0, batches(10), DONE)
    add_ratios(run, {"get": None, "decode": None}, cpus=2)
    doc = {"schema": "aistui.dryrun/1", "spec": {"bucket": "ais://b", "prefix": "", "style": "iter", "batch_size": 10},
           "setup": {"python": "3.11", "torch": "2", "aistore": "1.26.0", "start_method": "fork", "cpus": 2},
           "limits": {"max_batches": 10, "max_seconds": 5}, "source": {"objects": 1, "object_bytes": 1, "samples": 1,
                                                                        "sample_bytes": 1},
           "references": {"get": None, "decode": None}, "runs": [run], "verdict": "x"}
    jsonschema.validate(doc, SCHEMA)
    doc["runs"][0]["samples"] = -1
    try:
        jsonschema.validate(doc, SCHEMA)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("a negative sample count passed the schema")


PROBE = """
import asyncio, sys
from aistui.app import AISTui
from aistui.core import Bck, ConnectionSettings
from aistui.screens.export import ExportScreen
import aistui.cli, aistui.exportcli, aistui.export.dryrun, aistui.export.discover

async def main():
    app = AISTui(ConnectionSettings(endpoint="http://127.0.0.1:1"), refresh_s=3600, image_protocol="halfcell")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(ExportScreen(Bck.parse("ais://digits"), "train/"))
        # until the code shows (tests.util.until inlined: importing tests here would import more than the console)
        for _ in range(400):
            if "AISIterDataset" in getattr(app.screen, "code", ""):
                break
            await pilot.pause(0.05)
        assert "AISIterDataset" in app.screen_stack[-1].code or "AISIterDataset" in app.screen.code
asyncio.run(main())
print("BAD", ",".join(sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "aistore"))))
"""


def test_console_and_export_screen_do_not_import_torch_or_aistore():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "BAD \n" in out.stdout or out.stdout.strip().endswith("BAD"), out.stdout
