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
``token_file`` path. This module reads only ``current`` and ``clusters`` of that file, into typed
msgspec structs (:class:`ClusterEntry`); the UI's settings in the same file (keymap, theme, refresh)
are :mod:`aistui.settings`. An entry of the wrong type is an :class:`InvalidInput` that names the
file and the field: ``.../config.json: clusters.prod.endpoint: expected str, got int``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from .errors import InvalidInput
from .jsontypes import is_dict

__all__ = [
    "DEFAULT_ENDPOINT",
    "ClusterEntry",
    "ClusterProfile",
    "ClusterProfiles",
    "ConnectionSettings",
    "ais_cli_dir",
    "aistui_config_path",
    "convert_field",
    "discover",
    "field_or",
    "load_profiles",
    "profiles_from_json",
    "read_config_file",
    "redact",
]

T = TypeVar("T")

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
    ``via_proxy`` sends every object request through the proxy (``--via-proxy``, which sets
    ``AISTUI_VIA_PROXY=1`` for every cluster the process connects to; a profile's
    ``via_proxy``): set it when only the proxy is reachable (behind a load balancer or a k8s
    ingress). Otherwise object GET and HEAD go straight to the target that holds the object
    (``core/datapath.py``), unless a token is set (such a cluster requires proxy mediation).
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
    via_proxy: bool = False

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
    """A named cluster in aistui's config: ``endpoint``, optional ``token_file``, TLS settings,
    ``read_only`` and ``via_proxy`` (every object request through the proxy)."""

    name: str
    endpoint: str
    token_file: str | None = None
    ca_bundle: str | None = None
    skip_verify: bool = False
    read_only: bool = False
    via_proxy: bool = False

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"endpoint": self.endpoint}
        for k in ("token_file", "ca_bundle"):
            if getattr(self, k):
                d[k] = getattr(self, k)
        if self.skip_verify:
            d["skip_verify"] = True
        if self.read_only:
            d["read_only"] = True
        if self.via_proxy:
            d["via_proxy"] = True
        return d


@dataclass
class ClusterProfiles:
    """The cluster profiles of aistui's config file: ``clusters`` by name, the ``current`` one's
    name ("" for none) and the file they came from (``path``, None when built in code).
    :class:`aistui.settings.AppConfig` extends it with the UI's settings."""

    clusters: dict[str, ClusterProfile] = field(default_factory=dict[str, ClusterProfile])
    current: str = ""
    path: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """The file's ``clusters`` and ``current`` keys, as written."""
        out: dict[str, Any] = {"clusters": {n: p.to_json() for n, p in self.clusters.items()}}
        if self.current:
            out["current"] = self.current
        return out


class ClusterEntry(msgspec.Struct, forbid_unknown_fields=False):
    """One entry of ``clusters`` in the config file, as written there (typed; unknown keys are
    ignored): ``endpoint`` URL, ``token_file`` path, ``ca_bundle`` PEM path, ``skip_verify`` and
    ``read_only`` and ``via_proxy`` flags."""

    endpoint: str = ""
    token_file: str | None = None
    ca_bundle: str | None = None
    skip_verify: bool = False
    read_only: bool = False
    via_proxy: bool = False


_MSGSPEC_ERR = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<at>[^`]*)`)?$", re.S)


def convert_field(value: Any, typ: type[T], path: Path, where: str) -> T:
    """Convert ``value`` (decoded JSON) to ``typ`` with :func:`msgspec.convert` (strict: no
    coercion of strings to numbers or bools). Raises :class:`InvalidInput` naming the file and the
    field, ``f"{path}: {where}.sub: expected str, got int"`` (``where`` is the dotted name of
    ``value`` in the file, "" for the top level)."""
    try:
        return msgspec.convert(value, typ)
    except msgspec.ValidationError as e:
        m = _MSGSPEC_ERR.match(str(e))
        msg, at = (m["msg"], m["at"] or "") if m else (str(e), "")
        msg = msg.replace("`", "").replace(" | null", "")
        msg = msg[:1].lower() + msg[1:]
        name = ".".join(x for x in (where, at.lstrip(".")) if x)
        raise InvalidInput(f"{path}: {name}: {msg}" if name else f"{path}: {msg}") from None


