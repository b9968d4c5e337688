"""The job monitor's detail pane (``enter``): the job under the cursor with its per-target
snapshots (state, times, objects and bytes, in/out, error), control messages and abort errors,
and for ``copy-bck``/``etl-bck`` its progress against the source's total
(:meth:`aistui.core.jobs.JobAPI.source_total`, fetched once per job)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widgets import Static

from ... import format as fmt
from ...core.jobs import JobPoll
from ...core.models import Job
from ...widgets.jobstyle import STATE_STYLE, buckets_text, clock_text, elapsed_text, progress_text
from ...widgets.linetable import LineTable
from ..polling import Polling


class JobDetail(Polling):
    """The detail half of the job monitor (:class:`~.screen.JobsScreen` adds the table and the
    polls that this reads: ``last``, :meth:`current`, ``clock``, ``tz``)."""

    clock: staticmethod[[], datetime]
    tz: tzinfo | None
    last: JobPoll | None
    _totals: dict[str, int | None]
    _detail_id: str
    detail_text: str

    @dataclass
    class Total(Message):
        """The source's object count of ``job_id`` (None: unknown)."""

        job_id: str
        total: int | None

    def current(self) -> Job | None:  # pragma: no cover - the screen defines it
        raise NotImplementedError

    def on_line_table_highlighted(self, event: LineTable.Highlighted) -> None:
        if event.table.id == "jobs":
            self._show_detail()

    def on_line_table_activated(self, event: LineTable.Activated) -> None:
        if event.table.id == "jobs":  # enter on the table
            self.action_toggle_detail()

    def action_toggle_detail(self) -> None:
        pane = self.query_one("#job-detail")
        pane.set_class(not pane.has_class("shown"), "shown")
        self._detail_id = ""
        self._show_detail()

    def _show_detail(self) -> None:
        pane = self.query_one("#job-detail")
        if not pane.has_class("shown"):
            return
        job = self.current()
        summary = self.query_one("#job-summary", Static)
        targets = self.query_one("#job-targets", LineTable)
        ctl = self.query_one("#job-ctl", Static)
        if job is None:
            summary.update(Text("no job selected"))
            targets.clear()
            ctl.update("")
            return
        now = self.last.taken if self.last else type(self).clock()
        tz = type(self).tz
        lines = Text()
        lines.append(f"{job.display_kind} ", style="bold")
        lines.append(f"{job.id} ")
        lines.append(job.state, style=STATE_STYLE.get(job.state, ""))
        if job.kind != job.display_kind:
            lines.append(f"  (kind {job.kind})", style="dim")
        lines.append(f"\n{buckets_text(job) or 'no bucket'} · started {clock_text(job.start, now, tz)}"
                     f" · {'ended ' if job.end else 'running for '}{elapsed_text(job, now, tz)}"
                     f" · {job.objects:,} objects, {fmt.size(job.bytes)}")
        if job.id not in self._totals and job.kind in ("copy-bck", "etl-bck"):
            self._totals[job.id] = None
            self.fetch_total(job)
        total = self._totals.get(job.id)
        if total:
            lines.append("\n")
            lines.append_text(progress_text(job.objects, total))
        if job.error:
            lines.append("\nerror: ", style="bold red")
            lines.append(job.error, style="red")
        summary.update(lines)
        self.detail_text = lines.plain
        if self._detail_id != job.id:
            targets.clear()
            self._detail_id = job.id
        for s in job.snaps:
            row = (Text(s.node), Text(s.state, style=STATE_STYLE.get(s.state, "")), clock_text(s.start, now, tz),
                   clock_text(s.end, now, tz), f"{s.loc_objs:,}", fmt.size(s.loc_bytes), f"{s.in_objs:,}",
                   f"{s.out_objs:,}", Text((s.abort_err or s.err).splitlines()[0] if (s.abort_err or s.err) else ""))
            targets.set_row(s.node, row)
        msgs = Text()
        for s in job.snaps:
            if s.ctlmsg:
                msgs.append(f"{s.node}: ", style="bold")
                msgs.append(s.ctlmsg + "\n")
            if s.abort_err:
                msgs.append(f"{s.node} abort error: ", style="bold yellow")
                msgs.append(s.abort_err + "\n")
        ctl.update(msgs if msgs.plain else Text("no control message", style="dim"))

    @work(group="job-total", exit_on_error=False)
    async def fetch_total(self, job: Job) -> None:
        total = await self.session.client.jobs.source_total(job)
        self.post_message(self.Total(job.id, total))

    @on(Total)
    def _total(self, msg: Total) -> None:
        self._totals[msg.job_id] = msg.total
        self._show_detail()

