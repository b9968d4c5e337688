"""The command log: every action the console took against the cluster, with the ``ais`` command
that does the same (or, where no single command does, the ``aistore`` Python SDK call). This is
how the console teaches the CLI, as lazygit teaches git. Textual-free; the session owns one
(:attr:`aistui.session.Session.cmdlog`), the ``:log`` screen shows it.

The builders (:func:`create_bucket`, :func:`delete_objects`, ...) spell commands as the v1.5.0
``ais`` CLI does (``cmd/cli/cli/*.go`` and the default aliases of ``cmd/cli/config/config.go``:
``ais put``, ``ais get``, ``ais prefetch``), every name quoted with :func:`shlex.quote`; SDK calls
quote names as Python literals. Object lists go to ``--list``, which the CLI splits on commas
and strips of surrounding spaces (``splitCsv``): a name that would not survive that has no
single-command equivalent, and the entry gives the SDK call only. Tokens never enter an entry:
the builders take names, and every text added is passed through :meth:`CommandLog.redact`.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from .core.models import Bck

__all__ = ["Cmd", "Entry", "CommandLog", "bucket_cli", "sdk_bucket", "create_bucket", "destroy_bucket",
           "copy_bucket", "evict_bucket", "prefetch_bucket", "set_bucket_props", "delete_objects",
           "evict_objects", "prefetch_objects", "copy_objects", "upload", "download", "abort_job",
           "node_lifecycle", "remote_attach", "remote_detach",
           "etl_init", "etl_stop", "etl_start", "etl_delete", "transform_bucket", "transform_objects", "Recording",
           "rename_bucket", "rename_object", "set_custom", "start_lru", "start_cleanup", "scrub",
           "archive_shard", "put_labels"]

MAX_ENTRIES = 500  # the log keeps the newest this many entries


@dataclass(frozen=True)
class Cmd:
    """What one action is, for the log: ``action`` (a short verb phrase: ``create bucket``),
    ``on`` (what it touches: a bucket, objects, a job, an ETL), ``cli`` (one ``ais`` command line,
    ``""`` when no single command does it) and ``sdk`` (the ``aistore`` SDK call, ``""`` when the
    SDK has none)."""

    action: str
    on: str
    cli: str = ""
    sdk: str = ""


@dataclass(frozen=True)
class Entry:
    """One logged action: when it started (``time``, local, aware), ``action``, ``on``,
    ``result`` (``ok``, ``job <ids>`` or the error's one line), ``duration_s`` (seconds, until it
    answered), its ``cli``/``sdk`` equivalents, ``ok`` (False when it failed) and ``seq`` (its
    number in the log, from 1)."""

    time: datetime
    action: str
    on: str
    result: str
    duration_s: float
    cli: str = ""
    sdk: str = ""
    ok: bool = True
    seq: int = 0  # 1, 2, ... in the order added: the entry's key


def _local_now() -> datetime:
    return datetime.now().astimezone()


class CommandLog:
    """The newest ``maxlen`` entries, oldest first (:meth:`newest_first` for the screen).

    ``clock`` gives an entry's time (tests pin it), ``timer`` measures durations (s, monotonic).
    Texts containing a secret given to :meth:`add_secret` are written with ``***`` instead."""

    def __init__(self, maxlen: int = MAX_ENTRIES, *, clock: Callable[[], datetime] = _local_now,
                 timer: Callable[[], float] = time.monotonic):
        self.entries: deque[Entry] = deque(maxlen=maxlen)
        self.clock = clock
        self.timer = timer
        self._secrets: set[str] = set()
        self._listeners: list[Callable[[Entry], None]] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def newest_first(self) -> list[Entry]:
        """The entries, newest first."""
        return list(reversed(self.entries))

    def add_secret(self, secret: str | None) -> None:
        """Never write ``secret`` (a token) in an entry."""
        if secret:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by ``***``."""
        for s in self._secrets:
            text = text.replace(s, "***")
        return text

    def listen(self, listener: Callable[[Entry], None]) -> None:
        """Call ``listener(entry)`` for every entry added (the log screen, while shown)."""
        self._listeners.append(listener)

    def unlisten(self, listener: Callable[[Entry], None]) -> None:
        """Stop calling ``listener``."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def add(self, cmd: Cmd, result: str, *, started: datetime, duration_s: float, ok: bool = True) -> Entry:
        """Log ``cmd`` started at ``started``, which took ``duration_s`` s and ended as ``result``
        (its first line is kept); returns the entry."""
        r = self.redact
        line = (result.strip().splitlines() or [""])[0]
        self._seq += 1
        entry = Entry(started, r(cmd.action), r(cmd.on), r(line), duration_s, r(cmd.cli), r(cmd.sdk), ok, self._seq)
        self.entries.append(entry)
        for listener in list(self._listeners):
            listener(entry)
        return entry


# ---------------------------------------------------------------------- spelling names


def bucket_cli(bck: Bck, obj: str = "") -> str:
    """``bck`` (and object ``obj``) as one quoted CLI argument: ``ais://b``, ``'ais://b/a b'``."""
    return shlex.quote(f"{bck}/{obj}" if obj else str(bck))


