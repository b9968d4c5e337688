"""The ``ais`` command (or SDK call) of each action on the cluster itself, for the command log:
cluster and node config, node lifecycle (maintenance, decommission, shutdown), remote clusters,
jobs (abort, LRU, storage cleanup, scrub), mountpaths, and ETLs (init, stop, start, delete, and
transforms of buckets and objects through them). The rules they follow are in
:mod:`aistui.spell`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..cmdlog import Cmd
from .words import csv_safe, list_flag, objects_on, quote_words, sdk_bucket, sdk_group

if TYPE_CHECKING:
    from ..core.models import Bck

__all__ = ["set_cluster_config", "set_node_config", "reset_node_config", "abort_job", "node_lifecycle",
           "remote_attach", "remote_detach", "start_lru", "start_cleanup", "scrub", "mountpath_action",
           "etl_init", "etl_stop", "etl_start", "etl_delete", "transform_bucket", "transform_objects"]


# ---------------------------------------------------------------------- config


def set_cluster_config(key: str, value: str, *, transient: bool = False) -> Cmd:
    """``ais config cluster KEY=VALUE [--transient]`` (``PUT /v1/cluster/set-config?KEY=VALUE``;
    ``cmd/cli/cli/config_hdlr.go`` ``setCluConfigHandler``)."""
    words = ["ais", "config", "cluster", f"{key}={value}"] + (["--transient"] if transient else [])
    return Cmd("set cluster config", key, quote_words(words))


def set_node_config(node_id: str, key: str, value: str, *, transient: bool = False) -> Cmd:
    """``ais config node NODE_ID KEY=VALUE [--transient]`` (``PUT
    /v1/reverse/daemon/set-config?KEY=VALUE`` with ``Ais-Node-Id``; ``setNodeConfigHandler``)."""
    words = ["ais", "config", "node", node_id, f"{key}={value}"] + (["--transient"] if transient else [])
    return Cmd("set node config", f"{node_id}: {key}", quote_words(words))


def reset_node_config(node_id: str) -> Cmd:
    """``ais config reset NODE_ID`` (``PUT /v1/reverse/daemon``, ``reset-config``;
    ``resetConfigHandler``): the node drops its overrides and takes the cluster config."""
    return Cmd("reset node config", node_id, quote_words(["ais", "config", "reset", node_id]))


# ---------------------------------------------------------------------- jobs and nodes


def abort_job(job_id: str, kind: str = "") -> Cmd:
    """``ais job stop JOB_ID`` (``PUT /v1/cluster``, ``action=stop-xaction``)."""
    return Cmd("abort job", f"{kind} {job_id}".strip(), quote_words(["ais", "job", "stop", job_id]),
               f"client.job(job_id={job_id!r}).abort()")


_NODE_VERBS = {"start-maintenance": "start maintenance", "stop-maintenance": "stop maintenance",
               "decommission": "decommission node", "shutdown": "shut down node"}


def node_lifecycle(verb: str, node_id: str, *, no_rebalance: bool = False, rm_user_data: bool = False,
                   keep_initial_config: bool = False, no_shutdown: bool = False) -> Cmd:
    """``ais cluster add-remove-nodes VERB NODE_ID [flags] --yes`` (``cmd/cli/cli/cluster_hdlr.go``
    ``nodeMaintShutDecommHandler``): ``verb`` is ``start-maintenance``, ``stop-maintenance``,
    ``decommission`` or ``shutdown``; the flags are the CLI's ``--no-rebalance``,
    ``--rm-user-data``, ``--keep-initial-config``, ``--no-shutdown`` (the last three for
    decommission only). The Python SDK has no call for these."""
    flags = [f for f, on in (("--no-rebalance", no_rebalance), ("--rm-user-data", rm_user_data),
                             ("--keep-initial-config", keep_initial_config), ("--no-shutdown", no_shutdown)) if on]
    return Cmd(_NODE_VERBS[verb], node_id,
               quote_words(["ais", "cluster", "add-remove-nodes", verb, node_id, *flags, "--yes"]))


def remote_attach(alias: str, url: str) -> Cmd:
    """``ais cluster remote-attach ALIAS=URL`` (``PUT /v1/cluster/attach?what=remote``)."""
    return Cmd("attach remote cluster", f"{alias} → {url}",
               quote_words(["ais", "cluster", "remote-attach", f"{alias}={url}"]))


def remote_detach(alias: str) -> Cmd:
    """``ais cluster remote-detach ALIAS`` (``PUT /v1/cluster/detach?what=remote``)."""
    return Cmd("detach remote cluster", alias, quote_words(["ais", "cluster", "remote-detach", alias]))


def start_lru(buckets: list[Bck], *, force: bool = False) -> Cmd:
    """``ais start lru [--buckets B1,B2] [--force]`` (``PUT /v1/cluster``, ``start`` ``lru``)."""
    words = ["ais", "start", "lru"] + (["--buckets", ",".join(map(str, buckets))] if buckets else [])
    words += ["--force"] if force else []
    kw = ([f"buckets=[{', '.join(sdk_bucket(b) for b in buckets)}]"] if buckets else []) + (
        ["force=True"] if force else [])
    return Cmd("start LRU", ", ".join(map(str, buckets)) or "all buckets", quote_words(words),
               f"client.job(job_kind='lru').start({', '.join(kw)})")


def start_cleanup(bck: Bck | None, *, force: bool = False, rm_zero_size: bool = False,
                  keep_misplaced: bool = False) -> Cmd:
    """``ais space-cleanup [BUCKET] [--force] [--rm-zero-size] [--keep-misplaced]`` (alias of
    ``ais storage cleanup``; ``PUT /v1/cluster``, ``start`` ``cleanup-store``). The SDK's
    ``Job.start`` cannot pass a single bucket or the flags, so its call is given only without them."""
    words = ["ais", "space-cleanup"] + ([str(bck)] if bck else []) + (["--force"] if force else [])
    words += (["--rm-zero-size"] if rm_zero_size else []) + (["--keep-misplaced"] if keep_misplaced else [])
    plain = bck is None and not (rm_zero_size or keep_misplaced)
    sdk = f"client.job(job_kind='cleanup-store').start({'force=True' if force else ''})" if plain else ""
    return Cmd("start storage cleanup", str(bck) if bck else "all buckets", quote_words(words), sdk)


def scrub(bck: Bck | None, prefix: str = "") -> Cmd:
    """``ais scrub [BUCKET[/PREFIX]]`` (alias of ``ais storage validate``): a listing counted on
    the client (no job at v1.5.0); only reads. No single SDK call does it."""
    on = (f"{bck}/{prefix}" if prefix else str(bck)) if bck else "all buckets"
    return Cmd("validate storage", on, quote_words(["ais", "scrub"] + ([on] if bck else [])))


# ---------------------------------------------------------------------- storage


def mountpath_action(action: str, target: str, mountpath: str, *, label: str = "", no_resilver: bool = False) -> Cmd:
    """``ais storage mountpath enable|disable|detach|attach TARGET=MOUNTPATH`` (``[--label L]`` for
    attach, ``[--no-resilver]`` for disable and detach; ``cmd/cli/cli/storage_hdlr.go``
    ``mpathAction``): ``/v1/reverse/daemon/mountpaths`` with ``Ais-Node-Id``. The Python SDK has
    no mountpath calls."""
    words = ["ais", "storage", "mountpath", action, f"{target}={mountpath}"]
    words += (["--label", label] if label else []) + (["--no-resilver"] if no_resilver else [])
    return Cmd(f"{action} mountpath", f"t[{target}] {mountpath}", quote_words(words))


# ---------------------------------------------------------------------- ETL


def etl_init(msg: Mapping[str, Any]) -> Cmd:
    """An ETL initialized from the console's form (``PUT /v1/etl``): the CLI takes a spec file
    (``ais etl init --spec``), so the SDK call ``client.etl(name).init(image=..., ...)`` is
    given. ``msg`` is the init message (``name``, ``runtime.image``, ``runtime.command``,
    ``runtime.env`` as ``[{"name": .., "value": ..}]``, ``communication``, ``init_timeout``,
    ``obj_timeout``)."""
    name = str(msg.get("name", ""))
    rt: Mapping[str, Any] = msg.get("runtime") or {}
    args = [f"image={str(rt.get('image', '')).strip()!r}"]
    if rt.get("command"):
        args.append(f"command={list(rt['command'])!r}")
    for key, kw in (("communication", "comm_type"), ("init_timeout", "init_timeout"), ("obj_timeout", "obj_timeout")):
        if msg.get(key):
            args.append(f"{kw}={str(msg[key])!r}")
    env: list[Mapping[str, Any]] = rt.get("env") or []
    if env:
        args.append(f"**{ {str(e['name']): str(e['value']) for e in env}!r}")
    return Cmd("init ETL", name, "", f"client.etl({name!r}).init({', '.join(args)})")


def _etl_verb(verb: str, cli_verb: str, sdk_verb: str, name: str) -> Cmd:
    return Cmd(f"{verb} ETL", name, quote_words(["ais", "etl", cli_verb, name]), f"client.etl({name!r}).{sdk_verb}()")


def etl_stop(name: str) -> Cmd:
    """``ais etl stop NAME`` (``POST /v1/etl/<name>/stop``)."""
    return _etl_verb("stop", "stop", "stop", name)


def etl_start(name: str) -> Cmd:
    """``ais etl start NAME`` (``POST /v1/etl/<name>/start``)."""
    return _etl_verb("start", "start", "start", name)


def etl_delete(name: str) -> Cmd:
    """``ais etl rm NAME`` (``DELETE /v1/etl/<name>``)."""
    return _etl_verb("delete", "rm", "delete", name)


def transform_bucket(etl: str, src: Bck, dst: Bck, *, prefix: str = "") -> Cmd:
    """``ais etl bucket ETL SRC DST [--prefix P]`` (``etl-bck``)."""
    words = ["ais", "etl", "bucket", etl, str(src), str(dst)] + (["--prefix", prefix] if prefix else [])
    kw = [f"etl_name={etl!r}", f"to_bck={sdk_bucket(dst)}"] + ([f"prefix_filter={prefix!r}"] if prefix else [])
    on = f"{src}/{prefix}" if prefix else str(src)
    return Cmd("transform bucket", f"{on} → {dst}", quote_words(words), f"{sdk_bucket(src)}.transform({', '.join(kw)})")


def transform_objects(etl: str, src: Bck, dst: Bck, names: list[str]) -> Cmd:
    """``ais etl bucket ETL SRC DST --list 'a,b'`` (``etl-listrange``)."""
    cli = quote_words(["ais", "etl", "bucket", etl, str(src), str(dst)] + list_flag(names)) if csv_safe(names) else ""
    return Cmd("transform", f"{objects_on(src, names)} → {dst}", cli,
               f"{sdk_group(src, names)}.transform(to_bck={sdk_bucket(dst)}, etl_name={etl!r})")
