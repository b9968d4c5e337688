"""The job monitor's housekeeping (``H``): LRU eviction or storage cleanup started as a job
(:mod:`aistui.core.housekeeping`, logged as ``ais`` commands through the session), waited for,
then a report of what it found or freed; or storage validation (scrub), a listing counted on the
client as ``ais scrub`` does (v1.5.0 has no scrub job). Refused in ``--read-only``."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.widgets import Static

from ... import format as fmt
from ...core.errors import AISError
from ...core.models import Job
from ...spell import admin as spell
from ...widgets.objops import Housekeeping, HousekeepingDialog, ReportDialog
from ..polling import Polling


class JobHousekeeping(Polling):
    """The housekeeping half of the job monitor (:class:`~.screen.JobsScreen` adds the table
    whose job under the cursor, :meth:`current`, names the default bucket)."""

    hint_text: str

    def current(self) -> Job | None:  # pragma: no cover - the screen defines it
        raise NotImplementedError

    def action_housekeeping(self) -> None:
        """``H``: choose LRU eviction, storage cleanup or storage validation (scrub), for one
        bucket or all; when it ends, a report says what it found or freed."""
        if self.console.refuse_if_read_only("housekeeping"):
            return
        job = self.current()
        default = str(job.bck) if job is not None and job.bck is not None else ""

        def got(choice: Housekeeping | None) -> None:
            if choice is not None:
                self.run_housekeeping(choice)

        self.app.push_screen(HousekeepingDialog(default), got)

    @work(group="housekeeping", exit_on_error=False)
    async def run_housekeeping(self, choice: Housekeeping) -> None:
        """Start the chosen job (or run the scrub's listing), wait for it, then show its report."""
        from ...core import housekeeping as hk
        from ...core.errors import InvalidInput
        from ...core.models import Bck

        try:
            bck = Bck.parse(choice.bucket if "://" in choice.bucket else f"ais://{choice.bucket}") \
                if choice.bucket else None
        except InvalidInput as e:
            self.notify(str(e), severity="error", markup=False, timeout=8)
            return
        client = self.session.client
        on = str(bck) if bck else "all buckets"
        try:
            if choice.kind == "scrub":
                rows = await self._scrub(bck)
                self.app.push_screen(ReportDialog(f"Storage validation of {on}", rows,
                                                  "as 'ais scrub' counts it (a listing; no job at v1.5.0)"))
                return
            if choice.kind == "lru":
                what, cmd = f"LRU on {on}", spell.start_lru([bck] if bck else [], force=choice.force)
                call = hk.start_lru(client, [bck] if bck else [], force=choice.force)
            else:
                what = f"storage cleanup of {on}"
                cmd = spell.start_cleanup(bck, force=choice.force, rm_zero_size=choice.rm_zero_size,
                                          keep_misplaced=choice.keep_misplaced)
                call = hk.start_cleanup(client, bck, force=choice.force, rm_zero_size=choice.rm_zero_size,
                                        keep_misplaced=choice.keep_misplaced)
            ids = await self.session.start(what, call, cmd)
            if not ids:
                self.notify(f"{what}: the cluster started no job", severity="warning", markup=False)
                return
            self.notify(f"{what}: job {', '.join(ids)} started", markup=False, timeout=4)
            self.load()
            job = await client.jobs.wait(ids, timeout=3600)
        except AISError as e:
            self.notify(f"housekeeping failed: {e}", severity="error", markup=False, timeout=10)
            return
        rows = [("job", f"{job.display_kind} {job.id}: {job.state}")] + hk.outcome(job)
        if job.error:
            rows.append(("error", job.error))
        self.app.push_screen(ReportDialog(f"{what}: what it found and freed", rows))
        self.load()

    async def _scrub(self, bck: Any) -> list[tuple[str, str]]:
        """Run the scrub (``core/housekeeping.py`` :func:`scrub`), logged as ``ais scrub``;
        the hint shows the names listed so far. Returns the report's rows."""
        from ...core.housekeeping import scrub

        rows: list[tuple[str, str]] = []
        hint = self.query_one("#jobs-hint", Static)
        async with self.session.record(spell.scrub(bck)) as rec:
            last = None
            async for rep in scrub(self.session.client, bck):
                hint.update(Text(f"validating {rep.bck}: {rep.listed:,} names listed"))
                if rep.done:
                    last = rep
                    n, b = rep.counts["objects"]
                    found = rep.findings()
                    rows.append((str(rep.bck), f"{n:,} objects, {fmt.size(b)}" + ("" if found else ": nothing found")))
                    rows += [(f"  {title.lower()}", f"{cnt:,} ({fmt.size(size)})" if size else f"{cnt:,}")
                             for title, cnt, size in found]
            rec.result(f"{len(rows)} lines" if last else "no buckets")
        if not rows:
            rows.append(("buckets", "none present in the cluster"))
        self.hint_text = ""  # the next poll writes the usual hint again
        self.load()
        return rows
