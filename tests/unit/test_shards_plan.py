"""The shard planner without a cluster (aistui/core/shardplan.py; dsort detection in
aistui/core/shards.py): sizes, name templates, grouping samples by key (class folders get a .cls
label, flat samples keep their members), cutting by size and by count, the seeded shuffle, and
the command log's ais archive bucket spelling."""

from __future__ import annotations

import pytest

from aistui.core import Bck
from aistui.core.errors import InvalidInput
from aistui.core.shardplan import (
    ShardOptions,
    assign,
    group_samples,
    parse_size,
    parse_template,
    tar_size,
)
from aistui.spell.data import archive_shard, put_labels


def test_parse_size_units():
    assert parse_size("128MiB") == 128 << 20
    assert parse_size("64MB") == 64_000_000
    assert parse_size("1gib") == 1 << 30
    assert parse_size("4096") == 4096
    for bad in ("", "12 parsecs", "-1MiB", "0"):
        with pytest.raises(InvalidInput):
            parse_size(bad)


def test_template_names_and_limits():
    t = parse_template("train-{000000..000099}.tar")
    assert (t.capacity, t.name(0), t.name(99)) == (100, "train-000000.tar", "train-000099.tar")
    with pytest.raises(InvalidInput):
        t.name(100)
    assert parse_template("s-{1..12}.tgz").name(2) == "s-3.tgz"
    for bad in ("train.tar", "x-{1..2}.txt", "x-{5..1}.tar", "{1..2}-{3..4}.tar"):
        with pytest.raises(InvalidInput):
            parse_template(bad)


def test_class_folders_get_labels_flat_samples_keep_members():
    objs = [("d/cat/1.jpg", 10, "a"), ("d/cat/1.json", 2, "b"), ("d/dog/2.jpg", 11, "c")]
    samples, layout, classes = group_samples(objs, "d/")
    assert layout == "class folders" and classes == {"cat": "0", "dog": "1"}
    assert [(s.key, s.label, s.names()) for s in samples] == [
        ("d/cat/1", "0", ["d/cat/1.cls", "d/cat/1.jpg", "d/cat/1.json"]),
        ("d/dog/2", "1", ["d/dog/2.cls", "d/dog/2.jpg"])]
    digits, _, classes = group_samples([("t/3/7.png", 5, "x")], "t/")
    assert classes == {"3": "3"} and digits[0].label == "3"  # an integer folder is its own label
    flat, layout, classes = group_samples([("f/x.jpg", 1, ""), ("f/x.cls", 1, ""), ("f/y.jpg", 1, "")], "f/")
    assert layout == "flat" and classes == {} and [s.names() for s in flat] == [["f/x.cls", "f/x.jpg"], ["f/y.jpg"]]
    no_labels, _, _ = group_samples(objs, "d/", labels=False)
    assert all(not s.label for s in no_labels)
    with pytest.raises(InvalidInput):
        group_samples([], "d/")


def test_assign_by_count_size_and_seeded_shuffle():
    objs = [(f"p/{i % 3}/{i:03d}.png", 1000, "") for i in range(30)]
    samples, _, _ = group_samples(objs, "p/")
    by_count = assign(samples, ShardOptions(count=7, template="s-{00..99}.tar"), "out/")
    assert [len(s.samples) for s in by_count] == [7, 7, 7, 7, 2]
    assert by_count[0].name == "out/s-00.tar"
    per_sample = tar_size("p/0/000.png", 1000) + tar_size("p/0/000.cls", 1)
    by_size = assign(samples, ShardOptions(size=1024 + 4 * per_sample))
    assert [len(s.samples) for s in by_size] == [4] * 7 + [2]
    assert all(s.est_bytes <= 1024 + 4 * per_sample for s in by_size)
    a = assign(samples, ShardOptions(count=10, shuffle=True, seed=5))
    b = assign(samples, ShardOptions(count=10, shuffle=True, seed=5))
    c = assign(samples, ShardOptions(count=10, shuffle=True, seed=6))
    assert [s.names() for s in a] == [s.names() for s in b] != [s.names() for s in c]
    assert sorted(n for s in a for n in s.names()) == sorted(n for s in samples for n in s.names())
    with pytest.raises(InvalidInput):
        assign(samples, ShardOptions(count=1, template="s-{0..9}.tar"))  # 30 shards, 10 names
    with pytest.raises(InvalidInput):
        assign(samples, ShardOptions(size=10, count=10))


def test_command_log_spelling():
    src, dst = Bck.parse("ais://src"), Bck.parse("ais://dst")
    cmd = archive_shard(src, dst, "train-000000.tar", ["t/0/1.png", "t/0/1.cls"])
    assert cmd.cli == "ais archive bucket ais://src ais://dst/train-000000.tar --list t/0/1.png,t/0/1.cls"
    assert "archive(archive_name='train-000000.tar'" in cmd.sdk
    assert put_labels(src, [("t/0/1.cls", "0")]).cli == "echo -n 0 | ais put - ais://src/t/0/1.cls"
    assert put_labels(src, [("a.cls", "0"), ("b.cls", "1")]).cli == ""


def test_base_name_clashes_within_a_shard():
    from aistui.core.shardplan import ShardPlan

    objs = [("d/cat/001.jpg", 5, ""), ("d/dog/001.jpg", 5, ""), ("d/dog/002.jpg", 5, "")]
    samples, layout, classes = group_samples(objs, "d/")
    one = ShardPlan(Bck.parse("ais://s"), "d/", Bck.parse("ais://d"), "", ShardOptions(count=3), layout, classes,
                    tuple(assign(samples, ShardOptions(count=3))), 3, 15)
    assert one.base_clashes() == ["shard-000000.tar: d/dog/001"]
    apart = ShardPlan(Bck.parse("ais://s"), "d/", Bck.parse("ais://d"), "", ShardOptions(count=1), layout, classes,
                      tuple(assign(samples, ShardOptions(count=1))), 3, 15)
    assert apart.base_clashes() == []


@pytest.mark.parametrize(("status", "text", "has"), [
    (501, "dsort not enabled (build with -tags=dsort)", False),  # the stock v1.5.0 node's stub
    (400, "failed to unmarshal dsort request", True),  # a node built with dsort refuses the empty spec
    (404, "not found", False),
])
async def test_dsort_detection(status, text, has):
    """httpx.MockTransport: the local cluster's aisnode has no dsort build tag, so it can only
    answer 501 (tests/integration/test_shards.py checks that against the real node)."""
    import httpx

    from aistui.core import AISClient, ConnectionSettings
    from aistui.core.shards import dsort_available

    seen: list[tuple[str, str]] = []

    def server(req: httpx.Request) -> httpx.Response:
        seen.append((req.method, req.url.path))
        return httpx.Response(status, text=text)

    async with AISClient(ConnectionSettings(endpoint="http://ais.test:8080"),
                         transport=httpx.MockTransport(server), retries=0) as c:
        assert await dsort_available(c) is has
    assert seen == [("POST", "/v1/sort")]
