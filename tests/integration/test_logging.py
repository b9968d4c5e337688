"""The support log (aistui.logsetup) on the real cluster: one line per HTTP request, and no token
in the file, wherever the token turns up (a request path, a header dump, a traceback)."""

from __future__ import annotations

import logging
import re
import subprocess
import sys

import pytest

from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.errors import NotFound
from aistui.logsetup import setup_logging

pytestmark = pytest.mark.cluster

TOKEN = "eyJhbGciOiJIUzI1NiJ9.planted-secret-payload.c2lnbmF0dXJl"
PLAIN = "plain-token-without-jwt-shape-0123456789"  # redacted only because it is configured
LINE = re.compile(r"INFO aistui\.http: (GET|HEAD|PUT|POST|DELETE) (/\S*) (\d{3}|[A-Za-z]+) \d+\.\dms$")


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "state" / "aistui.log"
    handler = setup_logging(path, env={}, secrets=[PLAIN])
    yield path
    logger = logging.getLogger("aistui")
    logger.removeHandler(handler)
    handler.close()
    logger.setLevel(logging.NOTSET)
    logger.propagate = True


async def test_requests_are_logged_and_tokens_are_not(ais, bucket, log_file):
    async with AISClient(ConnectionSettings(endpoint=ais.endpoint, token=TOKEN)) as c:
        await c.cluster.smap()
        await c.request("PUT", f"/v1/objects/{bucket.name}/a.txt", content=b"x", params=bucket.query())
        with pytest.raises(NotFound):  # the token in a request path
            await c.objects.head(bucket, f"obj-{TOKEN}")
        with pytest.raises(NotFound):
            await c.objects.head(Bck.parse(f"ais://{PLAIN}"), "x")
    log = logging.getLogger("aistui.test")
    log.info("headers: %s", {"Authorization": f"Bearer {TOKEN}"})
    log.warning("Authorization: Bearer some-other-opaque-token")
    try:
        raise RuntimeError(f"failed with token {PLAIN}")
    except RuntimeError:
        log.exception("while talking to %s", ais.endpoint)
    for h in logging.getLogger("aistui").handlers:
        h.flush()

    text = log_file.read_text()
    assert TOKEN not in text and "planted-secret-payload" not in text
    assert PLAIN not in text and "some-other-opaque-token" not in text
    assert "Bearer ***" in text and "failed with token ***" in text
    lines = [m.groups() for m in map(LINE.search, text.splitlines()) if m]
    assert ("GET", "/v1/cluster", "200") in lines  # the Smap
    assert ("PUT", f"/v1/objects/{bucket.name}/a.txt", "200") in lines
    assert ("HEAD", f"/v1/objects/{bucket.name}/obj-***", "404") in lines
    assert ("HEAD", "/v1/objects/***/x", "404") in lines
    assert all("?" not in path for _, path, _ in lines)  # no query strings


async def test_a_transport_error_is_logged_with_its_class(log_file):
    async with AISClient(ConnectionSettings(endpoint="http://127.0.0.1:1"), retries=0) as c:
        with pytest.raises(Exception):  # noqa: B017 (which error is the client's concern)
            await c.cluster.smap()
    for h in logging.getLogger("aistui").handlers:
        h.flush()
    assert re.search(r"aistui\.http: GET /v1/cluster ConnectionFailed \d+\.\dms", log_file.read_text())


def test_the_command_logs_to_AISTUI_LOG_without_the_token(ais, bucket, tmp_path):
    """`aistui export` through main(): the log file from AISTUI_LOG, the token from the environment."""
    log = tmp_path / "cli.log"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AISTUI_LOG": str(log), "AIS_AUTHN_TOKEN": TOKEN}
    subprocess.run([sys.executable, "-m", "aistui", "export", "--endpoint", ais.endpoint, "--bucket",
                    f"ais://{bucket.name}", "--labels", "folder"], env=env, capture_output=True, timeout=120)
    text = log.read_text()
    assert TOKEN not in text
    assert re.search(rf"aistui\.http: GET /v1/buckets/{bucket.name} 200 \d+\.\dms", text), text
