"""The layout at 80x24 against the real local cluster: the cluster screen keeps role, id, state,
CPU and capacity % on screen without scrolling sideways, and dialogs fit the terminal with their
submit reachable: ``tab``, ``enter`` from the last field submits (it used to land on Cancel,
which closed the dialog silently), ``ctrl+s`` submits from any field, ``enter`` on a last field
that is a select submits, and a cancel says "cancelled"."""

from __future__ import annotations

from textual.widgets import Button, Input, Select

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.screens.buckets import BucketsScreen
from aistui.widgets.form import FormDialog
from aistui.widgets.linetable import LineTable
from tests.util import shown, unique, until

SIZE = (80, 24)


def _msgs(app) -> list[str]:
    return [n.message for n in app._notifications]


def _saved(app) -> int:
    """How many "set props of …: done" notices were shown."""
    return len([m for m in _msgs(app) if m.startswith("set props") and m.endswith("done")])


async def _open_bucket(pilot, app, bucket: Bck) -> None:
    await pilot.press("2")
    await until(pilot, lambda: isinstance(app.screen, BucketsScreen) and app.screen.listed)
    t = app.screen.query_one("#buckets", LineTable)
    await until(pilot, lambda: str(bucket) in set(t.keys))
    t.move_cursor(row=t.get_row_index(str(bucket)))


def _fits(app) -> None:
    """The dialog's box and its submit button are inside the terminal."""
    box = app.screen.query_one("Vertical").region
    assert box.x >= 0 and box.y >= 0 and box.right <= SIZE[0] and box.bottom <= SIZE[1], box
    submit = app.screen.query_one("#submit", Button).region
    assert submit.width and submit.right <= SIZE[0] and submit.bottom <= SIZE[1], submit


async def test_the_cluster_screen_at_80x24_shows_role_id_state_cpu_and_capacity(ais):
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=SIZE) as pilot:
        t = app.screen.query_one("#nodes", LineTable)
        await until(pilot, lambda: t.row_count >= 2 and app.health == "ok")
        assert {"role", "id", "state", "cpu", "disk%"} <= set(t.shown_columns)
        assert t.virtual_size.width <= t.scrollable_content_region.width  # nothing hidden sideways
        header = t.render_line(0).text
        assert all(c in header for c in ("role", "id", "state", "cpu", "disk%"))
        target = next(k for k in t.keys if t.get_cell(k, "role") == "target")
        row = t.render_line(1 + t.get_row_index(target)).text
        assert t.get_cell(target, "disk%") in row and t.get_cell(target, "cpu") in row


async def test_copy_dialog_at_80x24_tab_enter_from_the_last_field_copies(ais, bucket):
    async with AISClient(ais.endpoint) as c:
        for i in range(3):
            await c.objects.put(bucket, f"o{i}", b"z" * i)
    dst = Bck.parse(f"ais://{unique('cpfit')}")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await _open_bucket(pilot, app, bucket)
            await pilot.press("c")
            await shown(pilot, app, FormDialog)
            _fits(app)
            app.screen.query_one("#field-dst", Input).value = str(dst)
            await pilot.press("tab", "tab", "tab")  # dst -> prefix -> dry run -> sync, the last field
            assert app.screen.focused is app.screen.query_one("#field-sync")
            await pilot.press("tab", "enter")
            await until(pilot, lambda: any("copy" in m and "job" in m for m in _msgs(app)))
            assert not any("cancelled" in m for m in _msgs(app))
        async with AISClient(ais.endpoint) as c:
            xid = next(j.id for j in await c.jobs.list(kind="copy-bck") if j.dst_bck and j.dst_bck.name == dst.name)
            await c.jobs.wait(xid)
            assert sorted(e.name for e in await c.objects.list_all(dst)) == ["o0", "o1", "o2"]
    finally:
        async with AISClient(ais.endpoint) as c:
            await c.buckets.destroy(dst, missing_ok=True)


async def test_edit_props_at_80x24_tab_enter_ctrl_s_enter_on_the_last_select_and_esc(ais, bucket):
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with AISClient(ais.endpoint) as c:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await _open_bucket(pilot, app, bucket)

            async def form() -> FormDialog:
                await pilot.press("P")
                await shown(pilot, app, FormDialog)
                _fits(app)
                return app.screen  # type: ignore[return-value]

            # tab, enter from the last field (checksum): saved, not cancelled
            f = await form()
            await pilot.press("tab", "tab")  # versioning -> copies -> checksum
            assert f.focused is f.query_one("#field-checksum")
            f.query_one("#field-checksum", Select).value = "md5"
            await pilot.press("tab", "enter")
            await until(pilot, lambda: _saved(app) == 1)
            await until(pilot, lambda: not isinstance(app.screen, FormDialog))
            assert not any("cancelled" in m for m in _msgs(app))
            assert (await c.buckets.head(bucket))["checksum"]["type"] == "md5"

            # ctrl+s from the first field
            f = await form()
            f.query_one("#field-checksum", Select).value = "sha256"
            assert f.focused is f.query_one("#field-versioning")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: not isinstance(app.screen, FormDialog))
            await until(pilot, lambda: _saved(app) == 2)

            # enter on the last field, a closed select
            f = await form()
            f.query_one("#field-checksum", Select).value = "xxhash"
            f.query_one("#field-checksum").focus()
            await pilot.press("enter")
            await until(pilot, lambda: _saved(app) == 3)

            # esc says so
            await form()
            await pilot.press("escape")
            await until(pilot, lambda: any(m.endswith("cancelled") and "props" in m for m in _msgs(app)))
        assert (await c.buckets.head(bucket))["checksum"]["type"] == "xxhash"