def sdk_bucket(bck: Bck) -> str:
    """``client.bucket("b")`` with ``provider=`` and ``namespace=`` when not the defaults (the
    SDK's ``Client.bucket(bck_name, provider, namespace)``)."""
    args = [repr(bck.name)]
    if bck.provider != "ais":
        args.append(f"provider={bck.provider!r}")
    if not bck.ns.is_global:
        args.append(f"namespace=Namespace(uuid={bck.ns.uuid!r}, name={bck.ns.name!r})")
    return f"client.bucket({', '.join(args)})"


def _csv_safe(names: Iterable[str]) -> bool:
    """True when ``--list`` can carry every name: the CLI splits on ``,`` and strips spaces."""
    return all(n and "," not in n and n == n.strip() for n in names)


def _is_pattern(name: str) -> bool:
    """What the CLI takes for a template rather than a name (``isPattern`` in cmd/cli)."""
    return any(c in name for c in "*?\\") or ("{" in name and "}" in name)


def _objects_on(bck: Bck, names: list[str]) -> str:
    return f"{bck}/{names[0]}" if len(names) == 1 else f"{bck}: {len(names):,} objects"


def _list_flag(names: list[str]) -> list[str]:
    return ["--list", ",".join(names)]


def _join(words: list[str]) -> str:
    return " ".join(shlex.quote(w) for w in words)


def _sdk_group(bck: Bck, names: list[str]) -> str:
    return f"{sdk_bucket(bck)}.objects(obj_names={names!r})"


# ---------------------------------------------------------------------- buckets


def create_bucket(bck: Bck) -> Cmd:
    """``ais bucket create BUCKET`` (``POST /v1/buckets/<b>``, ``action=create-bck``)."""
    return Cmd("create bucket", str(bck), _join(["ais", "bucket", "create", str(bck)]), f"{sdk_bucket(bck)}.create()")


def destroy_bucket(bck: Bck) -> Cmd:
    """``ais bucket rm BUCKET --yes`` (``DELETE /v1/buckets/<b>``, ``action=destroy-bck``)."""
    return Cmd("destroy bucket", str(bck), _join(["ais", "bucket", "rm", str(bck), "--yes"]),
               f"{sdk_bucket(bck)}.delete()")


def copy_bucket(src: Bck, dst: Bck, *, prefix: str = "", dry_run: bool = False, sync: bool = False,
                all_objects: bool = False) -> Cmd:
    """``ais bucket cp SRC DST [--prefix P] [--dry-run] [--sync] [--all]`` (``copy-bck``);
    ``all_objects``: a remote source's uncached objects too."""
    words = ["ais", "bucket", "cp", str(src), str(dst)]
    words += (["--prefix", prefix] if prefix else []) + (["--dry-run"] if dry_run else [])
    words += (["--sync"] if sync else []) + (["--all"] if all_objects else [])
    kw = [f"to_bck={sdk_bucket(dst)}"] + ([f"prefix_filter={prefix!r}"] if prefix else [])
    kw += (["dry_run=True"] if dry_run else []) + (["sync=True"] if sync else [])
    return Cmd("dry-run copy bucket" if dry_run else "copy bucket", f"{src} → {dst}", _join(words),
               f"{sdk_bucket(src)}.copy({', '.join(kw)})")


def evict_bucket(bck: Bck, *, keep_md: bool) -> Cmd:
    """``ais bucket evict BUCKET [--keep-md]`` (``evict-remote-bck``)."""
    return Cmd("evict bucket", str(bck),
               _join(["ais", "bucket", "evict", str(bck)] + (["--keep-md"] if keep_md else [])),
               f"{sdk_bucket(bck)}.evict(keep_md={keep_md})")


