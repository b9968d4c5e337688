"""The objects screen's details show what HEAD v2 adds (issue 15): a chunked object's chunks, its
Last-Modified and ETag; against the real local cluster."""

from __future__ import annotations

import io
import os

from rich.console import Console
from textual.widgets import Static

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.objlist import ObjectList
from tests.util import unique, until

MiB = 1024 * 1024


def _plain(renderable) -> str:
    con = Console(width=200, record=True, file=io.StringIO())
    con.print(renderable)
    return con.export_text()


async def test_details_show_chunks_last_modified_and_etag(ais, tmp_path):
    b = Bck.parse(f"ais://{unique('ch')}")
    f = tmp_path / "big.bin"
    f.write_bytes(os.urandom(3 * MiB))
    async with AISClient(ais.endpoint) as c:
        await c.buckets.create(b)
        await c.objects.put_multipart(b, "big.bin", f, part_size=MiB)  # stored as 3 chunks
        await c.objects.put(b, "small.txt", b"one piece")
    try:
        app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, image_protocol="halfcell")
        async with app.run_test(size=(150, 40)) as pilot:
            await app.push_screen(ObjectsScreen(b))
            olist = app.screen.query_one(ObjectList)
            await until(pilot, lambda: "big.bin" in olist.keys())
            details = app.screen.query_one("#details", Static)
            olist.move_cursor(row=olist.get_row_index("big.bin"))
            await until(pilot, lambda: "chunks" in _plain(details.content))
            text = _plain(details.content)
            assert "3 x up to 1.0 MiB" in text, text
            assert "modified" in text and "GMT" in text and "etag" in text
            olist.move_cursor(row=olist.get_row_index("small.txt"))
            await until(pilot, lambda: "small.txt" in _plain(details.content) and "etag" in _plain(details.content))
            assert "chunks" not in _plain(details.content)  # stored whole
    finally:
        async with AISClient(ais.endpoint) as c:
            await c.buckets.destroy(b)
