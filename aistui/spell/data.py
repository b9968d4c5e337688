"""The ``ais`` command (or SDK call) of each action on buckets and objects, for the command log:
create, destroy, copy, rename, evict, prefetch and bucket props; object delete, evict, prefetch,
copy (by list or prefix), upload, download, rename, custom metadata, archive shards and label
objects. The rules they follow are in :mod:`aistui.spell`."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, cast

from ..cmdlog import Cmd
from .words import bucket_cli, csv_safe, is_pattern, list_flag, objects_on, quote_words, sdk_bucket, sdk_group

if TYPE_CHECKING:
    from ..core.models import Bck

__all__ = ["create_bucket", "destroy_bucket", "copy_bucket", "evict_bucket", "prefetch_bucket", "set_bucket_props",
           "reset_bucket_props", "rename_bucket", "delete_objects", "evict_objects", "prefetch_objects",
           "copy_objects", "delete_prefix", "evict_prefix", "prefetch_prefix", "upload", "download",
           "rename_object", "set_custom", "archive_shard", "put_labels"]


# ---------------------------------------------------------------------- buckets


def create_bucket(bck: Bck) -> Cmd:
    """``ais bucket create BUCKET`` (``POST /v1/buckets/<b>``, ``action=create-bck``)."""
    return Cmd("create bucket", str(bck), quote_words(["ais", "bucket", "create", str(bck)]),
               f"{sdk_bucket(bck)}.create()")


def destroy_bucket(bck: Bck) -> Cmd:
    """``ais bucket rm BUCKET --yes`` (``DELETE /v1/buckets/<b>``, ``action=destroy-bck``)."""
    return Cmd("destroy bucket", str(bck), quote_words(["ais", "bucket", "rm", str(bck), "--yes"]),
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
    return Cmd("dry-run copy bucket" if dry_run else "copy bucket", f"{src} → {dst}", quote_words(words),
               f"{sdk_bucket(src)}.copy({', '.join(kw)})")


def evict_bucket(bck: Bck, *, keep_md: bool) -> Cmd:
    """``ais bucket evict BUCKET [--keep-md]`` (``evict-remote-bck``)."""
    return Cmd("evict bucket", str(bck),
               quote_words(["ais", "bucket", "evict", str(bck)] + (["--keep-md"] if keep_md else [])),
               f"{sdk_bucket(bck)}.evict(keep_md={keep_md})")


def prefetch_bucket(bck: Bck) -> Cmd:
    """``ais prefetch BUCKET`` (``prefetch-listrange`` over the whole bucket). The SDK's
    ``ObjectGroup`` needs names, a range or a non-empty template, so there is no SDK call."""
    return Cmd("prefetch bucket", str(bck), quote_words(["ais", "prefetch", str(bck)]))


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
    return Cmd("set bucket props", str(bck), quote_words(["ais", "bucket", "props", "set", str(bck)] + pairs))


def reset_bucket_props(bck: Bck) -> Cmd:
    """``ais bucket props reset BUCKET`` (``PATCH /v1/buckets/<b>``, ``reset-bprops``): back to
    the cluster's defaults. The SDK has no call that resets bucket props."""
    return Cmd("reset bucket props", str(bck), quote_words(["ais", "bucket", "props", "reset", str(bck)]))


def rename_bucket(src: Bck, dst: Bck) -> Cmd:
    """``ais bucket mv SRC DST`` (``POST /v1/buckets/<src>?bck_to=<dst>``, ``move-bck``)."""
    return Cmd("rename bucket", f"{src} → {dst}", quote_words(["ais", "bucket", "mv", str(src), str(dst)]),
               f"{sdk_bucket(src)}.rename({dst.name!r})")


# ---------------------------------------------------------------------- objects


def delete_objects(bck: Bck, names: list[str]) -> Cmd:
    """``ais object rm BUCKET/NAME`` for one object (``DELETE /v1/objects/<b>/<o>``), else
    ``ais object rm BUCKET --list 'a,b'`` (``delete-listrange``)."""
    if len(names) == 1 and names[0] and not is_pattern(names[0]):
        cli = quote_words(["ais", "object", "rm", f"{bck}/{names[0]}"])
    elif csv_safe(names):
        cli = quote_words(["ais", "object", "rm", str(bck)] + list_flag(names))
    else:
        cli = ""
    sdk = (f"{sdk_bucket(bck)}.object({names[0]!r}).delete()" if len(names) == 1
           else f"{sdk_group(bck, names)}.delete()")
    return Cmd("delete", objects_on(bck, names), cli, sdk)


def evict_objects(bck: Bck, names: list[str]) -> Cmd:
    """``ais bucket evict BUCKET --list 'a,b'`` (``evict-listrange``)."""
    cli = quote_words(["ais", "bucket", "evict", str(bck)] + list_flag(names)) if csv_safe(names) else ""
    return Cmd("evict", objects_on(bck, names), cli, f"{sdk_group(bck, names)}.evict()")


