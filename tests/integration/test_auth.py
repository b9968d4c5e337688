"""A cluster with auth on (``auth.client_auth_required`` and an HS256 key, set through the
harness, on a dedicated cluster): what a missing, bad, expired or valid token does in the core and
in the console, where the token comes from, and that it never leaks. Tokens are signed here with
PyJWT, as an AuthN server would sign them."""

from __future__ import annotations

import importlib.util
import json
import logging
import secrets
import time
import traceback

import jwt
import pytest

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.config import discover
from aistui.core.errors import AISError, Forbidden, InvalidInput, Unauthorized
from aistui.playground.cluster import LocalCluster
from aistui.screens.buckets import BucketsScreen
from aistui.screens.connection import ConnectionScreen
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.linetable import LineTable
from tests.util import dedicated_cluster, until

SECRET = secrets.token_hex(32)


@pytest.fixture(scope="module")
def auth_cluster(tmp_path_factory):
    with dedicated_cluster(tmp_path_factory.mktemp("auth"), "auth", ntargets=1, name="auth",
                           auth_secret=SECRET) as c:
        yield c


def _token(sub: str = "alice", *, key: str = SECRET, admin: bool = True, ttl_s: int = 600) -> str:
    claims = {"sub": sub, "exp": int(time.time()) + ttl_s}
    if admin:
        claims["admin"] = True
    return jwt.encode(claims, key, algorithm="HS256")


def _client(cluster: LocalCluster, token: str | None) -> AISClient:
    return AISClient(ConnectionSettings(endpoint=cluster.endpoint, token=token), retries=0)


async def test_missing_bad_expired_and_valid_tokens_in_the_core(auth_cluster):
    for token, words in ((None, "token required"), (_token(key="x" * 64), "signature is invalid"),
                         (_token(ttl_s=-60), "expired")):
        async with _client(auth_cluster, token) as c:
            with pytest.raises(Unauthorized) as ei:
                await c.cluster.smap()
        assert ei.value.status == 401 and words in str(ei.value)
    async with _client(auth_cluster, _token("bob", admin=False)) as c:
        with pytest.raises(Forbidden) as ei:
            await c.buckets.list()
    assert "insufficient permissions" in str(ei.value)
    async with _client(auth_cluster, _token()) as c:
        assert len((await c.cluster.smap()).targets) == 1
        b = Bck.parse("ais://authed")
        await c.buckets.create(b)
        try:
            await c.objects.put(b, "dir/o", b"with a token")  # the body goes to the target, which
            assert await c.objects.get(b, "dir/o") == b"with a token"  # never sees the token
            assert [e.name for e in await c.objects.list_all(b)] == ["dir/o"]
            assert (await c.objects.head(b, "dir/o")).size == 12
        finally:
            await c.buckets.destroy(b)


@pytest.mark.parametrize("which", ["missing", "bad"])
async def test_console_shows_a_clear_401_screen(auth_cluster, which):
    token = None if which == "missing" else _token(key="y" * 64)
    app = AISTui(ConnectionSettings(endpoint=auth_cluster.endpoint, token=token), refresh_s=60)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ConnectionScreen) and app.screen.query("#conn-reason"))
        reason = str(app.screen.query_one("#conn-reason").content)
        assert "(401)" in reason
        assert ("token required" if which == "missing" else "invalid token") in reason
        hints = " ".join(str(w.content) for w in app.screen.query(".hint"))
        assert "The token was refused" in hints and "AIS_AUTHN_TOKEN" in hints
        assert app.health == "unauthorized"  # the session tells a refused token from a down cluster


async def test_console_works_with_a_valid_token(auth_cluster):
    app = AISTui(ConnectionSettings(endpoint=auth_cluster.endpoint, token=_token()), refresh_s=60)
    async with app.run_test(size=(150, 40)) as pilot:
        await until(pilot, lambda: app.health == "ok")
        nodes = app.screen.query_one("#nodes", LineTable)
        await until(pilot, lambda: nodes.row_count == 2)


