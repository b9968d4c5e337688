"""The dataset doctor screen on the real local cluster: ``H`` on the objects screen scans the
playground's flawed dataset and shows exactly its planted flaws grouped by kind, ``enter`` jumps to
the object, ``:doctor`` opens it at a prefix, quarantine copies then deletes (asked first, in the
command log), and ``--read-only`` refuses every fix. Snapshots at 80x24 and 160x48 on recorded
answers plus one synthetic listing with checksums and shard members."""

from __future__ import annotations

import json

import httpx
import pytest

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.errors import InvalidInput
from aistui.core.models import LS_ARCH_DIR
from aistui.jump import parse_jump
from aistui.playground.demo import build_flawed
from aistui.screens.doctor import DoctorScreen, group_key
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.dialogs import ConfirmDialog, PromptDialog
from aistui.widgets.linetable import LineTable
from aistui.widgets.objlist import ObjectList
from tests.ui import recorded_cluster
from tests.ui.recorded_cluster import ENDPOINT
from tests.util import shown, unique, until


def test_doctor_command_parses():
    j = parse_jump(":doctor ais://imgs/train/")
    assert (j.kind, str(j.bck), j.prefix) == ("doctor", "ais://imgs", "train/")
    assert parse_jump("doctor imgs/ds").prefix == "ds"  # any name prefix
    assert str(parse_jump("health ais://@remais/r").bck) == "ais://@remais/r"
    with pytest.raises(InvalidInput):
        parse_jump("doctor")


def _row_of(screen: DoctorScreen, kind: str, name: str) -> str:
    return next(str(i) for i, f in enumerate(screen.findings) if f is not None and (f.kind, f.name) == (kind, name))


async def _scanned(pilot, screen: DoctorScreen) -> None:
    await until(pilot, lambda: screen.progress is not None and screen.progress.done, tries=1200)


async def test_H_scans_groups_by_kind_and_enter_jumps(ais, client: AISClient, bucket: Bck):
    data = await build_flawed(client, bucket, limit=80)
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(160, 40)) as pilot:
        app.show_objects(bucket)
        await shown(pilot, app, ObjectsScreen)
        await pilot.press("H")
        await shown(pilot, app, DoctorScreen)
        screen = app.screen
        await _scanned(pilot, screen)
        got = sorted((f.kind, f.name) for f in screen.findings if f is not None)
        assert got == sorted((k, n) for k, n, _ in data.planted)
        table = screen.query_one(LineTable)
        headers = [k for k in table.keys if k.startswith("#")]  # groups in KINDS order
        assert headers == [group_key(k) for k in ("undecodable", "empty", "leak", "duplicate", "shard-missing",
                                                  "imbalance")]
        assert table.get_cell(group_key("duplicate"), "kind").strip() == "duplicate (3)"
        hint = str(screen.query_one("#doctor-hint").content)
        assert f"{len(data.objects)} objects" in hint and "3 shards" in hint and "8 findings" in hint
        await pilot.press("i")  # every image, not a sample: a new scan, the same findings
        assert screen.images == "all"
        await _scanned(pilot, screen)
        images = sum(1 for n, d in data.objects if n.endswith(".png") and d)
        assert screen.progress.images_checked == screen.progress.images_total == images
        assert sorted((f.kind, f.name) for f in screen.findings if f is not None) == got
        assert "images: all (i)" in str(screen.query_one("#doctor-hint").content)
        leak = next(n for k, n, _ in data.planted if k == "leak")
        table.move_cursor(row=table.get_row_index(_row_of(screen, "leak", leak)))
        await pilot.press("enter")
        await shown(pilot, app, ObjectsScreen)
        objects = app.screen
        assert (objects.prefix, objects.name_prefix) == (leak[:leak.rfind("/") + 1], leak[leak.rfind("/") + 1:])
        try:
            await until(pilot, lambda: objects.query_one(ObjectList).keys() == [leak])
        except AssertionError:
            hint = str(objects.query_one("#objects-hint").content)
            raise AssertionError(f"{leak} not listed alone: {objects.query_one(ObjectList).keys()} ({hint})") from None
        await pilot.press("escape")
        await shown(pilot, app, DoctorScreen)
        imbalance = _row_of(screen, "imbalance", "train/9/")
        table.move_cursor(row=table.get_row_index(imbalance))
        await pilot.press("x")  # an imbalance has nothing to delete
        assert isinstance(app.screen, DoctorScreen)
        await pilot.press("enter")  # a class directory: the objects screen there
        await shown(pilot, app, ObjectsScreen)
        assert app.screen.prefix == "train/9/"