def prefetch_bucket(bck: Bck) -> Cmd:
    """``ais prefetch BUCKET`` (``prefetch-listrange`` over the whole bucket). The SDK's
    ``ObjectGroup`` needs names, a range or a non-empty template, so there is no SDK call."""
    return Cmd("prefetch bucket", str(bck), _join(["ais", "prefetch", str(bck)]))


def _flatten(patch: Mapping[str, object], prefix: str = "") -> Iterator[tuple[str, object]]:
    for k, v in patch.items():
        if isinstance(v, Mapping):
            yield from _flatten(cast("Mapping[str, object]", v), f"{prefix}{k}.")  # a nested patch
        else:
            yield f"{prefix}{k}", v


def set_bucket_props(bck: Bck, patch: Mapping[str, object]) -> Cmd:
    """``ais bucket props set BUCKET name=value ...`` for a partial ``Bprops`` ``patch``
    (``{"mirror": {"copies": 2}}`` → ``mirror.copies=2``; ``set-bprops``). The SDK has no call
    that sets bucket props."""
    pairs = [f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in _flatten(patch)]
    return Cmd("set bucket props", str(bck), _join(["ais", "bucket", "props", "set", str(bck)] + pairs))


def reset_bucket_props(bck: Bck) -> Cmd:
    """``ais bucket props reset BUCKET`` (``PATCH /v1/buckets/<b>``, ``reset-bprops``): back to
    the cluster's defaults. The SDK has no call that resets bucket props."""
    return Cmd("reset bucket props", str(bck), _join(["ais", "bucket", "props", "reset", str(bck)]))


# ---------------------------------------------------------------------- config


def set_cluster_config(key: str, value: str, *, transient: bool = False) -> Cmd:
    """``ais config cluster KEY=VALUE [--transient]`` (``PUT /v1/cluster/set-config?KEY=VALUE``;
    ``cmd/cli/cli/config_hdlr.go`` ``setCluConfigHandler``)."""
    words = ["ais", "config", "cluster", f"{key}={value}"] + (["--transient"] if transient else [])
    return Cmd("set cluster config", key, _join(words))


def set_node_config(node_id: str, key: str, value: str, *, transient: bool = False) -> Cmd:
    """``ais config node NODE_ID KEY=VALUE [--transient]`` (``PUT
    /v1/reverse/daemon/set-config?KEY=VALUE`` with ``Ais-Node-Id``; ``setNodeConfigHandler``)."""
    words = ["ais", "config", "node", node_id, f"{key}={value}"] + (["--transient"] if transient else [])
    return Cmd("set node config", f"{node_id}: {key}", _join(words))


def reset_node_config(node_id: str) -> Cmd:
    """``ais config reset NODE_ID`` (``PUT /v1/reverse/daemon``, ``reset-config``;
    ``resetConfigHandler``): the node drops its overrides and takes the cluster config."""
    return Cmd("reset node config", node_id, _join(["ais", "config", "reset", node_id]))


# ---------------------------------------------------------------------- objects


def delete_objects(bck: Bck, names: list[str]) -> Cmd:
    """``ais object rm BUCKET/NAME`` for one object (``DELETE /v1/objects/<b>/<o>``), else
    ``ais object rm BUCKET --list 'a,b'`` (``delete-listrange``)."""
    if len(names) == 1 and names[0] and not _is_pattern(names[0]):
        cli = _join(["ais", "object", "rm", f"{bck}/{names[0]}"])
    elif _csv_safe(names):
        cli = _join(["ais", "object", "rm", str(bck)] + _list_flag(names))
    else:
        cli = ""
    sdk = (f"{sdk_bucket(bck)}.object({names[0]!r}).delete()" if len(names) == 1
           else f"{_sdk_group(bck, names)}.delete()")
    return Cmd("delete", _objects_on(bck, names), cli, sdk)


def evict_objects(bck: Bck, names: list[str]) -> Cmd:
    """``ais bucket evict BUCKET --list 'a,b'`` (``evict-listrange``)."""
    cli = _join(["ais", "bucket", "evict", str(bck)] + _list_flag(names)) if _csv_safe(names) else ""
    return Cmd("evict", _objects_on(bck, names), cli, f"{_sdk_group(bck, names)}.evict()")


