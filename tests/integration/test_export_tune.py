"""The pipe style (K get-batch requests in flight per worker) and the tuner, on the real cluster.

The pipe style's generated code runs in one child process: every object once, byte for byte,
the same order on every run (and listing order with no workers); with 2 workers and a shuffle
too. Then the tuner on a small budget, headless (``aistui export --tune --json``) and on the
export screen (``T``, in a Pilot): points measured in child processes, the pick is the fastest
point, and the pick is written into the code.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys

import pytest

from aistui.core import AISClient, Bck
from aistui.export.snippet import ExportSpec, generate
from tests.util import unique, until

pytestmark = pytest.mark.cluster

N = 150


@pytest.fixture(scope="module")
def objs(ais):
    """``ais://<b>`` with ``N`` small objects under ``train/<class>/`` (distinct bytes each)."""
    bck = Bck.parse(f"ais://{unique('tune')}")
    objects = {f"train/{i % 3}/{i:05d}.bin": hashlib.sha256(str(i).encode()).digest() * (1 + i % 7)
               for i in range(N)}

    async def setup():
        async with AISClient(ais.endpoint) as c:
            await c.buckets.create(bck)
            await asyncio.gather(*(c.objects.put(bck, n, d) for n, d in objects.items()))

    async def teardown():
        async with AISClient(ais.endpoint) as c:
            await c.buckets.destroy(bck, missing_ok=True)

    asyncio.run(setup())
    yield {"bck": bck, "objects": objects, "endpoint": ais.endpoint}
    asyncio.run(teardown())


RUNNER = r'''
import hashlib, importlib.util, json, sys
jobs = json.loads(sys.argv[1])
out = {}
for j in jobs:
    spec = importlib.util.spec_from_file_location(j["id"], j["path"])
    mod = importlib.util.module_from_spec(spec)
    sys.modules[j["id"]] = mod
    spec.loader.exec_module(mod)
    runs = []
    for _ in range(2):
        got = []
        for batch in mod.make_loader(num_workers=j["workers"], batch_size=7):
            for name, data in zip(batch[0], batch[1]):
                got.append([name, hashlib.sha256(bytes(data)).hexdigest()])
        runs.append(got)
    out[j["id"]] = runs
print(json.dumps(out))
'''


def test_pipe_style_reads_every_object_once_in_a_stable_order(objs, tmp_path):
    bck = objs["bck"]
    sel = sorted(objs["objects"])[::4]
    cases = [("pipe_w0", 0, {}), ("pipe_w2", 2, {"inflight": 3, "get_batch_size": 5}),
             ("pipe_shuffle_w2", 2, {"shuffle": True, "seed": 7}), ("pipe_sel_w1", 1, {"names": sel})]
    jobs = []
    for cid, workers, opts in cases:
        spec = ExportSpec(bucket=str(bck), prefix="train/", style="pipe", default_endpoint="http://127.0.0.1:1",
                          **opts)
        path = tmp_path / f"{cid}.py"
        path.write_text(generate(spec))
        jobs.append({"id": cid, "path": str(path), "workers": workers})
    env = {**os.environ, "AIS_ENDPOINT": objs["endpoint"]}
    env.pop("AIS_AUTHN_TOKEN", None)
    out = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(jobs)], capture_output=True, text=True,
                         env=env, timeout=240)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    want = {n: hashlib.sha256(d).hexdigest() for n, d in objs["objects"].items()}
    for cid, _workers, opts in cases:
        first, second = got[cid]
        names = [n for n, _ in first]
        expect = opts.get("names") or sorted(want)
        assert len(names) == len(set(names)) == len(expect), cid  # every object once
        assert {n: h for n, h in first} == {n: want[n] for n in expect}, cid  # byte for byte
        assert first == second, cid  # batches stay in order: the same on every run
    assert [n for n, _ in got["pipe_w0"][0]] == sorted(want)  # no workers: listing order
    assert [n for n, _ in got["pipe_shuffle_w2"][0]] != [n for n, _ in got["pipe_w2"][0]]


