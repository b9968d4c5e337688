"""Hostile object and bucket names against the real cluster: a corpus of 200+ names goes through
PUT, list, HEAD, GET, copy and DELETE byte for byte, or is refused before anything is sent, with
the rule it breaks; hypothesis adds random names the rules accept. A copy a v1.5.0 cluster would
silently rename (found here: see ``aistui.core.names.copy_name_problem``) is refused too."""

from __future__ import annotations

import asyncio
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.errors import BadRequest, InvalidInput
from aistui.core.names import bucket_name_problem, copy_name_problem, object_name_problem
from aistui.core.transfer import download, plan_upload
from tests.util import unique

SCRIPTS = ["Grüße", "façade", "Ωμέγα", "Москва", "العربية", "עברית", "हिन्दी", "বাংলা", "தமிழ்", "ไทย",
           "中文名字", "日本語のファイル", "ひらがな", "カタカナ", "한국어", "ქართული", "Հայերեն", "አማርኛ",
           "ᚠᚢᚦ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "e\u0301\u0308", "\u200fRTL\u200e", "zw\u200dj", "😀", "👩\u200d👩\u200d👧",
           "🏳️\u200d🌈", "\ufeffbom", "\u00a0nbsp", "ﬁ ligature", "Ⅻ", "①②"]
SPECIALS = list(" %?#+&\\;=\"'<>|*~`!@$^()[]{},:") + ["%20", "%2F", "%00", "%zz", "%%", "+%2B", "?x=1&y=2",
                                                      "#frag", "a=b&c=d", "..", "...", "\\\\"]


def corpus() -> list[str]:
    names: list[str] = []
    # no name is also the directory of another one: a v1.5.0 target stores objects as files, and
    # refuses "x/y" when "x" exists (see test_an_object_cannot_be_the_directory_of_another)
    for s in SCRIPTS:
        names += [s, f"dir/{s}", f"in/{s}/{s}.txt"]
    for c in SPECIALS:
        names += [f"{c}", f"a{c}b", f"dir/{c}end", f"start{c}/x"]
    names += ["..x", "x..", "p/..b/c", ".hidden", "p/.b", "~x", "p~/b", "-", "_", "l" * 255 + "/b",
              "x" * 1024, "é" * 512, "日" * 341 + "x", "😀" * 256, "n/" * 511 + "x",
              " leading space", "trailing space ", "tab\tinside", "nl\ninside", "nul\x00", "bell\x07",
              "esc\x1b[31m", "del\x7f", "\x01", "cr\r", "/leading", "trailing/", "/both/", "a//b", "//",
              "a/./b", "./a", "a/..", "../x", "../../x", "/etc/passwd", "a/../../b", "~/x", "", "/", "."]
    names += [f"c/{chr(cp)}" for cp in range(0x20, 0x7F) if chr(cp) not in "/."]  # every printable ASCII char
    return list(dict.fromkeys(names))  # unique, in order


CORPUS = corpus()
ACCEPTED = [n for n in CORPUS if object_name_problem(n) is None]
REFUSED = {n: object_name_problem(n) for n in CORPUS if object_name_problem(n) is not None}


def test_the_corpus_is_large_and_covers_both_outcomes():
    assert len(CORPUS) >= 200
    assert len(ACCEPTED) >= 150 and len(REFUSED) >= 25
    assert max(len(n.encode()) for n in ACCEPTED) == 1024


COPY_ONE = [n for n in ACCEPTED if copy_name_problem(n, single=True) is None]
COPY_MANY = [n for n in ACCEPTED if copy_name_problem(n, single=False) is None]
NO_COPY = {n: (copy_name_problem(n, single=True), copy_name_problem(n, single=False))
           for n in ACCEPTED if n not in COPY_ONE}