def prefetch_objects(bck: Bck, names: list[str]) -> Cmd:
    """``ais prefetch BUCKET --list 'a,b'`` (``prefetch-listrange``)."""
    cli = _join(["ais", "prefetch", str(bck)] + _list_flag(names)) if _csv_safe(names) else ""
    return Cmd("prefetch", _objects_on(bck, names), cli, f"{_sdk_group(bck, names)}.prefetch()")


def copy_objects(src: Bck, dst: Bck, names: list[str]) -> Cmd:
    """``ais bucket cp SRC DST --list 'a,b'`` (``copy-listrange``)."""
    cli = _join(["ais", "bucket", "cp", str(src), str(dst)] + _list_flag(names)) if _csv_safe(names) else ""
    return Cmd("copy", f"{_objects_on(src, names)} → {dst}", cli,
               f"{_sdk_group(src, names)}.copy(to_bck={sdk_bucket(dst)})")


def delete_prefix(bck: Bck, prefix: str) -> Cmd:
    """``ais object rm BUCKET --prefix P`` (``delete-listrange`` with the prefix as template)."""
    return Cmd("delete", f"{bck}/{prefix}", _join(["ais", "object", "rm", str(bck), "--prefix", prefix]),
               f"{sdk_bucket(bck)}.objects(obj_template={prefix!r}).delete()")


def evict_prefix(bck: Bck, prefix: str) -> Cmd:
    """``ais bucket evict BUCKET --prefix P`` (``evict-listrange``)."""
    return Cmd("evict", f"{bck}/{prefix}", _join(["ais", "bucket", "evict", str(bck), "--prefix", prefix]),
               f"{sdk_bucket(bck)}.objects(obj_template={prefix!r}).evict()")


def prefetch_prefix(bck: Bck, prefix: str) -> Cmd:
    """``ais prefetch BUCKET --prefix P`` (``prefetch-listrange``)."""
    return Cmd("prefetch", f"{bck}/{prefix}", _join(["ais", "prefetch", str(bck), "--prefix", prefix]),
               f"{sdk_bucket(bck)}.objects(obj_template={prefix!r}).prefetch()")


def upload(bck: Bck, pairs: list[tuple[str, str]]) -> Cmd:
    """Files ``(local path, object name)`` put into ``bck``: ``ais put FILE BUCKET/NAME`` for one
    file (``PUT /v1/objects/<b>/<o>``); several files (the console maps each path itself) have
    no single command, and the SDK loop is given."""
    if len(pairs) == 1:
        path, name = pairs[0]
        return Cmd("upload", f"{bck}/{name}", _join(["ais", "put", path, f"{bck}/{name}"]),
                   f"{sdk_bucket(bck)}.object({name!r}).get_writer().put_file({path!r})")
    sdk = (f"for path, name in {pairs!r}:\n"
           f"    {sdk_bucket(bck)}.object(name).get_writer().put_file(path)")
    return Cmd("upload", f"{bck}: {len(pairs):,} files", "", sdk)


def download(bck: Bck, names: list[str] | None, dest: str, *, prefix: str = "") -> Cmd:
    """Objects of ``bck`` got into directory ``dest``: ``ais get BUCKET/NAME DEST/BASENAME`` for
    one object (``GET /v1/objects/<b>/<o>``); several (or everything under ``prefix``, with the
    names below it) have no single command, and the SDK loop is given."""
    if names is not None and len(names) == 1:
        name = names[0]
        base = name.rsplit("/", 1)[-1] or name
        return Cmd("download", f"{bck}/{name}", _join(["ais", "get", f"{bck}/{name}", f"{dest.rstrip('/')}/{base}"]),
                   f"{sdk_bucket(bck)}.object({name!r}).get_reader().read_all()")
    if names is None:
        src = f"{sdk_bucket(bck)}.list_objects_iter(prefix={prefix!r})"
        on = f"{bck}/{prefix}" if prefix else str(bck)
        return Cmd("download", on, "", f"for entry in {src}:\n    data = entry.object.get_reader().read_all()")
    return Cmd("download", _objects_on(bck, names), "",
               f"for name in {names!r}:\n    data = {sdk_bucket(bck)}.object(name).get_reader().read_all()")


# ---------------------------------------------------------------------- jobs and ETL


