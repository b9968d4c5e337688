"""What the bucket and object screens share: reading a bucket the user typed, and running one
cluster-changing core call in a worker that reports its job id or error."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual import work
from textual.screen import Screen

from ..core.errors import AISError, InvalidInput
from ..core.models import Bck


class AISScreen(Screen):
    def parse_bucket(self, text: str) -> Bck | None:
        """``ais://b``, ``ais://@remais/b`` or a bare name; None (and a notice naming the broken
        rule) when it is not a valid bucket."""
        try:
            return Bck.parse(text if "://" in text else f"ais://{text}")
        except InvalidInput as e:
            self.notify(str(e), severity="error", markup=False, timeout=8)
            return None

    @work(group="mutate", exit_on_error=False)
    async def run_call(self, what: str, call: Awaitable[Any], then: Callable[[], None] | None = None) -> None:
        """Await one core call that changes the cluster and say what happened: the job id(s) it
        started, "done", or the error. ``then`` runs afterwards (e.g. a reload). Started jobs are
        handed to ``app.track_job``: a toast says when they end, and the jobs screen (3) opens
        filtered to them."""
        try:
            result = await call
        except AISError as e:
            self.notify(f"{what} failed: {e}", severity="error", markup=False, timeout=10)
            return
        ids = [i for i in (result if isinstance(result, list) else [result]) if isinstance(i, str) and i]
        if ids:
            self.app.track_job(ids, what)  # type: ignore[attr-defined]  # toasts when it ends
        self.notify(f"{what}: job {', '.join(ids)} started · press 3 to follow" if ids else f"{what}: done",
                    markup=False, timeout=6)
        if then is not None:
            then()
