"""Generated loader code, executed against the real local cluster.

Every style, with and without labels and image decoding, is generated, written to a file and run
in one child process (torch is imported once there) that iterates each module's DataLoader and
reports every sample: the test checks the samples equal the bucket's objects name for name and
byte for byte (or decoded image for decoded image, against Pillow in this process). Then the
dry-run (through the CLI, as scripts use it) is checked for consistency and against the JSON
schema, and cancelling it leaves no loader process behind.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

import jsonschema
import numpy as np
import pytest
from PIL import Image

from aistui.core import AISClient, Bck
from aistui.export.dryrun import SCHEMA, DryRunConfig, dry_run
from aistui.export.snippet import ExportSpec, generate
from aistui.playground.demo import digits, make_shards
from tests.util import unique

pytestmark = pytest.mark.cluster

N = 120          # digit images in class folders train/<label 0-9>/
SHARD = 40       # samples per shard
RESIZE = 16


@pytest.fixture(scope="module")
def data(ais):
    """``ais://<imgs>`` with ``train/<label>/<key>.png`` (+ ``labels.json``) and ``ais://<shards>``."""
    samples = list(digits(scale=4, limit=N))
    imgs, shards = Bck.parse(f"ais://{unique('exp')}"), Bck.parse(f"ais://{unique('exps')}")
    objects = {f"train/{s.label}/{s.key}.png": s.data for s in samples}
    tars = dict(make_shards(samples, SHARD))
    mapping = {s.key: s.label for s in samples}

    async def setup():
        async with AISClient(ais.endpoint) as c:
            await c.buckets.create(imgs)
            await c.buckets.create(shards)
            await asyncio.gather(*(c.objects.put(imgs, n, d) for n, d in objects.items()),
                                 *(c.objects.put(shards, n, d) for n, d in tars.items()),
                                 c.objects.put(imgs, "labels.json", json.dumps(mapping).encode()))

    async def teardown():
        async with AISClient(ais.endpoint) as c:
            await c.buckets.destroy(imgs, missing_ok=True)
            await c.buckets.destroy(shards, missing_ok=True)

    asyncio.run(setup())
    yield {"imgs": imgs, "shards": shards, "objects": objects, "tars": tars, "mapping": mapping,
           "classes": [str(i) for i in range(10)], "endpoint": ais.endpoint}
    asyncio.run(teardown())


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def decoded(b: bytes) -> str:
    """What ``decode`` yields, as the child reports it: sha of the (H, W, 3) uint8 pixels."""
    img = Image.open(io.BytesIO(b)).convert("RGB").resize((RESIZE, RESIZE))
    return sha(np.array(img).tobytes())


# Runs in the child: import each module, iterate make_loader(num_workers=W), print per-sample facts.
RUNNER = r'''
import importlib.util, json, sys, hashlib, os
import torch

def sha(b):
    return hashlib.sha256(b).hexdigest()

def fact(x):
    if isinstance(x, torch.Tensor):
        return {"img": sha(x.permute(1, 2, 0).contiguous().numpy().tobytes()), "shape": list(x.shape)}
    if isinstance(x, (bytes, bytearray)):
        return sha(bytes(x))
    if isinstance(x, dict):
        return {k: sha(v) for k, v in x.items() if v}
    raise TypeError(type(x))

jobs = json.loads(sys.argv[1])
if any(j.get("ddp") for j in jobs):
    import torch.distributed as dist
    dist.init_process_group("gloo", init_method="tcp://127.0.0.1:%d" % int(sys.argv[2]), rank=0, world_size=1)
out = {}
for j in jobs:
    spec = importlib.util.spec_from_file_location(j["id"], j["path"])
    mod = importlib.util.module_from_spec(spec)
    sys.modules[j["id"]] = mod
    spec.loader.exec_module(mod)
    got = []
    for batch in mod.make_loader(num_workers=j["workers"], batch_size=7):
        fields = list(batch)
        names = fields[0]
        for i, name in enumerate(names):
            data = fields[1]
            x = data[i] if not isinstance(data, dict) else {k: v[i] for k, v in data.items()}
            label = None
            if len(fields) > 2:
                label = int(fields[2][i])
            got.append([name, fact(x), label])
    out[j["id"]] = got
print(json.dumps(out))
'''