def abort_job(job_id: str, kind: str = "") -> Cmd:
    """``ais job stop JOB_ID`` (``PUT /v1/cluster``, ``action=stop-xaction``)."""
    return Cmd("abort job", f"{kind} {job_id}".strip(), _join(["ais", "job", "stop", job_id]),
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
               _join(["ais", "cluster", "add-remove-nodes", verb, node_id, *flags, "--yes"]))


def remote_attach(alias: str, url: str) -> Cmd:
    """``ais cluster remote-attach ALIAS=URL`` (``PUT /v1/cluster/attach?what=remote``)."""
    return Cmd("attach remote cluster", f"{alias} → {url}",
               _join(["ais", "cluster", "remote-attach", f"{alias}={url}"]))


def remote_detach(alias: str) -> Cmd:
    """``ais cluster remote-detach ALIAS`` (``PUT /v1/cluster/detach?what=remote``)."""
    return Cmd("detach remote cluster", alias, _join(["ais", "cluster", "remote-detach", alias]))


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
    return Cmd(f"{verb} ETL", name, _join(["ais", "etl", cli_verb, name]), f"client.etl({name!r}).{sdk_verb}()")


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
    return Cmd("transform bucket", f"{on} → {dst}", _join(words), f"{sdk_bucket(src)}.transform({', '.join(kw)})")


def transform_objects(etl: str, src: Bck, dst: Bck, names: list[str]) -> Cmd:
    """``ais etl bucket ETL SRC DST --list 'a,b'`` (``etl-listrange``)."""
    cli = _join(["ais", "etl", "bucket", etl, str(src), str(dst)] + _list_flag(names)) if _csv_safe(names) else ""
    return Cmd("transform", f"{_objects_on(src, names)} → {dst}", cli,
               f"{_sdk_group(src, names)}.transform(to_bck={sdk_bucket(dst)}, etl_name={etl!r})")


# ---------------------------------------------------------------------- rename, custom metadata, housekeeping


def rename_bucket(src: Bck, dst: Bck) -> Cmd:
    """``ais bucket mv SRC DST`` (``POST /v1/buckets/<src>?bck_to=<dst>``, ``move-bck``)."""
    return Cmd("rename bucket", f"{src} → {dst}", _join(["ais", "bucket", "mv", str(src), str(dst)]),
               f"{sdk_bucket(src)}.rename({dst.name!r})")


def rename_object(bck: Bck, name: str, new_name: str) -> Cmd:
    """``ais object mv BUCKET/NAME NEW_NAME`` (``POST /v1/objects/<b>/<o>``, ``rename-obj``). The
    SDK has no object rename."""
    return Cmd("rename object", f"{bck}/{name} → {new_name}",
               _join(["ais", "object", "mv", f"{bck}/{name}", new_name]))


def set_custom(bck: Bck, name: str, custom: Mapping[str, str], *, replace: bool = False) -> Cmd:
    """``ais object set-custom BUCKET/NAME k=v ... [--set-new-custom]`` (``PATCH
    /v1/objects/<b>/<o>``). The CLI splits each pair on ``=`` and strips spaces, so a value with
    ``=`` or outer spaces is passed as one JSON argument instead. With ``replace`` and nothing
    left (every key deleted) the CLI, which wants at least one pair, is given ``'{}'``."""
    safe = all("=" not in v and v == v.strip() for v in custom.values())
    args = [f"{k}={v}" for k, v in custom.items()] if safe and custom else [json.dumps(dict(custom))]
    words = ["ais", "object", "set-custom", f"{bck}/{name}", *args] + (["--set-new-custom"] if replace else [])
    sdk = (f"{sdk_bucket(bck)}.object({name!r}).get_writer().set_custom_props({dict(custom)!r}"
           + (", replace_existing=True)" if replace else ")"))
    return Cmd("delete custom metadata" if replace else "set custom metadata", f"{bck}/{name}", _join(words), sdk)


