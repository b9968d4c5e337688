"""Downloads retry and stop as uploads do (one ``TransferRun`` policy), on the real local cluster.

A transient failure (a connection reset mid-body) cannot be made on demand by a healthy cluster,
so ``ObjectAPI.iter_get`` is wrapped to cut the first read of one object short with the error the
data path raises for a reset (:class:`ConnectionFailed`); every byte still comes from the cluster.
The fatal case is real: the bucket does not exist (``BucketNotFound``)."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from aistui.core import AISClient, Bck
from aistui.core.errors import ConnectionFailed
from aistui.core.objects import ObjectAPI
from aistui.core.transfer import download
from tests.util import unique


def _cut_short(monkeypatch, names: set[str], times: int | None) -> Counter:
    """Make the first ``times`` GETs of each of ``names`` (every GET if None) fail with a reset
    after their first chunk. Returns the per-name GET count."""
    orig = ObjectAPI.iter_get
    calls: Counter = Counter()

    async def iter_get(self, bck, obj, **kw):
        calls[obj] += 1
        async for chunk in orig(self, bck, obj, **kw):
            yield chunk
            if obj in names and (times is None or calls[obj] <= times):
                raise ConnectionFailed(f"http://target/v1/objects/{bck.name}/{obj}", "connection reset by peer")

    monkeypatch.setattr(ObjectAPI, "iter_get", iter_get)
    return calls


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


async def test_download_retries_a_transient_failure(client: AISClient, bucket: Bck, tmp_path, monkeypatch):
    flaky, calm = os.urandom(1024 * 1024 + 7), os.urandom(3000)
    await client.objects.put(bucket, "d/flaky", flaky)
    await client.objects.put(bucket, "d/calm", calm)
    calls = _cut_short(monkeypatch, {"d/flaky"}, times=1)
    res = await download(client, bucket, ["d/flaky", "d/calm"], tmp_path, strip_prefix="d/")
    assert res.failed == {} and not res.stopped, res.failed
    assert sorted(res.done) == ["d/calm", "d/flaky"]
    assert calls["d/flaky"] == 2 and calls["d/calm"] == 1
    assert res.progress.retries == 1 and res.progress.files_done == 2
    assert res.progress.bytes_done == len(flaky) + len(calm)  # the cut-short try is not counted twice
    assert (tmp_path / "flaky").read_bytes() == flaky and (tmp_path / "calm").read_bytes() == calm
    assert _files(tmp_path) == ["calm", "flaky"]  # no temporary file left by the failed try


async def test_download_gives_up_after_the_retry_window(client: AISClient, bucket: Bck, tmp_path, monkeypatch):
    await client.objects.put(bucket, "w/always", os.urandom(600 * 1024))
    calls = _cut_short(monkeypatch, {"w/always"}, times=None)
    res = await download(client, bucket, ["w/always"], tmp_path, retry_window=1.0, backoff=(0.1, 0.2))
    assert res.done == [] and list(res.failed) == ["w/always"]
    assert "connection reset" in res.failed["w/always"]
    assert "still failing after retrying for 1 s" in res.failed["w/always"]
    assert calls["w/always"] >= 3 and res.progress.retries == calls["w/always"] - 1
    assert res.progress.bytes_done == 0 and _files(tmp_path) == []


async def test_download_stops_on_a_fatal_error(client: AISClient, tmp_path):
    gone = Bck.parse(f"ais://{unique('gone')}")
    names = [f"o{i}" for i in range(5)]
    res = await download(client, gone, names, tmp_path, concurrency=1)
    assert res.done == [] and set(res.failed) == set(names)
    assert res.stopped and "not exist" in res.stopped
    refused = [n for n, why in res.failed.items() if not why.startswith("not downloaded")]
    assert refused == ["o0"]  # one at a time: only the first reached the cluster
    assert all(res.failed[n] == f"not downloaded: download stopped: {res.stopped}" for n in names[1:])
    assert res.progress.failed == 5 and _files(tmp_path) == []
