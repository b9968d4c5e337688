"""The ``ais`` command (or SDK call) of the rest of the object API as the objects screen uses it,
for the command log: blob download, promote, adding a member to a shard, reading a shard's
matching members, and an upload whose large files go by native multipart with the part size
and parts in flight chosen in the upload dialog. Spelled as the v1.5.0 CLI does
(``cmd/cli/cli/job_do_hdlr.go``, ``object_hdlr.go``, ``arch_hdlr.go``, ``const.go``); the rules
they follow are in :mod:`aistui.spell`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..cmdlog import Cmd
from .data import upload
from .words import quote_words, sdk_bucket

if TYPE_CHECKING:
    from ..core.models import Bck

__all__ = ["blob_download", "promote", "append_to_shard", "get_matching", "upload_chunked", "iec"]


def iec(n: int) -> str:
    """Bytes as the CLI's size flags take them: ``16MiB`` when a whole number of MiB (or KiB,
    GiB), else the raw number (``parseSizeFlag`` accepts both)."""
    for unit, mult in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= mult and n % mult == 0:
            return f"{n // mult}{unit}"
    return str(n)


def blob_download(bck: Bck, name: str, *, chunk_size: int = 0, num_workers: int = 0, latest: bool = False) -> Cmd:
    """``ais blob-download BUCKET/OBJECT`` (the default alias of ``ais job start blob-download``,
    ``cmd/cli/config/config.go``; ``--chunk-size``, ``--num-workers``, ``--latest``), the job
    ``POST /v1/objects/<b>`` ``blob-download``; SDK ``Object.blob_download``."""
    words = ["ais", "blob-download", f"{bck}/{name}"]
    kw: list[str] = []
    if chunk_size:
        words += ["--chunk-size", iec(chunk_size)]
        kw.append(f"chunk_size={chunk_size}")
    if num_workers:
        words += ["--num-workers", str(num_workers)]
        kw.append(f"num_workers={num_workers}")
    if latest:
        words.append("--latest")
        kw.append("latest=True")
    return Cmd("blob download", f"{bck}/{name}", quote_words(words),
               f"{sdk_bucket(bck)}.object({name!r}).blob_download({', '.join(kw)})")


def promote(bck: Bck, src: str, prefix: str, *, target_id: str = "", recursive: bool = False,
            overwrite: bool = False, delete_src: bool = False, not_file_share: bool = True) -> Cmd:
    """``ais object promote SRC BUCKET/PREFIX`` with ``--recursive``, ``--overwrite-dst``,
    ``--delete-src``, ``--target-id``, ``--not-file-share`` (``object_hdlr.go``, ``const.go``);
    ``POST /v1/objects/<b>`` ``promote``; SDK ``Object.promote``."""
    words = ["ais", "object", "promote", src, f"{bck}/{prefix}"]
    words += (["--recursive"] if recursive else []) + (["--overwrite-dst"] if overwrite else [])
    words += (["--delete-src"] if delete_src else []) + (["--target-id", target_id] if target_id else [])
    words += ["--not-file-share"] if not_file_share else []
    kw = [repr(src)] + ([f"target_id={target_id!r}"] if target_id else [])
    kw += (["recursive=True"] if recursive else []) + (["overwrite_dest=True"] if overwrite else [])
    kw += (["delete_source=True"] if delete_src else []) + (["src_not_file_share=True"] if not_file_share else [])
    return Cmd("promote", f"{src} → {bck}/{prefix}", quote_words(words),
               f"{sdk_bucket(bck)}.object({prefix!r}).promote({', '.join(kw)})")


def append_to_shard(bck: Bck, shard: str, path: str, archpath: str) -> Cmd:
    """``ais archive put FILE BUCKET/SHARD --archpath MEMBER --append`` (the shard must exist;
    ``arch_hdlr.go``): ``PUT /v1/objects/<b>/<shard>?archpath=`` with ``Ais-Pine``. The SDK has
    no call that adds one member to a shard."""
    return Cmd("add to shard", f"{bck}/{shard} ← {archpath}",
               quote_words(["ais", "archive", "put", path, f"{bck}/{shard}", "--archpath", archpath, "--append"]))


def get_matching(bck: Bck, shard: str, regex: str, mode: str, dest: str) -> Cmd:
    """``ais archive get BUCKET/SHARD DIR --archregx R --archmode M --extract`` (the matching
    members, one GET with ``archregx``/``archmode``; ``arch_hdlr.go``, ``const.go``); SDK
    ``get_reader(archive_config=ArchiveConfig(regex=R, mode=ArchiveMode.M))``."""
    words = ["ais", "archive", "get", f"{bck}/{shard}", dest, "--archregx", regex, "--archmode", mode, "--extract"]
    sdk = (f"{sdk_bucket(bck)}.object({shard!r}).get_reader(archive_config=ArchiveConfig("
           f"regex={regex!r}, mode=ArchiveMode.{mode.upper()})).read_all()")
    return Cmd("get matching", f"{bck}/{shard} ~ {regex}", quote_words(words), sdk)


def upload_chunked(bck: Bck, pairs: list[tuple[str, str]], sizes: list[int], *, threshold: int, part_size: int,
                   parts_in_flight: int) -> Cmd:
    """An upload whose files of at least ``threshold`` bytes go by native multipart upload with
    ``part_size``-byte parts, ``parts_in_flight`` at once (``sizes`` in bytes, one per pair). One
    such file: ``ais put FILE BUCKET/NAME --chunk-size PART --num-workers N`` (v1.5.0 ``ais put``
    chunks a file with ``--chunk-size`` and sends ``--num-workers`` parts at once,
    ``cmd/cli/cli/multipart.go``); otherwise as :func:`~aistui.spell.data.upload`."""
    cmd = upload(bck, pairs)
    if len(pairs) == 1 and sizes and sizes[0] >= threshold and cmd.cli:
        cli = cmd.cli + " " + quote_words(["--chunk-size", iec(part_size), "--num-workers", str(parts_in_flight)])
        return Cmd(cmd.action, cmd.on, cli, cmd.sdk)
    return cmd
