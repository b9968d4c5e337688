"""The class balance screen on the real local cluster, over the playground's flawed dataset
(aistui.playground.demo.flawed: class 9 nearly gone from train/, shards with a sample whose .cls
is missing): ``B`` from the objects screen counts per class per split and says what is wrong,
``w`` puts the class weights into the export screen's code (and its form switches to a
WeightedRandomSampler), ``p`` picks other splits and the shards' .cls labels (get-batch),
``:balance``. Snapshots at 80x24 and 160x48 on recorded answers plus synthetic listings."""

from __future__ import annotations

import json

import httpx
import pytest
from textual.widgets import Select, SelectionList

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.client import AISClient as CoreClient
from aistui.core.errors import InvalidInput
from aistui.core.models import LS_NO_RECURSION
from aistui.jump import parse_jump
from aistui.playground.demo import build_flawed
from aistui.screens.balance import TOTAL_KEY, UNLABELED_KEY, BalanceScreen, bar
from aistui.screens.export import ExportScreen
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.linetable import LineTable
from aistui.widgets.splitpick import SplitsDialog
from tests.ui import recorded_cluster
from tests.ui.recorded_cluster import ENDPOINT
from tests.util import shown, until


def test_balance_command_parses():
    j = parse_jump(":balance ais://imgs/ds")
    assert (j.kind, str(j.bck), j.prefix) == ("balance", "ais://imgs", "ds/")
    assert parse_jump("classes imgs").prefix == ""
    with pytest.raises(InvalidInput):
        parse_jump("balance")


def test_bar():
    assert bar(0, 10, 4) == "" and bar(10, 10, 4) == "████" and bar(1, 1000, 4) == "▏"


def n_train_of(data, cls: int) -> int:
    return sum(1 for n, _ in data.objects if n.startswith(f"train/{cls}/"))


def _done(screen: BalanceScreen) -> bool:
    return screen.snapshot is not None and screen.snapshot.done


def _warnings(screen: BalanceScreen) -> str:
    return str(screen.query_one("#balance-warnings").content)


async def test_B_counts_w_exports_weights_p_picks_shards(ais, client: AISClient, bucket: Bck):
    data = await build_flawed(client, bucket, limit=80)
    train9 = sum(1 for n, _ in data.objects if n.startswith("train/9/"))
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(160, 40)) as pilot:
        app.show_objects(bucket)
        await shown(pilot, app, ObjectsScreen)
        await pilot.press("B")
        await shown(pilot, app, BalanceScreen)
        screen = app.screen
        await until(pilot, lambda: _done(screen), tries=800)
        table = screen.query_one(LineTable)
        assert table.keys == [f"c/{i}" for i in range(10)] + [TOTAL_KEY]
        assert table.get_cell("c/9", "n0").strip() == str(train9) == "2"  # train/
        n_train = sum(1 for n, _ in data.objects if n.startswith("train/"))
        n_val = sum(1 for n, _ in data.objects if n.startswith("val/"))
        assert table.get_cell(TOTAL_KEY, "n0").strip() == str(n_train)
        assert table.get_cell(TOTAL_KEY, "n1").strip() == str(n_val)
        words = _warnings(screen)
        flagged = [line for line in words.splitlines() if line.startswith(("imbalanced", "empty", "missing"))]
        top = max(range(10), key=lambda c: (sum(1 for n, _ in data.objects if n.startswith(f"train/{c}/")), c))
        assert flagged == [f"imbalanced train/: class 9 (2) against {n_train_of(data, top)} in class {top} "
                           f"({n_train_of(data, top) / 2:.1f}x)"]  # the planted imbalance, nothing else
        hint = str(screen.query_one("#balance-hint").content)
        assert "splits train/, val/" in hint and "10 classes" in hint
        # w: the export screen for train/, its code weighing class 9 most
        await pilot.press("w")
        await shown(pilot, app, ExportScreen)
        export = app.screen
        assert export.prefix == "train/"
        await until(pilot, lambda: "def loss_weights():" in export.code)
        weights = screen.snapshot.weights()
        assert f'"9": {weights["9"]!r}' in export.code and weights["9"] == max(weights.values())
        assert 'CLASSES = ["0", "1", "2"' in export.code.replace("\n    ", " ")  # class folders, as labels
        export.query_one("#weighting", Select).value = "sampler"
        await until(pilot, lambda: "def make_sampler(labels):" in export.code)
        assert "def loss_weights" not in export.code
        await pilot.press("escape")
        await shown(pilot, app, BalanceScreen)
        # p: shards/ alone, labels from the .cls members
        await pilot.press("p")
        await shown(pilot, app, SplitsDialog)
        dialog = app.screen
        dirs = dialog.query_one(SelectionList)
        dirs.deselect_all()
        dirs.select("shards/")
        dialog.query_one("#split-source", Select).value = "member"
        await pilot.press("ctrl+s")
        await shown(pilot, app, BalanceScreen)
        await until(pilot, lambda: _done(screen) and screen.snapshot.splits == ("shards/",), tries=800)
        snap = screen.snapshot
        assert snap.source == "member" and snap.shards == 3 and snap.unlabeled == {"shards/": 1}
        assert table is not screen.query_one(LineTable)  # new columns, a new table
        table = screen.query_one(LineTable)
        assert table.get_cell(UNLABELED_KEY, "n0").strip() == "1"
        assert table.get_cell(TOTAL_KEY, "n0").strip() == "29"  # 3 shards of 10 samples, one without .cls
        assert "without a label (no .cls member" in _warnings(screen)
        assert ".cls members (get-batch)" in str(screen.query_one("#balance-hint").content)
        await pilot.press("escape")
        await shown(pilot, app, ObjectsScreen)


