"""Rename (object ``m``, bucket ``m``), custom metadata (``M``), listing columns (``C``), the
per-prefix summary (``S``) and housekeeping (``H`` on the jobs screen) driven through the UI
against the real local cluster; the new dialogs' snapshots at 80x24."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import Input, SelectionList

from aistui.app import AISTui
from aistui.commands import AISCommands
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.models import Job, JobSnap
from aistui.screens.buckets import BucketsScreen
from aistui.screens.jobs import JobsScreen
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.dialogs import ConfirmDialog, PromptDialog
from aistui.widgets.linetable import LineTable
from aistui.widgets.objlist import ObjectList
from aistui.widgets.objops import ColumnsDialog, CustomMetaDialog, HousekeepingDialog, ReportDialog, parse_pairs
from tests.util import shown, unique, until


def _report(app) -> str:
    assert isinstance(app.screen, ReportDialog)
    return "\n".join(f"{a}: {b}" for a, b in app.screen.rows)


async def _eventually(pilot, get, want, tries: int = 300, step: float = 0.1) -> None:
    for _ in range(tries):
        if await get() == want:
            return
        await pilot.pause(step)
    assert await get() == want


async def test_object_rename_custom_metadata_columns_and_summary(ais, bucket):
    async with AISClient(ais.endpoint) as c:
        for i in range(3):
            await c.objects.put(bucket, f"d/{i}", b"q" * (i + 1))
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await until(pilot, lambda: app.health == "ok")
        app.show_objects(bucket, "d/")
        await shown(pilot, app, ObjectsScreen)
        screen = app.screen
        olist = screen.query_one(ObjectList)
        await until(pilot, lambda: olist.keys() == ["d/0", "d/1", "d/2"])

        # m: rename d/0 -> d/zero, with a prompt and a confirm
        await pilot.press("m")
        await shown(pilot, app, PromptDialog)
        inp = app.screen.query_one(Input)
        assert inp.value == "d/0"
        inp.value = "d/zero"
        inp.focus()
        await pilot.press("enter")
        await shown(pilot, app, ConfirmDialog)
        assert "d/zero" in "\n".join(app.screen.lines)
        await pilot.click("#confirm")
        await until(pilot, lambda: app.screen is screen and "d/zero" in olist.keys())
        assert "d/0" not in olist.keys()
        entry = app.session.cmdlog.newest_first()[0]
        assert entry.cli == f"ais object mv {bucket}/d/0 d/zero" and entry.result == "ok"
        # a URI in this bucket works too (as ais object mv takes it); another bucket is refused
        olist.move_cursor(row=olist.get_row_index("d/zero"))
        for uri in ("ais://elsewhere/d/x", f"{bucket}/d/0"):
            await pilot.press("m")
            await shown(pilot, app, PromptDialog)
            app.screen.query_one(Input).value = uri
            app.screen.query_one(Input).focus()
            await pilot.press("enter")
            if "elsewhere" in uri:
                await until(pilot, lambda: any("another bucket" in n.message for n in app._notifications))
                assert app.screen is screen
            else:
                await shown(pilot, app, ConfirmDialog)
                await pilot.click("#confirm")
        await until(pilot, lambda: app.screen is screen and "d/0" in olist.keys() and "d/zero" not in olist.keys())

        # M: set two keys, then delete one and update the other
        olist.move_cursor(row=olist.get_row_index("d/1"))
        await pilot.press("M")
        await shown(pilot, app, CustomMetaDialog)
        app.screen.query_one("#pairs", Input).value = "owner=ml-team split='train set'"
        await pilot.press("ctrl+s")
        async with AISClient(ais.endpoint) as c:
            async def custom():
                return dict((await c.objects.head(bucket, "d/1")).custom)
            await _eventually(pilot, custom, {"owner": "ml-team", "split": "train set"})
            await until(pilot, lambda: app.screen is screen)
            await pilot.press("M")
            await shown(pilot, app, CustomMetaDialog)
            sel = app.screen.query_one("#delete", SelectionList)
            sel.select("owner")
            app.screen.query_one("#pairs", Input).value = "split=val"
            await pilot.press("ctrl+s")
            await _eventually(pilot, custom, {"split": "val"})
        entry = app.session.cmdlog.newest_first()[0]
        assert entry.cli == f"ais object set-custom {bucket}/d/1 split=val --set-new-custom"

        # C: version and cached columns; the listing is asked again with those props
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("C")
        await shown(pilot, app, ColumnsDialog)
        cols = app.screen.query_one(SelectionList)
        cols.select("cached")
        cols.select("version")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen and olist.columns == ("cached", "version")
                    and olist.loaded == 3)
        assert app.session.listing_columns == ("cached", "version")
        row = olist.get_row_index("d/2")
        assert olist.extra_at(row) == ("yes", "1")
        assert "cached" in screen.query_one("ObjectHeader").render().plain
        assert "yes" in olist.render_line(row - int(olist.scroll_y)).text

        # S: the summary of d/ by the cluster's summary job
        await pilot.press("S")
        await shown(pilot, app, ReportDialog, tries=600)
        text = _report(app)
        assert "objects in cluster: 3" in text and "size in cluster: 6 B" in text.replace("6 B (6 B)", "6 B")
        await pilot.press("escape")


async def test_bucket_rename_from_the_buckets_screen(ais):
    src, dst = Bck.parse(f"ais://{unique('mvui')}"), Bck.parse(f"ais://{unique('mvuid')}")
    async with AISClient(ais.endpoint) as c:
        await c.buckets.create(src)
        await c.objects.put(src, "x", b"moved")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    try:
        async with app.run_test(size=(160, 40), notifications=True) as pilot:
            await pilot.press("2")
            await until(pilot, lambda: isinstance(app.screen, BucketsScreen) and app.screen.listed)
            t = app.screen.query_one("#buckets", LineTable)
            await until(pilot, lambda: str(src) in set(t.keys))
            t.move_cursor(row=t.get_row_index(str(src)))
            await pilot.press("m")
            await shown(pilot, app, PromptDialog)
            app.screen.query_one(Input).value = str(dst)
            app.screen.query_one(Input).focus()
            await pilot.press("enter")
            await shown(pilot, app, ConfirmDialog)
            await pilot.click("#confirm")
            async with AISClient(ais.endpoint) as c:
                async def moved():
                    return await c.buckets.exists(dst) and not await c.buckets.exists(src)
                await _eventually(pilot, moved, True, tries=600)
                assert await c.objects.get(dst, "x") == b"moved"
            entry = next(e for e in app.session.cmdlog if e.action == "rename bucket")
            assert entry.cli == f"ais bucket mv {src} {dst}" and entry.result.startswith("job ")
    finally:
        async with AISClient(ais.endpoint) as c:
            for b in (src, dst):
                await c.buckets.destroy(b, missing_ok=True)


async def test_housekeeping_from_the_jobs_screen_reports_what_it_did(ais, bucket):
    async with AISClient(ais.endpoint) as c:
        await c.objects.put(bucket, "empty", b"")
        await c.objects.put(bucket, "full", b"f" * 10)
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await until(pilot, lambda: app.health == "ok")
        # the palette's "Housekeeping" from another screen opens the chooser on the jobs screen
        commands = {title: cb for title, _, cb in AISCommands(app.screen)._commands()}
        commands["Housekeeping: LRU, cleanup, validate"]()
        await shown(pilot, app, HousekeepingDialog)
        await pilot.press("escape")
        await shown(pilot, app, JobsScreen)
        jobs = app.screen
        # storage cleanup of the bucket: the report when the job ends
        await pilot.press("H")
        await shown(pilot, app, HousekeepingDialog)
        app.screen.query_one("#kind-cleanup").value = True
        app.screen.query_one("#bucket", Input).value = str(bucket)
        await pilot.press("ctrl+s")
        await shown(pilot, app, ReportDialog, tries=1200)
        text = _report(app)
        assert "cleanup" in text and "finished" in text and "removed: 0 files" in text and "objects visited" in text
        entry = next(e for e in app.session.cmdlog if e.action == "start storage cleanup")
        assert entry.cli == f"ais space-cleanup {bucket}"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is jobs)
        # storage validation (scrub) of the bucket: one small (zero-size) object found
        await pilot.press("H")
        await shown(pilot, app, HousekeepingDialog)
        app.screen.query_one("#kind-scrub").value = True
        app.screen.query_one("#bucket", Input).value = str(bucket)
        await pilot.press("ctrl+s")
        await shown(pilot, app, ReportDialog, tries=600)
        text = _report(app)
        assert f"{bucket}: 2 objects" in text and "small: 1" in text
        assert next(e for e in app.session.cmdlog if e.action == "validate storage").cli == f"ais scrub {bucket}"


def test_parse_pairs():
    assert parse_pairs("a=1 b='x y' c=") == {"a": "1", "b": "x y", "c": ""}
    with pytest.raises(ValueError):
        parse_pairs("novalue")
    with pytest.raises(ValueError):
        parse_pairs("a='unclosed")


class _Host(App):
    def __init__(self, dialog):
        super().__init__()
        self.dialog = dialog

    def on_mount(self) -> None:
        self.push_screen(self.dialog)


_JOB = Job(id="Xc1eAnUp", kind="cleanup-store", snaps=(JobSnap(
    id="Xc1eAnUp", kind="cleanup-store", node="t1", bck=None, src_bck=None, dst_bck=None, start=None, end=None,
    aborted=False, is_idle=False, abort_err="", err="", ctlmsg="t[t1]: visits:12 misplaced-local:2 oldwork:3",
    loc_objs=5, loc_bytes=5 * 1024, in_objs=0, in_bytes=0, out_objs=0, out_bytes=0),))


def _dialogs():
    from aistui.core.housekeeping import outcome
    return {
        "columns": ColumnsDialog(("cached", "checksum")),
        "custom": CustomMetaDialog("train/cats/00017.png", {"owner": "ml-team", "split": "train", "label": "3"}),
        "housekeeping": HousekeepingDialog("ais://digits"),
        "report": ReportDialog("storage cleanup of ais://digits: what it found and freed",
                               [("job", "cleanup Xc1eAnUp: finished"), *outcome(_JOB)]),
    }


@pytest.mark.parametrize("which", ["columns", "custom", "housekeeping", "report"])
def test_dialog_snapshots_at_80x24(snap_compare, which):
    assert snap_compare(_Host(_dialogs()[which]), terminal_size=(80, 24))
