"""Helpers shared by the test modules (import as ``from tests.util import ...``)."""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Iterator

import pytest

from aistui.playground.cluster import HarnessError, LocalCluster

_counter = itertools.count()


def unique(prefix: str = "t") -> str:
    """A bucket name unique within the session."""
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}"


async def until(pilot, cond, tries: int = 400, step: float = 0.05) -> None:
    """Let the app run until ``cond()`` is true (at most ``tries`` x ``step`` seconds); fail
    otherwise. Conditions are on what the user would see, never on elapsed time."""
    for _ in range(tries):
        if cond():
            return
        await pilot.pause(step)
    raise AssertionError("the screen never reached the expected state")


async def shown(pilot, app, cls, tries: int = 400) -> None:
    """Let the app run until its current screen is a ``cls`` that has been composed and mounted,
    so that its widgets can be queried. A screen is current as soon as it is pushed, before its
    widgets exist: waiting on the type alone raced with composing under load."""
    await until(pilot, lambda: isinstance(app.screen, cls) and app.screen.is_mounted, tries=tries)


def notes_seen(app) -> list[str]:
    """Every toast the app raises from now on, in order (a list that grows). A toast leaves the
    screen after its timeout in wall-clock seconds, so on a loaded machine a test that looks at the
    toasts on screen can miss one the user did see; this list keeps them all."""
    seen: list[str] = []
    notify = app.notify

    def recording(message, *args, **kwargs):
        seen.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = recording
    return seen


def promote_tree(prefix: str):
    """A new directory (with a ``sub/`` inside) under the targets' promote root
    (``aistui.core.promote.PROMOTE_ROOT``; v1.5.0 promotes only from there). The local cluster's
    targets run on this machine, so a tree that cannot be made fails the test with the reason:
    promote cannot be tried otherwise."""
    from pathlib import Path

    from aistui.core.promote import PROMOTE_ROOT

    try:
        Path(PROMOTE_ROOT).mkdir(parents=True, exist_ok=True)
        src = Path(PROMOTE_ROOT) / unique(prefix)
        (src / "sub").mkdir(parents=True)
    except OSError as e:
        pytest.fail(f"cannot create {PROMOTE_ROOT} ({e}): promote cannot be tried")
    return src


@contextlib.contextmanager
def dedicated_cluster(root, what: str, **kw) -> Iterator[LocalCluster]:
    """A LocalCluster of its own under ``root`` (``kw`` go to LocalCluster), stopped afterwards.
    A cluster that cannot start fails the test, naming ``what`` it was for; it is never skipped."""
    try:
        c = LocalCluster(root, **kw).start()
    except HarnessError as e:
        pytest.fail(f"the {what} cluster did not start:\n{e}")
    try:
        yield c
    finally:
        c.stop()
