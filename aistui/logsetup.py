"""Logging for support: a rotating log file that a user on an SSH session can send as it is.

:func:`setup_logging` (called by ``aistui``'s ``main``) attaches one
:class:`logging.handlers.RotatingFileHandler` to the ``aistui`` logger (5 MiB, 3 old files kept):
the file is ``--log FILE``, else ``$AISTUI_LOG``, else ``$XDG_STATE_HOME/aistui/aistui.log``
(default ``~/.local/state/aistui/aistui.log``). Other libraries' loggers are not written there
(httpx's own request lines, for one, carry query strings).

What goes in: one INFO line per HTTP request from ``aistui.http`` (:mod:`aistui.core.client`):
``GET /v1/daemon 200 3.1ms`` (method, path without the query, status, milliseconds until the
response headers), and warnings and errors that the console logs.

Secrets never reach the file: :class:`RedactingFilter`, on the handler, replaces every configured
token (:func:`add_secret`), whatever looks like a JWT, and the value of any ``Authorization:
Bearer ...`` with ``***``, in the message and in a logged traceback.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["LOG_ENV", "MAX_BYTES", "BACKUPS", "RedactingFilter", "default_log_path", "log_path", "setup_logging",
           "add_secret"]

LOG_ENV = "AISTUI_LOG"
MAX_BYTES = 5 * 1024 * 1024  # per file, before it rotates
BACKUPS = 3  # aistui.log.1 .. aistui.log.3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "***"

# "Authorization: Bearer X", "'Authorization': 'Bearer X'", "Bearer X": the X goes
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\",;]+")
# a JWT (header.payload.signature, base64url; the header always starts with '{"' = eyJ)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


class RedactingFilter(logging.Filter):
    """A handler filter that replaces secrets in each record with ``***``: the strings given to
    it (``secrets``, :meth:`add`), JWT-shaped strings, and ``Bearer <value>``. It rewrites the
    record's message (``msg`` formatted with ``args``) and its traceback text; it never drops a
    record."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        for s in secrets:
            self.add(s)

    def add(self, secret: str | None) -> None:
        """Redact ``secret`` from now on (None, empty and very short strings are ignored: a
        3-character 'secret' would blank out ordinary words)."""
        if secret and len(secret.strip()) >= 8:
            self.secrets.add(secret.strip())

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        for s in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(s, REDACTED)
        text = _JWT.sub(REDACTED, text)
        return _BEARER.sub(lambda m: m.group(1) + REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        clean = self.redact(msg)
        if clean != msg:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


_filter = RedactingFilter()


def add_secret(secret: str | None) -> None:
    """Redact ``secret`` (a token) in the log file from now on; call it for every token the
    console comes to use (for one, after switching to another cluster's profile)."""
    _filter.add(secret)


def default_log_path(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_STATE_HOME/aistui/aistui.log``, default ``~/.local/state/aistui/aistui.log``."""
    env = os.environ if env is None else env
    base = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".local" / "state")
    return Path(base) / "aistui" / "aistui.log"


def log_path(flag: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The log file: ``flag`` (``--log``), else ``$AISTUI_LOG``, else :func:`default_log_path`."""
    env = os.environ if env is None else env
    chosen = flag or env.get(LOG_ENV)
    return Path(chosen).expanduser() if chosen else default_log_path(env)


def setup_logging(
    path: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    secrets: Iterable[str | None] = (),
    level: int = logging.INFO,
) -> logging.Handler:
    """Log the ``aistui`` logger (and its children, e.g. ``aistui.http``) at ``level`` to a
    rotating file (:func:`log_path` of ``path``; its directory is created), through the
    redacting filter, which also gets ``secrets`` and ``$AIS_AUTHN_TOKEN``. The logger stops
    propagating to the root logger. Returns the handler (remove it from
    ``logging.getLogger("aistui")`` and close it to stop). Raises :class:`OSError` when the
    directory cannot be created or the file cannot be opened."""
    env = os.environ if env is None else env
    file = log_path(path, env)
    file.parent.mkdir(parents=True, exist_ok=True)
    for s in (*secrets, env.get("AIS_AUTHN_TOKEN")):
        add_secret(s)
    handler = logging.handlers.RotatingFileHandler(file, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(_filter)
    logger = logging.getLogger("aistui")
    logger.setLevel(level)
    logger.propagate = False
    logger.addHandler(handler)
    return handler
