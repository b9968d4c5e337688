"""Details and previews on the objects screen, against the real local cluster."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from rich.text import Text
from textual.widgets import DataTable, Static

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.playground.demo import digits, make_shards
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.objlist import ObjectList
from aistui.widgets.preview import Preview
from tests.util import unique, until


@pytest.fixture
async def preview_bucket(ais):
    b = Bck.parse(f"ais://{unique('pv')}")
    samples = list(digits(scale=4, limit=6))
    png = Image.new("RGB", (64, 48), (200, 30, 30))
    buf = io.BytesIO()
    png.save(buf, format="PNG")
    objects = {
        "img/red.png": buf.getvalue(),
        "img/digit.png": samples[3].data,
        "notes/readme.md": b"# Title\n\nsome *markdown*\n",
        "notes/meta.json": b'{"classes": [0, 1, 2]}',
        "fake.png": b"this is not an image at all",
        "shards/shard-000000.tar": next(make_shards(samples, 6))[1],
        "[bold]odd.txt": b"markup-looking name",
        "a[/x]b.txt": b"a closing tag inside the full name",
    }
    async with AISClient(ais.endpoint) as c:
        await c.buckets.create(b)
        for k, v in objects.items():
            await c.objects.put(b, k, v, custom={"origin": "[red]test[/red]"} if k == "img/red.png" else None)
    yield b
    async with AISClient(ais.endpoint) as c:
        await c.buckets.destroy(b)


async def _open(pilot, app, b: Bck, prefix: str, name: str) -> Preview:
    await app.push_screen(ObjectsScreen(b, prefix=prefix))
    olist = app.screen.query_one(ObjectList)
    await until(pilot, lambda: name in olist.keys())
    olist.move_cursor(row=olist.get_row_index(name))
    return app.screen.query_one(Preview)


async def test_image_preview_and_details(ais, preview_bucket):
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, image_protocol="halfcell")
    async with app.run_test(size=(150, 40)) as pilot:
        preview = await _open(pilot, app, preview_bucket, "img/", "img/red.png")
        await until(pilot, lambda: preview.kind == "image")
        title = str(preview.query_one(".preview-title", Static).render())
        assert "PNG 64×48 RGB" in title
        text = _plain(app.screen.query_one("#details", Static).content)
        assert "img/red.png" in text and "xxhash2" in text
        assert "[red]test[/red]" in text  # metadata shown as typed, not as markup


async def test_text_json_and_not_an_image(ais, preview_bucket):
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, image_protocol="halfcell")
    async with app.run_test(size=(150, 40)) as pilot:
        preview = await _open(pilot, app, preview_bucket, "notes/", "notes/meta.json")
        await until(pilot, lambda: preview.kind == "text")
        app.pop_screen()
        preview = await _open(pilot, app, preview_bucket, "", "fake.png")
        await until(pilot, lambda: preview.kind == "error")
        assert "not an image" in _plain(preview.children[-1].content)


async def test_shard_members_are_listed_and_a_member_previews(ais, preview_bucket):
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, image_protocol="halfcell")
    async with app.run_test(size=(150, 40)) as pilot:
        preview = await _open(pilot, app, preview_bucket, "shards/", "shards/shard-000000.tar")
        await until(pilot, lambda: preview.kind == "archive")
        members = preview.query_one("#members", DataTable)
        assert [str(k.value) for k in members.rows][:2] == ["00000.cls", "00000.png"]
        assert members.row_count == 12
        members.focus()
        members.move_cursor(row=members.get_row_index("00003.png"))
        await pilot.press("enter")
        await until(pilot, lambda: preview.member_kind == "image")


async def test_markup_looking_names_render_as_typed(ais, preview_bucket):
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, image_protocol="halfcell")
    async with app.run_test(size=(150, 40)) as pilot:
        name = "[bold]odd.txt"
        preview = await _open(pilot, app, preview_bucket, "", name)
        await until(pilot, lambda: preview.kind == "text")
        olist = app.screen.query_one(ObjectList)
        assert name in olist.render_line(olist.get_row_index(name) - int(olist.scroll_y)).text
        app.pop_screen()
        # '[/x]' would be a closing markup tag; the full name shows in the details panel
        name = "a[/x]b.txt"
        preview = await _open(pilot, app, preview_bucket, "a[/", name)
        await until(pilot, lambda: preview.kind == "text")
        details = app.screen.query_one("#details", Static)
        assert name in _plain(details.content)
        # the positive sign that it rendered (markup would have raised there): the name on screen
        await until(pilot, lambda: any(name in details.render_line(y).text for y in range(details.size.height)))
        assert app.is_running


def _plain(renderable) -> str:
    if isinstance(renderable, Text):
        return renderable.plain
    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()