def read_config_file(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; None when the file does not exist or holds ``null``. Raises
    :class:`InvalidInput` for a file that cannot be read, is not JSON or is not a JSON object."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise InvalidInput(f"cannot read {path}: {e}") from None
    try:
        obj = msgspec.json.decode(raw)
    except msgspec.DecodeError as e:
        raise InvalidInput(f"cannot read {path}: {e}") from None
    if obj is None:
        return None
    if not is_dict(obj):
        raise InvalidInput(f"{path}: expected a JSON object, got {_json_type(obj)}")
    return obj


def field_or(raw: Mapping[str, Any], key: str, default: Any) -> Any:
    """``raw[key]``, or ``default`` when it is missing or null (as the file has always been read)."""
    v = raw.get(key)
    return default if v is None else v


_JSON_TYPES: dict[type, str] = {dict: "object", list: "array", str: "str", int: "int", float: "float", bool: "bool"}


def _json_type(v: object) -> str:
    return _JSON_TYPES.get(type(v), "null")


def profiles_from_json(raw: Mapping[str, Any], path: Path) -> tuple[dict[str, ClusterProfile], str]:
    """``(clusters, current)`` from the config file's JSON object ``raw`` (read from ``path``).
    Raises :class:`InvalidInput` naming the field: a value of the wrong type, a profile without
    an endpoint, an endpoint that is not http(s)."""
    current = convert_field(field_or(raw, "current", ""), str, path, "current")
    entries = convert_field(field_or(raw, "clusters", {}), dict[str, Any], path, "clusters")
    clusters: dict[str, ClusterProfile] = {}
    for name, value in entries.items():
        e = convert_field(value, ClusterEntry, path, f"clusters.{name}")
        if not e.endpoint:
            raise InvalidInput(f"{path}: clusters.{name}.endpoint: cluster {name!r} needs an endpoint")
        try:
            endpoint = normalize_endpoint(e.endpoint)
        except InvalidInput as err:
            raise InvalidInput(f"{path}: clusters.{name}.endpoint: {err}") from None
        clusters[name] = ClusterProfile(name=name, endpoint=endpoint, token_file=e.token_file,
                                        ca_bundle=e.ca_bundle, skip_verify=e.skip_verify, read_only=e.read_only,
                                        via_proxy=e.via_proxy)
    return clusters, current


def load_profiles(path: Path | None = None, env: Mapping[str, str] | None = None) -> ClusterProfiles:
    """The cluster profiles of aistui's config file (``path``, default :func:`aistui_config_path`);
    a missing file gives none. Raises :class:`InvalidInput` for a file that cannot be read or is
    not valid JSON, and for a field of the wrong type (naming the file and the field)."""
    path = path or aistui_config_path(env)
    clusters, current = profiles_from_json(read_config_file(path) or {}, path)
    return ClusterProfiles(clusters=clusters, current=current, path=path)


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


def _chosen_profile(endpoint: str | None, profile: str | None, env: Mapping[str, str],
                    app_config: ClusterProfiles | None) -> ClusterProfile | None:
    """The profile :func:`discover` uses: the named one, else (no endpoint given and no
    ``AIS_ENDPOINT``) the config file's ``current`` one if it exists, else None. Raises
    :class:`InvalidInput` for an unknown name."""
    if not profile and not endpoint and not env.get("AIS_ENDPOINT"):
        cfg = app_config or load_profiles(env=env)
        if cfg.current in cfg.clusters:
            profile = cfg.current
            app_config = cfg
    if not profile:
        return None
    cfg = app_config or load_profiles(env=env)
    prof = cfg.clusters.get(profile)
    if prof is None:
        known = ", ".join(sorted(cfg.clusters)) or "none configured"
        raise InvalidInput(f"unknown cluster profile {profile!r} (known: {known})")
    return prof


def _token(prof: ClusterProfile | None, env: Mapping[str, str]) -> tuple[str | None, str]:
    """``(token, where it came from)``: the profile's token file, then ``AIS_AUTHN_TOKEN``, then
    ``AIS_AUTHN_TOKEN_FILE``, then the ``ais`` CLI's ``auth.token``; ``(None, "")`` without one."""
    token: str | None = None
    token_source = ""
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
    return token, token_source


def discover(
    endpoint: str | None = None,
    *,
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
    app_config: ClusterProfiles | None = None,
) -> ConnectionSettings:
    """Resolve the connection settings as the ``ais`` CLI would, with aistui profiles on top.

    ``endpoint`` (the ``--endpoint`` flag) wins; then a named ``profile`` (``--context``); then
    ``AIS_ENDPOINT``; then the config file's ``current`` profile; then ``cli.json`` and the
    default. ``app_config`` gives the profiles (default: :func:`load_profiles`, read only when
    needed). Raises :class:`InvalidInput` for an unknown profile or an unreadable file.
    """
    env = os.environ if env is None else env
    cli: Any = _read_json(ais_cli_dir(env) / "cli.json") or {}
    cli_cluster: Any = cli.get("cluster", {}) if is_dict(cli) else {}
    if not is_dict(cli_cluster):
        cli_cluster = {}

    prof = _chosen_profile(endpoint, profile, env, app_config)

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

    token, token_source = _token(prof, env)

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
        via_proxy=(prof.via_proxy if prof else False) or env.get("AISTUI_VIA_PROXY", "").strip().lower() in _TRUE,
    )