async def test_balance_command_a_missing_class_and_a_dead_end(ais, client: AISClient, bucket: Bck, monkeypatch):
    """Read-only: the count and the dialog only read (every request a GET or HEAD); a class
    name that looks like markup is shown as typed; a missing bucket is said, not raised."""
    for name in ("train/cat/a.png", "train/cat/b.png", "train/dog/c.png", "val/cat/d.png", "val/empty/e.png",
                 "val/[bold red]x/f.png"):
        await client.objects.put(bucket, f"ds/{name}", b"" if name.startswith("val/empty") else b"x" * 10)
    sent: list[str] = []
    orig_request, orig_stream = CoreClient.request, CoreClient.stream

    async def request(self, method, path, **kw):
        sent.append(method)
        return await orig_request(self, method, path, **kw)

    def stream(self, method, path, **kw):
        sent.append(method)
        return orig_stream(self, method, path, **kw)

    monkeypatch.setattr(CoreClient, "request", request)
    monkeypatch.setattr(CoreClient, "stream", stream)
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, read_only=True)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: app.health == "ok")
        app.jump(f"balance {bucket}/ds")
        await shown(pilot, app, BalanceScreen)
        screen = app.screen
        await until(pilot, lambda: _done(screen))
        words = _warnings(screen)
        assert "missing from val/: class dog" in words
        assert "empty class: empty" in words
        assert "largest/smallest class: train/ 2.0x · val/ 1.0x · overall 3.0x" in words
        assert "imbalanced" not in words  # 2x is not 4x
        assert "missing from train/: classes [bold red]x, empty" in words  # markup shown as typed
        assert screen.query_one(LineTable).get_cell("c/[bold red]x", "class").strip() == "[bold red]x"
        app.jump(f"balance {bucket}/nothing-here/")  # no splits: the directory itself, and nothing in it
        await until(pilot, lambda: isinstance(app.screen, BalanceScreen) and app.screen is not screen
                    and _done(app.screen))
        assert app.screen.snapshot.classes == () and app.screen.snapshot.splits == ("",)
        await pilot.press("w")  # nothing to weigh: said, nothing opens
        await until(pilot, lambda: any("no labeled objects" in n.message for n in app._notifications))
        assert isinstance(app.screen, BalanceScreen)
        app.jump("balance ais://no-such-bucket-for-balance/")
        await until(pilot, lambda: isinstance(app.screen, BalanceScreen) and app.screen.error != "")
        hint = str(app.screen.query_one("#balance-hint").content)
        assert hint.startswith("balance failed:") and "does not exist" in hint, hint
    assert sent and set(sent) <= {"GET", "HEAD"}, sorted(set(sent))


# ---------------------------------------------------------------------- snapshots

SIZES = [(80, 24), (160, 48)]
# (split, class, objects, bytes each): an imbalanced set with a class missing from test/
SYNTH = {"train/": {"cat": (120, 41_000), "dog": (95, 39_500), "bird": (14, 36_000), "fish": (60, 30_000)},
         "val/": {"cat": (30, 41_000), "dog": (24, 39_500), "bird": (4, 36_000), "fish": (15, 30_000)},
         "test/": {"cat": (30, 41_000), "dog": (25, 39_500), "fish": (15, 30_000)}}


def _handler(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content) if request.content else {}
    if body.get("action") == "list" and request.url.path == "/v1/buckets/datasets":
        value = body["value"]
        prefix = value.get("prefix", "")
        if int(value.get("flags", "0")) & LS_NO_RECURSION:
            entries = [{"name": f"{prefix}{s}", "size": 0, "flags": 256} for s in sorted(SYNTH)]
            entries.append({"name": f"{prefix}README.md", "size": 900, "flags": 0})
        else:
            split = prefix[len("imgs/"):]
            entries = [{"name": f"{prefix}{cls}/{i:05}.jpg", "size": each + i, "flags": 0}
                       for cls, (n, each) in sorted(SYNTH.get(split, {}).items()) for i in range(n)]
        return httpx.Response(200, json={"uuid": "u", "continuation_token": "", "entries": entries, "flags": 0})
    return recorded_cluster.handler(request)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_balance_screen_snapshot(snap_compare, size):
    client = AISClient(ConnectionSettings(endpoint=ENDPOINT), transport=httpx.MockTransport(_handler), retries=0)
    app = AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell", client=client)

    async def ready(pilot):
        await until(pilot, lambda: app.health == "ok")
        app.show_balance(Bck.parse("ais://datasets"), "imgs/")
        await shown(pilot, app, BalanceScreen)
        await until(pilot, lambda: _done(app.screen))

    assert snap_compare(app, terminal_size=size, run_before=ready)


def test_splits_dialog_snapshot(snap_compare):
    """``p`` at 80x24: the directories, the label source, the mapping file, the shards to read."""
    client = AISClient(ConnectionSettings(endpoint=ENDPOINT), transport=httpx.MockTransport(_handler), retries=0)
    app = AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell", client=client)

    async def ready(pilot):
        await until(pilot, lambda: app.health == "ok")
        app.show_balance(Bck.parse("ais://datasets"), "imgs/")
        await shown(pilot, app, BalanceScreen)
        await until(pilot, lambda: _done(app.screen))
        await pilot.press("p")
        await shown(pilot, app, SplitsDialog)

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)
