"""Endpoint, token and TLS discovery, the way the ``ais`` CLI does it, plus aistui's profiles.

Order (``cmd/cli/config``, v1.5.0):

* endpoint: ``--endpoint``, ``AIS_ENDPOINT``, ``cluster.url`` in ``~/.config/ais/cli/cli.json``,
  then ``http://localhost:8080``;
* token: ``AIS_AUTHN_TOKEN`` (a raw JWT), ``AIS_AUTHN_TOKEN_FILE`` (JSON ``{"token": ...}`` or the
  raw token), then ``~/.config/ais/cli/auth.token``;
* TLS: ``AIS_CLIENT_CA`` over ``cluster.client_ca_tls``; ``AIS_SKIP_VERIFY_CRT`` over
  ``cluster.skip_verify_crt``; ``AIS_CRT``/``AIS_CRT_KEY`` over ``cluster.client_crt``/``client_crt_key``.

aistui's own profiles live in ``$XDG_CONFIG_HOME/aistui/config.json`` (``~/.config/aistui``):
``{"current": "local", "clusters": {"local": {"endpoint": "...", "read_only": false, ...}}}``.
A profile names an endpoint and TLS settings; a token is never stored there, only a
``token_file`` path.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import InvalidInput

__all__ = [
    "DEFAULT_ENDPOINT",
    "ClusterProfile",
    "ConnectionSettings",
    "AppConfig",
    "ais_cli_dir",
    "aistui_config_path",
    "discover",
    "load_app_config",
    "save_app_config",
    "redact",
]

DEFAULT_ENDPOINT = "http://localhost:8080"
_TRUE = {"1", "true", "yes", "on", "y", "t"}


def _home(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME") or Path.home())


def ais_cli_dir(env: Mapping[str, str] | None = None) -> Path:
    """The ``ais`` CLI config directory, ``$HOME/.config/ais/cli``."""
    env = os.environ if env is None else env
    return _home(env) / ".config" / "ais" / "cli"


def aistui_config_path(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/aistui/config.json`` (default ``~/.config/aistui/config.json``)."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(_home(env) / ".config")
    return Path(base) / "aistui" / "config.json"


def redact(token: str | None) -> str:
    """A token as it may be shown: never its content."""
    return "<none>" if not token else f"<token: {len(token)} chars>"


@dataclass(frozen=True)
class ConnectionSettings:
    """Everything needed to talk to one cluster.

    ``endpoint`` is the proxy URL; ``token`` the bearer JWT (never printed: ``repr`` hides it);
    ``ca_bundle`` a PEM path; ``skip_verify`` turns TLS verification off (the UI warns);
    ``client_cert``/``client_key`` for mutual TLS; ``source`` says where the endpoint came from.
    ``timeout`` is the default per-call timeout in seconds, ``connect_timeout`` for connecting.
    """

    endpoint: str = DEFAULT_ENDPOINT
    token: str | None = field(default=None, repr=False)
    token_source: str = ""
    ca_bundle: str | None = None
    skip_verify: bool = False
    client_cert: str | None = None
    client_key: str | None = None
    source: str = "default"
    name: str = ""
    read_only: bool = False
    timeout: float = 30.0
    connect_timeout: float = 5.0

    def __repr__(self) -> str:  # the dataclass repr already hides token; keep it explicit
        return (f"ConnectionSettings(endpoint={self.endpoint!r}, token={redact(self.token)}, "
                f"source={self.source!r}, skip_verify={self.skip_verify}, name={self.name!r})")

    @property
    def label(self) -> str:
        return self.name or self.endpoint

    def with_endpoint(self, endpoint: str) -> ConnectionSettings:
        return replace(self, endpoint=normalize_endpoint(endpoint), source="edited")


@dataclass
class ClusterProfile:
    """A named cluster in aistui's config: ``endpoint``, optional ``token_file``, TLS settings and
    ``read_only``."""

    name: str
    endpoint: str
    token_file: str | None = None
    ca_bundle: str | None = None
    skip_verify: bool = False
    read_only: bool = False

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"endpoint": self.endpoint}
        for k in ("token_file", "ca_bundle"):
            if getattr(self, k):
                d[k] = getattr(self, k)
        if self.skip_verify:
            d["skip_verify"] = True
        if self.read_only:
            d["read_only"] = True
        return d


@dataclass
class AppConfig:
    """aistui's config file: profiles, the current one, key remaps and UI settings."""

    clusters: dict[str, ClusterProfile] = field(default_factory=dict)
    current: str = ""
    keymap: dict[str, str] = field(default_factory=dict)
    theme: str = ""
    refresh_s: float = 2.0
    jobs_keep_s: float = 3600.0  # the jobs screen shows jobs this long after they end
    path: Path | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"clusters": {n: p.to_json() for n, p in self.clusters.items()}}
        if self.current:
            out["current"] = self.current
        if self.keymap:
            out["keymap"] = self.keymap
        if self.theme:
            out["theme"] = self.theme
        out["refresh_s"] = self.refresh_s
        if self.jobs_keep_s != 3600.0:
            out["jobs_keep_s"] = self.jobs_keep_s
        return out


def normalize_endpoint(url: str) -> str:
    """Add ``http://`` when no scheme is given and drop a trailing ``/``; reject other schemes."""
    url = url.strip()
    if not url:
        raise InvalidInput("the endpoint is empty")
    if "://" not in url:
        url = "http://" + url
    scheme = url.split("://", 1)[0].lower()
    if scheme not in ("http", "https"):
        raise InvalidInput(f"endpoint {url!r}: only http:// and https:// are supported")
    return url.rstrip("/")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise InvalidInput(f"cannot read {path}: {e}") from None


