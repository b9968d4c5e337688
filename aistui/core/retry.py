"""Every retry and polling policy of the core, through tenacity (one place for backoff).

* :func:`on_transient` - idempotent requests (:meth:`AISClient.retrying
  <aistui.core.client.AISClient.retrying>`): a few extra attempts on a
  :class:`~aistui.core.errors.TransientError`, jittered exponential backoff.
* :func:`within_window` - one file of a transfer (:class:`~aistui.core.transferrun.TransferRun`): a
  :class:`~aistui.core.errors.TransientError` is retried with exponential backoff until a window
  has passed since the file's *first failure*.
* :func:`polling` - polls that wait for something to finish (a summary job, a job, the cluster
  becoming ready): retry while the poll says "not yet", with growing intervals, within a time
  limit; an error from a poll ends it at once.

Each returns a fresh :class:`tenacity.AsyncRetrying`; use it as ``await policy(fn, *args)`` or as
``async for attempt in policy: with attempt: ...`` (then :func:`settle` hands a poll's answer to
the policy).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tenacity import (
    AsyncRetrying,
    AttemptManager,
    RetryCallState,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    stop_after_delay,
    stop_before_delay,
    wait_exponential,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from .errors import TransientError

__all__ = ["on_transient", "within_window", "polling", "settle"]


def on_transient(retries: int) -> AsyncRetrying:
    """``retries`` extra attempts (0: none) on :class:`TransientError` (connection refused or
    reset, timeouts, 503), with jittered exponential backoff from 0.2 s growing to 3 s; any other
    error, and the last transient one, is re-raised as is."""
    return AsyncRetrying(stop=stop_after_attempt(max(retries, 0) + 1),
                         wait=wait_exponential_jitter(multiplier=0.2, max=3.0),
                         retry=retry_if_exception_type(TransientError), reraise=True)


class _StopAfterWindow(stop_base):
    """Stop once ``window`` seconds have passed since the *first failure* (not since the first
    attempt, which may itself have lasted a timeout)."""

    def __init__(self, window: float, first: float | None = None):
        self.window = window
        self.first: float | None = first

    def __call__(self, retry_state: RetryCallState) -> bool:
        now = retry_state.outcome_timestamp or time.monotonic()
        if self.first is None:
            self.first = now
        return now - self.first >= self.window


def within_window(window: float, backoff: tuple[float, float],
                  before_sleep: Callable[[RetryCallState], Any] | None = None, *,
                  first_failure: float | None = None, failed_before: int = 0) -> AsyncRetrying:
    """Retry :class:`TransientError` for at most ``window`` s after the first failure, waiting
    ``backoff[0]`` s, doubling, to at most ``backoff[1]`` s between attempts; ``before_sleep`` is
    called before each wait (e.g. to count retries). The last error is re-raised as is.

    ``first_failure`` (``time.monotonic()``) and ``failed_before`` continue a retry sequence
    whose first ``failed_before`` attempts ran (and failed) outside the policy: the window counts
    from that first failure and the waits go on doubling from where they were (a caller that
    tries once without building a policy, the common case that needs none)."""
    return AsyncRetrying(stop=_StopAfterWindow(window, first_failure),
                         wait=wait_exponential(multiplier=backoff[0] * 2 ** failed_before, exp_base=2,
                                               max=backoff[1]),
                         retry=retry_if_exception_type(TransientError), before_sleep=before_sleep,
                         reraise=True)


def polling(*, first: float, within: float, factor: float = 1.0, most: float | None = None,
            start_before_deadline: bool = False) -> AsyncRetrying:
    """Poll until a poll's result is neither None nor False: waits ``first`` s, then ``factor``
    times longer each time, at most ``most`` s; stops once ``within`` s have passed since the first
    poll (with ``start_before_deadline``: never starts a poll that would begin after that). When it
    stops, the result is None (the caller raises its own timeout); an exception from a poll is
    re-raised at once, never retried."""
    stop = stop_before_delay(within) if start_before_deadline else stop_after_delay(within)
    return AsyncRetrying(stop=stop, wait=wait_exponential(multiplier=first, exp_base=factor,
                                                          max=most if most is not None else first),
                         retry=retry_if_result(lambda r: r is None or r is False),
                         retry_error_callback=lambda _state: None)


def settle(attempt: AttemptManager, result: Any) -> bool:
    """After ``with attempt:`` in an ``async for attempt in polling(...)`` loop: hand the poll's
    ``result`` to the policy and return True, or return False when the poll raised (the policy
    re-raises that error on the next iteration)."""
    outcome = attempt.retry_state.outcome
    if outcome is not None and outcome.failed:
        return False
    attempt.retry_state.set_result(result)
    return True