async def test_doctor_command_quarantines_after_asking(ais, client: AISClient, bucket: Bck):
    data = await build_flawed(client, bucket, "ds/", limit=60)
    dst = Bck.parse(f"ais://{unique('quar')}")
    empty = "ds/" + next(n for k, n, _ in data.planted if k == "empty")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    try:
        async with app.run_test(size=(160, 40), notifications=True) as pilot:
            await until(pilot, lambda: app.health == "ok")
            app.jump(f"doctor {bucket}/ds/")
            await shown(pilot, app, DoctorScreen)
            screen = app.screen
            assert screen.prefix == "ds/"
            await _scanned(pilot, screen)
            table = screen.query_one(LineTable)
            table.move_cursor(row=table.get_row_index(_row_of(screen, "empty", empty)))
            await pilot.press("m")
            await shown(pilot, app, PromptDialog)
            prompt = app.screen
            assert prompt.query_one("#prompt-input").value == "ais://quarantine"  # the default offered
            prompt.query_one("#prompt-input").value = str(dst)
            await pilot.press("ctrl+s")
            await shown(pilot, app, ConfirmDialog)
            assert any(empty in line for line in app.screen.lines)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: any(n.message.startswith("quarantined 1 object")
                                           for n in app._notifications), tries=1200)
            assert not any(f is not None and f.name == empty for f in screen.findings)
            assert table.keys.count(group_key("empty")) == 0  # the group went with its only finding
            actions = [(e.action, e.ok) for e in app.session.cmdlog.newest_first()[:2]]
            assert actions == [("delete", True), ("copy", True)]
        assert not await client.objects.exists(bucket, empty)
        assert await client.objects.exists(dst, empty)
    finally:
        await client.buckets.destroy(dst, missing_ok=True)


async def test_read_only_refuses_every_fix(ais, client: AISClient, bucket: Bck):
    await client.objects.put(bucket, "a.txt", b"")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, read_only=True)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await until(pilot, lambda: app.health == "ok")
        app.show_doctor(bucket)
        await shown(pilot, app, DoctorScreen)
        await _scanned(pilot, app.screen)
        for key, what in (("x", "delete"), ("X", "delete"), ("m", "quarantine"), ("M", "quarantine")):
            app._notifications.clear()
            await pilot.press(key)
            notice = f"read-only mode: {what} is disabled"
            await until(pilot, lambda notice=notice: any(n.message == notice for n in app._notifications))
            assert isinstance(app.screen, DoctorScreen)
    assert await client.objects.exists(bucket, "a.txt")


# ---------------------------------------------------------------------- snapshots

SIZES = [(80, 24), (160, 48)]
_CK = iter(f"{i:016x}" for i in range(1000))
# a recursive listing with checksums and one shard's members: (name, size, checksum, flags)
SYNTH = ([(f"train/{c}/{i:05}.png", 300 + i, next(_CK), 0) for c in range(3) for i in range(5)]
         + [("train/3/00000.png", 300, "", 0)]
         + [("train/0/00000_1.png", 300, "0000000000000000", 0), ("val/1/00000.png", 300, "0000000000000005", 0),
            ("train/2/empty.png", 0, "", 0), ("train/0/00001.PNG", 9, next(_CK), 0),
            ("shards/shard-000000.tar", 10240, next(_CK), 512),
            ("shards/shard-000000.tar/00000.png", 300, "", 128), ("shards/shard-000000.tar/00000.cls", 1, "", 128),
            ("shards/shard-000000.tar/00001.png", 300, "", 128)])


def _handler(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content) if request.content else {}
    if body.get("action") == "list":
        v = body["value"]
        if int(v.get("flags", "0")) & LS_ARCH_DIR:  # one shard's members
            rows = [r for r in SYNTH if r[0].startswith(v["prefix"] + "/")]
        elif v.get("props", "").startswith("name,size,checksum"):
            rows = [r for r in SYNTH if r[3] != 128]
        else:
            return recorded_cluster.handler(request)
        entries = [{"name": n, "size": s, "checksum": c, "flags": f} for n, s, c, f in sorted(rows)]
        return httpx.Response(200, json={"uuid": "u", "continuation_token": "", "entries": entries, "flags": 0})
    return recorded_cluster.handler(request)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_doctor_screen_snapshot(snap_compare, size):
    client = AISClient(ConnectionSettings(endpoint=ENDPOINT), transport=httpx.MockTransport(_handler), retries=0)
    app = AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell", client=client)

    async def ready(pilot):
        await until(pilot, lambda: app.health == "ok")
        app.push_screen(DoctorScreen(Bck.parse("ais://datasets"), images="none"))
        await shown(pilot, app, DoctorScreen)
        await until(pilot, lambda: app.screen.progress is not None and app.screen.progress.done)

    assert snap_compare(app, terminal_size=size, run_before=ready)
