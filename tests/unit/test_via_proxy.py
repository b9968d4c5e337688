"""The switch between the direct-to-target data path and the proxy (``via_proxy``: a profile
field, ``--via-proxy``, off with a token) and the Locator's map refresh policy (``max_age``,
``stale()`` at most once per ``min_interval``, concurrent fetches merged). The data path itself
runs against a real cluster in tests/integration/test_direct_path.py; here the Locator's client
is a stub that counts Smap fetches (no cluster can be asked to count them)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path

from aistui.cli import _settings, build_parser
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.config import discover
from aistui.core.hrw import Locator
from aistui.settings import load_app_config
from tests.unit.test_hrw import smap


def test_a_profile_and_the_flag_set_via_proxy(tmp_path: Path, monkeypatch):
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    cfg_file = tmp_path / "xdg" / "aistui" / "config.json"
    cfg_file.parent.mkdir(parents=True)
    cfg_file.write_text(json.dumps({"clusters": {"lb": {"endpoint": "http://lb:80", "via_proxy": True},
                                                 "lab": {"endpoint": "http://lab:8080"}}}))
    cfg = load_app_config(env=env)
    assert cfg.clusters["lb"].via_proxy and not cfg.clusters["lab"].via_proxy
    assert cfg.clusters["lb"].to_json()["via_proxy"] is True and "via_proxy" not in cfg.clusters["lab"].to_json()
    assert discover(profile="lb", env=env, app_config=cfg).via_proxy
    assert not discover(profile="lab", env=env, app_config=cfg).via_proxy

    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AIS_AUTHN_TOKEN", raising=False)
    monkeypatch.setenv("AISTUI_VIA_PROXY", "")  # restored (unset) after the test, whatever _settings sets
    assert not _settings(build_parser().parse_args(["--context", "lab"])).via_proxy
    assert _settings(build_parser().parse_args(["--context", "lab", "--via-proxy"])).via_proxy
    # the flag holds for a cluster switched to later (the session discovers the profile again)
    assert discover(profile="lab", app_config=cfg).via_proxy
    assert discover(profile="lab", env={**env, "AISTUI_VIA_PROXY": "1"}, app_config=cfg).via_proxy


def test_direct_is_on_by_default_and_off_with_the_switch_or_a_token():
    s = ConnectionSettings(endpoint="http://127.0.0.1:1")
    assert AISClient(s).datapath.direct
    assert not AISClient(replace(s, via_proxy=True)).datapath.direct
    tok = AISClient(replace(s, token="secret")).datapath
    assert not tok.direct and "token" in tok.direct_off


class _Cluster:
    """``client.cluster`` with a Smap whose version the test moves; counts the fetches."""

    def __init__(self) -> None:
        self.version = 7
        self.fetches = 0
        self.gate: asyncio.Event | None = None

    async def smap(self):
        self.fetches += 1
        if self.gate is not None:
            await self.gate.wait()
        return smap(version=self.version)


class _Client:
    def __init__(self) -> None:
        self.cluster = _Cluster()


async def test_the_map_is_reread_when_old_or_stale_at_most_once_per_interval(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("aistui.core.hrw.time.monotonic", lambda: now[0])
    c = _Client()
    loc = Locator(c, max_age=5.0, min_interval=1.0)  # type: ignore[arg-type]
    b = Bck("b")
    first = await loc.locate(b, "o")
    assert c.cluster.fetches == 1 and loc.version == 7
    await loc.locate(b, "o")
    assert c.cluster.fetches == 1  # cached

    c.cluster.version = 8
    loc.stale()
    now[0] += 0.5
    await loc.locate(b, "o")
    assert c.cluster.fetches == 1 and loc.marked_stale  # too soon after the last fetch
    now[0] += 0.6
    assert await loc.locate(b, "o") == first
    assert c.cluster.fetches == 2 and loc.version == 8 and not loc.marked_stale

    now[0] += 4.9
    await loc.locate(b, "o")
    assert c.cluster.fetches == 2
    now[0] += 0.2  # older than max_age
    await loc.locate(b, "o")
    assert c.cluster.fetches == 3


async def test_concurrent_refreshes_are_one_fetch():
    c = _Client()
    loc = Locator(c)  # type: ignore[arg-type]
    c.cluster.gate = asyncio.Event()
    tasks = [asyncio.ensure_future(loc.locate(Bck("b"), f"o{i}")) for i in range(20)]
    for _ in range(5):
        await asyncio.sleep(0)
    c.cluster.gate.set()
    got = await asyncio.gather(*tasks)
    assert c.cluster.fetches == 1 and len(got) == 20

    # the fetching caller cancelled: a waiter fetches for itself instead of failing
    c.cluster.gate = asyncio.Event()
    first = asyncio.ensure_future(loc.refresh())
    await asyncio.sleep(0)
    second = asyncio.ensure_future(loc.refresh())
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    c.cluster.gate.set()
    assert (await second).version == 7
    assert c.cluster.fetches == 3