def run_cli(args: list[str], endpoint: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "AIS_ENDPOINT": endpoint}
    return subprocess.run([sys.executable, "-m", "aistui.cli", "export", *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_cli_tune_json_prints_the_points_and_writes_the_pick(objs, tmp_path):
    out_file = tmp_path / "tuned.py"
    r = run_cli(["--bucket", str(objs["bck"]), "--prefix", "train/", "--tune", "--json", "--budget", "30",
                 "--tune-styles", "pipe,plain", "--tune-workers", "0,1", "--tune-batch-sizes", "16",
                 "--tune-inflight", "2", "--point-seconds", "1", "--out", str(out_file)], objs["endpoint"])
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(r.stdout)
    assert res["schema"] == "aistui.tune/1"
    assert res["source"]["objects"] == N
    assert res["grid"]["styles"] == ["pipe", "plain"]
    points = res["points"]
    # On a loaded 2-core box a point can take 15 s: the budget may allow only the first one.
    assert {p["style"] for p in points} <= {"pipe", "plain"} and len(points) >= 1
    assert {p["stage"] for p in points} >= {"styles"}
    measured = [p for p in points if p["samples_per_s"]]
    assert measured and all(p["rates"] for p in measured)
    best = max(measured, key=lambda p: p["samples_per_s"])
    pick = res["pick"]
    assert (pick["style"], pick["workers"], pick["batch_size"]) == (best["style"], best["workers"], best["batch_size"])
    assert res["references"]["get"]["samples_per_s"] > 0 and pick["get_share"] > 0
    assert pick["bottleneck"] in ("get", "loader")
    assert res["verdict"].startswith("pick: style=")
    code = out_file.read_text()
    assert code == res["code"]
    assert "# Tuned by aistui on this cluster: style=" in code
    assert f"NUM_WORKERS = {pick['workers']}" in code and f"BATCH_SIZE = {pick['batch_size']}" in code
    assert ("class PipelinedObjects" in code) == (pick["style"] == "pipe")
    assert res["elapsed_s"] <= res["budget_s"] + 60  # a point started within the budget may overrun it
    assert len(points) + res["skipped"] >= 2  # the rest of the grid: measured or said to be skipped


async def test_tune_on_the_export_screen_puts_the_pick_in_the_form(objs):
    from textual.widgets import Input, Select

    from aistui.app import AISTui
    from aistui.core import ConnectionSettings
    from aistui.screens.export import ExportScreen

    app = AISTui(ConnectionSettings(endpoint=objs["endpoint"]), refresh_s=60, image_protocol="halfcell")
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.health == "ok", tries=600)
        screen = ExportScreen(objs["bck"], "train/")
        screen.tune_styles, screen.tune_workers = ["pipe", "plain"], [0, 1]
        screen.tune_batches, screen.tune_inflight = [16], [2]
        screen.tune_point_seconds = 1.0
        await app.push_screen(screen)
        await until(pilot, lambda: app.screen is screen and screen.code)
        screen.query_one("#style", Select).value = "plain"
        screen.query_one("#budget", Input).value = "25"
        await until(pilot, lambda: "AISObjects" in screen.code)
        screen.query_one("#export-code").focus()
        await pilot.press("T")
        await until(pilot, lambda: screen.running)
        await until(pilot, lambda: screen.tune_result is not None or not screen.running, tries=4000)
        res = screen.tune_result
        assert res is not None, str(screen.query_one("#export-progress-line").render())
        pick = res["pick"]
        assert str(screen.query_one("#style", Select).value) == pick["style"]
        assert screen.query_one("#num_workers", Input).value == str(pick["workers"])
        assert "# Tuned by aistui on this cluster" in screen.code
        assert screen.query("#export-plot")  # the plot of samples/s by num_workers
        assert "pick: style=" in str(screen.query_one("#export-verdict").render())
