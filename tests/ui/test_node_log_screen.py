"""The node log screen on the real local cluster: ``l`` on the cluster screen opens the log of the
node under the cursor, its lines are the node's log, a line the node logs later appears while the
screen follows, ``/`` filters, ``v`` switches to the ERROR log, ``s`` saves what is shown; ``L``
collects every node's logs into one archive. Snapshots of the log screen at 80x24 and 160x48 feed
a fixed text through a stub of ``client.logs`` (a real log's times and ids differ on every run);
everything else on those snapshots is the recorded cluster of tests/ui/test_snapshots.py."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from textual.widgets import Input

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.screens.cluster import ClusterScreen
from aistui.screens.logs import NodeLogScreen
from aistui.widgets.dialogs import PromptDialog
from aistui.widgets.followlog import FollowLog
from aistui.widgets.form import FormDialog
from aistui.widgets.linetable import LineTable
from tests.ui.recorded_cluster import ENDPOINT, recorded_client
from tests.util import shown, unique, until


def _log_lines(app) -> list[str]:
    log = app.screen.query_one(FollowLog)
    return [str(line) for line in log.lines]


def _shows_log_from_start(app, path: Path) -> bool:
    """The screen shows the log at ``path`` read from its start: its first line, or, for a log
    longer than the widget keeps (``max_lines``, a long session's shared cluster), its last lines
    in order."""
    lines = _log_lines(app)
    if not lines:
        return False
    disk = path.read_text().splitlines()
    if len(lines) < app.screen.query_one(FollowLog).max_lines:
        return lines[0] == disk[0]
    if lines[0] not in disk:
        return False
    i = disk.index(lines[0])
    return disk[i:i + len(lines)] == lines


async def _open_log(pilot, app, node_id: str) -> None:
    await shown(pilot, app, ClusterScreen)
    table = app.screen.query_one("#nodes", LineTable)
    await until(pilot, lambda: node_id in table.keys)
    table.move_cursor(row=table.keys.index(node_id))
    await pilot.press("l")
    await shown(pilot, app, NodeLogScreen)
    assert app.screen.node_id == node_id


async def _search(pilot, app, text: str) -> None:
    """Fill the ``/`` form with ``text`` and submit it (enter in its field)."""
    await shown(pilot, app, FormDialog)
    field = app.screen.query_one("#field-text", Input)
    field.value = text
    field.focus()
    await pilot.press("enter")
    await shown(pilot, app, NodeLogScreen)


async def _prompt(pilot, app, text: str) -> None:
    await shown(pilot, app, PromptDialog)
    field = app.screen.query_one(Input)
    field.value = text
    field.focus()
    await pilot.press("enter")


@pytest.fixture
async def fast_flush(ais):
    """Nodes flush their logs every second (transient ``log.flush_time``), restored afterwards."""
    async with AISClient(ais.endpoint) as c:
        before = (await c.cluster.config())["log"]["flush_time"]
        await c.cluster.set_config({"log.flush_time": "1s"}, transient=True)
        yield
        await c.cluster.set_config({"log.flush_time": str(before)}, transient=True)


async def test_open_follow_filter_save(ais, tmp_path: Path, fast_flush):
    t = ais.targets[0]
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=0.5)
    b = Bck.parse(f"ais://{unique('lg')}")
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await _open_log(pilot, app, t.daemon_id)
        info = sorted((t.dir / "log").glob("*.INFO"))[0]
        await until(pilot, lambda: _shows_log_from_start(app, info))
        # follow: the target logs the bucket's creation (its name) while the screen is shown
        async with AISClient(ais.endpoint) as c:
            await c.buckets.create(b)
            try:
                await until(pilot, lambda: any(b.name in ln for ln in _log_lines(app)), tries=600)
            finally:
                await c.buckets.destroy(b, missing_ok=True)
        # / filters (and the hint says how many lines match)
        await pilot.press("slash")
        await _search(pilot, app, b.name)
        await until(pilot, lambda: _log_lines(app) and all(b.name in ln for ln in _log_lines(app)))
        shown_lines = _log_lines(app)
        # s saves what is shown
        dest = tmp_path / "saved.log"
        await pilot.press("s")
        await _prompt(pilot, app, str(dest))
        await until(pilot, lambda: dest.exists())
        assert dest.read_text().splitlines()[: len(shown_lines)] == shown_lines
        assert [p.name for p in tmp_path.iterdir()] == ["saved.log"]  # no temporary file left
        # v: the ERROR log (warnings and errors), from its start
        await pilot.press("slash")
        await _search(pilot, app, "")
        await pilot.press("v")
        err = sorted((t.dir / "log").glob("*.ERROR"))[0]
        await until(pilot, lambda: _shows_log_from_start(app, err))
        await pilot.press("escape")
        await shown(pilot, app, ClusterScreen)


async def test_collect_all_logs(ais, tmp_path: Path):
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    dest = tmp_path / "all.tar"
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await shown(pilot, app, ClusterScreen)
        await pilot.press("L")
        await _prompt(pilot, app, str(dest))
        await until(pilot, lambda: any(n.message == f"all logs saved to {dest}" for n in app._notifications),
                    tries=1200)
    with tarfile.open(dest) as tar:
        assert sorted(tar.getnames()) == sorted(f"{n.daemon_id}.tar.gz" for n in ais.nodes)


FIXED_LOG = "".join(
    f"I 10:00:{i:02d}.000000 {src} {msg}\n" for i, (src, msg) in enumerate([
        ("target:101", "t[UDst44159]: starting"), ("vinit:56", "creating new VMD from [/mp/mp1] config"),
        ("bucketmeta:372", "initializing new BMD v0"), ("htrun:990", "t[UDst44159]: joined the cluster"),
        ("xact:211", "put-copies[x7] started"), ("xact:233", "put-copies[x7] finished"),
        ("target:120", "warning: mountpath /mp/mp1 is 91% full"), ("htrun:1002", "keepalive ok"),
    ]))


class _FixedLogs:
    """``client.logs`` for the snapshots: the same text every run, nothing after it."""

    async def tail(self, node_id, *, severity="info", offset=0):
        return ("", offset) if offset else (FIXED_LOG, len(FIXED_LOG))


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_log_screen_snapshot(snap_compare, size):
    client = recorded_client()
    client.logs = _FixedLogs()  # type: ignore[assignment]  # the stub: see the module docstring
    app = AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell", client=client)

    async def ready(pilot):
        await until(pilot, lambda: app.screen.query_one("#nodes", LineTable).row_count == 3 and app.health == "ok")
        app.show_node_log(app.screen.query_one("#nodes", LineTable).keys[1])
        await shown(pilot, app, NodeLogScreen)
        await until(pilot, lambda: len(_log_lines(app)) == 8)
        await pilot.press("slash")
        await _search(pilot, app, "put-copies")
        await until(pilot, lambda: len(_log_lines(app)) == 2)

    assert snap_compare(app, terminal_size=size, run_before=ready)
