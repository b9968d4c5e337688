"""Upload, download, delete, select, copy and read-only refusal on the objects screen,
against the real local cluster."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from textual.widgets import Button, Input

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.dialogs import ChoiceDialog, ConfirmDialog, PromptDialog, TransferDialog
from aistui.widgets.objlist import ObjectList
from tests.util import shown, unique, until


@pytest.fixture
async def empty_bucket(ais):
    b = Bck.parse(f"ais://{unique('act')}")
    async with AISClient(ais.endpoint) as c:
        await c.buckets.create(b)
    yield b
    async with AISClient(ais.endpoint) as c:
        await c.buckets.destroy(b, missing_ok=True)


def _rows(app) -> set[str]:
    if not isinstance(app.screen, ObjectsScreen):
        return set()
    return set(app.screen.query_one(ObjectList).keys())


async def _settled(pilot, app, screen) -> None:
    """The positive sign that a dismissed dialog was handled: its result callback is queued on
    ``screen``, so a no-op queued after it has run, and any change it started (a "mutate" worker)
    has finished. Only then does asserting that nothing changed mean something."""
    ran: list[bool] = []
    screen.call_next(ran.append, True)
    await until(pilot, lambda: ran and app.screen is screen
                and not any(w.group == "mutate" and not w.is_finished for w in app.workers))


async def _eventually(pilot, get, want, tries: int = 200, step: float = 0.1) -> None:
    """Poll the cluster (``await get()``) until it answers ``want``, at most ``tries`` x ``step`` s."""
    for _ in range(tries):
        if await get() == want:
            return
        await pilot.pause(step)
    assert await get() == want


async def _type(pilot, app, text: str) -> None:
    inp = app.screen.query_one(Input)
    inp.value = text
    await pilot.press("enter")


async def test_upload_a_directory_then_download_it_back_byte_for_byte(ais, empty_bucket, tmp_path: Path):
    src = tmp_path / "set"
    files = {}
    for i in range(12):
        p = src / ("a" if i % 2 else "b") / f"{i}.bin"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(os.urandom(2000 + i))
        files[p.relative_to(tmp_path).as_posix()] = p.read_bytes()
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, image_protocol="halfcell")
    async with app.run_test(size=(150, 40)) as pilot:
        await app.push_screen(ObjectsScreen(empty_bucket))
        await pilot.press("u")
        await shown(pilot, app, PromptDialog)
        await _type(pilot, app, str(src))
        await until(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen.finished)
        stats = str(app.screen.query_one("#transfer-stats").content)
        assert "12/12 files" in stats
        await pilot.press("escape")
        await until(pilot, lambda: _rows(app) == {"set/"})
        # download everything under the bucket root
        out = tmp_path / "out"
        await pilot.press("d")
        await shown(pilot, app, PromptDialog)
        await _type(pilot, app, str(out))
        await until(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen.finished)
        await pilot.press("escape")
    got = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert got == files


async def test_select_two_and_delete_after_confirm(ais, empty_bucket):
    async with AISClient(ais.endpoint) as c:
        for n in ("k1", "k2", "k3"):
            await c.objects.put(empty_bucket, n, b"x")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, image_protocol="halfcell")
    async with app.run_test(size=(150, 40)) as pilot:
        screen = ObjectsScreen(empty_bucket)
        await app.push_screen(screen)
        await until(pilot, lambda: _rows(app) == {"k1", "k2", "k3"})
        await pilot.press("space", "space")  # selects k1, k2 (the cursor moves down)
        assert screen.selected == {"k1", "k2"}
        await pilot.press("x")
        await shown(pilot, app, ConfirmDialog)
        body = str(app.screen.query_one(".dialog-body").content)
        assert "Delete 2 objects" in body and "k1" in body and "k2" in body and "k3" not in body
        await pilot.press("escape")  # cancel first: nothing happens
        await _settled(pilot, app, screen)
        async with AISClient(ais.endpoint) as c:
            assert len(await c.objects.list_all(empty_bucket)) == 3
        await pilot.press("x")
        await shown(pilot, app, ConfirmDialog)
        app.screen.query_one("#confirm", Button).press()
        await until(pilot, lambda: _rows(app) == {"k3"})
    async with AISClient(ais.endpoint) as c:
        assert [e.name for e in await c.objects.list_all(empty_bucket)] == ["k3"]


async def test_read_only_refuses_upload_and_delete(ais, empty_bucket):
    async with AISClient(ais.endpoint) as c:
        await c.objects.put(empty_bucket, "keep", b"x")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, read_only=True)
    async with app.run_test(size=(150, 40), notifications=True) as pilot:
        await app.push_screen(ObjectsScreen(empty_bucket))
        await until(pilot, lambda: _rows(app) == {"keep"})
        for key, what in (("x", "delete"), ("u", "upload")):
            await pilot.press(key)
            await until(pilot, lambda what=what: any(f"read-only mode: {what} is disabled" in n.message
                                                     for n in app._notifications))
            assert isinstance(app.screen, ObjectsScreen), f"{key} opened a dialog in read-only mode"
    async with AISClient(ais.endpoint) as c:
        assert [e.name for e in await c.objects.list_all(empty_bucket)] == ["keep"]


async def test_y_copies_the_uri_the_name_or_an_ais_get_command(ais, empty_bucket):
    async with AISClient(ais.endpoint) as c:
        await c.objects.put(empty_bucket, "dir/pic.png", b"x")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(150, 40)) as pilot:
        await app.push_screen(ObjectsScreen(empty_bucket, prefix="dir/"))
        await until(pilot, lambda: _rows(app) == {"dir/pic.png"})
        for key, want in [("u", f"{empty_bucket}/dir/pic.png"), ("n", "dir/pic.png"),
                          ("g", f"ais get {empty_bucket}/dir/pic.png pic.png")]:
            await pilot.press("y")
            await shown(pilot, app, ChoiceDialog)
            await pilot.press(key)
            await shown(pilot, app, ObjectsScreen)
            assert app.clipboard == want


async def test_filter_shows_matching_loaded_rows(ais, empty_bucket):
    async with AISClient(ais.endpoint) as c:
        for n in ("cat-1.png", "dog-1.png", "cat-2.png", "notes.txt"):
            await c.objects.put(empty_bucket, n, b"x")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(150, 40)) as pilot:
        await app.push_screen(ObjectsScreen(empty_bucket))
        await until(pilot, lambda: len(_rows(app)) == 4)
        await pilot.press("slash")
        await shown(pilot, app, PromptDialog)
        await _type(pilot, app, "CAT")
        await until(pilot, lambda: _rows(app) == {"cat-1.png", "cat-2.png"})
        assert "filter 'CAT': 2 of the loaded rows" in str(app.screen.query_one("#objects-hint").content)
        await pilot.press("slash")
        await shown(pilot, app, PromptDialog)
        await _type(pilot, app, "")
        await until(pilot, lambda: len(_rows(app)) == 4)


async def test_evict_and_prefetch_selected_objects_on_remais(ais, remote_bucket):
    from aistui.core.models import LS_CACHED

    async with AISClient(ais.endpoint) as c:
        for n in ("a", "b", "c"):
            await c.objects.put(remote_bucket, n, b"remote")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(150, 40)) as pilot:
        screen = ObjectsScreen(remote_bucket)
        await app.push_screen(screen)
        await until(pilot, lambda: _rows(app) == {"a", "b", "c"})
        await pilot.press("space", "space")
        await pilot.press("E")
        await shown(pilot, app, ConfirmDialog)
        body = str(app.screen.query_one(".dialog-body").content)
        assert "2 objects" in body and "remote origin keeps them" in body
        app.screen.query_one("#confirm", Button).press()

        async def cached() -> set[str]:
            async with AISClient(ais.endpoint) as c:
                return {e.name for e in await c.objects.list_all(remote_bucket, flags=LS_CACHED)}

        # what the cluster has cached is not on the screen: polled (it is async), bounded as until is
        await _eventually(pilot, cached, {"c"})
        await shown(pilot, app, ObjectsScreen)
        await pilot.press("f")  # the selection (a, b) is still there
        await _eventually(pilot, cached, {"a", "b", "c"})


async def test_cancelling_an_upload_stops_it(ais, empty_bucket, tmp_path: Path, monkeypatch):
    """esc cancels an upload mid-way. A gate holds every put after the first ``GATE`` until it is
    cancelled: uploads of small files got fast enough (pump workers, lean HTTP) that an ungated
    upload could finish before esc, and then esc only closes the dialog."""
    import threading

    from aistui.core.objdata import ObjectData

    GATE = 50
    src = tmp_path / "many"
    src.mkdir()
    for i in range(3000):
        (src / f"{i:05}.bin").write_bytes(b"q" * 2048)
    real_put, lock, held = ObjectData.put, threading.Lock(), threading.Event()
    started = 0

    async def gated_put(self, *a, **kw):
        nonlocal started
        with lock:
            started += 1
            through = started <= GATE
        if not through:  # held until the cancel reaches this worker
            held.set()
            await asyncio.Event().wait()
        return await real_put(self, *a, **kw)

    monkeypatch.setattr(ObjectData, "put", gated_put)
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(150, 40), notifications=True) as pilot:
        screen = ObjectsScreen(empty_bucket)
        await app.push_screen(screen)
        await pilot.press("u")
        await shown(pilot, app, PromptDialog)
        await _type(pilot, app, str(src))
        await shown(pilot, app, TransferDialog)
        await until(pilot, held.is_set)  # mid-way: the first GATE went through, the rest wait
        assert not app.screen.finished
        await pilot.press("escape")
        await shown(pilot, app, ObjectsScreen)
        assert any("transfer cancelled" in n.message for n in app._notifications)
        await until(pilot, lambda: screen._transfer is not None and screen._transfer.is_finished)
    async with AISClient(ais.endpoint) as c:
        stored = await c.objects.list_all(empty_bucket)
    assert len(stored) <= GATE  # it stopped: nothing past the gate was sent
    assert all(e.size == 2048 for e in stored)  # and what landed is whole


async def test_range_select_and_sort_say_what_they_cover(ais, empty_bucket):
    async with AISClient(ais.endpoint) as c:
        for i, n in enumerate(("a", "b", "c", "d", "e")):
            await c.objects.put(empty_bucket, n, b"x" * (10 * (5 - i)))
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(150, 40)) as pilot:
        await app.push_screen(ObjectsScreen(empty_bucket))
        olist = app.screen.query_one(ObjectList)
        await until(pilot, lambda: olist.row_count == 5)
        await pilot.press("j", "v", "j", "j", "v")
        assert olist.selected == {"b", "c", "d"}
        hint = lambda: str(app.screen.query_one("#objects-hint").content)  # noqa: E731
        assert "3 selected" in hint()
        await pilot.press("s", "s", "s")  # name ▲, name ▼, size ▼
        assert olist.keys() == ["a", "b", "c", "d", "e"]  # a is the largest
        assert "sorted by size ▼ (only the 5 loaded rows)" in hint()
        await pilot.press("s")  # size ▲
        assert olist.keys()[0] == "e"


async def test_t_previews_an_object_through_an_etl_and_says_why_it_cannot(ais, empty_bucket):
    """The real cluster has no ETL (501 without Kubernetes): the inline preview says so."""
    from aistui.widgets.etlpreview import ETLPreviewDialog
    from aistui.widgets.preview import Preview

    async with AISClient(ais.endpoint) as c:
        await c.objects.put(empty_bucket, "note.txt", b"hello")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(150, 40)) as pilot:
        await app.push_screen(ObjectsScreen(empty_bucket))
        await until(pilot, lambda: _rows(app) == {"note.txt"})
        await pilot.press("t")
        await _type(pilot, app, "md5")
        await until(pilot, lambda: isinstance(app.screen, ETLPreviewDialog)
                    and app.screen.query_one(Preview).kind == "error")
        async with AISClient(ais.endpoint) as c:
            assert await c.objects.get(empty_bucket, "note.txt") == b"hello"
