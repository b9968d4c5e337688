"""Jobs screen: the running-job monitor.

One row per job (xaction) merged across targets, updated in place by job id on a timer that
never overlaps itself (the next poll is scheduled when the previous one has been applied); ``p``
pauses. Filters: ``a`` running only, ``k`` kind, ``b`` bucket, ``/`` text; ``esc`` clears them.
``s`` cycles the sort (start time, kind, rate). ``enter`` opens the detail pane (per-target
snapshots, control message, abort error, progress against a known total); ``x`` aborts after a
confirm (refused in ``--read-only``). ``H`` starts a housekeeping job (LRU, storage cleanup) or
runs storage validation (scrub), and shows what it found or freed when it ends.

The table, its polls, filters, sort and abort are here; the detail pane is :mod:`.detail`,
housekeeping :mod:`.housekeeping`.

:class:`StartedJobs` is the app-wide watcher of jobs started from aistui: it toasts when they
finish, fail or are aborted, whatever screen is shown, and remembers them so that the jobs
screen opens filtered to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from ... import format as fmt
from ...core.errors import AISError
from ...core.jobs import JobPoll
from ...core.models import Job
from ...messages import LoadFailed
from ...spell import admin as spell
from ...widgets.dialogs import ConfirmDialog, PromptDialog
from ...widgets.jobstyle import STATE_STYLE, JobFilter, buckets_text, clock_text, elapsed_text, utc_now
from ...widgets.keybar import KeyBar
from ...widgets.linetable import LineTable
from ...widgets.status import StatusBar
from .detail import JobDetail
from .housekeeping import JobHousekeeping

COLUMNS = ("kind", "state", "id", "buckets", "started", "elapsed/ended", "objects", "bytes", "rate", "error")
WIDTHS = (15, 9, 11, 30, 9, 16, 9, 9, 11, 40)  # what tells jobs apart first: 80 columns show up to buckets
# dropped first at narrow widths (LineTable): the error (cut to the room left while 12 cells fit;
# the detail pane shows it whole), rate, started, bytes, objects, elapsed
DROP = (0, 0, 0, 0, 5, 2, 3, 4, 6, 7)
SORTS = ("start", "kind", "rate")
TARGET_COLUMNS = ("target", "state", "started", "ended", "objects", "bytes", "in", "out", "error")
TARGET_WIDTHS = (12, 8, 9, 9, 9, 10, 9, 9, 30)
TARGET_DROP = (0, 0, 3, 4, 0, 0, 5, 6, 7)


class JobsScreen(JobDetail, JobHousekeeping):
    """The running-job monitor. ``clock`` and ``tz`` render times (snapshot tests pin them)."""

    clock: staticmethod[[], datetime] = staticmethod(utc_now)
    tz: tzinfo | None = None

    BINDINGS = [
        Binding("r", "refresh", "Refresh", id="jobs.refresh"),
        Binding("p", "pause", "Pause", id="jobs.pause"),
        Binding("a", "toggle_running", "Running/all", id="jobs.running"),
        Binding("K", "filter_kind", "Kind", id="jobs.kind"),
        Binding("b", "filter_bucket", "Bucket", id="jobs.bucket"),
        Binding("slash", "filter_text", "Filter", id="jobs.filter"),
        Binding("s", "cycle_sort", "Sort", id="jobs.sort"),
        Binding("enter", "toggle_detail", "Detail", id="jobs.detail"),
        Binding("x,delete", "abort", "Abort", id="jobs.abort"),
        Binding("H", "housekeeping", "Housekeeping", id="jobs.housekeeping"),
        Binding("escape", "clear", "Clear filter", id="jobs.clear", show=False),
    ]

    DEFAULT_CSS = """
    #jobs { height: 1fr; }
    #job-targets { max-height: 8; }
    #job-detail { height: auto; max-height: 55%; border-top: solid $primary-background; display: none; }
    #job-detail.shown { display: block; }
    #job-summary, #job-ctl { height: auto; padding: 0 1; }
    """

    @dataclass
    class Polled(Message):
        poll: JobPoll

    def __init__(self) -> None:
        super().__init__()
        self.filter = JobFilter()
        self.sort = "start"
        self.polls = 0  # polls applied (tests and the benchmark wait on it)
        self.last: JobPoll | None = None
        self._monitor = None
        self._rows: dict[str, tuple[Job, tuple[Any, ...], str]] = {}  # shown: id -> (job, cells, haystack)
        self._totals: dict[str, int | None] = {}
        self._detail_id = ""
        self.hint_text = ""  # what the hint line and the detail summary say (plain text)
        self.detail_text = ""

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="jobs-hint", classes="hint")
        yield LineTable(zip(COLUMNS, COLUMNS, WIDTHS, DROP, strict=True), zebra=True, id="jobs")
        with Vertical(id="job-detail"):
            yield Static("", id="job-summary")
            yield LineTable(zip(TARGET_COLUMNS, TARGET_COLUMNS, TARGET_WIDTHS, TARGET_DROP, strict=True), cursor=False,
                            id="job-targets")
            yield Static("", id="job-ctl")
        yield KeyBar()

    def on_mount(self) -> None:
        self.console.sync_status(self)
        self.query_one(StatusBar).breadcrumb = "jobs"
        self._hint()

    # ------------------------------------------------------------------ polling

    POLL_WHAT = "job refresh"

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        follow = self.session.started.take_follow()
        if follow:
            self.filter = JobFilter(ids=tuple(follow))
            self._rebuild()
        self.load()

    @work(exclusive=True, group="jobs", exit_on_error=False)
    async def load(self) -> None:
        await self.session.connected.wait()
        if self._monitor is None:
            keep = self.session.jobs_keep_s
            self._monitor = self.session.client.jobs.monitor(keep_s=keep, now=type(self).clock)
        try:
            poll = await self._monitor.poll()
        except AISError as e:
            self.post_message(LoadFailed(e))
            return
        self.post_message(self.Polled(poll))

    @on(Polled)
    def _polled(self, msg: Polled) -> None:
        self.last = msg.poll
        self._apply(msg.poll)
        self.polls += 1
        self.poll_ok()

    @on(LoadFailed)
    def _load_failed(self, msg: LoadFailed) -> None:
        self.poll_failed(msg.error)

    # ------------------------------------------------------------------ table

    def _cells(self, job: Job, rate: float | None, now: datetime) -> tuple[Any, ...]:
        tz = type(self).tz
        err = job.error.splitlines()[0] if job.error else ""
        return (Text(job.display_kind), Text(job.state, style=STATE_STYLE.get(job.state, "")), job.id,
                Text(buckets_text(job)), clock_text(job.start, now, tz), elapsed_text(job, now, tz),
                f"{job.objects:,}", fmt.size(job.bytes),
                fmt.rate(rate) if rate is not None and job.end is None else "",
                Text(err, style="red") if err else Text(""))

    @staticmethod
    def _haystack(job: Job) -> str:
        return " ".join((job.kind, job.display_kind, job.id, buckets_text(job), job.state, job.error)).lower()

    def _order(self, jobs: list[Job], rates: dict[str, float]) -> list[Job]:
        if self.sort == "kind":
            return sorted(jobs, key=lambda j: j.display_kind)  # stable: newest first within a kind
        if self.sort == "rate":
            return sorted(jobs, key=lambda j: -rates.get(j.id, 0.0))
        return jobs  # the monitor gives newest first

    def _apply(self, poll: JobPoll) -> None:
        """Update the table in place: changed cells, new rows, gone rows; sort only when the order
        changed; the cursor stays on its job."""
        t = self.query_one("#jobs", LineTable)
        now = poll.taken
        want = [j for j in poll.jobs if self.filter.match(j, self._row_haystack(j))]
        keep = {j.id for j in want}
        gone = [k for k in self._rows if k not in keep]
        if len(gone) > 200:  # a filter emptied most of the table: rebuilding is cheaper
            t.clear()
            self._rows.clear()
        else:
            for k in gone:
                t.remove_row(k)
                del self._rows[k]
        added, fresh = False, not self._rows  # an empty table is filled in one go
        for j in want:
            prev = self._rows.get(j.id)
            if prev is not None and prev[0] is j and j.end is not None:
                continue  # an ended job that did not change
            cells = self._cells(j, poll.rates.get(j.id), now)
            hay = prev[2] if prev is not None and prev[0] is j else self._haystack(j)
            if not fresh and (prev is None or any(old != new for old, new in zip(prev[1], cells, strict=True))):
                t.set_row(j.id, cells)  # the cursor stays on its job
                added = added or prev is None
            self._rows[j.id] = (j, cells, hay)
        order = [j.id for j in self._order(want, poll.rates)]
        if fresh:
            t.set_rows((k, self._rows[k][1]) for k in order)
        elif (added or self.sort == "rate" or gone) and t.keys != order:
            t.reorder(order)
        self._hint()
        self._show_detail()

    def _row_haystack(self, job: Job) -> str:
        prev = self._rows.get(job.id)
        return prev[2] if prev is not None and prev[0] is job else self._haystack(job)

    def _rebuild(self) -> None:
        """After a filter or sort change: re-apply the last poll to an emptied table."""
        self.query_one("#jobs", LineTable).clear()
        self._rows.clear()
        if self.last is not None:
            self._apply(self.last)
        else:
            self._hint()

    def _hint(self) -> None:
        total = len(self.last.jobs) if self.last else 0
        running = sum(1 for j in self.last.jobs if j.running) if self.last else 0
        shown = len(self._rows)
        parts = [f"{shown:,} of {total:,} jobs" if self.filter.active() else f"{total:,} jobs",
                 f"{running:,} running"]
        if self.filter.active():
            parts.append("filter: " + self.filter.describe() + " (esc clears)")
        parts.append(f"sort: {self.sort}")
        parts.append("paused" if self.paused else f"every {self.session.refresh_s:g}s")
        if self.last is None:
            parts = ["loading jobs …"]
        text = " · ".join(parts)
        if text != self.hint_text:  # an unchanged hint costs no relayout
            self.hint_text = text
            self.query_one("#jobs-hint", Static).update(Text(text))

    # ------------------------------------------------------------------ actions

    def current(self) -> Job | None:
        key = self.query_one("#jobs", LineTable).cursor_key
        row = self._rows.get(key or "")
        return row[0] if row else None


    def action_refresh(self) -> None:
        self.load()

    def paused_changed(self) -> None:
        self._hint()

    def action_toggle_running(self) -> None:
        self.filter.running_only = not self.filter.running_only
        self._rebuild()

    def _prompt(self, title: str, help_text: str, value: str, set_value: Callable[[str], None]) -> None:
        def got(text: str | None) -> None:
            set_value((text or "").strip().lower())
            self._rebuild()

        self.app.push_screen(PromptDialog(title, help_text, value=value), got)

    def action_filter_kind(self) -> None:
        kinds = sorted({j.display_kind for j in self.last.jobs}) if self.last else []
        self._prompt("Filter by kind", "Part of a kind or its display name (copy, evict, summary, etl, ...); "
                     "empty shows every kind." + (f" Present: {', '.join(kinds)}." if kinds else ""),
                     self.filter.kind, lambda v: setattr(self.filter, "kind", v))

    def action_filter_bucket(self) -> None:
        self._prompt("Filter by bucket", "Part of a bucket (source or destination), e.g. ais://digits; "
                     "empty shows all.", self.filter.bucket, lambda v: setattr(self.filter, "bucket", v))

    def action_filter_text(self) -> None:
        self._prompt("Filter jobs", "Text in the kind, id, buckets, state or error; empty shows all.",
                     self.filter.text, lambda v: setattr(self.filter, "text", v))

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._rebuild()

    def action_clear(self) -> None:
        pane = self.query_one("#job-detail")
        if pane.has_class("shown"):
            pane.remove_class("shown")
            return
        if self.filter.active():
            self.filter = JobFilter()
            self._rebuild()

    def action_abort(self) -> None:
        job = self.current()
        if job is None or self.console.refuse_if_read_only("abort job"):
            return
        if not job.running:
            self.notify(f"job {job.id} is {job.state}: nothing to abort", severity="warning", markup=False)
            return
        lines = [f"Abort {job.display_kind} job {job.id}" + (f" on {buckets_text(job)}." if buckets_text(job) else "."),
                 f"It has processed {job.objects:,} objects ({fmt.size(job.bytes)}) so far; those stay as they are."]

        def done(ok: bool | None) -> None:
            if ok:
                self.run_call(f"abort {job.display_kind} {job.id}", self.session.client.jobs.abort(job.id),
                              self.load, spell.abort_job(job.id, job.display_kind))

        self.app.push_screen(ConfirmDialog("Abort job", lines, confirm_label="Abort"), done)
