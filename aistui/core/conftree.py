"""Pure helpers for config and bucket-property trees: flatten a nested JSON object to dotted keys,
diff a node's config against the cluster's, turn a typed value back into the JSON type of the
value it replaces, and build the partial ``Bprops`` that changes one leaf. No I/O.

Dotted keys are the names the v1.5.0 ``ais`` CLI and the ``set-config`` query use
(``space.highwm``, ``log.level``, ``mirror.copies``): ``cmd/cli/cli/utils.go`` ``flattenJSON``
joins nested JSON names with ``.``. A JSON array is one leaf, as it is there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from .errors import InvalidInput

__all__ = ["flatten", "get_path", "leaf_text", "parse_leaf", "nest", "ConfigDiff", "config_diff",
           "props_change", "config_value", "READONLY_PROPS", "BOOKKEEPING", "node_local_keys"]

# Bucket props the cluster never sets through ``set-bprops`` (``cmn.Bprops`` fields that
# ``cmn.BpropsToSet`` lacks: ``list:"readonly"`` / ``list:"omit"`` in cmn/api.go).
READONLY_PROPS = frozenset({"provider", "bid", "created", "Renamed"})

# Config keys that are the config's own bookkeeping, not settings: they differ between a node and
# the cluster on every node (``config_version``, ``lastupdate_time``) and nobody sets them.
BOOKKEEPING = frozenset({"uuid", "config_version", "lastupdate_time"})


def _as_map(v: object) -> Mapping[str, Any] | None:
    return cast("Mapping[str, Any]", v) if isinstance(v, Mapping) else None


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"space": {"highwm": 90}}`` → ``{"space.highwm": 90}``: every leaf (anything but a JSON
    object; an array is a leaf) by its dotted key, in the tree's order. An empty object is kept
    as a leaf (``{}``) so that it still shows."""
    out: dict[str, Any] = {}
    for k, v in tree.items():
        sub = _as_map(v)
        if sub is not None and sub:
            out.update(flatten(sub, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def get_path(tree: Mapping[str, Any], key: str) -> Any:
    """The value at dotted ``key`` (``"space.highwm"``). Raises :class:`KeyError` when absent."""
    node: Any = tree
    for part in key.split("."):
        m = _as_map(node)
        if m is None or part not in m:
            raise KeyError(key)
        node = m[part]
    return node


def leaf_text(v: Any) -> str:
    """A leaf as the user reads and types it, and as the ``set-config`` query and the CLI's
    ``KEY=VALUE`` take it: ``true``/``false``, numbers as written, strings as they are, ``null``
    as ``""``, arrays and objects as compact JSON."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float, str)):
        return str(v)
    return json.dumps(v, separators=(",", ":"))


def _kind(v: object) -> str:
    return "an array" if isinstance(v, list) else "an object" if isinstance(v, dict) else ""


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def parse_leaf(text: str, old: Any) -> Any:
    """``text`` (what the user typed) as a value of the JSON type of ``old`` (the value it
    replaces): a bool from ``true/false/yes/no/on/off/1/0``, an int, a float, an array or object
    from JSON, else the text. Raises :class:`InvalidInput` naming the expected type."""
    t = text.strip()
    if isinstance(old, bool):
        if t.lower() in _TRUE:
            return True
        if t.lower() in _FALSE:
            return False
        raise InvalidInput(f"expected true or false, not {text!r}")
    if isinstance(old, int):
        try:
            return int(t)
        except ValueError:
            raise InvalidInput(f"expected a whole number, not {text!r}") from None
    if isinstance(old, float):
        try:
            return float(t)
        except ValueError:
            raise InvalidInput(f"expected a number, not {text!r}") from None
    if isinstance(old, (list, dict)):
        want = "an array" if isinstance(old, list) else "an object"
        try:
            v: Any = json.loads(t)
        except ValueError:
            raise InvalidInput(f"expected JSON ({want}), not {text!r}") from None
        if _kind(v) != want:
            raise InvalidInput(f"expected {want}, not {text!r}")
        return v
    return text


def nest(key: str, value: Any) -> dict[str, Any]:
    """``("mirror.copies", 2)`` → ``{"mirror": {"copies": 2}}``: the partial object that sets
    one dotted key."""
    out: dict[str, Any] = {}
    node = out
    parts = key.split(".")
    for p in parts[:-1]:
        child: dict[str, Any] = {}
        node[p] = child
        node = child
    node[parts[-1]] = value
    return out


def props_change(props: Mapping[str, Any], key: str, text: str) -> dict[str, Any] | None:
    """The partial ``Bprops`` for ``set-bprops`` (``PATCH /v1/buckets/<b>``) that sets dotted
    ``key`` to ``text`` (typed as the current value, :func:`parse_leaf`); None when the value does
    not change. Raises :class:`InvalidInput` for a key the cluster does not set
    (:data:`READONLY_PROPS`), a key not in ``props``, or a value of the wrong type."""
    top = key.split(".", 1)[0]
    if top in READONLY_PROPS:
        raise InvalidInput(f"{key} is read-only: the cluster sets it")
    try:
        old = get_path(props, key)
    except KeyError:
        raise InvalidInput(f"no bucket property {key!r}") from None
    new = parse_leaf(text, old)
    if new == old and type(new) is type(old):  # pyright: ignore[reportUnknownArgumentType]  # JSON values
        return None
    return nest(key, new)


@dataclass(frozen=True)
class ConfigDiff:
    """One key where a node's config differs from the cluster's: ``key`` (dotted), ``cluster``
    (the cluster's value; ``missing`` True when the cluster config has no such key) and ``node``
    (the node's value)."""

    key: str
    cluster: Any
    node: Any
    missing: bool = False


def node_local_keys(node: Mapping[str, Any], cluster: Mapping[str, Any]) -> list[str]:
    """Top-level sections of a node's config that the cluster config does not have: the node's
    local config (``fspaths``, ``confdir``, ``log_dir``, ``test_fspaths``, ``host_net``:
    ``cmn.LocalConfig`` in cmn/config.go), which is never inherited and so never "differs"."""
    return [k for k in node if k not in cluster]


def config_diff(node: Mapping[str, Any], cluster: Mapping[str, Any]) -> list[ConfigDiff]:
    """Where ``node`` (``GET /v1/reverse/daemon?what=config``: the inherited cluster config with
    the node's overrides, plus its local config) differs from ``cluster`` (``GET
    /v1/cluster?what=cluster_config``), sorted by key, as ``ais config node NODE inherited``
    shows it (``diffConfigs`` in cmd/cli/cli/utils.go). The node's local sections
    (:func:`node_local_keys`) and the :data:`BOOKKEEPING` keys are left out; a leaf the cluster
    lacks is ``missing``."""
    local = set(node_local_keys(node, cluster)) | BOOKKEEPING
    flat_cluster = flatten(cluster)
    out: list[ConfigDiff] = []
    for key, v in flatten({k: v for k, v in node.items() if k not in local}).items():
        if key not in flat_cluster:
            out.append(ConfigDiff(key, None, v, missing=True))
        elif flat_cluster[key] != v:
            out.append(ConfigDiff(key, flat_cluster[key], v))
    return sorted(out, key=lambda d: d.key)


def config_value(key: str, old: Any, text: str, *, local: frozenset[str] | set[str] = frozenset()) -> str:
    """The text to send for config ``key`` (``set-config?key=<text>``) typed as ``text`` in place
    of ``old``: checked against ``old``'s JSON type (:func:`parse_leaf`) and written as the
    cluster reads it (:func:`leaf_text`: ``yes`` becomes ``true``). Raises :class:`InvalidInput`
    for :data:`BOOKKEEPING` keys, keys under a node's ``local`` sections (``ais config node``
    cannot set a node's local config: edit its file and restart it), arrays and objects (set
    those with ``ais config cluster KEY='<json>'``), and values of the wrong type."""
    top = key.split(".", 1)[0]
    if key in BOOKKEEPING:
        raise InvalidInput(f"{key} is the config's own bookkeeping: the cluster sets it")
    if top in local:
        raise InvalidInput(f"{key} is the node's local config: edit the node's config file and restart it")
    if isinstance(old, (list, dict)):
        raise InvalidInput(f"{key} holds JSON: set it with ais config cluster {key}='<json>'")
    return leaf_text(parse_leaf(text, old))
