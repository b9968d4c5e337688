"""The jobs monitor's decoding, caching, rates and keep window; copy sources; started-job watch;
ETL env parsing. Inputs are the qryxstats answers a real v1.5.0 cluster sent (normalized, see
tests/ui/recorded/jobs50.json); no network."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from aistui.core.errors import InvalidInput, ProtocolError
from aistui.core.etl import parse_env
from aistui.core.jobs import JobMonitor, JobWatch, copy_source, decode_multisnap
from aistui.core.models import Bck, Job
from aistui.session import outcome_text
from tests.ui.jobs_recorded import QRYXSTATS

RAW = json.dumps(QRYXSTATS).encode()
T0 = datetime(2025, 6, 1, 10, 0, 5, tzinfo=UTC)  # 5 s after the running copy started


def test_fast_decode_gives_the_same_jobs_as_the_plain_parser():
    fast = decode_multisnap(RAW)
    assert [(j.id, j.snaps) for j in fast] == [(j.id, j.snaps) for j in Job.merge(QRYXSTATS)]
    by_id = {j.id: j for j in fast}
    assert by_id["cpRunX3"].state == "running" and by_id["cpRunX3"].objects == 3000
    assert by_id["cpAbortX2"].state == "aborted" and by_id["cpAbortX2"].error == "user abort"
    assert by_id["cpDoneX1"].state == "finished" and by_id["cpDoneX1"].display_kind == "copy-bucket"
    assert by_id["delFailX4"].state == "failed" and "does not exist" in by_id["delFailX4"].error
    assert decode_multisnap(b"{}") == [] and decode_multisnap(b"") == []
    with pytest.raises(ProtocolError):
        decode_multisnap(b'{"t1": {"id": "x"}}')


def test_unchanged_jobs_are_reused_across_polls_and_changed_ones_are_not():
    snaps, jobs = {}, {}
    first = {j.id: j for j in decode_multisnap(RAW, snaps, jobs)}
    second = {j.id: j for j in decode_multisnap(RAW, snaps, jobs)}
    assert second["cpDoneX1"] is first["cpDoneX1"]  # ended: the same object, the UI skips it
    assert second["cpDoneX1"].snaps[0] is first["cpDoneX1"].snaps[0]  # its snaps were not parsed again
    third = {j.id: j for j in decode_multisnap(_with_progress(5_000_000), snaps, jobs)}
    assert third["cpRunX3"] is not second["cpRunX3"] and third["cpRunX3"].bytes == 10_000_000
    assert third["cpDoneX1"] is first["cpDoneX1"]


class _FakeAPI:
    def __init__(self, bodies):
        self.bodies = list(bodies)

    async def raw_query(self, query):
        return self.bodies.pop(0)


def _with_progress(loc_bytes: int) -> bytes:
    d = json.loads(RAW)
    for snaps in d.values():
        for s in snaps:
            if s["id"] == "cpRunX3":
                s["stats"]["loc-bytes"] = str(loc_bytes)
    return json.dumps(d).encode()


async def test_monitor_rates_from_byte_deltas_and_the_keep_window():
    clock = iter([T0, T0 + timedelta(seconds=2)])
    mon = JobMonitor(_FakeAPI([_with_progress(1_000_000), _with_progress(3_000_000)]), keep_s=200,
                     now=lambda: next(clock))
    p1 = await mon.poll()
    # first sight: the average since the start (two targets: 2 x 1 MB over ~5 s)
    assert p1.rates["cpRunX3"] == pytest.approx(2_000_000 / 5, rel=0.01)
    assert set(p1.rates) == {"cpRunX3"}  # ended jobs have no rate
    # the finished copy (09:55:08) and the failed delete (09:56:35) ended more than 200 s before
    # 10:00:05: hidden; the running and the aborted copy stay
    assert {j.id for j in p1.jobs} == {"cpRunX3", "cpAbortX2"}
    p2 = await mon.poll()
    assert p2.rates["cpRunX3"] > 0  # 4 MB more since the previous poll


def test_copy_source_reads_the_prefix_from_the_control_message():
    jobs = {j.id: j for j in decode_multisnap(RAW)}
    assert copy_source(jobs["cpRunX3"]) == (Bck.parse("ais://digits"), "o/0")
    assert copy_source(jobs["cpDoneX1"]) == (Bck.parse("ais://digits"), "")
    assert copy_source(jobs["delFailX4"]) is None


def test_watch_ends_on_terminal_states_and_on_idle_twice_for_demand_kinds():
    jobs = {j.id: j for j in decode_multisnap(RAW)}
    w = JobWatch()
    assert w.over(jobs["cpAbortX2"]) and not w.over(jobs["cpRunX3"])
    idle = json.loads(RAW)
    for snaps in idle.values():
        for s in snaps:
            s.update(kind="copy-listrange", is_idle=True, **{"end-time": "0001-01-01T00:00:00Z"})
    (j,) = [x for x in decode_multisnap(json.dumps(idle).encode()) if x.id == "cpDoneX1"]
    assert j.state == "idle"
    assert not w.over(j) and w.over(j)  # idle twice in a row


def test_outcome_toasts_name_the_job_and_say_how_it_ended():
    jobs = {j.id: j for j in decode_multisnap(RAW)}
    msg, sev = outcome_text("copy ais://digits → ais://digits-copy", [jobs["cpDoneX1"]])
    assert sev == "information" and "cpDoneX1 finished" in msg and "3,000 objects" in msg
    msg, sev = outcome_text("copy", [jobs["cpAbortX2"]])
    assert sev == "warning" and "aborted: user abort" in msg
    msg, sev = outcome_text("delete", [jobs["delFailX4"]])
    assert sev == "error" and "failed" in msg


def test_parse_env():
    assert parse_env("A=1, B=two  C=") == {"A": "1", "B": "two", "C": ""}
    assert parse_env("") == {}
    with pytest.raises(InvalidInput):
        parse_env("NOEQUALS")
    with pytest.raises(InvalidInput):
        parse_env("1BAD=x")
