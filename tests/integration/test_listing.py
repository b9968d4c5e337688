"""DirCursor (core/listing.py) against the real local cluster: one directory, non-recursive,
page by page, with the name-prefix range that AIS v1.5.0 needs."""

from __future__ import annotations

import asyncio

import pytest

from aistui.core import AISClient, Bck, InvalidInput
from aistui.core.listing import FIRST_PAGE, DirCursor, just_before


async def _put(client: AISClient, bucket: Bck, names: list[str]) -> None:
    sem = asyncio.Semaphore(16)

    async def one(n: str) -> None:
        async with sem:
            await client.objects.put(bucket, n, n.encode())

    await asyncio.gather(*(one(n) for n in names))


async def _drain(cur: DirCursor) -> list[list[str]]:
    pages = []
    while not cur.done:
        pages.append([e.name for e in await cur.next_page()])
        assert len(pages) < 100
    return pages


def test_just_before():
    assert just_before("train/ca") == "train/c`\U0010ffff"
    assert just_before("a") == "`\U0010ffff" and just_before("\x01") == ""


async def test_a_directory_lists_its_entries_and_sub_directories(client: AISClient, bucket: Bck):
    await _put(client, bucket, ["top", "d/a", "d/b", "d/sub/x", "d/sub/y", "e/z"])
    cur = client.objects.dir_cursor(bucket, "d/")
    assert not cur.done and cur.prefix == "d/"
    entries = await cur.next_page()
    assert cur.done
    assert [(e.name, e.is_dir) for e in entries] == [("d/a", False), ("d/b", False), ("d/sub/", True)]
    assert await cur.next_page() == []  # done stays done
    top = DirCursor(client, bucket)
    names = [n for page in await _drain(top) for n in page]
    assert names == ["d/", "e/", "top"]


async def test_a_name_prefix_keeps_only_its_names(client: AISClient, bucket: Bck):
    await _put(client, bucket, ["d/b1", "d/c`x", "d/ca1", "d/ca2", "d/cat/x", "d/cb", "d/cz/y", "d/ca"])
    cur = DirCursor(client, bucket, "d/", "ca")
    pages = await _drain(cur)
    assert [n for p in pages for n in p] == ["d/ca", "d/ca1", "d/ca2", "d/cat/"]
    assert len(pages) == 1  # "d/cb" comes in the same page: the listing stops there
    # small pages: the range still holds across continuation tokens
    pages = await _drain(DirCursor(client, bucket, "d/", "ca", first_page=2, page_size=1))
    assert [n for p in pages for n in p] == ["d/ca", "d/ca1", "d/ca2", "d/cat/"]
    assert len(pages) >= 3
    assert [n for p in await _drain(DirCursor(client, bucket, "d/", "nothing")) for n in p] == []


async def test_paging_past_the_first_page(client: AISClient, bucket: Bck):
    n = FIRST_PAGE + 57
    names = [f"big/o{i:04d}" for i in range(n)]
    await _put(client, bucket, names + ["big/sub/x", "other"])
    cur = DirCursor(client, bucket, "big/")
    first = await cur.next_page()
    assert len(first) == FIRST_PAGE and not cur.done
    rest = await cur.next_page()
    assert cur.done
    assert [e.name for e in first + rest] == names + ["big/sub/"]


async def test_a_bad_prefix_is_refused_before_anything_is_sent(client: AISClient, bucket: Bck):
    with pytest.raises(InvalidInput):
        DirCursor(client, bucket, "../", "")
