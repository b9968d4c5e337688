"""The console's settings from aistui's config file (``$XDG_CONFIG_HOME/aistui/config.json``,
default ``~/.config/aistui/config.json``): key remaps, theme, refresh intervals, plus the cluster
profiles that :mod:`aistui.core.config` reads from the same file. Textual-free.

The file is read into a typed msgspec struct (:class:`UISettingsFile`); a value of the wrong type
is an :class:`~aistui.core.errors.InvalidInput` naming the file and the field, e.g.
``.../config.json: refresh_s: expected float, got str`` or
``.../config.json: clusters.prod.endpoint: expected str, got int``::

    {"current": "prod", "clusters": {"prod": {"endpoint": "https://ais:8080"}},
     "refresh_s": 2, "jobs_keep_s": 3600, "theme": "textual-dark", "keymap": {"app.buckets": "b"}}
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from .core.config import ClusterProfiles, aistui_config_path, convert_field, profiles_from_json, read_config_file

__all__ = ["AppConfig", "UISettingsFile", "load_app_config", "save_app_config"]

DEFAULT_REFRESH_S = 2.0
DEFAULT_JOBS_KEEP_S = 3600.0


class UISettingsFile(msgspec.Struct, forbid_unknown_fields=False):
    """The UI's keys of the config file, as written (typed; other keys are ignored here):
    ``keymap`` binding id -> key(s), ``theme`` a Textual theme name, ``refresh_s`` the cluster
    refresh interval in seconds, ``jobs_keep_s`` how long ended jobs stay listed, in seconds.
    A null or 0 interval means the default."""

    keymap: dict[str, Any] | None = None  # each value is checked to be a str, naming its key
    theme: str | None = None
    refresh_s: float | None = None
    jobs_keep_s: float | None = None


@dataclass
class AppConfig(ClusterProfiles):
    """aistui's config file: the cluster profiles (``clusters``, ``current``, ``path``, from
    :class:`~aistui.core.config.ClusterProfiles`) and the UI's settings: ``keymap`` (binding id
    -> key), ``theme``, ``refresh_s`` (seconds between cluster refreshes) and ``jobs_keep_s``
    (seconds the jobs screen shows jobs after they end)."""

    keymap: dict[str, str] = field(default_factory=dict)
    theme: str = ""
    refresh_s: float = DEFAULT_REFRESH_S
    jobs_keep_s: float = DEFAULT_JOBS_KEEP_S

    def to_json(self) -> dict[str, Any]:
        """The whole file, as :func:`save_app_config` writes it."""
        out = super().to_json()
        if self.keymap:
            out["keymap"] = self.keymap
        if self.theme:
            out["theme"] = self.theme
        out["refresh_s"] = self.refresh_s
        if self.jobs_keep_s != DEFAULT_JOBS_KEEP_S:
            out["jobs_keep_s"] = self.jobs_keep_s
        return out


def load_app_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> AppConfig:
    """Read aistui's config file (``path``, default :func:`~aistui.core.config.aistui_config_path`
    under ``env``); a missing file gives an empty config. Raises
    :class:`~aistui.core.errors.InvalidInput` for a file that cannot be read or is not a JSON
    object, and for a value of the wrong type (naming the file and the field)."""
    path = path or aistui_config_path(env)
    raw = read_config_file(path) or {}
    clusters, current = profiles_from_json(raw, path)
    ui = convert_field(raw, UISettingsFile, path, "")
    keymap = {k: convert_field(v, str, path, f"keymap.{k}") for k, v in (ui.keymap or {}).items()}
    return AppConfig(clusters=clusters, current=current, keymap=keymap, theme=ui.theme or "",
                     refresh_s=ui.refresh_s or DEFAULT_REFRESH_S, jobs_keep_s=ui.jobs_keep_s or DEFAULT_JOBS_KEEP_S,
                     path=path)


def save_app_config(cfg: AppConfig, path: Path | None = None) -> Path:
    """Write the config atomically (temp file + rename), mode 0600. Returns the path written:
    ``path``, else ``cfg.path``, else the default. Raises :class:`OSError` when it cannot."""
    path = path or cfg.path or aistui_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(cfg.to_json(), indent=2) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path
