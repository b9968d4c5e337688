"""``W`` on the objects screen (aistui/screens/objects/shards.py) on the real cluster: the form on
the class-folder directory under the cursor, the plan to confirm, the archive job tracked for the
job monitor, one run at a time, a run that outlives the objects screen, the verification's toast,
and the export opened on the new shards with the shard style and labels from the .cls member; the
command log spells ``ais archive bucket``; read-only refuses ``W``. Snapshots
of the form and of the plan's confirm dialog at 80x24 (no cluster: a synthetic plan)."""

from __future__ import annotations

import asyncio

import pytest
from textual.app import App
from textual.widgets import Input, Select

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.shardplan import ShardOptions, ShardPlan, assign, group_samples
from aistui.playground.demo import digits
from aistui.screens.export import ExportScreen
from aistui.screens.objects import ObjectsScreen
from aistui.screens.objects.shards import plan_text, shard_form
from aistui.widgets.dialogs import ConfirmDialog
from aistui.widgets.form import FormDialog
from aistui.widgets.objlist import ObjectList
from tests.util import shown, unique, until

N = 60


async def test_W_makes_verifies_and_opens_the_export(ais, client: AISClient, bucket: Bck):
    sem = asyncio.Semaphore(16)

    async def put(s) -> None:
        async with sem:
            await client.objects.put(bucket, f"train/{s.label}/{s.key}.png", s.data)

    await asyncio.gather(*(put(s) for s in digits(4, N)))
    dst = Bck.parse(f"ais://{unique('shui')}")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    try:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            app.show_objects(bucket)
            await shown(pilot, app, ObjectsScreen)
            olist = app.screen.query_one(ObjectList)
            await until(pilot, lambda: olist.keys() == ["train/"])
            await pilot.press("W")  # on the directory under the cursor
            await shown(pilot, app, FormDialog)
            form = app.screen
            assert form.query_one("#field-template", Input).value == "train-{000000..999999}.tar"
            form.query_one("#field-dst", Input).value = str(dst)
            form.query_one("#field-per", Input).value = "25"
            form.query_one("#field-order", Select).value = "shuffled"
            form.query_one("#field-seed", Input).value = "7"
            await pilot.press("ctrl+s")
            await shown(pilot, app, ConfirmDialog)
            text = "\n".join(app.screen.lines)
            assert f"{N} samples" in text and "3 shards" in text and ".cls objects next to the samples" in text
            await pilot.press("ctrl+s")
            await shown(pilot, app, ObjectsScreen)
            await pilot.press("W")  # while it runs: a second run would cancel the first
            await until(pilot, lambda: any("one run at a time" in n.message for n in app._notifications))
            objects = app.screen
            await pilot.press("escape")  # leaving the objects screen does not stop the run
            await until(pilot, lambda: app.screen is not objects)
            await shown(pilot, app, ExportScreen, tries=2400)
            export = app.screen
            assert (export.bck, export.prefix) == (dst, "train-")
            assert export.query_one("#style", Select).value == "shard"
            assert export.query_one("#labels", Select).value == "member"
            notes = [n.message for n in app._notifications]
            assert any(m.startswith("verified: 3 shards, 60 objects") for m in notes), notes
            assert any(what == f"make 3 shards in {dst}" for what, _ in app.session.started.groups.values())
            log = [e.cli for e in app.session.cmdlog]
            assert sum(c.startswith(f"ais archive bucket {bucket} {dst}/train-00000") for c in log) == 3
        listed = sorted(e.name for e in await client.objects.list_all(dst))
        assert listed == ["train-000000.tar", "train-000001.tar", "train-000002.tar"]
        assert not [e for e in await client.objects.list_all(bucket) if e.name.endswith(".cls")]
    finally:
        await client.buckets.destroy(dst, missing_ok=True)


async def test_W_is_refused_in_read_only(ais, client: AISClient, bucket: Bck):
    await client.objects.put(bucket, "train/0/00000.png", b"x")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, read_only=True)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.show_objects(bucket)
        await shown(pilot, app, ObjectsScreen)
        await until(pilot, lambda: app.screen.query_one(ObjectList).keys() == ["train/"])
        await pilot.press("W")
        await until(pilot, lambda: any(n.message == "read-only mode: make shards is disabled"
                                       for n in app._notifications))
        assert isinstance(app.screen, ObjectsScreen)
    assert [e.name for e in await client.objects.list_all(bucket)] == ["train/0/00000.png"]


class _Host(App):
    def __init__(self, dialog):
        super().__init__()
        self.dialog = dialog

    def on_mount(self) -> None:
        self.push_screen(self.dialog)


def _plan() -> ShardPlan:
    objs = [(f"train/{i % 10}/{i:05d}.png", 180 + i % 40, f"{i:016x}") for i in range(1797)]
    samples, layout, classes = group_samples(objs, "train/")
    opts = ShardOptions(size=128 << 10, shuffle=True, seed=7, template="train-{000000..999999}.tar")
    shards = assign(samples, opts)
    return ShardPlan(Bck.parse("ais://digits"), "train/", Bck.parse("ais://digits-shards"), "", opts, layout,
                     classes, tuple(shards), len(objs), sum(o[1] for o in objs))


@pytest.mark.parametrize("which", ["form", "confirm"])
def test_shard_dialogs_at_80x24(snap_compare, which):
    dialog = (shard_form(Bck.parse("ais://digits"), "train/", dsort=False) if which == "form"
              else ConfirmDialog("Make shards?", plan_text(_plan()), confirm_label="Make shards"))
    assert snap_compare(_Host(dialog), terminal_size=(80, 24))
