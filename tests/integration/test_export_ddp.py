"""DDP dry-run on the real local cluster: the generated loader run as N gloo ranks on this machine
(aistui.export.ddp through the harness), one epoch each, and the coverage check: the ranks
together read every sample exactly once (a DistributedSampler's padding to even the ranks named
as such). 2 and 3 ranks (3 is an uneven split of 50 objects), the fork, spawn and forkserver
start methods; and a loader without its DDP mode is caught reading everything on every rank.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

from aistui.core import AISClient, Bck
from aistui.export.ddp import coverage, ddp_run
from aistui.export.dryrun import DryRunConfig
from aistui.export.snippet import ExportSpec, generate
from aistui.playground.demo import digits, make_shards
from tests.util import unique

pytestmark = pytest.mark.cluster

N = 50           # flat objects: 50 = 3 x 16 + 2, an uneven split over 3 ranks
SHARDS = 5       # shards of 8 digit samples: 40 samples


@pytest.fixture(scope="module")
def data(ais):
    flat, shards = Bck.parse(f"ais://{unique('ddp')}"), Bck.parse(f"ais://{unique('ddps')}")
    objects = {f"d/{i:03d}.bin": bytes([i]) * (100 + i) for i in range(N)}
    samples = list(digits(scale=1, limit=SHARDS * 8))
    tars = dict(make_shards(samples, 8))

    async def setup():
        async with AISClient(ais.endpoint) as c:
            await c.buckets.create(flat)
            await c.buckets.create(shards)
            await asyncio.gather(*(c.objects.put(flat, n, d) for n, d in objects.items()),
                                 *(c.objects.put(shards, n, d) for n, d in tars.items()))

    async def teardown():
        async with AISClient(ais.endpoint) as c:
            await c.buckets.destroy(flat, missing_ok=True)
            await c.buckets.destroy(shards, missing_ok=True)

    asyncio.run(setup())
    yield {"flat": flat, "shards": shards, "objects": objects, "samples": [s.key for s in samples],
           "endpoint": ais.endpoint}
    asyncio.run(teardown())


def run(spec: ExportSpec, endpoint: str, ranks: int, method: str, code: str | None = None) -> dict:
    async def go() -> dict:
        got: dict = {}
        async for ev in ddp_run(spec, DryRunConfig(endpoint=endpoint), ranks, start_method=method, code=code):
            if ev["kind"] == "ddp":
                got = ev["result"]
        return got
    return asyncio.run(go())


@pytest.mark.parametrize(("style", "ranks", "method"), [
    ("map", 3, "fork"),          # DistributedSampler: 50 over 3 ranks pads 1 sample
    ("iter", 3, "fork"),         # the per-rank split of the names (AISIterDataset)
    ("pipe", 2, "forkserver"),   # get-batch requests, names split per rank
])
def test_ranks_read_every_object_once(data, style, ranks, method):
    spec = ExportSpec(bucket=str(data["flat"]), prefix="d/", style=style, batch_size=8, shuffle=style == "map",
                      seed=3)
    res = run(spec, data["endpoint"], ranks, method)
    cov = res["coverage"]
    assert cov["ok"], cov
    assert (cov["samples"], cov["missing"], cov["overlap"], cov["unexpected"]) == (N, 0, 0, 0)
    assert cov["padding"] == (1 if style == "map" else 0)
    assert cov["reads"] == N + cov["padding"]
    assert [r["rank"] for r in res["per_rank"]] == list(range(ranks))
    shares = sorted(r["samples"] for r in res["per_rank"])
    assert shares[-1] - shares[0] <= (0 if style == "map" else 8)  # even (padded) or near-even
    assert all(r["samples_per_s"] and r["samples_per_s"] > 0 for r in res["per_rank"])
    assert res["samples_per_s"] > 0 and res["start_method"] == method
    assert sum(r["bytes"] for r in res["per_rank"]) >= sum(len(v) for v in data["objects"].values())


def test_shards_split_per_rank(data):
    spec = ExportSpec(bucket=str(data["shards"]), style="shard", batch_size=4)
    res = run(spec, data["endpoint"], 2, "spawn")
    cov = res["coverage"]
    assert cov["ok"] and cov["samples"] == len(data["samples"]) and cov["reads"] == cov["samples"], cov
    assert sorted(r["samples"] for r in res["per_rank"]) == [16, 24]  # whole shards: 2 and 3 of 8 samples


def test_a_loader_without_its_ddp_mode_is_caught(data):
    """The same iterable loader generated without DDP: every rank reads every object."""
    spec = ExportSpec(bucket=str(data["flat"]), prefix="d/", style="iter", batch_size=8)
    res = run(spec, data["endpoint"], 2, "fork", code=generate(spec))
    cov = res["coverage"]
    assert not cov["ok"] and cov["overlap"] == N and cov["reads"] == 2 * N and cov["missing"] == 0


def test_coverage_names_what_is_wrong():
    assert coverage(["a", "b", "c"], [["a"], ["b", "c"]], padded=False)["ok"]
    bad = coverage(["a", "b", "c"], [["a", "b"], ["b"]], padded=False)
    assert (bad["ok"], bad["missing"], bad["overlap"], bad["examples"]["missing"]) == (False, 1, 1, ["c"])
    pad = coverage(["a", "b", "c"], [["a", "b"], ["c", "a"]], padded=True)  # ceil(3/2)*2 - 3 = 1
    assert pad["ok"] and pad["padding"] == 1 and pad["overlap"] == 0
    assert not coverage(["a", "b", "c"], [["a", "b"], ["c", "a"]], padded=False)["ok"]
    assert not coverage(["a"], [["a"], ["z"]], padded=False)["ok"]


def test_headless_ranks(data):
    out = subprocess.run([sys.executable, "-m", "aistui", "--endpoint", data["endpoint"], "export",
                          "--bucket", str(data["flat"]), "--prefix", "d/", "--style", "iter", "--batch-size", "8",
                          "--dry-run", "--ranks", "2", "--json"],
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["ranks"] == 2 and doc["coverage"]["ok"] and doc["coverage"]["samples"] == N


def test_headless_ranks_write_the_code_the_ranks_run(data, tmp_path):
    """``--ranks`` without ``--ddp``: the file written is the DDP code the ranks ran; ``--ranks``
    without ``--dry-run`` is refused, not ignored."""
    base = [sys.executable, "-m", "aistui", "--endpoint", data["endpoint"], "export", "--bucket", str(data["flat"]),
            "--prefix", "d/", "--style", "iter", "--batch-size", "8", "--ranks", "2"]
    refused = subprocess.run(base, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "--dry-run" in refused.stderr
    out = tmp_path / "loader.py"
    ran = subprocess.run([*base, "--dry-run", "--json", "--out", str(out)], capture_output=True, text=True,
                         timeout=180)
    assert ran.returncode == 0, ran.stderr
    assert "dist.get_rank()" in out.read_text()