CASES = [
    # id, style, options, workers
    ("iter_raw", "iter", {}, 2),
    ("iter_folder_decode", "iter", {"labels": "folder", "decode": True, "resize": RESIZE, "shuffle": True}, 0),
    ("iter_mapping", "iter", {"labels": "mapping"}, 0),
    ("iter_ddp_sel", "iter", {"ddp": True, "selection": True}, 2),
    ("map_raw", "map", {}, 0),
    ("map_folder_decode", "map", {"labels": "folder", "decode": True, "resize": RESIZE, "shuffle": True}, 2),
    ("map_ddp", "map", {"ddp": True, "labels": "folder"}, 0),
    ("batch_raw", "batch", {}, 0),
    ("batch_folder_decode_sel", "batch", {"labels": "folder", "decode": True, "resize": RESIZE, "selection": True}, 2),
    ("plain_raw", "plain", {}, 2),
    ("plain_folder_decode", "plain", {"labels": "folder", "decode": True, "resize": RESIZE, "shuffle": True}, 0),
    ("plain_mapping_sel", "plain", {"labels": "mapping", "selection": True}, 0),
    ("shard_raw", "shard", {}, 0),
    ("shard_member_decode", "shard", {"labels": "member", "decode": True, "resize": RESIZE}, 2),
    ("shard_mapping", "shard", {"labels": "mapping"}, 0),
]


def test_every_style_yields_the_bucket_objects(data, tmp_path):
    sel = sorted(data["objects"])[::3]  # a one-off selection: every third object
    jobs, specs = [], {}
    for cid, style, opts, workers in CASES:
        opts = dict(opts)
        selection = opts.pop("selection", False)
        bck = data["shards"] if style == "shard" else data["imgs"]
        spec = ExportSpec(bucket=str(bck), prefix="" if style == "shard" else "train/", style=style,
                          classes=data["classes"], label_file=f"{data['imgs']}/labels.json",
                          names=sel if selection else None, default_endpoint="http://127.0.0.1:1", **opts)
        path = tmp_path / f"{cid}.py"
        path.write_text(generate(spec))
        jobs.append({"id": cid, "path": str(path), "workers": workers, "ddp": spec.ddp})
        specs[cid] = (spec, selection)
    env = {**os.environ, "AIS_ENDPOINT": data["endpoint"]}
    env.pop("AIS_AUTHN_TOKEN", None)
    port = 20000 + os.getpid() % 20000
    out = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(jobs), str(port)], capture_output=True,
                         text=True, env=env, timeout=240)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])

    for cid, (spec, selection) in specs.items():
        samples = got[cid]
        if spec.style == "shard":
            want = {}
            for blob in data["tars"].values():
                with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
                    for m in tar.getmembers():
                        key, ext = m.name.split(".", 1)
                        want.setdefault(key, {})[ext] = tar.extractfile(m).read()
            expect = {}
            for key, members in want.items():
                label = None if spec.labels == "none" else (
                    int(members["cls"]) if spec.labels == "member" else data["mapping"][key])
                x = {"img": decoded(members["png"]), "shape": [3, RESIZE, RESIZE]} if spec.decode else \
                    {k: sha(v) for k, v in members.items()}
                expect[key] = [x, label]
        else:
            names = sel if selection else sorted(data["objects"])
            expect = {}
            for name in names:
                b = data["objects"][name]
                label = {"none": None, "folder": int(name.split("/")[-2]),
                         "mapping": data["mapping"][name.rsplit("/", 1)[-1].split(".")[0]]}[spec.labels]
                expect[name] = [{"img": decoded(b), "shape": [3, RESIZE, RESIZE]} if spec.decode else sha(b), label]
        names_got = [s[0] for s in samples]
        assert len(names_got) == len(set(names_got)), f"{cid}: a sample came twice"
        assert {s[0]: [s[1], s[2]] for s in samples} == expect, cid


