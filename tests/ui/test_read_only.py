"""``--read-only``: every binding that would change the cluster is refused with a notice, by key
and through the command palette, on every screen; nothing but reads reaches the cluster.

Runs against the real local cluster. The ETL stop/start/delete refusals need a listed ETL, which
a cluster without Kubernetes cannot have: tests/ui/test_etl.py covers them on answers built from
the v1.5.0 wire types. No headless command changes a cluster (``aistui export`` only reads, and
its dry-run never writes), so there is nothing to refuse there.
"""

from __future__ import annotations

import pytest

from aistui.app import AISTui
from aistui.commands import AISCommands
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.client import AISClient as CoreClient
from aistui.core.datapath import ObjectDataPath
from aistui.screens.balance import BalanceScreen
from aistui.screens.buckets import BucketsScreen
from aistui.screens.cluster import ClusterScreen
from aistui.screens.cmdlog import CmdLogScreen
from aistui.screens.config import ConfigScreen
from aistui.screens.doctor import DoctorScreen
from aistui.screens.dryrun import DryRunScreen
from aistui.screens.etl import ETLScreen
from aistui.screens.export import ExportScreen
from aistui.screens.gallery import GalleryScreen
from aistui.screens.jobs import JobsScreen
from aistui.screens.logs import NodeLogScreen
from aistui.screens.objects import ObjectsScreen
from aistui.screens.perf import PerfScreen
from aistui.screens.props import BucketPropsScreen
from aistui.screens.storage import StorageScreen
from aistui.screens.usage import UsageScreen
from aistui.widgets.objlist import ObjectList
from tests.util import shown, unique, until

# Every binding's action, by screen: the ones that change the cluster (with the notice's name)
# and the ones that only read or navigate. A new binding must be added to one of the two.
MUTATING = {
    BucketsScreen: {"create": "create bucket", "destroy": "destroy bucket", "copy": "copy bucket",
                    "evict": "evict", "prefetch": "prefetch", "edit_props": "edit bucket props",
                    "rename": "rename bucket"},
    ObjectsScreen: {"upload": "upload", "delete": "delete", "copy_objects": "copy", "evict": "evict",
                    "prefetch": "prefetch", "rename": "rename", "edit_custom": "edit custom metadata",
                    "make_shards": "make shards", "blob_download": "blob download", "promote": "promote",
                    "add_to_shard": "add to shard"},
    JobsScreen: {"abort": "abort job", "housekeeping": "housekeeping"},
    GalleryScreen: {"copy_objects": "copy", "delete": "delete"},
    UsageScreen: {"delete": "delete", "copy_dir": "copy", "evict": "evict", "prefetch": "prefetch"},
    DoctorScreen: {"delete": "delete", "delete_kind": "delete", "quarantine": "quarantine",
                   "quarantine_kind": "quarantine"},
    ConfigScreen: {"edit": "edit config", "reset": "reset node config"},
    BucketPropsScreen: {"edit": "edit bucket props", "reset": "reset bucket props"},
    ETLScreen: {"init": "init ETL", "transform": "transform", "stop": "stop ETL", "start": "start ETL",
                "delete": "delete ETL"},
    StorageScreen: {"enable": "enable mountpath", "disable": "disable mountpath", "detach": "detach mountpath",
                    "attach": "attach mountpath"},
    ClusterScreen: {"maintenance": "maintenance", "decommission": "decommission", "shutdown": "shutdown",
                    "attach_remote": "attach remote cluster", "detach_remote": "detach remote cluster"},
}
READING = {
    AISTui: {"command_line", "cursor('bottom')", "cursor('down')", "cursor('top')", "cursor('up')", "quit",
             "switch_mode('buckets')", "switch_mode('cluster')", "switch_mode('etl')", "switch_mode('jobs')",
             "toggle_help"},
    ClusterScreen: {"collect_logs", "config", "node_log", "pause", "perf", "refresh", "storage", "switch_cluster"},
    BucketsScreen: {"export", "open", "props", "refresh", "toggle_all"},
    ObjectsScreen: {"back", "copy_menu", "download", "export", "filter", "prefix_filter", "range_select",
                    "refresh", "select_all", "sort", "toggle_select", "up", "usage", "view_etl",
                    "columns", "summary", "doctor", "gallery", "balance",
                    "get_matching"},  # R writes a shard's matching members to a local directory
    JobsScreen: {"clear", "cycle_sort", "filter_bucket", "filter_kind", "filter_text", "pause", "refresh",
                 "toggle_detail", "toggle_running"},
    ETLScreen: {"close_detail", "pause", "refresh", "search_log", "toggle_detail", "view_object"},
    ExportScreen: {"back", "copy", "dry_run", "save", "tune", "live"},  # T, l only read, in child processes
    DryRunScreen: {"back", "pause"},
    CmdLogScreen: {"back", "copy_cli", "copy_sdk"},
    ConfigScreen: {"back", "next_match", "prev_match", "refresh", "search", "toggle_diff"},
    BucketPropsScreen: {"back", "next_match", "prev_match", "refresh", "search"},
    NodeLogScreen: {"back", "cycle_severity", "pause", "save", "search"},
    UsageScreen: {"back", "refresh", "sort", "up", "toggle_mode"},
    GalleryScreen: {"back", "move(-1, 0)", "move(1, 0)", "move(0, -1)", "move(0, 1)", "page(-1)", "page(1)",
                    "toggle_select", "select_page", "preview", "download", "export", "refresh"},
    DoctorScreen: {"back", "images", "refresh"},
    BalanceScreen: {"back", "pick", "weights", "refresh"},  # w opens the export screen
    PerfScreen: {"back", "cycle_sort", "pause", "refresh", "toggle_plot"},
    StorageScreen: {"back", "pause", "refresh"},
}
WRITES = {"PUT", "POST", "DELETE", "PATCH"}


