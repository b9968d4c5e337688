"""The one live refresh of the console's screens (cluster, jobs, ETL): the next poll is scheduled
with ``set_timer`` only after the previous one has been applied (polls never overlap), ``p``
pauses, nothing polls while another mode or a dialog is on top, and a failed poll is reported one
way everywhere (once per outage)."""

from __future__ import annotations

from textual.timer import Timer

from .base import AISScreen


class Polling(AISScreen):
    """Subclasses define ``load()`` (a worker), call :meth:`poll_ok` when a poll is applied and
    :meth:`poll_failed` when it failed (both arm the next poll). ``can_poll()`` may veto polling
    (e.g. a cluster without ETL). ``POLL_WHAT`` names the refresh in notices."""

    POLL_WHAT = "refresh"

    def __init__(self) -> None:
        super().__init__()
        self.paused = False
        self._timer: Timer | None = None
        self._suspended = False
        self._failing = False  # the last poll failed: its notice was shown once for this outage

    def load(self) -> None:  # pragma: no cover - overridden by a worker
        raise NotImplementedError

    def can_poll(self) -> bool:
        return True

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def schedule(self) -> None:
        """Arm the next poll in ``session.refresh_s`` s, unless paused, suspended or vetoed."""
        self._stop_timer()
        if not self.paused and not self._suspended and self.is_attached and self.can_poll():
            self._timer = self.set_timer(self.session.refresh_s, self.load)

    def poll_ok(self) -> None:
        """A poll was applied: the outage (if any) is over; arm the next one."""
        self._failing = False
        self.schedule()

    def poll_failed(self, error: Exception) -> None:
        """A poll failed: say so once per outage (``"<POLL_WHAT> failed: <why>"``), then arm the
        next one (the screen keeps what it shows)."""
        if not self._failing:
            self.notify(f"{self.POLL_WHAT} failed: {error}", severity="error", timeout=4, markup=False)
        self._failing = True
        self.schedule()

    def on_screen_suspend(self) -> None:
        self._suspended = True
        self._stop_timer()

    def on_screen_resume(self) -> None:
        self._suspended = False

    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            self._stop_timer()
        self.notify(f"{self.POLL_WHAT} {'paused' if self.paused else 'resumed'}", timeout=2)
        self.paused_changed()
        if not self.paused:
            self.load()

    def paused_changed(self) -> None:
        """Hook: e.g. update a hint."""
