"""Class balance (core/balance.py) on the real cluster, over the playground's flawed dataset
(aistui.playground.demo.flawed: class folders in train/ and val/ with class 9 nearly gone from
train, and WebDataset shards in shards/ with one sample's .cls missing): counts and bytes per
class per split from class folders, from the .cls members (get-batch), from a JSON mapping file
(on the cluster and local), a sampled estimate, the ratio, empty and missing classes, weights."""

from __future__ import annotations

import io
import json
import tarfile
from collections import Counter

import pytest

from aistui.core import AISClient, Bck
from aistui.core.balance import balance, default_splits, list_dirs
from aistui.core.balancemodel import BalanceSnapshot, Cell
from aistui.core.errors import InvalidInput, ObjectNotFound
from aistui.core.labels import folder_label, mapping_label, natural_key, parse_mapping
from aistui.playground.demo import Flawed, build_flawed


async def last(client: AISClient, bck: Bck, prefix: str = "", splits=None, **kw) -> BalanceSnapshot:
    snaps = [s async for s in balance(client, bck, prefix, splits, **kw)]
    assert snaps[-1].done and not any(s.done for s in snaps[:-1])
    return snaps[-1]


def folder_counts(data: Flawed, split: str) -> dict[str, Cell]:
    """What the class folders of ``split`` hold, from the dataset's own bytes."""
    n: Counter[str] = Counter()
    b: Counter[str] = Counter()
    for name, payload in data.objects:
        if name.startswith(split):
            n[name.split("/")[1]] += 1
            b[name.split("/")[1]] += len(payload)
    return {c: Cell(n[c], b[c]) for c in n}


def shard_counts(data: Flawed) -> tuple[dict[str, Cell], int]:
    """(label → samples and their bytes, unlabeled samples) of the shards, read with tarfile."""
    n: Counter[str] = Counter()
    b: Counter[str] = Counter()
    unlabeled = 0
    for name, payload in data.objects:
        if not name.startswith("shards/"):
            continue
        samples: dict[str, dict[str, bytes]] = {}
        with tarfile.open(fileobj=io.BytesIO(payload)) as tar:
            for m in tar.getmembers():
                key, ext = m.name.split(".", 1)
                samples.setdefault(key, {})[ext] = tar.extractfile(m).read()
        for members in samples.values():
            size = sum(len(v) for v in members.values())
            if "cls" not in members:
                unlabeled += 1
                continue
            label = members["cls"].decode()
            n[label] += 1
            b[label] += size
    return {c: Cell(n[c], b[c]) for c in n}, unlabeled


def test_helpers():
    assert folder_label("3/x.png") == "3" and folder_label("a/b/7/x.png") == "7" and folder_label("x.png") == ""
    assert mapping_label({"ds/a.png": "1", "b": "2"}, "ds/a.png") == "1"
    assert mapping_label({"b": "2"}, "x/y/b.seg.png") == "2" and mapping_label({}, "c.png") == ""
    assert parse_mapping(b'{"a": 3, "b": "cat"}') == {"a": "3", "b": "cat"}
    with pytest.raises(InvalidInput):
        parse_mapping(b"[1, 2]")
    with pytest.raises(InvalidInput):
        parse_mapping(b"{not json")
    assert sorted(["10", "2", "b", "a"], key=natural_key) == ["2", "10", "a", "b"]
    assert default_splits(["test/", "images/", "train/", "val/"]) == ["train/", "val/", "test/"]
    assert default_splits(["a/", "b/"]) == [""]