def prefetch_objects(bck: Bck, names: list[str]) -> Cmd:
    """``ais prefetch BUCKET --list 'a,b'`` (``prefetch-listrange``)."""
    cli = quote_words(["ais", "prefetch", str(bck)] + list_flag(names)) if csv_safe(names) else ""
    return Cmd("prefetch", objects_on(bck, names), cli, f"{sdk_group(bck, names)}.prefetch()")


def copy_objects(src: Bck, dst: Bck, names: list[str]) -> Cmd:
    """``ais bucket cp SRC DST --list 'a,b'`` (``copy-listrange``)."""
    cli = quote_words(["ais", "bucket", "cp", str(src), str(dst)] + list_flag(names)) if csv_safe(names) else ""
    return Cmd("copy", f"{objects_on(src, names)} → {dst}", cli,
               f"{sdk_group(src, names)}.copy(to_bck={sdk_bucket(dst)})")


def delete_prefix(bck: Bck, prefix: str) -> Cmd:
    """``ais object rm BUCKET --prefix P`` (``delete-listrange`` with the prefix as template)."""
    return Cmd("delete", f"{bck}/{prefix}", quote_words(["ais", "object", "rm", str(bck), "--prefix", prefix]),
               f"{sdk_bucket(bck)}.objects(obj_template={prefix!r}).delete()")


def evict_prefix(bck: Bck, prefix: str) -> Cmd:
    """``ais bucket evict BUCKET --prefix P`` (``evict-listrange``)."""
    return Cmd("evict", f"{bck}/{prefix}", quote_words(["ais", "bucket", "evict", str(bck), "--prefix", prefix]),
               f"{sdk_bucket(bck)}.objects(obj_template={prefix!r}).evict()")


def prefetch_prefix(bck: Bck, prefix: str) -> Cmd:
    """``ais prefetch BUCKET --prefix P`` (``prefetch-listrange``)."""
    return Cmd("prefetch", f"{bck}/{prefix}", quote_words(["ais", "prefetch", str(bck), "--prefix", prefix]),
               f"{sdk_bucket(bck)}.objects(obj_template={prefix!r}).prefetch()")


def upload(bck: Bck, pairs: list[tuple[str, str]]) -> Cmd:
    """Files ``(local path, object name)`` put into ``bck``: ``ais put FILE BUCKET/NAME`` for one
    file (``PUT /v1/objects/<b>/<o>``); several files (the console maps each path itself) have
    no single command, and the SDK loop is given."""
    if len(pairs) == 1:
        path, name = pairs[0]
        return Cmd("upload", f"{bck}/{name}", quote_words(["ais", "put", path, f"{bck}/{name}"]),
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
        return Cmd("download", f"{bck}/{name}",
                   quote_words(["ais", "get", f"{bck}/{name}", f"{dest.rstrip('/')}/{base}"]),
                   f"{sdk_bucket(bck)}.object({name!r}).get_reader().read_all()")
    if names is None:
        src = f"{sdk_bucket(bck)}.list_objects_iter(prefix={prefix!r})"
        on = f"{bck}/{prefix}" if prefix else str(bck)
        return Cmd("download", on, "", f"for entry in {src}:\n    data = entry.object.get_reader().read_all()")
    return Cmd("download", objects_on(bck, names), "",
               f"for name in {names!r}:\n    data = {sdk_bucket(bck)}.object(name).get_reader().read_all()")


def rename_object(bck: Bck, name: str, new_name: str) -> Cmd:
    """``ais object mv BUCKET/NAME NEW_NAME`` (``POST /v1/objects/<b>/<o>``, ``rename-obj``). The
    SDK has no object rename."""
    return Cmd("rename object", f"{bck}/{name} → {new_name}",
               quote_words(["ais", "object", "mv", f"{bck}/{name}", new_name]))


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
    return Cmd("delete custom metadata" if replace else "set custom metadata", f"{bck}/{name}", quote_words(words), sdk)


def archive_shard(src: Bck, dst: Bck, shard: str, names: list[str]) -> Cmd:
    """``ais archive bucket SRC DST/SHARD.tar --list 'a,b'`` (the multi-object archive job,
    ``PUT /v1/buckets/<src>`` ``archive``; ``cmd/cli/cli/arch_hdlr.go``)."""
    words = ["ais", "archive", "bucket", str(src), f"{dst}/{shard}"] + list_flag(names)
    cli = quote_words(words) if csv_safe(names) else ""
    return Cmd("archive", f"{objects_on(src, names)} → {dst}/{shard}", cli,
               f"{sdk_group(src, names)}.archive(archive_name={shard!r}, to_bck={sdk_bucket(dst)})")


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
