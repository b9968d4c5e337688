"""The console when the cluster goes away under it: a proxy restarted while the console is open
(on a dedicated real cluster, 1 proxy + 1 target, that these tests may break), and an endpoint
that accepts connections but never answers."""

from __future__ import annotations

import asyncio
import signal
import socket

import pytest

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.listing import FIRST_PAGE
from aistui.screens.connection import ConnectionScreen
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.objlist import ObjectList
from aistui.widgets.status import StatusBar
from tests.util import dedicated_cluster, shown, until

N_OBJECTS = 700


@pytest.fixture(scope="module")
def rc_cluster(tmp_path_factory):
    with dedicated_cluster(tmp_path_factory.mktemp("reconnect"), "reconnect", ntargets=1, name="reconnect") as c:
        yield c


def _msgs(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_proxy_restart_shows_reconnecting_recovers_and_keeps_the_screen(rc_cluster):
    b = Bck.parse("ais://reconnect")
    names = [f"o{i:05d}" for i in range(N_OBJECTS)]
    async with AISClient(rc_cluster.endpoint) as c:
        await c.buckets.create(b)
        sem = asyncio.Semaphore(16)

        async def put(n: str) -> None:
            async with sem:
                await c.objects.put(b, n, n.encode())

        await asyncio.gather(*(put(n) for n in names))
    app = AISTui(ConnectionSettings(endpoint=rc_cluster.endpoint), refresh_s=1)
    async with app.run_test(size=(150, 40), notifications=True) as pilot:
        screen = ObjectsScreen(b)
        await app.push_screen(screen)
        olist = screen.query_one(ObjectList)
        bar = screen.query_one(StatusBar)
        await until(pilot, lambda: olist.loaded == FIRST_PAGE and app.health == "ok")
        await pilot.press("space", "space")
        assert olist.selected == {"o00000", "o00001"}

        rc_cluster.kill_node(rc_cluster.proxy, signal.SIGKILL)
        await until(pilot, lambda: bar.health == "reconnecting")
        assert "reconnecting" in bar.render().plain
        # mid-listing: the next page cannot load; the user is told why, nothing crashes
        olist.move_cursor(row=olist.row_count - 1)
        await until(pilot, lambda: any("listing failed" in m and "connection refused" in m for m in _msgs(app)))
        assert app.screen is screen and not any(isinstance(s, ConnectionScreen) for s in app.screen_stack)

        restart = asyncio.get_running_loop().run_in_executor(None, rc_cluster.restart_node, rc_cluster.proxy)
        await until(pilot, lambda: bar.health == "ok", tries=1200)  # the console notices by itself
        assert any("reconnected" in m for m in _msgs(app))
        await restart
        # the screen kept its rows, selection and cursor; scrolling on loads the rest
        assert app.screen is screen and olist.selected == {"o00000", "o00001"} and olist.loaded == FIRST_PAGE
        olist.move_cursor(row=0)
        olist.move_cursor(row=olist.row_count - 1)
        await until(pilot, lambda: olist.loaded == N_OBJECTS)
        assert sorted(olist.keys()) == names
        assert app.is_running


@pytest.fixture
def black_hole():
    """A TCP port that accepts connections (the kernel completes the handshake) but never
    answers: the worst case for a client without timeouts."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    yield f"http://127.0.0.1:{s.getsockname()[1]}"
    s.close()


async def test_an_endpoint_that_never_answers_times_out_with_a_retry(black_hole):
    app = AISTui(ConnectionSettings(endpoint=black_hole, timeout=1.0, connect_timeout=1.0), refresh_s=60)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ConnectionScreen) and app.screen.query("#conn-reason"))
        text = str(app.screen.query_one("#conn-reason").content)
        assert "timed out after 1 s" in text
        await pilot.press("r")  # retry: asks again, and again says why
        await until(pilot, lambda: not isinstance(app.screen, ConnectionScreen))
        await shown(pilot, app, ConnectionScreen)
        assert app.is_running
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running)
