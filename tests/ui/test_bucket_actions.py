"""Create, destroy, copy, evict, prefetch and props on the buckets screen, against the real
local cluster (remote flows through @remais)."""

from __future__ import annotations

from textual.widgets import Input

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.models import LS_CACHED
from aistui.screens.buckets import BucketsScreen
from aistui.screens.props import BucketPropsScreen
from aistui.widgets.dialogs import ConfirmDialog, PromptDialog
from aistui.widgets.form import FormDialog
from aistui.widgets.jsontree import JsonTree
from aistui.widgets.linetable import LineTable
from tests.util import shown, unique, until


def _keys(app) -> set[str]:
    if not isinstance(app.screen, BucketsScreen):
        return set()
    return set(app.screen.query_one("#buckets", LineTable).keys)


async def _open(pilot, app) -> BucketsScreen:
    await pilot.press("2")
    await until(pilot, lambda: isinstance(app.screen, BucketsScreen) and app.screen.listed)
    return app.screen


async def _at(pilot, app, key: str) -> None:
    await until(pilot, lambda: key in _keys(app))
    t = app.screen.query_one("#buckets", LineTable)
    t.move_cursor(row=t.get_row_index(key))


async def _prompt(pilot, app, text: str) -> None:
    await shown(pilot, app, PromptDialog)
    app.screen.query_one(Input).value = text
    await pilot.press("enter")


async def _form(pilot, app, **values: str) -> None:
    """Fill the open form's fields (inputs and selects by key) and submit it."""
    await shown(pilot, app, FormDialog)
    for key, value in values.items():
        app.screen.query_one(f"#field-{key}").value = value  # the form reads its widgets on submit
    app.screen.query_one("#submit").press()


def _msgs(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_create_checks_the_name_then_destroy_needs_the_name_typed(ais):
    name = unique("made")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(150, 40), notifications=True) as pilot:
        await _open(pilot, app)
        await pilot.press("n")
        await _prompt(pilot, app, "bad name!")
        await until(pilot, lambda: any("invalid bucket name" in m for m in _msgs(app)))
        await pilot.press("n")
        await _prompt(pilot, app, name)
        await _at(pilot, app, f"ais://{name}")
        await pilot.press("D")
        await shown(pilot, app, ConfirmDialog)
        inp = app.screen.query_one(Input)
        inp.value = "wrong"
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmDialog)  # the wrong name does not confirm
        inp.value = name
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, BucketsScreen) and f"ais://{name}" not in _keys(app))
    async with AISClient(ais.endpoint) as c:
        assert not await c.buckets.exists(Bck.parse(f"ais://{name}"))


async def test_copy_bucket_with_a_prefix_starts_a_job_that_copies_those_objects(ais, bucket):
    async with AISClient(ais.endpoint) as c:
        for i in range(5):
            await c.objects.put(bucket, f"o{i}", b"z" * i)
        await c.objects.put(bucket, "skip/me", b"no")
    dst = Bck.parse(f"ais://{unique('cp')}")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    try:
        async with app.run_test(size=(150, 40), notifications=True) as pilot:
            await _open(pilot, app)
            await _at(pilot, app, str(bucket))
            await pilot.press("c")
            await _form(pilot, app, dst=str(dst), prefix="o")
            await until(pilot, lambda: any("job" in m and "copy" in m for m in _msgs(app)))
        async with AISClient(ais.endpoint) as c:
            xid = next(j.id for j in await c.jobs.list(kind="copy-bck") if j.dst_bck and j.dst_bck.name == dst.name)
            await c.jobs.wait(xid)
            assert sorted(e.name for e in await c.objects.list_all(dst)) == [f"o{i}" for i in range(5)]
    finally:
        async with AISClient(ais.endpoint) as c:
            await c.buckets.destroy(dst, missing_ok=True)


async def test_evict_then_prefetch_a_remote_bucket(ais, remote_bucket):
    async with AISClient(ais.endpoint) as c:
        for i in range(6):
            await c.objects.put(remote_bucket, f"r{i}", b"remote")
        uuid = next(r.uuid for r in await c.cluster.remotes() if r.alias == "remais")
    key = str(Bck(remote_bucket.name, "ais", remote_bucket.ns.__class__(uuid, "")))
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(150, 40), notifications=True) as pilot:
        await _open(pilot, app)
        await _at(pilot, app, key)
        await pilot.press("E")
        await shown(pilot, app, FormDialog)
        assert "remote origin keeps them" in str(app.screen.query_one(".dialog-help").content)
        await _form(pilot, app, keep="yes")
        await until(pilot, lambda: any(m.startswith("evict") for m in _msgs(app)))
        # what the cluster has cached is not on the screen and is read with awaits: a bounded poll,
        # as long as until's
        async with AISClient(ais.endpoint) as c:
            for _ in range(200):
                if not await c.objects.list_all(remote_bucket, flags=LS_CACHED):
                    break
                await pilot.pause(0.1)
            assert await c.objects.list_all(remote_bucket, flags=LS_CACHED) == []
        await _at(pilot, app, key)
        await pilot.press("f")
        await until(pilot, lambda: any(m.startswith("prefetch") for m in _msgs(app)))
        async with AISClient(ais.endpoint) as c:
            for _ in range(200):
                if len(await c.objects.list_all(remote_bucket, flags=LS_CACHED)) == 6:
                    break
                await pilot.pause(0.1)
            assert len(await c.objects.list_all(remote_bucket, flags=LS_CACHED)) == 6


async def test_props_and_read_only_refusals(ais, bucket):
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, read_only=True)
    async with app.run_test(size=(150, 40), notifications=True) as pilot:
        await _open(pilot, app)
        await _at(pilot, app, str(bucket))
        await pilot.press("p")  # the property tree: reading, so not refused
        await shown(pilot, app, BucketPropsScreen)
        await until(pilot, lambda: app.screen.loaded)
        assert "versioning" in app.screen.query_one(JsonTree).keys()
        await pilot.press("escape")
        await shown(pilot, app, BucketsScreen)
        for key, what in (("n", "create bucket"), ("D", "destroy bucket"), ("c", "copy bucket"),
                          ("E", "evict"), ("f", "prefetch"), ("P", "edit bucket props")):
            await pilot.press(key)
            await until(pilot, lambda what=what: any(f"read-only mode: {what} is disabled" in m for m in _msgs(app)))
            assert isinstance(app.screen, BucketsScreen), key
    async with AISClient(ais.endpoint) as c:
        assert await c.buckets.exists(bucket)


async def test_edit_props_changes_only_what_the_user_changed(ais, bucket):
    async with AISClient(ais.endpoint) as c:
        before = await c.buckets.head(bucket)
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(150, 40), notifications=True) as pilot:
        await _open(pilot, app)
        await _at(pilot, app, str(bucket))
        await pilot.press("P")
        await shown(pilot, app, FormDialog)
        assert app.screen.query_one("#field-checksum").value == before["checksum"]["type"]
        await _form(pilot, app, checksum="md5", copies="0")
        await until(pilot, lambda: "between 1" in str(app.screen.query_one("#form-error").content))
        await _form(pilot, app, copies="1")
        await until(pilot, lambda: any(m.startswith("set props") for m in _msgs(app)))
    async with AISClient(ais.endpoint) as c:
        after = await c.buckets.head(bucket)
    assert after["checksum"]["type"] == "md5"
    assert after["versioning"] == before["versioning"] and after["mirror"] == before["mirror"]
