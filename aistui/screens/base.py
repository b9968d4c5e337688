"""What every console screen shares: typed access to the shell and the session, a status bar kept
in sync when the screen is shown again, reading a bucket the user typed, and running one
cluster-changing call through the session in a worker that reports its job ids or error; and
:class:`TreeScreen`, the keys shared by the screens of one editable JSON tree (config, props)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from textual import on, work
from textual.events import ScreenResume
from textual.screen import Screen

from ..core.errors import AISError, InvalidInput
from ..shell import Console, console
from ..widgets.status import StatusBar

if TYPE_CHECKING:  # the models load after the first frame (the cluster screen is a console screen too)
    from textual.widgets import Tree

    from ..cmdlog import Cmd
    from ..core.models import Bck
    from ..session import Session
    from ..widgets.jsontree import JsonTree


class AISScreen(Screen):
    """A console screen: ``console`` is the app shell (typed), ``session`` the cluster's."""

    @property
    def console(self) -> Console:
        """The app shell, typed (:class:`~aistui.shell.Console`)."""
        return console(self)

    @property
    def session(self) -> Session:
        """The session: the cluster's client, health, read-only rule and started jobs."""
        return console(self).session

    @on(ScreenResume)
    def _sync_status_on_resume(self) -> None:
        """Health or version may have changed while another mode was shown."""
        for bar in self.query(StatusBar):
            self.console.sync_status(bar)

    def parse_bucket(self, text: str) -> Bck | None:
        """``ais://b``, ``ais://@remais/b`` or a bare name; None (and a notice naming the broken
        rule) when it is not a valid bucket."""
        from ..core.models import Bck

        try:
            return Bck.parse(text if "://" in text else f"ais://{text}")
        except InvalidInput as e:
            self.notify(str(e), severity="error", markup=False, timeout=8)
            return None

    @work(group="mutate", exit_on_error=False)
    async def run_call(self, what: str, call: Awaitable[list[str] | None], then: Callable[[], None] | None = None,
                       cmd: Cmd | None = None) -> None:
        """Await one core call that changes the cluster and say what happened: the job ids it
        started, "done", or the error. ``then`` runs afterwards (e.g. a reload). Started jobs are
        tracked by the session: a toast says when they end, and the jobs screen (3) opens
        filtered to them. ``cmd`` is what the command log (``:log``) says of it: its ``ais``
        CLI or SDK equivalent (:mod:`aistui.cmdlog`)."""
        try:
            ids = await self.session.start(what, call, cmd)
        except AISError as e:
            self.notify(f"{what} failed: {e}", severity="error", markup=False, timeout=10)
            return
        if ids:
            self.console.track_job(ids, what)  # toasts when it ends
        self.notify(f"{what}: job {', '.join(ids)} started · press 3 to follow" if ids else f"{what}: done",
                    markup=False, timeout=6)
        if then is not None:
            then()


class TreeScreen(AISScreen):
    """A screen of one editable JSON tree (:class:`~aistui.widgets.jsontree.JsonTree`: the
    config, a bucket's props): ``esc`` back, ``r`` reads again, ``/`` searches keys and values,
    ``n``/``N`` go to the next/previous match, ``enter`` on a leaf edits it. Subclasses give
    :meth:`load` (a worker), :meth:`_hint`, :meth:`action_edit` (which starts with
    :meth:`leaf_to_edit`), and what a search is called (:attr:`SEARCH_TITLE`,
    :attr:`SEARCH_MISS`)."""

    SEARCH_TITLE = "Search"
    SEARCH_MISS = "key or value"  # "no key or value contains 'x'"

    def load(self) -> None:  # pragma: no cover - overridden by a worker
        raise NotImplementedError

    def _hint(self) -> None:  # pragma: no cover - the screen defines it
        raise NotImplementedError

    def action_edit(self) -> None:  # pragma: no cover - the screen defines it
        raise NotImplementedError

    @property
    def json_tree(self) -> JsonTree:
        from ..widgets.jsontree import JsonTree

        return self.query_one(JsonTree)

    def matches_text(self) -> str:
        """``/text: N matches`` while a search is on, else ""."""
        tree = self.json_tree
        if not tree.query_text:
            return ""
        return f"/{tree.query_text}: {len(tree.matches)} match{'es' if len(tree.matches) != 1 else ''}"

    def leaf_to_edit(self, what: str) -> str | None:
        """The key of the leaf under the cursor for ``e``; None when ``what`` (e.g. "edit
        config") is refused in read-only mode, or the cursor is on a section (then a notice)."""
        if self.console.refuse_if_read_only(what):
            return None
        tree = self.json_tree
        key = tree.cursor_key
        if not key or not tree.is_leaf(key):
            if key:
                self.notify("e edits a value: move to a leaf (enter opens a section)", timeout=3)
            return None
        return key

    def action_back(self) -> None:
        self.dismiss()

    def action_refresh(self) -> None:
        self.load()

    def action_search(self) -> None:
        """``/``: highlight keys and values containing a text and go to the first (empty clears)."""
        from ..widgets.dialogs import PromptDialog

        tree = self.json_tree

        def got(text: str | None) -> None:
            n = tree.search(text or "")
            self._hint()
            if text and not n:
                self.notify(f"no {self.SEARCH_MISS} contains {text!r}", severity="warning", markup=False, timeout=4)

        self.app.push_screen(PromptDialog(self.SEARCH_TITLE, "keys and values containing (empty clears)",
                                          tree.query_text), got)

    def action_next_match(self) -> None:
        self.json_tree.next_match(1)

    def action_prev_match(self) -> None:
        self.json_tree.next_match(-1)

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        """``enter`` on a leaf edits it (on a section the tree opens or closes it)."""
        tree = self.json_tree
        if event.node.data and tree.is_leaf(event.node.data):
            self.action_edit()