def run_cli(args: list[str], endpoint: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "AIS_ENDPOINT": endpoint}
    return subprocess.run([sys.executable, "-m", "aistui.cli", "export", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_cli_writes_the_code_and_dry_run_json_is_consistent(data, tmp_path):
    out_file = tmp_path / "loader.py"
    r = run_cli(["--bucket", str(data["imgs"]), "--prefix", "train/", "--style", "map", "--labels", "folder",
                 "--decode", "--resize", str(RESIZE), "--batch-size", "16", "--out", str(out_file),
                 "--dry-run", "--workers", "0,2", "--batches", "1000", "--seconds", "120", "--json"],
                data["endpoint"])
    assert r.returncode == 0, r.stderr[-3000:]
    code = out_file.read_text()
    assert 'CLASSES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]' in code  # found on the cluster
    result = json.loads(r.stdout)
    jsonschema.validate(result, SCHEMA)
    total_bytes = sum(len(b) for b in data["objects"].values())
    assert result["source"] == {"objects": N, "object_bytes": total_bytes, "samples": N, "sample_bytes": total_bytes}
    assert [run["workers"] for run in result["runs"]] == [0, 2]
    for run in result["runs"]:
        # The limits allow the whole prefix: every object once, every byte counted.
        assert run["reason"] == "exhausted" and run["samples"] == N and run["bytes"] == total_bytes
        assert run["batches"] == -(-N // 16)
        s = run["steady"]
        assert 0 < s["batches"] == run["batches"] - s["warmup_batches"]
        assert s["samples"] <= run["samples"] and s["bytes"] <= run["bytes"]
        t = run["ttfb"]
        parts = t["listing_s"] + t["workers_s"] + t["first_batch_s"]
        assert abs(parts - t["total_s"]) < 1e-3 and t["total_s"] <= run["cpu"]["wall_s"]
        assert t["listing_s"] > 0  # AISMapDataset lists in its constructor
        assert s["samples_per_s"] > 0 and run["wait_ms"]["p50"] <= run["wait_ms"]["p99"]
        assert set(run["ratios"]) == {"get", "decode"} and run["bottleneck"] in ("get", "decode", "loader")
    assert result["references"]["get"]["objects_per_s"] > 0
    assert result["references"]["decode"]["images"] > 0
    assert "best: num_workers=" in result["verdict"]


def test_dry_run_never_writes_and_cancel_stops_the_processes(data):
    import psutil

    async def main():
        async with AISClient(data["endpoint"]) as c:
            before = [(e.name, e.size) for e in await c.objects.list_all(data["imgs"])]
        spec = ExportSpec(bucket=str(data["imgs"]), prefix="train/", style="iter", batch_size=1)
        cfg = DryRunConfig(workers=[2], max_batches=10_000, max_seconds=120, endpoint=data["endpoint"])
        gen = dry_run(spec, cfg)

        def loaders():  # the harness and its DataLoader workers (the cluster's nodes are children too)
            out = []
            for p in psutil.Process().children(recursive=True):
                try:
                    if p.status() != psutil.STATUS_ZOMBIE and "aistui.export" in " ".join(p.cmdline()):
                        out.append(p)
                except psutil.NoSuchProcess:
                    pass
            return out

        # the harness and its two workers, seen while batches flow (between two epochs over this
        # small selection the DataLoader's workers exit and new ones start: not every moment has 3)
        async for ev in gen:
            if ev["kind"] == "batch" and ev["batches"] >= 3 and len(loaders()) == 3:
                break
        else:
            raise AssertionError("the dry-run ended before its harness and two workers were seen")
        await gen.aclose()  # what leaving the dry-run (or cancelling its worker) does
        assert not loaders()
        async with AISClient(data["endpoint"]) as c:
            after = [(e.name, e.size) for e in await c.objects.list_all(data["imgs"])]
        assert after == before

    asyncio.run(main())
