"""The dataset doctor (``H`` on the objects screen, ``:doctor ais://b/prefix``): a background scan of
a bucket or prefix (:func:`aistui.core.doctor.scan`: one listing with the stored checksums and the
shards' members, then get-batch and Pillow for the images) with a progress line, and its findings
grouped by kind.

``enter`` opens the objects screen at the object of the finding (the class directory for an
imbalance), ``i`` changes which images are decoded (a sample, all, none) and scans again, ``r``
scans again. Fixes ask first, are refused in read-only, and go through the session (command
log): ``x`` deletes the object of the finding under the cursor, ``X`` those of every finding of
its kind; ``m``/``M`` quarantine them (copy to another bucket, then delete). ``esc`` back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from ..core.doctor import KINDS, DoctorOptions, Finding, ScanProgress, scan
from ..core.errors import AISError
from ..core.models import Bck
from ..format import size
from ..messages import LoadFailed
from ..widgets.dialogs import ConfirmDialog, PromptDialog, listed
from ..widgets.keybar import KeyBar
from ..widgets.linetable import LineTable
from ..widgets.status import StatusBar
from .base import AISScreen

COLUMNS = [("kind", "kind", 18), ("object", "object", None), ("detail", "detail", None, 1)]
Images = Literal["sample", "all", "none"]
IMAGES: list[Images] = ["sample", "all", "none"]
UNFIXABLE = {"imbalance": "a class needs more data, not fewer objects",
             "cannot-tell": "nothing is known to be wrong with these objects"}
QUARANTINE = "ais://quarantine"
STYLES = {"undecodable": "red", "empty": "red", "leak": "magenta", "duplicate": "yellow",
          "shard-missing": "red", "imbalance": "cyan", "name-case": "yellow", "name-unicode": "yellow",
          "cannot-tell": "dim"}


def group_key(kind: str) -> str:
    """The table key of the header row of ``kind``'s group (a finding's key is its index)."""
    return f"#{kind}"


class DoctorScreen(AISScreen):
    """The doctor's findings for ``bck`` under ``prefix`` (any object-name prefix)."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="doctor.back"),
        Binding("x", "delete", "Delete", id="doctor.delete"),
        Binding("X", "delete_kind", "Delete kind", id="doctor.delete_kind"),
        Binding("m", "quarantine", "Quarantine", id="doctor.quarantine"),
        Binding("M", "quarantine_kind", "Quarantine kind", id="doctor.quarantine_kind"),
        Binding("i", "images", "Images", id="doctor.images"),
        Binding("r", "refresh", "Rescan", id="doctor.refresh"),
    ]
    DEFAULT_CSS = """
    #doctor { height: 1fr; }
    """

    @dataclass
    class Found(Message):
        """Findings of scan ``run`` since the last message (stale once another scan started)."""

        run: int
        findings: list[Finding]
        progress: ScanProgress | None

    @dataclass
    class Fixed(Message):
        """The objects ``names`` were deleted or quarantined: their findings go."""

        names: list[str]

    def __init__(self, bck: Bck, prefix: str = "", images: Images = "sample"):
        super().__init__()
        self.bck = bck
        self.prefix = prefix
        self.images: Images = images
        self.findings: list[Finding | None] = []  # by index; None once fixed
        self.progress: ScanProgress | None = None
        self.error = ""
        self._run = 0

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="doctor-hint", classes="hint", markup=False)
        yield LineTable(COLUMNS, zebra=True, id="doctor")
        yield KeyBar()

    def on_mount(self) -> None:
        self.console.sync_status(self)
        self.query_one(StatusBar).breadcrumb = f"cluster › {self.bck}/{self.prefix} › doctor"
        self.query_one(LineTable).focus()
        self.rescan()

    # ------------------------------------------------------------------ the scan

    def rescan(self) -> None:
        """Forget the findings and scan again (a scan still running is cancelled)."""
        self._run += 1
        self.findings, self.progress, self.error = [], None, ""
        self.query_one(LineTable).clear()
        self._hint()
        self.run_scan(self._run)

    @work(exclusive=True, group="doctor", exit_on_error=False)
    async def run_scan(self, run: int) -> None:
        """The scan; findings are batched into one message per progress step."""
        await self.session.connected.wait()
        batch: list[Finding] = []
        try:
            async for ev in scan(self.session.client, self.bck, self.prefix, DoctorOptions(images=self.images)):
                if isinstance(ev, Finding):
                    batch.append(ev)
                else:
                    self.post_message(self.Found(run, batch, ev))
                    batch = []
        except AISError as e:
            self.post_message(LoadFailed(e))

    @on(Found)
    def _found(self, msg: Found) -> None:
        if msg.run != self._run:
            return
        self.findings.extend(msg.findings)
        self.progress = msg.progress or self.progress
        if msg.findings:
            self._fill()
        self._hint()

    @on(LoadFailed)
    def _failed(self, msg: LoadFailed) -> None:
        self.error = str(msg.error)
        self.notify(f"doctor scan failed: {msg.error}", severity="error", markup=False)
        self._hint()

    def _fill(self) -> None:
        table = self.query_one(LineTable)
        current = table.cursor_key
        rows: list[tuple[str, list[str | Text]]] = []
        for kind, what in KINDS.items():
            mine = [(i, f) for i, f in enumerate(self.findings) if f is not None and f.kind == kind]
            if not mine:
                continue
            rows.append((group_key(kind), [Text(f"{kind} ({len(mine)})", style=f"bold {STYLES[kind]}"), "",
                                           Text(what, style="bold")]))
            rows += [(str(i), [Text(f"  {kind}", style=STYLES[kind]), f.name, f.detail]) for i, f in mine]
        table.set_rows(rows)
        if current is None and rows:
            table.move_cursor(row=1)

    def _hint(self) -> None:
        p = self.progress
        live = [f for f in self.findings if f is not None]
        images = f"images: {self.images} (i)"
        if self.error:
            text = f"scan failed: {self.error} · r scans again"
        elif p is None:
            text = f"scanning {self.bck}/{self.prefix}: listing… · {images}"
        elif not p.done:
            what = (f"listing: {p.objects:,} objects ({size(p.bytes)}), {p.shards:,} shards" if p.phase == "listing"
                    else f"decoding images with get-batch: {p.images_checked:,} of {p.images_total:,}")
            text = f"scanning {self.bck}/{self.prefix}: {what} · {len(live):,} findings so far · {images}"
        else:
            text = (f"{p.objects:,} objects ({size(p.bytes)}), {p.shards:,} shard{'' if p.shards == 1 else 's'}, "
                    f"{p.images_checked:,} images "
                    f"decoded: {len(live):,} finding{'' if len(live) == 1 else 's'} · {images}")
            if not live:
                text += " · nothing found"
        self.query_one("#doctor-hint", Static).update(text)

    # ------------------------------------------------------------------ navigation

    def _current(self) -> tuple[str | None, Finding | None]:
        """The kind and the finding under the cursor (a group's header row: its kind, no finding)."""
        key = self.query_one(LineTable).cursor_key
        if key is None:
            return None, None
        if key.startswith("#"):
            return key[1:], None
        f = self.findings[int(key)]
        return (f.kind, f) if f is not None else (None, None)

    @on(LineTable.Activated)
    def _open(self, event: LineTable.Activated) -> None:
        """``enter``: the objects screen at the finding's object (or class directory)."""
        event.stop()
        _, f = self._current()
        if f is None:
            return
        if f.name.endswith("/"):
            self.console.show_objects(self.bck, prefix=f.name)
            return
        cut = f.name.rfind("/") + 1
        self.console.show_objects(self.bck, prefix=f.name[:cut], name_prefix=f.name[cut:])

    def action_images(self) -> None:
        """``i``: decode a sample of the images → all → none, and scan again."""
        self.images = IMAGES[(IMAGES.index(self.images) + 1) % len(IMAGES)]
        self.rescan()

    def action_refresh(self) -> None:
        self.rescan()

    def action_back(self) -> None:
        self.app.pop_screen()

    # ------------------------------------------------------------------ fixes

    def _targets(self, every: bool) -> tuple[str, list[str]] | None:
        """The kind and the objects a fix would touch: the finding under the cursor, or with
        ``every`` (or on a group's header row) every finding of its kind; None (and a notice)
        when there is nothing to fix."""
        kind, f = self._current()
        if kind is None:
            return None
        if kind in UNFIXABLE:
            self.notify(f"nothing to fix for {kind}: {UNFIXABLE[kind]}", markup=False)
            return None
        if f is not None and not every:
            return kind, [f.name]
        names = sorted({g.name for g in self.findings if g is not None and g.kind == kind})
        return (kind, names) if names else None

    def _delete(self, every: bool) -> None:
        if self.console.refuse_if_read_only("delete"):
            return
        picked = self._targets(every)
        if picked is None:
            return
        kind, names = picked
        lines = [f"Delete {len(names):,} object{'s' if len(names) > 1 else ''} ({kind}) from {self.bck}:",
                 *listed(names), "", "This cannot be undone."]

        def done(ok: bool | None) -> None:
            if ok:
                self.run_fix(names, None)

        self.app.push_screen(ConfirmDialog("Delete objects", lines, confirm_label="Delete"), done)

    def _quarantine(self, every: bool) -> None:
        if self.console.refuse_if_read_only("quarantine"):
            return
        picked = self._targets(every)
        if picked is None:
            return
        kind, names = picked

        def got(text: str | None) -> None:
            if not text:
                return
            dst = self.parse_bucket(text)
            if dst is None:
                return
            if dst == self.bck:
                self.notify("quarantine into another bucket than the one scanned", severity="error")
                return
            lines = [f"Quarantine {len(names):,} object{'s' if len(names) > 1 else ''} ({kind}) of {self.bck}: "
                     f"copy them to {dst}, then delete them here:", *listed(names)]

            def confirmed(ok: bool | None) -> None:
                if ok:
                    self.run_fix(names, dst)

            self.app.push_screen(ConfirmDialog("Quarantine objects", lines, confirm_label="Quarantine"), confirmed)

        self.app.push_screen(PromptDialog("Quarantine into bucket", f"Copy the {len(names):,} object(s) there, "
                                          f"then delete them from {self.bck} (an ais:// bucket is created).",
                                          value=QUARANTINE), got)

    def action_delete(self) -> None:
        """``x``: delete the object of the finding under the cursor (asks first)."""
        self._delete(False)

    def action_delete_kind(self) -> None:
        """``X``: delete the objects of every finding of the kind under the cursor (asks first)."""
        self._delete(True)

    def action_quarantine(self) -> None:
        """``m``: move the object of the finding under the cursor to another bucket (asks first)."""
        self._quarantine(False)

    def action_quarantine_kind(self) -> None:
        """``M``: move the objects of every finding of the kind under the cursor (asks first)."""
        self._quarantine(True)

    @work(group="mutate", exit_on_error=False)
    async def run_fix(self, names: list[str], dst: Bck | None) -> None:
        """Delete ``names`` (``dst`` None) or quarantine them into ``dst``, through the session."""
        n = f"{len(names):,} object{'s' if len(names) > 1 else ''}"
        try:
            if dst is None:
                await self.session.delete_and_wait(self.bck, names, timeout=600)
            else:
                await self.session.quarantine(self.bck, names, dst, timeout=600)
        except AISError as e:
            self.notify(f"{'delete' if dst is None else 'quarantine'} failed: {e}", severity="error", markup=False)
            return
        self.notify(f"deleted {n}" if dst is None else f"quarantined {n} into {dst}", markup=False)
        self.post_message(self.Fixed(names))

    @on(Fixed)
    def _fixed(self, msg: Fixed) -> None:
        gone = set(msg.names)
        self.findings = [None if f is None or f.name in gone else f for f in self.findings]
        self._fill()
        self._hint()