async def test_every_accepted_name_round_trips_exactly(client: AISClient, bucket: Bck):
    dst, dst2 = Bck.parse(f"ais://{unique('dst')}"), Bck.parse(f"ais://{unique('dst')}")
    await client.buckets.create(dst)
    sem = asyncio.Semaphore(16)
    body = {n: f"{i}:".encode() + n.encode() for i, n in enumerate(ACCEPTED)}

    async def each(fn, names=ACCEPTED):
        async def one(n):
            async with sem:
                return n, await fn(n)
        return dict(await asyncio.gather(*(one(n) for n in names)))

    try:
        await each(lambda n: client.objects.put(bucket, n, body[n]))
        assert {e.name for e in await client.objects.list_all(bucket)} == set(ACCEPTED)
        heads = await each(lambda n: client.objects.head(bucket, n))
        assert {n: p.size for n, p in heads.items()} == {n: len(b) for n, b in body.items()}
        assert await each(lambda n: client.objects.get(bucket, n)) == body
        await each(lambda n: client.objects.copy_one(bucket, n, dst), COPY_ONE)
        assert {e.name for e in await client.objects.list_all(dst)} == set(COPY_ONE)
        assert await each(lambda n: client.objects.get(dst, n), COPY_ONE) == {n: body[n] for n in COPY_ONE}
        for xid in await client.objects.copy_many(bucket, dst2, names=COPY_MANY):
            await client.jobs.wait(xid)
        assert {e.name for e in await client.objects.list_all(dst2)} == set(COPY_MANY)
        assert await each(lambda n: client.objects.get(dst2, n), COPY_MANY) == {n: body[n] for n in COPY_MANY}
        await each(lambda n: client.objects.delete(bucket, n))
        assert await client.objects.list_all(bucket) == []
    finally:
        await client.buckets.destroy(dst, missing_ok=True)
        await client.buckets.destroy(dst2, missing_ok=True)


def test_names_a_copy_would_change_are_few_and_named():
    """What v1.5.0 would silently rename or lose in a copy (see ``copy_name_problem``): names with
    '%', '?' or '#' in a single-object copy, and path components over 255 bytes in any copy."""
    assert len(COPY_ONE) >= 250 and len(COPY_MANY) >= len(ACCEPTED) - 5
    for n, (single, multi) in NO_COPY.items():
        assert single and (any(c in n for c in "%?#") or "longer than 255 bytes" in single)
        assert multi is None or "longer than 255 bytes" in multi


@pytest.mark.parametrize("name", list(NO_COPY), ids=[repr(n)[:30] for n in NO_COPY])
async def test_copies_that_would_change_a_name_are_refused_before_sending(name):
    single, multi = NO_COPY[name]
    async with AISClient(ConnectionSettings(endpoint="http://127.0.0.1:1"), retries=0) as c:
        with pytest.raises(InvalidInput) as ei:
            await c.objects.copy_one(Bck("b"), name, Bck("d"))
        assert single in str(ei.value)
        if multi:
            with pytest.raises(InvalidInput) as ei:
                await c.objects.copy_many(Bck("b"), Bck("d"), names=[name])
            assert multi in str(ei.value)


async def test_an_object_that_is_also_a_directory(client: AISClient, bucket: Bck):
    """AIS v1.5.0 behaviour: objects are files on the targets' mountpaths, so "x/y" cannot be
    stored next to "x" when both land on the same mountpath (400 ErrMv "destination contains an
    object in its path"); on different targets both are stored. Either way: a typed error with
    the server's words, or both objects intact - never a crash or a wrong object."""
    stored = {}
    for i in range(8):
        for name in (f"f{i}", f"f{i}/y", f"g{i}/y", f"g{i}"):
            try:
                await client.objects.put(bucket, name, name.encode())
                stored[name] = name.encode()
            except BadRequest as e:
                assert "destination contains an object in its path" in str(e) or "virtual directory" in str(e)
    assert {e.name for e in await client.objects.list_all(bucket)} == set(stored)
    for name, data in stored.items():
        assert await client.objects.get(bucket, name) == data


