"""The dialogs of the objects screen's object-API actions (:mod:`.apiactions`), built by plain
functions so that they are tested and snapshotted without a cluster: the blob download's confirm
lines, the promote form and its confirm, the "add file to shard" form and its confirm, the "get
matching from shard" form, and the upload dialog with its multipart choice (part size and parts
in flight for files of at least :data:`~aistui.core.objects.MPU_THRESHOLD` bytes)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Static

from ... import format as fmt
from ...core.archive import MATCH_MODES
from ...core.errors import InvalidInput
from ...core.names import validate_object_name, validate_prefix
from ...core.objects import MPU_PART_SIZE, MPU_PARTS_IN_FLIGHT, MPU_THRESHOLD
from ...core.promote import PROMOTE_ROOT, promote_source_problem
from ...core.shardplan import parse_size
from ...spell.objapi import iec
from ...widgets.dialogs import PromptDialog
from ...widgets.form import Field, FormDialog

YES_NO = ("no", "yes")


# ---------------------------------------------------------------------- blob download


def blob_lines(label: str, name: str, size: int) -> list[str]:
    """The blob download confirm: which object (``size`` in bytes, from the listing), that a job
    starts, what it does."""
    return [f"Blob download {label}/{name} ({fmt.size(size)}, {size:,} B) into the cluster.",
            "",
            "Starts a blob-download job: the target that owns the object reads it from the remote backend in "
            "parallel chunks and stores it (chunked) in this cluster. Nothing comes to this machine. The job "
            "shows on the jobs screen (3); a toast says when it ends."]


# ---------------------------------------------------------------------- promote


@dataclass(frozen=True)
class PromoteRequest:
    """What the promote form asked for: ``src`` (a path on the targets), object name ``prefix``,
    ``target_id`` ("" = every target) and the flags."""

    src: str
    prefix: str
    target_id: str
    recursive: bool
    overwrite: bool
    delete_src: bool


def promote_form(label: str, prefix: str) -> FormDialog:
    """The promote form for bucket ``label``; the prefix defaults to the directory shown.
    Dismisses with a :class:`PromoteRequest` or None."""
    fields = [
        Field("src", f"file or directory on the target(s), under {PROMOTE_ROOT}", PROMOTE_ROOT + "/"),
        Field("prefix", "object name prefix (a file: its object name; empty: its base name)", prefix),
        Field("recursive", "recursive (include subdirectories)", "yes", choices=YES_NO),
        Field("overwrite", "overwrite objects already named so", "no", choices=YES_NO),
        Field("delete", "delete the source files once promoted", "no", choices=YES_NO),
        Field("target", "target id (empty: every target promotes what it sees)", "", placeholder="all targets"),
    ]

    def validate(v: dict[str, str]) -> PromoteRequest:
        src = v["src"].rstrip("/") if v["src"] != "/" else v["src"]
        problem = promote_source_problem(src)
        if problem:
            raise InvalidInput(f"cannot promote {src!r}: {problem}")
        validate_prefix(v["prefix"])
        return PromoteRequest(src, v["prefix"], v["target"], v["recursive"] == "yes", v["overwrite"] == "yes",
                              v["delete"] == "yes")

    return FormDialog(f"Promote files from targets into {label}", fields, validate, submit_label="Promote",
                      help_text=f"A file or directory on the targets' own disks (not this machine's) becomes "
                                f"objects of {label}. AIS v1.5.0 promotes only from under {PROMOTE_ROOT}.")


def promote_lines(label: str, r: PromoteRequest) -> list[str]:
    """The promote confirm: what is read where, what is written, what is deleted."""
    on = f"target {r.target_id}" if r.target_id else "every target"
    lines = [f"Promote {r.src} (on {on}{', recursive' if r.recursive else ''})",
             f"   into {label}/{r.prefix}",
             "",
             "Objects already named so are replaced." if r.overwrite else "Objects already named so are kept.",
             "Runs as a job for a directory (the jobs screen, 3, follows it)."]
    if r.delete_src:
        lines += ["", f"DELETES the source files under {r.src} on {on} once promoted: this cannot be undone."]
    return lines


# ---------------------------------------------------------------------- shards


@dataclass(frozen=True)
class ShardAdd:
    """A local file (``path``, ``size`` in bytes) to add to a shard as member ``archpath``."""

    path: str
    archpath: str
    size: int


def shard_add_form(label: str, shard: str) -> FormDialog:
    """The "add file to shard" form. Dismisses with a :class:`ShardAdd` or None; the file must
    be a readable regular file, the member name a valid name (default: the file's name)."""
    fields = [Field("path", "local file", "", placeholder="~/data/00042.cls"),
              Field("archpath", "member name in the shard (empty: the file's name)", "", placeholder="00042.cls")]

    def validate(v: dict[str, str]) -> ShardAdd:
        if not v["path"]:
            raise InvalidInput("give a local file")
        p = Path(os.path.expanduser(v["path"]))
        if not p.is_file():
            raise InvalidInput(f"{p}: not a file")
        archpath = v["archpath"] or p.name
        validate_object_name(archpath)
        return ShardAdd(str(p), archpath, p.stat().st_size)

    return FormDialog(f"Add file to shard {label}/{shard}", fields, validate, submit_label="Add",
                      help_text="The file becomes a member of the existing shard (ais archive put --append); "
                                "the shard keeps its other members.")


def shard_add_lines(label: str, shard: str, a: ShardAdd) -> list[str]:
    """The "add file to shard" confirm."""
    return [f"Add {a.path} ({fmt.size(a.size)})",
            f"  to shard {label}/{shard}",
            f"  as member {a.archpath}",
            "",
            "The shard object is rewritten with the new member appended."]


@dataclass(frozen=True)
class MatchRequest:
    """Read the members of a shard matching ``regex`` under ``mode`` into directory ``dest``."""

    regex: str
    mode: str
    dest: str


def matching_form(label: str, shard: str, dest: str) -> FormDialog:
    """The "get matching from shard" form (regex, mode, local directory). Dismisses with a
    :class:`MatchRequest` or None."""
    fields = [Field("regex", "match", "", placeholder=r"\.cls$ or 00017"),
              Field("mode", "mode (wdskey: a WebDataset sample key)", "regexp", choices=MATCH_MODES),
              Field("dest", "into local directory", dest)]

    def validate(v: dict[str, str]) -> MatchRequest:
        if not v["regex"]:
            raise InvalidInput("give what to match")
        if not v["dest"]:
            raise InvalidInput("give a local directory")
        return MatchRequest(v["regex"], v["mode"], os.path.expanduser(v["dest"]))

    return FormDialog(f"Get matching from shard {label}/{shard}", fields, validate, submit_label="Get",
                      help_text="One GET reads every matching member (archregx/archmode); members keep their "
                                "paths below the directory.")


# ---------------------------------------------------------------------- upload


@dataclass(frozen=True)
class Multipart:
    """How files of at least ``threshold`` bytes are uploaded: ``part_size`` bytes a part,
    ``parts_in_flight`` parts at once."""

    threshold: int = MPU_THRESHOLD
    part_size: int = MPU_PART_SIZE
    parts_in_flight: int = MPU_PARTS_IN_FLIGHT


class UploadDialog(PromptDialog):
    """The upload prompt (paths, directories, globs) with the multipart choice beneath: part size
    and parts in flight for files of at least the threshold. Dismisses with the paths text like
    a :class:`PromptDialog`; :attr:`multipart` holds the choice once submitted."""

    DEFAULT_CSS = """
    UploadDialog .upload-mpu { height: auto; }
    UploadDialog .upload-mpu Static { width: auto; padding: 1 1 0 0; }
    UploadDialog .upload-mpu Input { width: 12; }
    UploadDialog .upload-mpu #upload-parts { width: 8; }
    UploadDialog #upload-error { color: $error; height: auto; }
    """

    def __init__(self, title: str, help_text: str = "", value: str = "", placeholder: str = "",
                 multipart: Multipart | None = None):
        super().__init__(title, help_text, value, placeholder)
        self.multipart = multipart or Multipart()

    def compose_below_input(self) -> ComposeResult:
        m = self.multipart
        with Horizontal(classes="upload-mpu"):
            yield Static(Text(f"files ≥ {fmt.size(m.threshold)}: multipart, part size"))
            yield Input(value=iec(m.part_size), id="upload-part-size")
            yield Static(Text("in flight"))
            yield Input(value=str(m.parts_in_flight), id="upload-parts")
        yield Static("", id="upload-error")

    def submit(self) -> None:
        try:
            part = parse_part_size(self.query_one("#upload-part-size", Input).value)
            text = self.query_one("#upload-parts", Input).value.strip()
            if not text.isdigit() or not 1 <= int(text) <= 64:
                raise InvalidInput(f"parts in flight: a number from 1 to 64, not {text!r}")
        except InvalidInput as e:
            self.query_one("#upload-error", Static).update(Text(str(e)))
            return
        self.multipart = Multipart(self.multipart.threshold, part, int(text))
        super().submit()


def parse_part_size(text: str) -> int:
    """A part size: ``16MiB``, ``8MB``, ``1048576`` (bytes; :func:`~aistui.core.shardplan.parse_size`),
    from 1 KiB (v1.5.0 ``cmn.ChunkSizeMin``) to 5 GiB (``ChunkSizeMax``). Raises
    :class:`InvalidInput` naming the rule."""
    try:
        n = parse_size(text)
    except InvalidInput as e:
        raise InvalidInput(f"part size: {e}") from None
    if not 1 << 10 <= n <= 5 << 30:
        raise InvalidInput(f"part size: from 1KiB to 5GiB (the cluster's chunk limits), not {text!r}")
    return n
