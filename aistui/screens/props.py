"""A bucket's properties (``p`` on the buckets screen): the whole ``Bprops`` tree (versioning,
checksum, mirror, EC, LRU, access, features, backend link, write policy, ...), as ``ais bucket
props show BUCKET`` shows it. ``e`` or ``enter`` on a leaf edits it in a dialog that shows old →
new and sends only that change (``ais bucket props set BUCKET KEY=VALUE``); ``R`` resets every
property to the cluster's defaults after a confirm (``ais bucket props reset BUCKET``); ``/``
searches, ``n``/``N`` go to the next/previous match, ``r`` reads again, ``esc`` goes back. Edits
and the reset are refused in ``--read-only``.

Data: ``client.buckets.head`` (``HEAD /v1/buckets/<b>``, the ``Ais-Bucket-Props`` header); the
change is a ``PATCH`` (``set-bprops``) with only the edited key, the reset ``reset-bprops``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from ..core.conftree import READONLY_PROPS, leaf_text, props_change
from ..core.errors import AISError
from ..core.models import Bck
from ..messages import LoadFailed
from ..spell import data as spell
from ..widgets.jsontree import JsonTree
from ..widgets.keybar import KeyBar
from ..widgets.status import StatusBar
from .base import TreeScreen


class BucketPropsScreen(TreeScreen):
    """The property tree of bucket ``bck`` (``label`` names it: ``ais://@remais/b``)."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="props.back"),
        Binding("e", "edit", "Edit", id="props.edit"),
        Binding("slash", "search", "Search", id="props.search"),
        Binding("n", "next_match", "Next", id="props.next"),
        Binding("N", "prev_match", "Prev match", show=False, id="props.prev"),
        Binding("R", "reset", "Reset to defaults", id="props.reset"),
        Binding("r", "refresh", "Refresh", show=False, id="props.refresh"),
    ]
    DEFAULT_CSS = "#props-hint { height: 1; color: $text-muted; padding: 0 1; }"
    SEARCH_TITLE = "Search the props"
    SEARCH_MISS = "property or value"

    @dataclass
    class Loaded(Message):
        props: dict[str, Any]

    def __init__(self, bck: Bck, label: str = "") -> None:
        super().__init__()
        self.bck = bck
        self.label = label or str(bck)
        self.props: dict[str, Any] = {}
        self.loaded = False

    def compose(self) -> ComposeResult:
        status = StatusBar()
        self.console.sync_status(status)
        status.breadcrumb = f"buckets › {self.label} › props"
        yield status
        yield Static("loading …", id="props-hint", markup=False)
        yield JsonTree("props", id="props-tree")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(JsonTree).focus()
        self.load()

    @work(exclusive=True, group="props", exit_on_error=False)
    async def load(self) -> None:
        await self.session.connected.wait()
        try:
            props = await self.session.client.buckets.head(self.bck)
        except AISError as e:
            self.post_message(LoadFailed(e))
            return
        self.post_message(self.Loaded(props))

    @on(Loaded)
    def _loaded(self, msg: Loaded) -> None:
        self.props, self.loaded = msg.props, True
        self.query_one(JsonTree).set_data(self.props)
        self._hint()

    def _hint(self) -> None:
        parts = [f"{self.label} · e edits a value (only the change is sent)", self.matches_text()]
        self.query_one("#props-hint", Static).update(Text(" · ".join(p for p in parts if p)))

    @on(LoadFailed)
    def _failed(self, msg: LoadFailed) -> None:
        self.query_one("#props-hint", Static).update(Text(f"cannot read the props of {self.label}: {msg.error}"))
        self.notify(f"cannot read the props of {self.label}: {msg.error}", severity="error", markup=False, timeout=8)

    # ------------------------------------------------------------------ keys

    def action_edit(self) -> None:
        """``e``/``enter`` on a leaf: edit it; only that key is sent (``set-bprops``)."""
        key = self.leaf_to_edit("edit bucket props")
        if key is None:
            return
        if key.split(".", 1)[0] in READONLY_PROPS:
            self.notify(f"{key} is read-only: the cluster sets it", severity="warning", markup=False, timeout=5)
            return
        from ..widgets.editvalue import Edited, EditValueDialog

        props, b, label = self.props, self.bck, self.label
        old = self.json_tree.value(key)

        def check(text: str) -> dict[str, Any] | None:
            return props_change(props, key, text)

        def got(ed: Edited | None) -> None:
            if ed is None:
                return
            if ed.value is None:
                self.notify(f"{key} unchanged", timeout=3)
                return
            self.run_call(f"set {key} of {label}", self.session.client.buckets.set_props(b, ed.value),
                          then=self.load, cmd=spell.set_bucket_props(b, ed.value))

        self.app.push_screen(EditValueDialog(key, leaf_text(old), f"bucket {label}", check), got)

    def action_reset(self) -> None:
        """``R``: every property back to the cluster's defaults, after a confirm."""
        if self.console.refuse_if_read_only("reset bucket props"):
            return
        from ..widgets.dialogs import ConfirmDialog

        b, label = self.bck, self.label
        lines = [f"Every property of {label} goes back to the cluster's defaults:",
                 "versioning, checksum, mirror, EC, LRU, access, features, write policy …",
                 "Its objects are not touched."]

        def answered(ok: bool | None) -> None:
            if ok:
                self.run_call(f"reset props of {label}", self.session.client.buckets.reset_props(b),
                              then=self.load, cmd=spell.reset_bucket_props(b))

        self.app.push_screen(ConfirmDialog(f"Reset the props of {label}?", lines, confirm_label="Reset"), answered)