@pytest.mark.parametrize("name", list(REFUSED), ids=[repr(n)[:40] for n in REFUSED])
async def test_refused_names_fail_before_sending_with_the_rule(name):
    """The client points at a port nothing listens on: a refusal by the rules (InvalidInput),
    not a connection error, proves that nothing was sent."""
    rule = REFUSED[name]
    b = Bck("b")
    async with AISClient(ConnectionSettings(endpoint="http://127.0.0.1:1"), retries=0) as c:
        for call in (lambda: c.objects.put(b, name, b"x"), lambda: c.objects.head(b, name),
                     lambda: c.objects.get(b, name), lambda: c.objects.copy_one(b, name, Bck("d")),
                     lambda: c.objects.delete(b, name)):
            with pytest.raises(InvalidInput) as ei:
                await call()
            assert rule in str(ei.value) and repr(name) in str(ei.value)


def test_a_local_file_name_that_is_not_utf8_is_refused_with_a_reason(tmp_path):
    raw = os.fsencode(tmp_path) + b"/bad-\xff-name.bin"
    with open(raw, "wb") as f:
        f.write(b"x")
    with pytest.raises(InvalidInput) as ei:
        plan_upload([tmp_path])
    assert "must be UTF-8 text" in str(ei.value)


BAD_BUCKETS = ["", "a" * 65, ".hidden", "a..b", "has space", "slash/x", "q?", "hash#", "pct%", "ünï",
               "tab\t", "nul\x00", "a+b", "a&b", "a\\b", "😀", "UPPER lower", "semi;colon"]


@pytest.mark.parametrize("name", BAD_BUCKETS, ids=[repr(n)[:20] for n in BAD_BUCKETS])
async def test_bad_bucket_names_are_refused_before_sending_with_the_rule(name):
    rule = bucket_name_problem(name)
    assert rule
    async with AISClient(ConnectionSettings(endpoint="http://127.0.0.1:1"), retries=0) as c:
        with pytest.raises(InvalidInput) as ei:
            await c.buckets.create(Bck(name=name))
    assert rule in str(ei.value)
    if name == name.strip():  # parsing typed text trims surrounding whitespace first
        with pytest.raises(InvalidInput) as ei:
            Bck.parse(f"ais://{name}")
        assert "bucket" in str(ei.value)


names = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=120).filter(
    lambda n: object_name_problem(n) is None)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names)
def test_random_accepted_names_round_trip_on_the_cluster(ais, name):
    async def roundtrip() -> None:
        async with AISClient(ais.endpoint) as c:
            b = Bck("hypothesis-names")
            if not await c.buckets.exists(b):
                await c.buckets.create(b)
            data = name.encode()[::-1]
            await c.objects.put(b, name, data)
            assert await c.objects.get(b, name) == data
            assert (await c.objects.head(b, name)).size == len(data)
            assert name in {e.name for e in await c.objects.list_all(b, prefix=name)}
            await c.objects.delete(b, name)
            assert not await c.objects.exists(b, name)

    asyncio.run(roundtrip())


async def test_downloads_never_write_outside_the_chosen_directory(client: AISClient, bucket: Bck, tmp_path):
    """Real objects with odd names land inside the directory; names that would escape it (the
    cluster refuses to store them, but a listing or a hand-typed name can still carry them) fail
    by name and nothing appears outside."""
    stored = ["..x/y..", "a\\..\\..\\b", "~/not-home", "dir/ sp ace", "%2e%2e/x", "\u202eevil.txt"]
    stored = [n for n in stored if object_name_problem(n) is None]
    for n in stored:
        await client.objects.put(bucket, n, n.encode())
    escaping = ["../../x", "/etc/x", "a/../../b", "../outside/x", "./../x", "dir/../../../x"]
    dest = tmp_path / "dest"
    (tmp_path / "outside").mkdir()
    before = sorted(p for p in tmp_path.rglob("*"))
    res = await download(client, bucket, stored + escaping, dest)
    assert sorted(res.done) == sorted(stored)
    assert set(res.failed) == set(escaping)
    assert all("refusing to write object" in why for why in res.failed.values())
    files = {p.relative_to(dest).as_posix(): p.read_bytes() for p in dest.rglob("*") if p.is_file()}
    assert files == {n: n.encode() for n in stored}
    assert sorted(p for p in tmp_path.rglob("*") if not p.is_relative_to(dest)) == [
        p for p in before if not p.is_relative_to(dest)]
