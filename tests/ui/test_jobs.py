"""The jobs screen against the real local cluster: a bucket copy started from the buckets screen
is followed running then finished with the source's counts, and toasts when it ends; aborting a
copy marks it aborted (refused in --read-only); evict, prefetch and summary jobs on @remais
buckets show up, and the filters and sorts work."""

from __future__ import annotations

import asyncio

from textual.widgets import Input

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.screens.buckets import BucketsScreen
from aistui.screens.jobs import JobsScreen
from aistui.widgets.dialogs import ConfirmDialog, PromptDialog
from aistui.widgets.form import FormDialog
from aistui.widgets.linetable import LineTable
from tests.util import shown, unique, until

COPY_OBJECTS = 2000


def _msgs(app) -> list[str]:
    return [n.message for n in app._notifications]


def _jobs(app) -> JobsScreen | None:
    return app.screen if isinstance(app.screen, JobsScreen) else None


def _cell(app, job_id: str, col: str) -> str:
    t = app.screen.query_one("#jobs", LineTable)
    return t.get_cell(job_id, col) if job_id in t.keys else ""


def _shown(app) -> list[str]:
    s = _jobs(app)
    if s is None:
        return []
    return s.query_one("#jobs", LineTable).keys


async def _put_many(c: AISClient, bck: Bck, n: int) -> None:
    sem = asyncio.Semaphore(32)

    async def put(i: int) -> None:
        async with sem:
            await c.objects.put(bck, f"d/{i:05}", b"x" * 100)

    await asyncio.gather(*(put(i) for i in range(n)))


async def _prompt(pilot, app, text: str) -> None:
    await shown(pilot, app, PromptDialog)
    app.screen.query_one(Input).value = text
    await pilot.press("enter")


async def test_copy_from_buckets_is_followed_running_then_finished_with_matching_counts(ais, bucket):
    dst = Bck.parse(f"ais://{unique('follow')}")
    async with AISClient(ais.endpoint) as c:
        await _put_many(c, bucket, COPY_OBJECTS)
        other = await c.buckets.summary_start(bucket)  # another job, hidden by the follow filter
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=0.5)
    try:
        async with app.run_test(size=(160, 40), notifications=True) as pilot:
            await pilot.press("2")
            await until(pilot, lambda: isinstance(app.screen, BucketsScreen) and app.screen.listed)
            t = app.screen.query_one("#buckets", LineTable)
            await until(pilot, lambda: str(bucket) in set(t.keys))
            t.move_cursor(row=t.get_row_index(str(bucket)))
            await pilot.press("c")
            await shown(pilot, app, FormDialog)
            field = app.screen.query_one("#field-dst", Input)
            field.value = str(dst)
            field.focus()
            await pilot.press("enter")
            await until(pilot, lambda: any("press 3 to follow" in m for m in _msgs(app)))
            started = next(m for m in _msgs(app) if "press 3 to follow" in m)
            xid = started.split(": job ", 1)[1].split(" ", 1)[0]
            await pilot.press("3")
            # opened filtered to that job: only its row
            await until(pilot, lambda: _jobs(app) is not None and _shown(app) == [xid])
            assert _cell(app, xid, "kind") == "copy-bucket"
            assert _cell(app, xid, "buckets") == f"{bucket} → {dst}"
            # a copy-bck stays "running" for >= 10 s after its last object (the targets' quiesce
            # interval), so the running state is always seen
            await until(pilot, lambda: _cell(app, xid, "state") == "running", tries=200)
            await until(pilot, lambda: _cell(app, xid, "state") == "finished", tries=1200)
            assert _cell(app, xid, "objects") == f"{COPY_OBJECTS:,}"
            # the toast says it finished, whatever screen is shown
            await until(pilot, lambda: any(f"{xid} finished" in m for m in _msgs(app)), tries=200)
            done = next(m for m in _msgs(app) if f"{xid} finished" in m)
            assert f"{COPY_OBJECTS:,} objects" in done and str(dst) in done
            # the detail pane: one row per target, counts adding up, progress against the source
            await pilot.press("enter")
            tt = app.screen.query_one("#job-targets", LineTable)
            await until(pilot, lambda: tt.row_count == 2)
            per_target = [int(tt.get_cell(k, "objects").replace(",", "")) for k in tt.keys]
            assert sum(per_target) == COPY_OBJECTS
            screen = app.screen
            await until(pilot, lambda: f"{COPY_OBJECTS:,} / {COPY_OBJECTS:,} objects (100%)" in screen.detail_text,
                        tries=400)
            # esc closes the detail, esc again clears the filter: every job shows
            await pilot.press("escape", "escape")
            await until(pilot, lambda: other in _shown(app) and xid in _shown(app))
        async with AISClient(ais.endpoint) as c:
            assert len(await c.objects.list_all(dst)) == COPY_OBJECTS
    finally:
        async with AISClient(ais.endpoint) as c:
            await c.buckets.destroy(dst, missing_ok=True)


