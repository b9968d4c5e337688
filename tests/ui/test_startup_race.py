"""The console right after start: whatever the user (or a test) does before the first frame is
painted, the connection check finishes and every screen gets its data, on the real local cluster.

These are the start-up race's tests. The connection check used to wait for the *then current*
screen's next refresh before it connected; a screen pushed (or a mode shown) before that screen
painted covered it, it never refreshed again, and nothing ever listed. Whether the cluster screen
painted first was a matter of timing, so the race showed on some machines and not on others.
Each test below acts at the earliest moment the console takes input, and waits only on what the
screen shows.
"""

from __future__ import annotations

import pytest

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.dialogs import PromptDialog
from aistui.widgets.linetable import LineTable
from aistui.widgets.objlist import ObjectList
from aistui.widgets.status import StatusBar
from tests.util import shown, unique, until

NAMES = {"a/1.bin", "b.bin", "c.bin"}


@pytest.fixture
async def filled(ais):
    b = Bck.parse(f"ais://{unique('race')}")
    async with AISClient(ais.endpoint) as c:
        await c.buckets.create(b)
        for n in sorted(NAMES):
            await c.objects.put(b, n, n.encode())
    yield b
    async with AISClient(ais.endpoint) as c:
        await c.buckets.destroy(b, missing_ok=True)


def _app(ais) -> AISTui:
    return AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, image_protocol="halfcell")


def _listed(app) -> set[str]:
    if not isinstance(app.screen, ObjectsScreen):
        return set()
    return set(app.screen.query_one(ObjectList).keys())


class _PushesInMount(AISTui):
    """Pushes the objects screen from the app's own mount: before any frame is painted."""

    def __init__(self, bck: Bck, **kw):
        super().__init__(**kw)
        self._bck = bck

    def on_mount(self) -> None:
        super().on_mount()
        self.push_screen(ObjectsScreen(self._bck))


async def test_a_screen_pushed_before_the_first_frame_lists_its_bucket(ais, filled):
    app = _app(ais)
    async with app.run_test(size=(150, 40)) as pilot:
        await app.push_screen(ObjectsScreen(filled))  # no pause: the cluster screen has not painted
        app.screen.action_filter()  # and a dialog over it at once: two screens covered unpainted
        await shown(pilot, app, PromptDialog)
        await pilot.press("escape")
        await until(pilot, lambda: _listed(app) == {"a/", "b.bin", "c.bin"})
        assert app.screen.query_one(StatusBar).health == "ok"


async def test_a_screen_pushed_while_the_app_mounts_lists_its_bucket(ais, filled):
    app = _PushesInMount(filled, settings=ConnectionSettings(endpoint=ais.endpoint), refresh_s=60,
                         image_protocol="halfcell")
    async with app.run_test(size=(150, 40)) as pilot:
        await until(pilot, lambda: _listed(app) == {"a/", "b.bin", "c.bin"})


async def test_a_mode_switch_before_the_first_frame_shows_the_buckets(ais, filled):
    app = _app(ais)
    async with app.run_test(size=(150, 40)) as pilot:
        await app.switch_mode("buckets")  # before the cluster screen painted: it is hidden unpainted
        await until(pilot, lambda: app.current_mode == "buckets")

        def listed() -> bool:
            tables = app.screen.query("#buckets").results(LineTable)
            return any(str(filled) in t.keys and t.get_cell(str(filled), "bucket") == str(filled)
                       for t in tables)

        await until(pilot, listed)
        await pilot.press("1")  # and the cluster screen it left before painting fills in too
        await until(pilot, lambda: app.current_mode == "cluster"
                    and app.screen.query_one("#nodes", LineTable).row_count == 3)


async def test_colon_b_typed_as_soon_as_the_console_takes_keys_opens_the_bucket(ais, filled):
    app = _app(ais)
    async with app.run_test(size=(150, 40)) as pilot:
        app.action_command_line()  # ":" the moment the console runs, not after a pause
        await shown(pilot, app, PromptDialog)
        app.screen.query_one("#prompt-input").value = f"b {filled}/"
        await pilot.press("enter")
        await until(pilot, lambda: _listed(app) == {"a/", "b.bin", "c.bin"})
        assert app.screen.query_one(StatusBar).health == "ok"
