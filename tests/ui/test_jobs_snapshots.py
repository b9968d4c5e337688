"""Snapshots of the jobs screen (running, finished, aborted and failed rows) and the ETL screen
(list, detail, not available), on answers served through MockTransport.

Jobs: ``qryxstats`` answers recorded from a real v1.5.0 cluster and normalized
(``recorded/jobs50.json``). ETL: the 501 is the real cluster's; the ETL list and detail answers are
written from the v1.5.0 wire types, since no test machine runs AIS on Kubernetes (see
``jobs_recorded.py``). The clock is pinned to 2025-06-01 10:00:05 UTC (5 s into the running copy)
and times render in UTC, so the screens are byte-identical from run to run. Update with
``pytest tests/ui/test_jobs_snapshots.py --snapshot-update`` after checking the report.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widgets import Log

from aistui.app import AISTui
from aistui.core import ConnectionSettings
from aistui.screens.etl import ETLScreen
from aistui.screens.jobs import JobsScreen
from aistui.widgets.linetable import LineTable
from tests.ui.jobs_recorded import ENDPOINT, EtlCluster
from tests.util import until

SIZES = [(80, 24), (160, 48)]
NOW = datetime(2025, 6, 1, 10, 0, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch):
    monkeypatch.setattr(JobsScreen, "clock", staticmethod(lambda: NOW))
    monkeypatch.setattr(JobsScreen, "tz", UTC)


def make_app(etl: bool = True) -> AISTui:
    return AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, client=EtlCluster(etl=etl).client(),
                  jobs_keep_s=1e9)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_jobs_screen(snap_compare, size):
    async def ready(pilot):
        app = pilot.app
        await pilot.press("3")
        await until(pilot, lambda: isinstance(app.screen, JobsScreen) and app.screen.polls >= 1)
        assert app.screen.query_one("#jobs", LineTable).row_count == 4

    assert snap_compare(make_app(), terminal_size=size, run_before=ready)


async def _etl_screen(pilot) -> ETLScreen:
    await pilot.press("4")
    await until(pilot, lambda: isinstance(pilot.app.screen, ETLScreen) and pilot.app.screen.loads >= 1)
    return pilot.app.screen


def test_etl_list(snap_compare):
    async def ready(pilot):
        screen = await _etl_screen(pilot)
        await until(pilot, lambda: screen.query_one("#etls", LineTable).row_count == 2)

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=ready)


def test_etl_detail(snap_compare):
    async def ready(pilot):
        screen = await _etl_screen(pilot)
        await until(pilot, lambda: screen.query_one("#etls", LineTable).row_count == 2)
        await pilot.press("enter")
        await until(pilot, lambda: screen.view is not None and screen.query_one("#etl-log", Log).line_count == 7)

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_etl_not_available(snap_compare, size):
    async def ready(pilot):
        screen = await _etl_screen(pilot)
        assert screen.available is False

    assert snap_compare(make_app(etl=False), terminal_size=size, run_before=ready)
