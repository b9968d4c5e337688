"""What every console screen shares: typed access to the shell and the session, a status bar kept
in sync when the screen is shown again, reading a bucket the user typed, and running one
cluster-changing call through the session in a worker that reports its job ids or error."""

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
    from ..cmdlog import Cmd
    from ..core.models import Bck
    from ..session import Session


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
