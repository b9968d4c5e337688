"""The usage map screen (exact mode) on the real local cluster: ``U`` from the objects screen,
the counts per child directory, ``enter`` drills, ``backspace`` goes up, ``s`` sorts, ``esc``
back, ``:du``; the cached share of a remote (@remais) bucket. Snapshots at 80x24 and 160x48 on
recorded answers (as tests/ui/test_snapshots.py) plus one synthetic recursive listing."""

from __future__ import annotations

import json

import httpx
import pytest

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.errors import InvalidInput
from aistui.core.models import LS_NO_RECURSION
from aistui.jump import parse_jump
from aistui.screens.objects import ObjectsScreen
from aistui.screens.usage import LOOSE_KEY, UsageScreen, bar, percent
from aistui.widgets.linetable import LineTable
from tests.integration.test_usage import TREE, fill
from tests.ui import recorded_cluster
from tests.ui.recorded_cluster import ENDPOINT
from tests.util import shown, until


def test_du_command_parses():
    j = parse_jump(":du ais://imgs/train/")
    assert (j.kind, str(j.bck), j.prefix) == ("usage", "ais://imgs", "train/")
    assert parse_jump("du ais://imgs/train").prefix == "train/"  # a directory, always
    assert parse_jump("usage imgs").prefix == ""
    assert str(parse_jump("du ais://@remais/r/x/").bck) == "ais://@remais/r"
    with pytest.raises(InvalidInput):
        parse_jump("du")


def test_bar_and_percent():
    assert bar(0, 10) == "" and bar(5, 0) == ""
    assert bar(10, 10, 4) == "████"
    assert bar(1, 2, 4) == "██"
    assert bar(1, 1000, 4) == "▏"  # something is never nothing
    assert percent(5, 8) == "62%" and percent(8, 8) == "100%" and percent(0, 0) == ""


def _cells(table: LineTable, column: str) -> dict[str, str]:
    return {k: table.get_cell(k, column).strip() for k in table.keys}


async def test_open_with_U_drill_up_sort_and_back(ais, client: AISClient, bucket: Bck):
    await fill(client, bucket, TREE)
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(160, 40)) as pilot:
        app.show_objects(bucket)
        await shown(pilot, app, ObjectsScreen)
        await pilot.press("U")
        await shown(pilot, app, UsageScreen)
        screen = app.screen
        table = screen.query_one(LineTable)
        await until(pilot, lambda: screen.snapshot is not None and screen.snapshot.done)
        assert table.keys == ["a/", "c/", LOOSE_KEY]  # by size
        assert _cells(table, "objects") == {"a/": "8", "c/": "4", LOOSE_KEY: "2"}
        assert _cells(table, "size") == {"a/": "1.5 KiB", "c/": "28 B", LOOSE_KEY: "3 B"}
        assert _cells(table, "dir")[LOOSE_KEY] == "(files here)"
        assert _cells(table, "cached") == {"a/": "—", "c/": "—", LOOSE_KEY: "—"}  # an ais bucket
        hint = str(screen.query_one("#usage-hint").content)
        assert "exact: one listing, 14 objects, 1.5 KiB in 2 directories" in hint
        await pilot.press("s")  # by count
        assert table.keys == ["a/", "c/", LOOSE_KEY]
        assert "sorted by count" in str(screen.query_one("#usage-hint").content)
        await pilot.press("s")  # by name, the loose files last
        assert table.keys == ["a/", "c/", LOOSE_KEY]
        await pilot.press("s")  # by size again
        table.move_cursor(row=table.get_row_index("a/"))
        await pilot.press("enter")
        await until(pilot, lambda: screen.prefix == "a/" and screen.snapshot is not None and screen.snapshot.done)
        assert table.keys == [LOOSE_KEY, "b/"]
        assert _cells(table, "objects") == {LOOSE_KEY: "5", "b/": "3"}
        await pilot.press("s")  # by count: 5 loose files before b/'s 3
        assert table.keys == [LOOSE_KEY, "b/"]
        await pilot.press("s")  # by name
        assert table.keys == ["b/", LOOSE_KEY]
        await pilot.press("backspace")
        await until(pilot, lambda: screen.prefix == "" and screen.snapshot is not None and screen.snapshot.done)
        assert _cells(table, "objects") == {"a/": "8", "c/": "4", LOOSE_KEY: "2"}
        await pilot.press("escape")
        await shown(pilot, app, ObjectsScreen)


async def test_du_command_and_the_cached_share_of_a_remote_bucket(ais, client: AISClient, remote_bucket: Bck):
    await fill(client, remote_bucket, TREE)
    await client.jobs.wait(await client.objects.evict_many(remote_bucket, prefix="a/b/"))
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: app.health == "ok")
        app.jump(f"du {remote_bucket}/a")
        await shown(pilot, app, UsageScreen)
        screen = app.screen
        assert screen.prefix == "a/"
        await until(pilot, lambda: screen.snapshot is not None and screen.snapshot.done)
        table = screen.query_one(LineTable)
        assert _cells(table, "objects") == {LOOSE_KEY: "5", "b/": "3"}
        cached = {k: " ".join(v.split()) for k, v in _cells(table, "cached").items()}
        assert cached == {LOOSE_KEY: "100% 1.5 KiB", "b/": "0% 0 B"}  # the share, and the cached bytes
        assert "cached 5 of 8 (62%, 1.5 KiB of 1.5 KiB)" in str(screen.query_one("#usage-hint").content)


# ---------------------------------------------------------------------- snapshots

SIZES = [(80, 24), (160, 48)]
# a remote bucket's recursive listing: (name, size in bytes, cached)
SYNTH = ([(f"train/{i:05}.jpg", 90_000 + 37 * i, i % 4 != 0) for i in range(40)]
         + [(f"val/{i:05}.jpg", 80_000 + 11 * i, True) for i in range(12)]
         + [(f"test/{i:05}.jpg", 70_000, False) for i in range(6)]
         + [("labels.csv", 123_456, True), ("README.md", 2_048, False)])


def _handler(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content) if request.content else {}
    if body.get("action") == "list" and not int(body["value"].get("flags", "0")) & LS_NO_RECURSION:
        entries = [{"name": n, "size": s, "flags": 64 if c else 0} for n, s, c in sorted(SYNTH)]
        return httpx.Response(200, json={"uuid": "u", "continuation_token": "", "entries": entries, "flags": 0})
    return recorded_cluster.handler(request)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_usage_screen_snapshot(snap_compare, size):
    client = AISClient(ConnectionSettings(endpoint=ENDPOINT), transport=httpx.MockTransport(_handler), retries=0)
    app = AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell", client=client)

    async def ready(pilot):
        await until(pilot, lambda: app.health == "ok")
        app.show_usage(Bck.parse("ais://@remais/datasets"))
        await shown(pilot, app, UsageScreen)
        await until(pilot, lambda: app.screen.snapshot is not None and app.screen.snapshot.done)

    assert snap_compare(app, terminal_size=size, run_before=ready)
