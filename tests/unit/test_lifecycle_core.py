"""Node lifecycle and remote-cluster calls of the core: input checked as the v1.5.0 proxy checks it
(nothing sent otherwise), the ``ActValRmNode`` body each call sends, and the ``ais`` commands the
command log gives for them.

MockTransport for the bodies: on a local cluster each decommission option is a rebalance (~30 s)
and a node lost; tests/ui/test_node_lifecycle.py drives the real calls on a dedicated cluster.
"""

from __future__ import annotations

import json

import httpx
import pytest

from aistui.core import AISClient, ConnectionSettings
from aistui.core.cluster import validate_node_id, validate_remote_alias, validate_remote_url
from aistui.core.errors import InvalidInput
from aistui.spell import admin


@pytest.mark.parametrize("alias", ["remais", "r2", "far.away-1_x", "a" * 64])
def test_good_aliases_pass(alias):
    assert validate_remote_alias(f" {alias} ") == alias


@pytest.mark.parametrize(("alias", "why"), [
    ("", "required"), ("x", "too short"), ("what", "cannot be"), ("a" * 65, "too long"),
    ("a..b", "invalid"), ("a b", "invalid"), ("a/b", "invalid"), ("@remais", "invalid"), ("ré", "invalid"),
])
def test_bad_aliases_are_named(alias, why):
    with pytest.raises(InvalidInput, match=why):
        validate_remote_alias(alias)


@pytest.mark.parametrize("url", ["http://10.0.0.5:8080", "https://ais.example.com", "http://[::1]:51080/"])
def test_good_urls_pass(url):
    assert validate_remote_url(url) == url


@pytest.mark.parametrize(("url", "why"), [
    ("", "required"), ("10.0.0.5:8080", "scheme"), ("ftp://h", "scheme"), ("http://", "host"),
    ("http://h:99999", "port"), ("http://h:0", "host"), ("http://a b", "host"),
])
def test_bad_urls_are_named(url, why):
    with pytest.raises(InvalidInput, match=why):
        validate_remote_url(url)


@pytest.mark.parametrize("sid", ["QrmZvKdN", "t1-x_2ab", "a" * 32])
def test_good_node_ids_pass(sid):
    assert validate_node_id(sid) == sid


@pytest.mark.parametrize("sid", ["", "short", "-abcdefgh", "abcdefgh_", "abc def gh", "a" * 33, "t[QrmZvKdN]"])
def test_bad_node_ids_are_refused(sid):
    with pytest.raises(InvalidInput):
        validate_node_id(sid)


def _client(sent: list[httpx.Request], answer: str = "g7") -> AISClient:
    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, text=answer)

    return AISClient(ConnectionSettings(endpoint="http://127.0.0.1:1"), transport=httpx.MockTransport(handler),
                     retries=0)


async def test_each_membership_change_sends_its_action_and_act_val_rm_node():
    sent: list[httpx.Request] = []
    async with _client(sent) as c:
        assert await c.cluster.start_maintenance("QrmZvKdN") == ["g7"]
        assert await c.cluster.stop_maintenance("QrmZvKdN", skip_rebalance=True) == ["g7"]
        assert await c.cluster.decommission("QrmZvKdN", rm_user_data=True, keep_initial_config=True) == ["g7"]
        assert await c.cluster.shutdown_node("QrmZvKdN") == ["g7"]
    bodies = [(r.method, r.url.path, json.loads(r.content)) for r in sent]
    assert bodies == [
        ("PUT", "/v1/cluster", {"action": "start-maintenance", "value": {"sid": "QrmZvKdN", "skip_rebalance": False}}),
        ("PUT", "/v1/cluster", {"action": "stop-maintenance", "value": {"sid": "QrmZvKdN", "skip_rebalance": True}}),
        ("PUT", "/v1/cluster", {"action": "decommission-node", "value": {
            "sid": "QrmZvKdN", "skip_rebalance": False, "rm_user_data": True, "keep_initial_config": True,
            "no_shutdown": False}}),
        ("PUT", "/v1/cluster", {"action": "shutdown-node", "value": {"sid": "QrmZvKdN", "skip_rebalance": False}}),
    ]


async def test_a_change_that_starts_no_rebalance_returns_no_job():
    sent: list[httpx.Request] = []
    async with _client(sent, answer="") as c:
        assert await c.cluster.start_maintenance("QrmZvKdN") == []


async def test_bad_input_sends_nothing():
    sent: list[httpx.Request] = []
    async with _client(sent) as c:
        with pytest.raises(InvalidInput):
            await c.cluster.decommission("t[QrmZvKdN]")
        with pytest.raises(InvalidInput):
            await c.cluster.attach_remote("x", "http://h:1")
        with pytest.raises(InvalidInput):
            await c.cluster.attach_remote("remote", "h:1")
        with pytest.raises(InvalidInput):
            await c.cluster.detach_remote("")
    assert sent == []


async def test_attach_and_detach_send_the_alias_and_url_headers():
    sent: list[httpx.Request] = []
    async with _client(sent, answer="") as c:
        await c.cluster.attach_remote(" far ", " http://10.0.0.5:8080 ")
        await c.cluster.detach_remote("far")
    (a, d) = sent
    assert (a.url.path, a.url.params["what"], a.headers["Ais-Remote-Ais-Alias"], a.headers["Ais-Remote-Ais-Url"]) \
        == ("/v1/cluster/attach", "remote", "far", "http://10.0.0.5:8080")
    assert (d.url.path, d.headers["Ais-Remote-Ais-Alias"]) == ("/v1/cluster/detach", "far")
    assert "Ais-Remote-Ais-Url" not in d.headers


def test_the_command_log_spells_the_v150_cli():
    assert admin.node_lifecycle("start-maintenance", "QrmZvKdN").cli \
        == "ais cluster add-remove-nodes start-maintenance QrmZvKdN --yes"
    assert admin.node_lifecycle("decommission", "QrmZvKdN", rm_user_data=True, no_shutdown=True).cli \
        == "ais cluster add-remove-nodes decommission QrmZvKdN --rm-user-data --no-shutdown --yes"
    assert admin.node_lifecycle("shutdown", "QrmZvKdN", no_rebalance=True).cli \
        == "ais cluster add-remove-nodes shutdown QrmZvKdN --no-rebalance --yes"
    assert admin.remote_attach("far", "http://10.0.0.5:8080").cli \
        == "ais cluster remote-attach far=http://10.0.0.5:8080"
    assert admin.remote_detach("far").cli == "ais cluster remote-detach far"
