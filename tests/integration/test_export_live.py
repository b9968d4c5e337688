"""The harness's per-second reports (``--live``) on the real cluster, and its device path with the
device stubbed at the one seam that needs a GPU (``harness_live.open_device``): this machine has no
GPU, so a stub stands in for CUDA's pinned, non-blocking copy and NVML's utilization; everything
else (the generated loader, its GETs, the ticks) is real. Runs the harness in this process."""

from __future__ import annotations

import asyncio
import json

import pytest

from aistui.core import AISClient, Bck
from aistui.export import harness, harness_live
from aistui.export.snippet import ExportSpec, generate
from tests.util import unique

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def objects(ais):
    bck = Bck.parse(f"ais://{unique('livh')}")

    async def put():
        async with AISClient(ais.endpoint) as c:
            await c.buckets.create(bck)
            await asyncio.gather(*(c.objects.put(bck, f"o/{i:04d}", bytes(1024)) for i in range(400)))

    asyncio.run(put())
    yield bck

    async def drop():
        async with AISClient(ais.endpoint) as c:
            await c.buckets.destroy(bck, missing_ok=True)

    asyncio.run(drop())


def run_harness(tmp_path, bck, monkeypatch, capsys, endpoint) -> list[dict]:
    spec = ExportSpec(bucket=str(bck), prefix="o/", style="plain", batch_size=16)
    mod = tmp_path / "live_loader.py"
    mod.write_text(generate(spec))
    sizes = tmp_path / "sizes.json"
    sizes.write_text(json.dumps({f"o/{i:04d}": 1024 for i in range(400)}))
    monkeypatch.setenv("AIS_ENDPOINT", endpoint)
    rc = harness.main(["--module", str(mod), "--workers", "0", "--max-seconds", "5", "--max-batches", "100000",
                       "--sizes", str(sizes), "--live"])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert rc == 0, out[-1]
    return out


def test_ticks_without_a_gpu(ais, objects, tmp_path, monkeypatch, capsys):
    out = run_harness(tmp_path, objects, monkeypatch, capsys, ais.endpoint)
    dev = next(e for e in out if e["ev"] == "device")
    assert dev["name"] is None and "no CUDA device" in dev["note"]
    ticks = [e for e in out if e["ev"] == "tick"]
    assert len(ticks) >= 2
    assert all("h2d_p50_ms" not in t and "gpu_util" not in t for t in ticks)
    batches = [e for e in out if e["ev"] == "batch"]
    assert sum(t["samples"] for t in ticks) <= sum(b["n"] for b in batches)
    busy = [t for t in ticks if t["samples"]]
    assert busy and all(t["samples_per_s"] > 0 and t["wait_p50_ms"] is not None for t in busy)
    assert all(t["wait_p50_ms"] <= t["wait_p99_ms"] for t in busy)
    assert any(t["cpu_main"] > 0 for t in ticks)
    assert busy[0]["mib_per_s"] == pytest.approx(busy[0]["bytes"] / 2**20 / busy[0]["dt_s"], rel=0.01)


class StubDevice:
    """Stands in for harness_live.Device (CUDA): records each batch handed to copy()."""

    name, note = "cuda:0 stub (no GPU on this machine)", ""

    def __init__(self) -> None:
        self.copies = 0

    def copy(self, batch) -> tuple[float, int]:
        self.copies += 1
        return 0.002, 16 * 1024

    def utilization(self) -> float:
        return 57.0


def test_the_device_path_with_the_device_stubbed(ais, objects, tmp_path, monkeypatch, capsys):
    """The device stubbed at harness_live.open_device (this machine has no GPU)."""
    stub = StubDevice()
    monkeypatch.setattr(harness_live, "open_device", lambda want: stub)
    out = run_harness(tmp_path, objects, monkeypatch, capsys, ais.endpoint)
    assert next(e for e in out if e["ev"] == "device")["name"] == stub.name
    batches = [e for e in out if e["ev"] == "batch"]
    assert stub.copies == len(batches) > 0  # every batch went through the copy
    ticks = [t for t in out if t["ev"] == "tick" and t["batches"]]
    assert ticks and all(t["gpu_util"] == 57.0 and t["h2d_p50_ms"] == 2.0 for t in ticks)
    assert all(t["h2d_mib_per_s"] == pytest.approx(t["batches"] * 16 / 1024 / t["dt_s"], rel=0.01) for t in ticks)
