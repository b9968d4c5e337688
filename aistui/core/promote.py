"""Promote: files or a directory on a target's (or every target's) local filesystem become
objects of a bucket; :class:`Promotions`, a part of :class:`~aistui.core.objects.ObjectAPI`
(``client.objects``).

Endpoint (v1.5.0): ``POST /v1/objects/<b>`` with ``{"action":"promote","name":SRC,"value":
apc.PromoteArgs}`` (``tid``, ``src``, ``obj``, ``rcr``, ``ovw``, ``dls``, ``notshr``;
``api.Promote``, ``api/apc/promote.go``); answers a job id when the promotion runs as a job
(a directory, or a file share), else nothing. ``ais object promote SRC BUCKET/PREFIX``. The
source must be an absolute path under :data:`PROMOTE_ROOT` (``apc.PromoteRoot``; the targets
refuse anything else), on the targets' machines, not the client's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import InvalidInput
from .models import Bck, obj_ref
from .names import validate_prefix

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["Promotions", "PROMOTE_ROOT", "promote_source_problem"]

#: the only tree a v1.5.0 target promotes from (``apc.PromoteRoot``)
PROMOTE_ROOT = "/var/lib/ais/promote"


def promote_source_problem(src: str) -> str | None:
    """Why the targets would refuse ``src`` (``apc.validatePromoteSource``: absolute, under
    :data:`PROMOTE_ROOT`, no ``.`` or ``..`` component), or None."""
    if not src:
        return "the source path is empty"
    if not src.startswith("/"):
        return f"the source must be an absolute path (under {PROMOTE_ROOT})"
    if src != PROMOTE_ROOT and not src.startswith(PROMOTE_ROOT + "/"):
        return f"the source must be under {PROMOTE_ROOT} (the only tree a target promotes from)"
    if any(p in (".", "..") for p in src[len(PROMOTE_ROOT):].split("/")):
        return "the source cannot have '.' or '..' path components"
    return None


class Promotions:
    """Promote; a part of :class:`~aistui.core.objects.ObjectAPI`. Raises
    :class:`~aistui.core.errors.AISError` subclasses."""

    _c: AISClient

    async def promote(self, bck: Bck | str, src: str, *, prefix: str = "", target_id: str = "",
                      recursive: bool = False, overwrite: bool = False, delete_src: bool = False,
                      not_file_share: bool = True) -> str:
        """Promote the file or directory ``src`` (a path on the targets; see the module) into
        ``bck`` under ``prefix`` (for a file: the object's name, default its base name; for a
        directory: a prefix for the files' relative paths). ``target_id`` names the one target
        whose filesystem holds ``src`` (default: each target promotes what it sees).
        ``recursive`` includes subdirectories; ``overwrite`` replaces existing objects;
        ``delete_src`` removes the files once promoted; ``not_file_share`` skips the cluster's
        check whether ``src`` is a share seen by every target. Returns the job id ("" when none
        was started). Raises :class:`InvalidInput` for a source the targets would refuse (nothing
        sent), :class:`~aistui.core.errors.BucketNotFound`."""
        b, _ = obj_ref(bck, "x")
        problem = promote_source_problem(src)
        if problem:
            raise InvalidInput(f"cannot promote {src!r}: {problem}")
        validate_prefix(prefix)
        args: dict[str, Any] = {"src": src, "obj": prefix, "rcr": recursive, "ovw": overwrite, "dls": delete_src,
                                "notshr": not_file_share}
        if target_id:
            args["tid"] = target_id
        r = await self._c.request("POST", f"/v1/objects/{b.name}", params=b.query(),
                                  json=self._c.action("promote", args, name=src), idempotent=False)
        ids = self._c.xids(r)
        return ids[0] if ids else ""