@pytest.mark.parametrize("cls", list(READING), ids=lambda c: c.__name__)
def test_every_binding_is_classified(cls):
    actions = {b.action for b in cls.BINDINGS}
    assert actions == READING[cls] | set(MUTATING.get(cls, {})), \
        "classify new bindings here: MUTATING ones must be refused in --read-only"


@pytest.fixture
def requests_sent(monkeypatch):
    """Every (method, path) any AISClient sends, the object data path included."""
    sent: list[tuple[str, str]] = []
    orig_request, orig_stream, orig_put = CoreClient.request, CoreClient.stream, ObjectDataPath.put

    async def request(self, method, path, **kw):
        sent.append((method, path))
        return await orig_request(self, method, path, **kw)

    def stream(self, method, path, **kw):
        sent.append((method, path))
        return orig_stream(self, method, path, **kw)

    async def put(self, path, *a, **kw):
        sent.append(("PUT", path))
        return await orig_put(self, path, *a, **kw)

    monkeypatch.setattr(CoreClient, "request", request)
    monkeypatch.setattr(CoreClient, "stream", stream)
    monkeypatch.setattr(ObjectDataPath, "put", put)
    return sent


async def test_read_only_refuses_every_mutating_key_and_palette_command(ais, remote_bucket, requests_sent):
    b = Bck.parse(f"ais://{unique('ro')}")
    async with AISClient(ais.endpoint) as c:
        await c.buckets.create(b)
        await c.objects.put(b, "keep.txt", b"precious")
        await c.jobs.wait(await c.buckets.copy(b, Bck.parse(f"ais://{b.name}-copy")), timeout=120)
    requests_sent.clear()
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, read_only=True)

    def refused(what: str) -> bool:
        return any(n.message == f"read-only mode: {what} is disabled" for n in app._notifications)

    async def until_refused(what: str, why: str) -> None:
        """The notice is the positive sign that the key or command was handled (and refused)."""
        try:
            await until(pilot, lambda: refused(what))
        except AssertionError:
            raise AssertionError(f"{why} was not refused") from None

    async def sweep(screen_cls, keys: dict[str, str]) -> None:
        """Press each key; the notice names the action, no dialog opens; then the same actions
        through the palette's commands for this screen."""
        for key, action in keys.items():
            app._notifications.clear()
            await pilot.press(key)
            await until_refused(MUTATING[screen_cls][action], f"{key} ({action})")
            assert isinstance(app.screen, screen_cls), f"{key} opened {app.screen!r}"
        commands = {title: cb for title, _, cb in AISCommands(app.screen)._commands()}
        for action in keys.values():
            what = MUTATING[screen_cls][action]
            title = next(t for t in commands if t.startswith(_description(screen_cls, action) + " ("))
            app._notifications.clear()
            await commands[title]()
            await until_refused(what, f"palette {title!r}")
            assert isinstance(app.screen, screen_cls), f"palette {title!r} opened {app.screen!r}"

    try:
        async with app.run_test(size=(160, 40), notifications=True) as pilot:
            await shown(pilot, app, ClusterScreen)
            await until(pilot, lambda: app.screen.query_one("#nodes").row_count >= 2)
            nodes = app.screen.query_one("#nodes")
            nodes.move_cursor(row=nodes.row_count - 1)  # a target: maintenance, decommission, shutdown
            await sweep(ClusterScreen, {"m": "maintenance", "D": "decommission", "X": "shutdown",
                                        "R": "attach_remote"})
            app.screen.query_one("#remotes").focus()  # x detaches the remote under the cursor
            await sweep(ClusterScreen, {"x": "detach_remote"})
            nodes.focus()
            nodes.move_cursor(row=0)  # c: the config of the node under the cursor
            await pilot.press("c")
            await shown(pilot, app, ConfigScreen)
            await until(pilot, lambda: app.screen.loaded)
            await sweep(ConfigScreen, {"e": "edit", "R": "reset"})
            await pilot.press("escape")
            await shown(pilot, app, ClusterScreen)
            app.jump("config")  # :config, the cluster's
            await shown(pilot, app, ConfigScreen)
            await until(pilot, lambda: app.screen.loaded and app.screen.node_id is None)
            await sweep(ConfigScreen, {"e": "edit"})
            await pilot.press("escape")
            await shown(pilot, app, ClusterScreen)
            await pilot.press("2")
            await until(pilot, lambda: isinstance(app.screen, BucketsScreen) and app.screen.listed)
            t = app.screen.query_one("#buckets")
            await until(pilot, lambda: str(b) in t.keys)  # a LineTable since 101e6b7
            t.move_cursor(row=t.get_row_index(str(b)))
            await sweep(BucketsScreen, {"n": "create", "D": "destroy", "c": "copy", "E": "evict",
                                        "f": "prefetch", "P": "edit_props", "m": "rename"})
            await pilot.press("p")  # the property tree only reads: a HEAD
            await shown(pilot, app, BucketPropsScreen)
            await until(pilot, lambda: app.screen.loaded)
            await sweep(BucketPropsScreen, {"e": "edit", "R": "reset"})
            await pilot.press("escape")
            await shown(pilot, app, BucketsScreen)
            await pilot.press("enter")
            await shown(pilot, app, ObjectsScreen)
            olist = app.screen.query_one(ObjectList)
            await until(pilot, lambda: olist.keys() == ["keep.txt"])
            await sweep(ObjectsScreen, {"u": "upload", "x": "delete", "c": "copy_objects", "E": "evict",
                                        "f": "prefetch", "m": "rename", "M": "edit_custom", "W": "make_shards",
                                        "b": "blob_download", "p": "promote", "A": "add_to_shard"})
            await pilot.press("space")  # with a selection too
            await sweep(ObjectsScreen, {"x": "delete", "c": "copy_objects"})
            await pilot.press("i")  # the gallery reads (a listing, one get-batch GET); its actions refused
            await shown(pilot, app, GalleryScreen)
            await until(pilot, lambda: app.screen.items and app.screen.page == 0)
            await sweep(GalleryScreen, {"c": "copy_objects", "x": "delete"})
            await pilot.press("escape")
            await shown(pilot, app, ObjectsScreen)
            await pilot.press("U")  # the usage map only reads: its listing is a GET
            await shown(pilot, app, UsageScreen)
            await until(pilot, lambda: app.screen.snapshot is not None and app.screen.snapshot.done)
            await sweep(UsageScreen, {"x": "delete", "c": "copy_dir", "E": "evict", "f": "prefetch"})
            await pilot.press("m")  # cluster mode: summary jobs (a GET per start and poll)
            await until(pilot, lambda: app.screen.snapshot is not None and app.screen.snapshot.done)
            await pilot.press("s", "backspace", "escape")
            await shown(pilot, app, ObjectsScreen)
            await pilot.press("H")  # the doctor's scan only reads (a listing, get-batch); its fixes are refused
            await shown(pilot, app, DoctorScreen)
            await until(pilot, lambda: app.screen.progress is not None and app.screen.progress.done)
            await sweep(DoctorScreen, {"x": "delete", "X": "delete_kind", "m": "quarantine", "M": "quarantine_kind"})
            await pilot.press("escape")
            await shown(pilot, app, ObjectsScreen)
            await pilot.press("3")
            await shown(pilot, app, JobsScreen)
            jobs = app.screen.query_one("#jobs")
            await until(pilot, lambda: jobs.row_count >= 1)
            jobs.focus()
            await sweep(JobsScreen, {"x": "abort", "H": "housekeeping"})
            app._notifications.clear()  # the palette's global "Housekeeping" line, refused too
            {t: cb for t, _, cb in AISCommands(app.screen)._commands()}["Housekeeping: LRU, cleanup, validate"]()
            await until_refused("housekeeping", "palette 'Housekeeping'")
            await pilot.press("4")
            await shown(pilot, app, ETLScreen)
            await sweep(ETLScreen, {"n": "init", "T": "transform"})
            await pilot.press("1")  # the performance screen only reads (node_status GETs)
            await shown(pilot, app, ClusterScreen)
            await pilot.press("P")
            await shown(pilot, app, PerfScreen)
            await until(pilot, lambda: app.screen.polls >= 1)
            await pilot.press("s", "escape")
            await shown(pilot, app, ClusterScreen)
            await pilot.press("1")  # the storage screen: its reads are GETs, its actions refused
            await shown(pilot, app, ClusterScreen)
            await until(pilot, lambda: app.screen.query_one("#nodes").row_count >= 2)
            await pilot.press("s")
            await shown(pilot, app, StorageScreen)
            mps = app.screen.query_one("#storage")
            await until(pilot, lambda: mps.row_count >= 2)
            mps.move_cursor(row=1)  # the first target's first mountpath
            await sweep(StorageScreen, {"e": "enable", "d": "disable", "x": "detach", "a": "attach"})
        writes = [r for r in requests_sent if r[0] in WRITES]
        assert writes == [], f"read-only console sent {writes}"
        assert list(app.session.cmdlog) == [], "a refused action was logged as taken"
        async with AISClient(ais.endpoint) as c:
            assert await c.objects.get(b, "keep.txt") == b"precious"
    finally:
        async with AISClient(ais.endpoint) as c:
            for x in (b, Bck.parse(f"ais://{b.name}-copy")):
                await c.buckets.destroy(x, missing_ok=True)


def _description(cls, action: str) -> str:
    return next(bd.description for bd in cls.BINDINGS if bd.action == action)