async def test_abort_a_copy_marks_it_aborted_and_read_only_refuses(ais, bucket):
    dst = Bck.parse(f"ais://{unique('abort')}")
    async with AISClient(ais.endpoint) as c:
        await _put_many(c, bucket, 500)
        [xid] = await c.buckets.copy(bucket, dst, num_workers=-1)
    try:
        ro = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=0.5, read_only=True)
        async with ro.run_test(size=(160, 40), notifications=True) as pilot:
            await pilot.press("3")
            await until(pilot, lambda: _jobs(ro) is not None and xid in _shown(ro))
            t = ro.screen.query_one("#jobs", LineTable)
            t.move_cursor(row=t.get_row_index(xid))
            await pilot.press("x")
            await until(pilot, lambda: any("read-only mode: abort job is disabled" in m for m in _msgs(ro)))
            assert not isinstance(ro.screen, ConfirmDialog)
        app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=0.5)
        async with app.run_test(size=(160, 40), notifications=True) as pilot:
            await pilot.press("3")
            await until(pilot, lambda: _jobs(app) is not None and xid in _shown(app))
            await until(pilot, lambda: _cell(app, xid, "state") == "running")
            t = app.screen.query_one("#jobs", LineTable)
            t.move_cursor(row=t.get_row_index(xid))
            await pilot.press("x")
            await shown(pilot, app, ConfirmDialog)
            body = "\n".join(app.screen.lines)
            assert xid in body and str(bucket) in body and str(dst) in body  # names what it touches
            await pilot.click("#confirm")
            await until(pilot, lambda: _jobs(app) is not None and _cell(app, xid, "state") == "aborted", tries=600)
            assert "abort" in _cell(app, xid, "error")
            assert t.cursor_key == xid  # the cursor stayed
    finally:
        async with AISClient(ais.endpoint) as c:
            await c.buckets.destroy(dst, missing_ok=True)


async def test_remote_evict_prefetch_and_summary_jobs_show_and_filters_work(ais, remote_bucket):
    async with AISClient(ais.endpoint) as c:
        for i in range(20):
            await c.objects.put(remote_bucket, f"r/{i}", b"r" * 64)
        evict = await c.buckets.evict(remote_bucket, keep_md=True)
        if evict:
            await c.jobs.wait(evict, timeout=60)
        [prefetch] = await c.buckets.prefetch(remote_bucket)
        await c.jobs.wait(prefetch, timeout=60)
        summary = await c.buckets.summary_start(remote_bucket)
    ids = {i for i in (*evict, prefetch, summary) if i}
    assert prefetch and summary
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=0.5)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await pilot.press("3")
        await until(pilot, lambda: _jobs(app) is not None and ids <= set(_shown(app)))
        assert _cell(app, prefetch, "kind") == "prefetch-objects"
        assert _cell(app, summary, "kind") == "summary"
        if evict:
            assert _cell(app, evict[0], "kind") == "evict-remote-bucket"
        assert _cell(app, prefetch, "objects") == "20"
        screen = app.screen
        # bucket filter: only this bucket's jobs
        await pilot.press("b")
        await _prompt(pilot, app, remote_bucket.name)
        # (listing the bucket for the prefetch ran as a "list" job on it too)
        await until(pilot, lambda: ids <= set(_shown(app))
                    and all(remote_bucket.name in _cell(app, k, "buckets") for k in _shown(app)))
        # kind filter on top: the display name or the kind both match
        await pilot.press("K")
        await _prompt(pilot, app, "prefetch")
        await until(pilot, lambda: _shown(app) == [prefetch])
        assert "kind~prefetch" in screen.hint_text
        # / text filter over the id
        await pilot.press("escape")
        await until(pilot, lambda: len(_shown(app)) > len(ids))
        await pilot.press("slash")
        await _prompt(pilot, app, summary)
        await until(pilot, lambda: _shown(app) == [summary])
        # running only: these have all ended
        await pilot.press("escape", "a")
        await until(pilot, lambda: not ids & set(_shown(app)))
        assert all(_cell(app, k, "state") in ("running", "idle") for k in _shown(app))
        # sort by kind: rows in display-kind order
        await pilot.press("a", "s")
        await until(pilot, lambda: screen.sort == "kind" and ids <= set(_shown(app)))
        kinds = [_cell(app, k, "kind") for k in _shown(app)]
        assert kinds == sorted(kinds)
