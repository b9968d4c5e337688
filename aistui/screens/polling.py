"""The live refresh shared by the jobs and ETL screens: the next poll is scheduled with
``set_timer`` only after the previous one has been applied (polls never overlap), ``p`` pauses,
and nothing polls while another mode or a dialog is on top."""

from __future__ import annotations

from .base import AISScreen


class Polling(AISScreen):
    """Subclasses define ``load()`` (a worker) and call :meth:`schedule` when a poll is applied.
    ``can_poll()`` may veto polling (e.g. a cluster without ETL)."""

    POLL_WHAT = "refresh"

    def __init__(self) -> None:
        super().__init__()
        self.paused = False
        self._timer = None
        self._suspended = False

    def load(self) -> None:  # pragma: no cover - overridden by a worker
        raise NotImplementedError

    def can_poll(self) -> bool:
        return True

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def schedule(self) -> None:
        """Arm the next poll, unless paused, suspended or vetoed."""
        self._stop_timer()
        if not self.paused and not self._suspended and self.is_attached and self.can_poll():
            self._timer = self.set_timer(self.session.refresh_s, self.load)

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
