"""aistui.logsetup without a cluster: where the log goes, rotation, and what the filter redacts."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

import pytest

from aistui.cli import build_parser
from aistui.logsetup import BACKUPS, MAX_BYTES, RedactingFilter, default_log_path, log_path, setup_logging


def test_log_path_order(tmp_path):
    home = str(tmp_path / "home")
    assert default_log_path({"HOME": home}) == Path(home) / ".local" / "state" / "aistui" / "aistui.log"
    assert default_log_path({"HOME": home, "XDG_STATE_HOME": "/s"}) == Path("/s/aistui/aistui.log")
    env = {"HOME": home, "AISTUI_LOG": "/env.log"}
    assert log_path(None, env) == Path("/env.log")
    assert log_path("/flag.log", env) == Path("/flag.log")
    assert log_path(None, {"HOME": home}) == default_log_path({"HOME": home})


@pytest.mark.parametrize("text, out", [
    ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer ***"),
    ("{'Authorization': 'Bearer abc'}", "{'Authorization': 'Bearer ***'}"),
    ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig here", "jwt *** here"),
    ("the configured secret-token-123 leaked", "the configured *** leaked"),
    ("GET /v1/cluster 200 1.0ms", "GET /v1/cluster 200 1.0ms"),
])
def test_filter_redacts(text, out):
    f = RedactingFilter(["secret-token-123", "", None, "short"])
    assert f.redact(text) == out
    rec = logging.LogRecord("aistui", logging.INFO, __file__, 1, "%s", (text,), None)
    assert f.filter(rec) and rec.getMessage() == out


def test_setup_rotates_and_redacts(tmp_path):
    path = tmp_path / "deep" / "dir" / "x.log"
    handler = setup_logging(path, env={"AIS_AUTHN_TOKEN": "env-token-abcdef"})
    try:
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        assert (handler.maxBytes, handler.backupCount) == (MAX_BYTES, BACKUPS) == (5 * 1024 * 1024, 3)
        logging.getLogger("aistui.http").info("token %s", "env-token-abcdef")
        logging.getLogger("httpx").warning("not ours")  # other libraries' loggers stay out
        handler.flush()
        text = path.read_text()
        assert "token ***" in text and "env-token-abcdef" not in text and "not ours" not in text
    finally:
        logger = logging.getLogger("aistui")
        logger.removeHandler(handler)
        handler.close()
        logger.setLevel(logging.NOTSET)
        logger.propagate = True


def test_log_option_in_help():
    text = build_parser().format_help()
    assert "--log FILE" in text and "AISTUI_LOG" in text
    assert build_parser().parse_args(["--log", "/x.log"]).log == "/x.log"
    assert build_parser().parse_args(["export", "--log", "/y.log", "-b", "ais://b"]).log == "/y.log"
