"""Making shards on the real cluster (aistui/core/shards.py, aistui shard): the playground's
digits in class folders are archived by the cluster's archive job into a new bucket, every
source object ends up in exactly one shard with its label, the verification passes, and fails
once a source object is deleted; the stock aisnode has no dsort and the planner says so; the
headless command's JSON and exit codes."""

from __future__ import annotations

import asyncio
import json
import sys

from aistui.core import AISClient, Bck
from aistui.core import shards as sh
from aistui.core.errors import InvalidInput
from aistui.core.shardplan import ShardOptions, ShardPlan
from aistui.core.shardverify import verify
from aistui.playground.demo import digits
from aistui.session import Session
from tests.util import unique

N = 120


async def put_digits(client: AISClient, bck: Bck, prefix: str = "train/", n: int = N) -> dict[str, int]:
    sem = asyncio.Semaphore(16)
    labels: dict[str, int] = {}

    async def put(s) -> None:
        name = f"{prefix}{s.label}/{s.key}.{s.ext}"
        labels[name] = s.label
        async with sem:
            await client.objects.put(bck, name, s.data)

    await asyncio.gather(*(put(s) for s in digits(4, n)))
    return labels


async def test_make_verify_and_tamper(ais, client: AISClient, bucket: Bck):
    labels = await put_digits(client, bucket)
    dst = Bck.parse(f"ais://{unique('sh')}")
    assert await sh.dsort_available(client) is False  # the stock aisnode: no dsort build tag
    try:
        session = Session(client.settings, client=client)
        p = await sh.plan(client, bucket, "train/", dst,
                          ShardOptions(count=25, shuffle=True, seed=4, template="train-{0000..0099}.tar"))
        assert (p.layout, p.objects, p.samples, len(p.shards)) == ("class folders", N, N, 5)
        ids = await session.make_shards(p)
        assert ids and set(ids) <= set(session.started.take_follow())  # tracked for the job monitor
        log = [e.cli for e in session.cmdlog]
        assert sum(c.startswith(f"ais archive bucket {bucket} {dst}/train-000") for c in log) == 5
        v = await session.finish_shards(p, ids, sample=-1)
        assert v.ok, v.problems
        assert (v.shards, v.objects, v.labels, v.bytes_compared) == (5, N, N, 2 * N)
        # the labels are members next to their images, and the label objects are gone from the source
        members = {m for s in p.shard_names for m, _ in (await client.objects.list_archive(dst, s))[0]}
        assert members == set(labels) | {n.rsplit(".", 1)[0] + ".cls" for n in labels}
        name = next(iter(labels))
        got = [i async for i in client.batch.iter_batch(dst, [sh_entry(p, name[:-4] + ".cls")])]
        assert got[0].data == str(labels[name]).encode()
        assert not [e for e in await client.objects.list_all(bucket, prefix="train/") if e.name.endswith(".cls")]
        # the same plan against a source that lost an object fails, and says which
        await client.objects.delete(bucket, name)
        bad = await verify(client, p, sample=4)
        assert not bad.ok and any(name in x and "gone from the source" in x for x in bad.problems)
        # planning again into the same names refuses: the shards exist
        try:
            await sh.plan(client, bucket, "train/", dst, ShardOptions(count=25, template="train-{0000..0099}.tar"))
            raise AssertionError("existing shards were not refused")
        except InvalidInput as e:
            assert "exist already" in str(e)
    finally:
        await client.buckets.destroy(dst, missing_ok=True)


def sh_entry(p: ShardPlan, member: str):
    from aistui.core.batch import BatchEntry

    shard = next(s.name for s in p.shards if member in s.names())
    return BatchEntry(shard, archpath=member)


async def shard_cli(endpoint: str, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aistui", "shard", "-e", endpoint, *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 180)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_headless_json_and_exit_codes(ais, client: AISClient, bucket: Bck):
    await put_digits(client, bucket, n=60)
    dst = f"ais://{unique('shj')}"
    try:
        code, out, err = await shard_cli(ais.endpoint, f"{bucket}/train/", "--to", dst + "/out/", "--size", "20KiB",
                                         "--json")
        assert code == 0, err
        doc = json.loads(out)
        assert (doc["schema"], doc["method"], doc["dsort"], doc["layout"]) == (
            "aistui.shard/1", "archive", False, "class folders")
        assert doc["samples"] == 60 and doc["labels_written"] == 60
        assert all(s["name"].startswith("out/shard-") and s["est_bytes"] <= 20 * 1024 for s in doc["shards"])
        assert sum(s["samples"] for s in doc["shards"]) == 60 and len(doc["shards"]) > 1
        v = doc["verification"]
        assert v["ok"] and v["objects"] == 60 and v["labels"] == 60 and v["bytes_compared"] > 0, v
        assert doc["jobs"]
        again = await shard_cli(ais.endpoint, f"{bucket}/train/", "--to", dst + "/out/", "--size", "20KiB")
        assert again[0] == 2 and "exist already" in again[2]
        assert (await shard_cli(ais.endpoint, f"{bucket}/train/", "--to", dst, "--size", "1 parsec"))[0] == 2
        assert (await shard_cli(ais.endpoint, f"{bucket}/train/", "--to", dst))[0] == 2  # neither size nor count
        plan_only = await shard_cli(ais.endpoint, f"{bucket}/train/", "--to", dst + "/p/", "--count", "7", "--plan",
                                    "--json")
        assert plan_only[0] == 0 and json.loads(plan_only[1])["planned_only"] is True
        assert not await client.objects.list_all(Bck.parse(dst), prefix="p/")
    finally:
        await client.buckets.destroy(Bck.parse(dst), missing_ok=True)


async def test_flat_samples_and_hostile_names(client: AISClient, bucket: Bck):
    """Flat samples grouped by base name keep their own members (no label written); names with
    spaces, commas, quotes and non-ASCII pack and verify; the command log has no single ais
    command for a --list that the CLI would split on a comma."""
    objs = {"flat/a b.jpg": b"jpg-1", "flat/a b.cls": b"3", "flat/a b.json": b"{}",
            "flat/c,d.jpg": b"jpg-2", "flat/c,d.cls": b"4", "flat/\u00fcml'aut.jpg": b"jpg-3",
            "flat/\u00fcml'aut.cls": b"5"}
    for name, data in objs.items():
        await client.objects.put(bucket, name, data)
    dst = Bck.parse(f"ais://{unique('shf')}")
    try:
        session = Session(client.settings, client=client)
        p = await sh.plan(client, bucket, "flat/", dst, ShardOptions(count=2))
        assert (p.layout, p.samples, len(p.labels), len(p.shards)) == ("flat", 3, 0, 2)
        ids = await session.make_shards(p)
        v = await session.finish_shards(p, ids, sample=-1)
        assert v.ok and (v.objects, v.labels, v.bytes_compared) == (7, 0, 7), v.problems
        members = {m for s in p.shard_names for m, _ in (await client.objects.list_archive(dst, s))[0]}
        assert members == set(objs)
        archive_cmds = [e for e in session.cmdlog if e.action == "archive"]
        assert len(archive_cmds) == 2 and any(e.cli == "" and e.sdk for e in archive_cmds)  # "c,d" has a comma
    finally:
        await client.buckets.destroy(dst, missing_ok=True)
