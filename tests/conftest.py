"""Shared fixtures: one real local AIS cluster pair for the whole session.

The session starts the main cluster (1 proxy + 2 targets) and a second cluster attached to it as
the remote ``@remais``, from the real ``aisnode`` binary (v1.5.0). A cluster that cannot start is a
test failure, never a skip (with or without ``CI=true``). When a test fails, the tail of every
node's log is attached to its report.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aistui.core import AISClient, Bck
from aistui.playground.cluster import HarnessError, LocalCluster, find_aisnode
from aistui.playground.pair import start_pair
from tests.util import unique

_clusters: list[LocalCluster] = []


@pytest.fixture(scope="session")
def ais_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalCluster, LocalCluster]:
    """``(main, remote)``: the running clusters; ``main`` has ``remais`` attached."""
    if not find_aisnode():
        pytest.fail("aisnode is not installed: run scripts/install-aisnode.sh (the README's test "
                    "command does this); a missing cluster is a failure, not a skip")
    root = Path(os.environ.get("AISTUI_TEST_ROOT") or tmp_path_factory.mktemp("ais"))
    try:
        main, remote = start_pair(root, ntargets=2)
    except HarnessError as e:
        pytest.fail(f"the local AIS cluster did not start:\n{e}")
    _clusters[:] = [main, remote]
    yield main, remote
    main.stop()
    remote.stop()


@pytest.fixture(scope="session")
def ais(ais_pair: tuple[LocalCluster, LocalCluster]) -> LocalCluster:
    return ais_pair[0]


@pytest.fixture(scope="session")
def remais(ais_pair: tuple[LocalCluster, LocalCluster]) -> LocalCluster:
    return ais_pair[1]


@pytest.fixture
async def client(ais: LocalCluster):
    async with AISClient(ais.endpoint) as c:
        yield c


@pytest.fixture
async def bucket(client: AISClient):
    """A fresh ais:// bucket, destroyed after the test."""
    b = Bck.parse(f"ais://{unique()}")
    await client.buckets.create(b)
    yield b
    await client.buckets.destroy(b, missing_ok=True)


@pytest.fixture
async def remote_bucket(client: AISClient):
    """A fresh bucket in the remote cluster, addressed as ais://@remais/<name>."""
    b = Bck.parse(f"ais://@remais/{unique('r')}")
    await client.buckets.create(b)
    yield b
    await client.buckets.destroy(b, missing_ok=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed and _clusters:
        for c in _clusters:
            if c.nodes:
                rep.sections.append((f"aisnode logs ({c.name})", c.log_tail(15)))


@pytest.fixture(autouse=True)
def _steady_input_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """An ``Input``'s cursor blinks every 0.5 s of wall time: a snapshot taken on a loaded machine
    caught it off once in a clean-clone run. Snapshots pin the clocks, so tests see it steady (drawn);
    typing, focus and the cursor's position behave as in the console."""
    from textual.widgets import Input

    def steady(self: Input) -> None:
        self._cursor_visible = True

    monkeypatch.setattr(Input, "_toggle_cursor", steady)