def start_lru(buckets: list[Bck], *, force: bool = False) -> Cmd:
    """``ais start lru [--buckets B1,B2] [--force]`` (``PUT /v1/cluster``, ``start`` ``lru``)."""
    words = ["ais", "start", "lru"] + (["--buckets", ",".join(map(str, buckets))] if buckets else [])
    words += ["--force"] if force else []
    kw = ([f"buckets=[{', '.join(sdk_bucket(b) for b in buckets)}]"] if buckets else []) + (
        ["force=True"] if force else [])
    return Cmd("start LRU", ", ".join(map(str, buckets)) or "all buckets", _join(words),
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
    return Cmd("start storage cleanup", str(bck) if bck else "all buckets", _join(words), sdk)


def scrub(bck: Bck | None, prefix: str = "") -> Cmd:
    """``ais scrub [BUCKET[/PREFIX]]`` (alias of ``ais storage validate``): a listing counted on
    the client (no job at v1.5.0); only reads. No single SDK call does it."""
    on = (f"{bck}/{prefix}" if prefix else str(bck)) if bck else "all buckets"
    return Cmd("validate storage", on, _join(["ais", "scrub"] + ([on] if bck else [])))



# ---------------------------------------------------------------------- storage


def mountpath_action(action: str, target: str, mountpath: str, *, label: str = "", no_resilver: bool = False) -> Cmd:
    """``ais storage mountpath enable|disable|detach|attach TARGET=MOUNTPATH`` (``[--label L]`` for
    attach, ``[--no-resilver]`` for disable and detach; ``cmd/cli/cli/storage_hdlr.go``
    ``mpathAction``): ``/v1/reverse/daemon/mountpaths`` with ``Ais-Node-Id``. The Python SDK has
    no mountpath calls."""
    words = ["ais", "storage", "mountpath", action, f"{target}={mountpath}"]
    words += (["--label", label] if label else []) + (["--no-resilver"] if no_resilver else [])
    return Cmd(f"{action} mountpath", f"t[{target}] {mountpath}", _join(words))


def archive_shard(src: Bck, dst: Bck, shard: str, names: list[str]) -> Cmd:
    """``ais archive bucket SRC DST/SHARD.tar --list 'a,b'`` (the multi-object archive job,
    ``PUT /v1/buckets/<src>`` ``archive``; ``cmd/cli/cli/arch_hdlr.go``)."""
    words = ["ais", "archive", "bucket", str(src), f"{dst}/{shard}"] + _list_flag(names)
    cli = _join(words) if _csv_safe(names) else ""
    return Cmd("archive", f"{_objects_on(src, names)} → {dst}/{shard}", cli,
               f"{_sdk_group(src, names)}.archive(archive_name={shard!r}, to_bck={sdk_bucket(dst)})")


def put_labels(bck: Bck, labels: list[tuple[str, str]]) -> Cmd:
    """Tiny label objects ``(name, text)`` put into ``bck`` (one ``PUT`` each): no single ``ais``
    command; ``echo -n TEXT | ais put - BUCKET/NAME`` for one, the SDK loop for several."""
    if len(labels) == 1:
        name, text = labels[0]
        return Cmd("put labels", f"{bck}/{name}", f"echo -n {shlex.quote(text)} | ais put - {bucket_cli(bck, name)}",
                   f"{sdk_bucket(bck)}.object({name!r}).get_writer().put_content({text.encode()!r})")
    head = labels[:3]
    sdk = (f"for name, text in {head!r}{' + ...' if len(labels) > 3 else ''}:\n"
           f"    {sdk_bucket(bck)}.object(name).get_writer().put_content(text.encode())")
    return Cmd("put labels", f"{bck}: {len(labels):,} .cls objects", "", sdk)


class Recording:
    """One action being timed for the command log (:meth:`Session.record`). On exit the entry is
    added: ``ok``, ``job <ids>`` (:meth:`jobs`), a result set with :meth:`result`, or the
    exception's one-line text (``failed: ...``; cancellation logs ``cancelled``)."""

    def __init__(self, log: CommandLog, cmd: Cmd):
        self._log, self._cmd = log, cmd
        self._result = "ok"
        self._ok = True
        self._started = log.clock()
        self._t0 = 0.0

    def jobs(self, ids: list[str]) -> None:
        """The action started jobs ``ids``: the result says ``job <ids>``."""
        if ids:
            self._result = f"job {', '.join(ids)}"

    def result(self, text: str, ok: bool = True) -> None:
        """The action's result (e.g. ``3 files, 1 failed``); ``ok`` False marks it failed."""
        self._result, self._ok = text, ok

    async def __aenter__(self) -> Recording:
        self._started = self._log.clock()
        self._t0 = self._log.timer()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: object) -> None:
        if isinstance(exc, asyncio.CancelledError):
            self._result, self._ok = "cancelled", False
        elif exc is not None:
            self._result, self._ok = f"failed: {exc}", False
        self._log.add(self._cmd, self._result, started=self._started,
                      duration_s=self._log.timer() - self._t0, ok=self._ok)