async def test_class_folders_per_split(client: AISClient, bucket: Bck):
    data = await build_flawed(client, bucket, "ds/", limit=80)
    assert await list_dirs(client, bucket, "ds/") == ["shards/", "train/", "val/"]
    snap = await last(client, bucket, "ds/")  # default splits: train/ and val/
    assert snap.splits == ("train/", "val/")
    for split in snap.splits:
        want = folder_counts(data, split)
        assert {c: snap.cell(c, split) for c in snap.classes if snap.cell(c, split).count} == want
    assert snap.classes == tuple(str(i) for i in range(10))
    train = folder_counts(data, "train/")
    assert snap.cell("9", "train/").count == 2  # the planted imbalanced class
    top = max(train.values(), key=lambda c: c.count).count
    assert snap.ratio("train/") == pytest.approx(top / 2)
    assert snap.extremes("train/")[1] == "9"
    planted = [n for k, n, _ in data.planted if k == "imbalance"]
    assert [f"{split}{cls}/" for cls, split in snap.imbalanced()] == planted == ["train/9/"]  # as the doctor
    assert snap.objects == sum(1 for n, _ in data.objects if n.startswith(("train/", "val/")))
    assert snap.unlabeled == {}
    weights = snap.weights()
    assert list(weights) == [str(i) for i in range(10)]
    assert weights["9"] == max(weights.values()) and weights["9"] > 2
    n = sum(c.count for c in train.values())
    assert weights["9"] == round(n / (10 * 2), 4)
    # val/ alone: classes missing from a split are named when splits are compared
    snap = await last(client, bucket, "ds/", ["train/", "val/", "shards/"])
    assert snap.unlabeled == {"shards/": 3}  # objects right in shards/: no class folder
    assert all((c, "shards/") in snap.missing() for c in snap.classes)


async def test_shard_members_through_get_batch(client: AISClient, bucket: Bck):
    data = await build_flawed(client, bucket, limit=80)
    want, unlabeled = shard_counts(data)
    snap = await last(client, bucket, "", ["shards"], source="member", batch=7)  # several get-batch requests
    assert snap.splits == ("shards/",) and snap.shards == 3 and snap.shards_read == 3 and not snap.estimate
    assert {c: snap.cell(c, "shards/") for c in snap.classes if snap.cell(c, "shards/").count} == want
    assert snap.unlabeled == {"shards/": unlabeled} and unlabeled == 1  # the sample without its .cls
    # an estimate: one shard of three read, scaled up by shards
    est = await last(client, bucket, "", ["shards/"], source="member", max_shards=1, seed=3)
    assert est.estimate and est.shards == 3 and est.shards_read == 1
    total = sum(est.cell(c, "shards/").count for c in est.classes) + est.unlabeled.get("shards/", 0)
    assert total == 30  # 10 samples a shard, x3


async def test_mapping_file_on_the_cluster_and_local(client: AISClient, bucket: Bck, tmp_path):
    data = await build_flawed(client, bucket, limit=80)
    # keys (stems) of val/ images, label from the folder, class 5 left out: a hole in 0..9
    mapping = {n.rsplit("/", 1)[1].split(".")[0]: int(n.split("/")[1]) for n, _ in data.objects
               if n.startswith("val/") and n.split("/")[1] != "5"}
    await client.objects.put(bucket, "meta/labels.json", json.dumps(mapping).encode())
    snap = await last(client, bucket, "", ["val/"], source="mapping", label_file=f"{bucket}/meta/labels.json")
    want = folder_counts(data, "val/")
    assert snap.unlabeled == {"val/": want.pop("5").count}
    assert {c: snap.cell(c, "val/") for c in snap.classes if snap.cell(c, "val/").count} == want
    assert "5" in snap.classes and snap.empty_classes() == ["5"]  # integer labels: 0..9
    local = tmp_path / "labels.json"
    local.write_text(json.dumps(mapping))
    again = await last(client, bucket, "", ["val/"], source="mapping", label_file=str(local))
    assert again.cells == snap.cells
    with pytest.raises(ObjectNotFound):
        await last(client, bucket, "", ["val/"], source="mapping", label_file=f"{bucket}/nope.json")
    with pytest.raises(InvalidInput):
        await last(client, bucket, "", ["val/"], source="mapping", label_file="")
    with pytest.raises(InvalidInput):
        await last(client, bucket, "", ["val/"], source="labels")
