"""The command log: every action the console took against the cluster, with the ``ais`` command
that does the same (or, where no single command does, the ``aistore`` Python SDK call). This is
how the console teaches the CLI, as lazygit teaches git. Textual-free; the session owns one
(:attr:`aistui.session.Session.cmdlog`), the ``:log`` screen shows it.

This module holds the log itself: :class:`Cmd` (what an action is), :class:`Entry` (one logged
action), :class:`CommandLog` (the bounded store, redaction, listeners) and :class:`Recording`
(timing one action). How each action is spelled (:func:`aistui.spell.data.create_bucket`,
:func:`aistui.spell.admin.abort_job`, ...) is in :mod:`aistui.spell`. Tokens never enter an
entry: the builders take names, and every text added is passed through :meth:`CommandLog.redact`.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Cmd", "Entry", "CommandLog", "Recording", "MAX_ENTRIES"]

MAX_ENTRIES = 500  # the log keeps the newest this many entries


@dataclass(frozen=True)
class Cmd:
    """What one action is, for the log: ``action`` (a short verb phrase: ``create bucket``),
    ``on`` (what it touches: a bucket, objects, a job, an ETL), ``cli`` (one ``ais`` command line,
    ``""`` when no single command does it) and ``sdk`` (the ``aistore`` SDK call, ``""`` when the
    SDK has none)."""

    action: str
    on: str
    cli: str = ""
    sdk: str = ""


@dataclass(frozen=True)
class Entry:
    """One logged action: when it started (``time``, local, aware), ``action``, ``on``,
    ``result`` (``ok``, ``job <ids>`` or the error's one line), ``duration_s`` (seconds, until it
    answered), its ``cli``/``sdk`` equivalents, ``ok`` (False when it failed) and ``seq`` (its
    number in the log, from 1)."""

    time: datetime
    action: str
    on: str
    result: str
    duration_s: float
    cli: str = ""
    sdk: str = ""
    ok: bool = True
    seq: int = 0  # 1, 2, ... in the order added: the entry's key


def _local_now() -> datetime:
    return datetime.now().astimezone()


class CommandLog:
    """The newest ``maxlen`` entries, oldest first (:meth:`newest_first` for the screen).

    ``clock`` gives an entry's time (tests pin it), ``timer`` measures durations (s, monotonic).
    Texts containing a secret given to :meth:`add_secret` are written with ``***`` instead."""

    def __init__(self, maxlen: int = MAX_ENTRIES, *, clock: Callable[[], datetime] = _local_now,
                 timer: Callable[[], float] = time.monotonic):
        self.entries: deque[Entry] = deque(maxlen=maxlen)
        self.clock = clock
        self.timer = timer
        self._secrets: set[str] = set()
        self._listeners: list[Callable[[Entry], None]] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def newest_first(self) -> list[Entry]:
        """The entries, newest first."""
        return list(reversed(self.entries))

    def add_secret(self, secret: str | None) -> None:
        """Never write ``secret`` (a token) in an entry."""
        if secret:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        for s in self._secrets:
            text = text.replace(s, "***")
        return text

    def listen(self, listener: Callable[[Entry], None]) -> None:
        """Call ``listener(entry)`` for every entry added (the log screen, while shown)."""
        self._listeners.append(listener)

    def unlisten(self, listener: Callable[[Entry], None]) -> None:
        """Stop calling ``listener``."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def add(self, cmd: Cmd, result: str, *, started: datetime, duration_s: float, ok: bool = True) -> Entry:
        """Log ``cmd`` started at ``started``, which took ``duration_s`` s and ended as ``result``
        (its first line is kept); returns the entry."""
        r = self.redact
        line = (result.strip().splitlines() or [""])[0]
        self._seq += 1
        entry = Entry(started, r(cmd.action), r(cmd.on), r(line), duration_s, r(cmd.cli), r(cmd.sdk), ok, self._seq)
        self.entries.append(entry)
        for listener in list(self._listeners):
            listener(entry)
        return entry


class Recording:
    """One action being timed for the command log (:meth:`Session.record`). On exit the entry is
    added: ``ok``, ``job <ids>`` (:meth:`jobs`), a result set with :meth:`result`, or the
    exception's one-line text (``failed: ...``; cancellation logs ``cancelled``)."""

    def __init__(self, log: CommandLog, cmd: Cmd):
        self._log, self._cmd = log, cmd
        self._result = "ok"
        self._ok = True
        self._started = log.clock()
        self._t0 = 0.0

    def jobs(self, ids: list[str]) -> None:
        """The action started jobs ``ids``: the result says ``job <ids>``."""
        if ids:
            self._result = f"job {', '.join(ids)}"

    def result(self, text: str, ok: bool = True) -> None:
        """The action's result (e.g. ``3 files, 1 failed``); ``ok`` False marks it failed."""
        self._result, self._ok = text, ok

    async def __aenter__(self) -> Recording:
        self._started = self._log.clock()
        self._t0 = self._log.timer()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: object) -> None:
        if isinstance(exc, asyncio.CancelledError):
            self._result, self._ok = "cancelled", False
        elif exc is not None:
            self._result, self._ok = f"failed: {exc}", False
        self._log.add(self._cmd, self._result, started=self._started,
                      duration_s=self._log.timer() - self._t0, ok=self._ok)