def test_token_sources_follow_the_ais_cli_order(auth_cluster, tmp_path):
    """``AIS_AUTHN_TOKEN`` first, then ``AIS_AUTHN_TOKEN_FILE``, then ``~/.config/ais/cli/auth.token``;
    the winner is the one the cluster sees (a bad env token beats a good file)."""
    good, bad = _token(), _token(key="z" * 64)
    home = tmp_path / "home"
    (home / ".config" / "ais" / "cli").mkdir(parents=True)
    (home / ".config" / "ais" / "cli" / "auth.token").write_text(json.dumps({"token": good}))
    tf = tmp_path / "tok.json"
    tf.write_text(json.dumps({"token": good}))
    base = {"HOME": str(home), "AIS_ENDPOINT": auth_cluster.endpoint, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    cases = [({}, good), ({"AIS_AUTHN_TOKEN_FILE": str(tf)}, good),
             ({"AIS_AUTHN_TOKEN": bad, "AIS_AUTHN_TOKEN_FILE": str(tf)}, bad)]
    import asyncio

    async def smap_ok(settings: ConnectionSettings) -> bool:
        async with AISClient(settings, retries=0) as c:
            try:
                await c.cluster.smap()
                return True
            except Unauthorized:
                return False

    for extra, want in cases:
        s = discover(env=base | extra)
        assert s.token == want
        assert asyncio.run(smap_ok(s)) is (want == good)


# ----------------------------------------------------------------------------- secrets


async def test_a_planted_token_never_appears_in_logs_errors_screens_or_exported_code(auth_cluster, tmp_path, caplog):
    planted = _token("planted-user")
    refused = _token("planted-user", key="w" * 64)  # a token the cluster refuses must not leak either
    needles = {planted, refused} | {p for t in (planted, refused) for p in t.split(".")[1:]}
    seen: list[str] = []

    def err(e: BaseException) -> None:
        seen.extend([str(e), repr(e), "".join(traceback.format_exception(e))])
        if isinstance(e, AISError):
            seen.append(e.summary)

    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "aiohttp", "asyncio", "textual", "aistui"):
        logging.getLogger(name).setLevel(logging.DEBUG)

    # the core: successful calls and every kind of error, with DEBUG logging on
    async with _client(auth_cluster, planted) as c:
        seen += [repr(c), repr(c.settings), repr(c.http.auth), str(c.settings)]
        b = Bck.parse("ais://secrets")
        await c.buckets.create(b)
        await c.objects.put(b, "x", b"x")
        await c.objects.get(b, "x")
        for call in (c.objects.head(b, "missing"), c.objects.get(Bck.parse("ais://nobucket"), "x"),
                     c.objects.put(b, "bad//name", b"x"), c.buckets.create(b),
                     c.request("GET", "http://127.0.0.1:1/v1/health")):
            with pytest.raises((AISError, InvalidInput)) as ei:
                await call
            err(ei.value)
        await c.buckets.destroy(b)
    for token in (refused,):
        async with _client(auth_cluster, token) as c:
            with pytest.raises(Unauthorized) as ei:
                await c.cluster.smap()
            err(ei.value)
    async with AISClient(ConnectionSettings(endpoint="http://127.0.0.1:1", token=planted), retries=0) as c:
        with pytest.raises(AISError) as ei:
            await c.cluster.smap()
        err(ei.value)

    # the console: every main screen, the 401 screen and the unreachable screen, as SVG screenshots
    app = AISTui(ConnectionSettings(endpoint=auth_cluster.endpoint, token=planted, token_source="AIS_AUTHN_TOKEN"),
                 refresh_s=60)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await until(pilot, lambda: app.health == "ok")
        seen.append(app.export_screenshot())
        await pilot.press("2")
        await until(pilot, lambda: isinstance(app.screen, BucketsScreen) and app.screen.listed)
        seen.append(app.export_screenshot())
        await app.push_screen(ObjectsScreen(Bck.parse("ais://nobucket")))  # a listing error, shown
        await until(pilot, lambda: any("listing failed" in n.message for n in app._notifications))
        seen.append(app.export_screenshot())
        path = app.save_screenshot(path=str(tmp_path), filename="shot.svg")
        seen.append(open(path).read())
        seen.extend(n.message for n in app._notifications)
    for settings in (ConnectionSettings(endpoint=auth_cluster.endpoint, token=refused),
                     ConnectionSettings(endpoint="http://127.0.0.1:1", token=planted)):
        app = AISTui(settings, refresh_s=60)
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, lambda app=app: isinstance(app.screen, ConnectionScreen)
                        and app.screen.query("#conn-reason"))
            seen.append(app.export_screenshot())

    # the export: generated loader code, for every style, while the token is in the environment
    if importlib.util.find_spec("aistui.export.snippet") is not None:
        from aistui.export.snippet import STYLES, ExportSpec, generate

        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("AIS_AUTHN_TOKEN", planted)
            mp.setenv("AIS_ENDPOINT", auth_cluster.endpoint)
            for style in STYLES:
                bucket = "ais://shards" if style == "shard" else "ais://imgs"
                code = generate(ExportSpec(bucket=bucket, style=style))
                assert "AIS_AUTHN_TOKEN" in code  # the code reads the token at run time...
                seen.append(code)  # ...and never contains it
    else:  # pragma: no cover - until the export lands
        pytest.fail("aistui.export.snippet is missing: the exported code cannot be checked")

    seen.append(caplog.text)
    assert len(caplog.records) > 0, "DEBUG logging captured nothing: the log check would be empty"
    leaks = [(i, n) for i, text in enumerate(seen) for n in needles if n in text]
    assert leaks == []