def _read_token_file(path: Path) -> str | None:
    try:
        raw = path.read_text().strip()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise InvalidInput(f"cannot read token file {path}: {e}") from None
    if not raw:
        return None
    if raw.startswith("{"):
        try:
            tok = json.loads(raw).get("token")
        except (ValueError, AttributeError):
            raise InvalidInput(f"token file {path} is not JSON {{\"token\": ...}}") from None
        return str(tok) if tok else None
    return raw


def load_app_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> AppConfig:
    """Read aistui's config file; a missing file gives an empty config. Raises
    :class:`InvalidInput` for a file that is not valid JSON."""
    path = path or aistui_config_path(env)
    raw = _read_json(path) or {}
    if not isinstance(raw, dict):
        raise InvalidInput(f"{path}: expected a JSON object")
    clusters = {}
    for name, p in (raw.get("clusters") or {}).items():
        if not isinstance(p, dict) or not p.get("endpoint"):
            raise InvalidInput(f"{path}: cluster {name!r} needs an endpoint")
        clusters[name] = ClusterProfile(
            name=name, endpoint=normalize_endpoint(str(p["endpoint"])),
            token_file=p.get("token_file"), ca_bundle=p.get("ca_bundle"),
            skip_verify=bool(p.get("skip_verify", False)), read_only=bool(p.get("read_only", False)))
    return AppConfig(clusters=clusters, current=str(raw.get("current") or ""),
                     keymap={str(k): str(v) for k, v in (raw.get("keymap") or {}).items()},
                     theme=str(raw.get("theme") or ""), refresh_s=float(raw.get("refresh_s") or 2.0),
                     jobs_keep_s=float(raw.get("jobs_keep_s") or 3600.0), path=path)


def save_app_config(cfg: AppConfig, path: Path | None = None) -> Path:
    """Write the config atomically (temp file + rename), mode 0600. Returns the path."""
    path = path or cfg.path or aistui_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(cfg.to_json(), indent=2) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def discover(
    endpoint: str | None = None,
    *,
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
    app_config: AppConfig | None = None,
) -> ConnectionSettings:
    """Resolve the connection settings as the ``ais`` CLI would, with aistui profiles on top.

    ``endpoint`` (the ``--endpoint`` flag) wins; then a named ``profile`` (``--context``); then
    ``AIS_ENDPOINT``; then the config file's ``current`` profile; then ``cli.json`` and the
    default. Raises :class:`InvalidInput` for an unknown profile or an unreadable file.
    """
    env = os.environ if env is None else env
    cli = _read_json(ais_cli_dir(env) / "cli.json") or {}
    cli_cluster = cli.get("cluster", {}) if isinstance(cli, dict) else {}
    if not isinstance(cli_cluster, dict):
        cli_cluster = {}

    prof: ClusterProfile | None = None
    if not profile and not endpoint and not env.get("AIS_ENDPOINT"):
        cfg = app_config or load_app_config(env=env)
        if cfg.current in cfg.clusters:
            profile = cfg.current
            app_config = cfg
    if profile:
        cfg = app_config or load_app_config(env=env)
        prof = cfg.clusters.get(profile)
        if prof is None:
            known = ", ".join(sorted(cfg.clusters)) or "none configured"
            raise InvalidInput(f"unknown cluster profile {profile!r} (known: {known})")

    if endpoint:
        url, source = endpoint, "--endpoint"
    elif prof:
        url, source = prof.endpoint, f"profile {prof.name}"
    elif env.get("AIS_ENDPOINT"):
        url, source = env["AIS_ENDPOINT"], "AIS_ENDPOINT"
    elif cli_cluster.get("url"):
        url, source = str(cli_cluster["url"]), str(ais_cli_dir(env) / "cli.json")
    else:
        url, source = DEFAULT_ENDPOINT, "default"

    token, token_source = None, ""
    if prof and prof.token_file:
        token, token_source = _read_token_file(Path(prof.token_file).expanduser()), prof.token_file
    if not token and env.get("AIS_AUTHN_TOKEN"):
        token, token_source = env["AIS_AUTHN_TOKEN"].strip(), "AIS_AUTHN_TOKEN"
    if not token and env.get("AIS_AUTHN_TOKEN_FILE"):
        token = _read_token_file(Path(env["AIS_AUTHN_TOKEN_FILE"]).expanduser())
        token_source = "AIS_AUTHN_TOKEN_FILE"
    if not token:
        default_tf = ais_cli_dir(env) / "auth.token"
        token = _read_token_file(default_tf)
        token_source = str(default_tf) if token else ""

    ca = env.get("AIS_CLIENT_CA") or cli_cluster.get("client_ca_tls") or None
    skip = cli_cluster.get("skip_verify_crt", False)
    if "AIS_SKIP_VERIFY_CRT" in env:
        skip = env["AIS_SKIP_VERIFY_CRT"].strip().lower() in _TRUE
    crt = env.get("AIS_CRT") or cli_cluster.get("client_crt") or None
    key = env.get("AIS_CRT_KEY") or cli_cluster.get("client_crt_key") or None
    if prof:
        ca = prof.ca_bundle or ca
        skip = prof.skip_verify or bool(skip)
    return ConnectionSettings(
        endpoint=normalize_endpoint(url), token=token or None, token_source=token_source,
        ca_bundle=ca, skip_verify=bool(skip), client_cert=crt, client_key=key, source=source,
        name=prof.name if prof else "", read_only=prof.read_only if prof else False,
    )
