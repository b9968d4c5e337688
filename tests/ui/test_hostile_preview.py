"""Previews of hostile objects on the real cluster: a huge text object is read only up to the cap
(counted by the cluster's GET byte counter), an image too large to preview and a non-image named
like one show an error, never a crash."""

from __future__ import annotations

import os

import pytest

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.objlist import ObjectList
from aistui.widgets.preview import IMAGE_CAP, TEXT_CAP, TEXT_LINES, Preview
from tests.util import unique, until

HUGE_TEXT = 8 * 1024 * 1024


@pytest.fixture
async def hostile_bucket(ais):
    b = Bck.parse(f"ais://{unique('hp')}")
    async with AISClient(ais.endpoint) as c:
        await c.buckets.create(b)
        await c.objects.put(b, "huge.txt", b"line of text\n" * (HUGE_TEXT // 13))
        await c.objects.put(b, "huge.png", b"\x89PNG\r\n\x1a\n" + os.urandom(IMAGE_CAP + 1024))
        await c.objects.put(b, "fake.jpg", b"plain text pretending to be a JPEG")
        await c.objects.put(b, "zero.png", b"")
    yield b
    async with AISClient(ais.endpoint) as c:
        await c.buckets.destroy(b)


async def _get_bytes(c: AISClient) -> int:
    total = 0
    for t in (await c.cluster.smap()).targets:
        total += (await c.cluster.node_status(t.daemon_id)).counters.get("get.size", 0)
    return total


async def test_huge_and_fake_previews_are_capped_or_errors(ais, hostile_bucket):
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, image_protocol="halfcell")
    async with AISClient(ais.endpoint) as c, app.run_test(size=(150, 40)) as pilot:
        before = await _get_bytes(c)
        await app.push_screen(ObjectsScreen(hostile_bucket, prefix="", name_prefix="huge.t"))
        preview = app.screen.query_one(Preview)
        await until(pilot, lambda: preview.kind == "text" and "huge.txt" in _text(preview))
        # read: the first TEXT_CAP bytes; shown: the first TEXT_LINES lines (the UI stays responsive)
        assert (f"(first {TEXT_LINES:,} lines, {TEXT_LINES * 13 - 1:,} characters "
                f"of {HUGE_TEXT - HUGE_TEXT % 13:,} bytes)") in _text(preview)
        # the cluster served the cap, not the 8 MiB object (its counters refresh every
        # periodic.stats_time, so wait until they show the read; the cluster's counters are not on
        # the screen and are read with awaits, hence a bounded poll, as long as until's, not until)
        for _ in range(200):
            got = await _get_bytes(c) - before
            if got >= TEXT_CAP:
                break
            await pilot.pause(0.1)
        assert TEXT_CAP <= got < 2 * TEXT_CAP
        app.pop_screen()
        await app.push_screen(ObjectsScreen(hostile_bucket))
        olist = app.screen.query_one(ObjectList)
        preview = app.screen.query_one(Preview)
        await until(pilot, lambda: "zero.png" in olist.keys())
        for name, words in (("huge.png", "larger than the 16 MiB preview cap"), ("fake.jpg", "not an image"),
                            ("zero.png", "not an image")):
            olist.move_cursor(row=olist.get_row_index(name))
            await until(pilot, lambda name=name: preview.kind == "error" and name in _text(preview))
            assert words in _text(preview)
        assert app.is_running


def _text(preview: Preview) -> str:
    """The preview's title and, for an error, its message (not the highlighted text body)."""
    import io

    from rich.console import Console
    from rich.text import Text
    from textual.widgets import Static

    parts = [str(preview.query_one(".preview-title", Static).render())]
    if preview.kind == "error" and len(preview.children) > 1:
        content = preview.children[-1].content
        if isinstance(content, Text):
            parts.append(content.plain)
        else:
            console = Console(width=200, record=True, file=io.StringIO())
            console.print(content)
            parts.append(console.export_text())
    return "\n".join(parts)
