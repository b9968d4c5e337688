"""Object rename and custom-metadata edits: :class:`ObjectMeta`, a part of
:class:`~aistui.core.objects.ObjectAPI` (``client.objects``), and :func:`split_uri`.

Endpoints (v1.5.0): rename is ``POST /v1/objects/<b>/<o>`` with ``{"action": "rename-obj",
"name": NEW}`` (``api.RenameObject``, ``api/object.go``; the proxy redirects to the object's
target); custom metadata is ``PATCH /v1/objects/<b>/<o>`` with ``{"value": {k: v}}`` and
``set-new-custom=true`` to replace every key (``api.SetObjectCustomProps``; the target's
``httpobjpatch`` in ``ais/target.go``), sent by :meth:`ObjectData.set_custom`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .errors import BucketNotFound, InvalidInput, NotFound, ObjectNotFound
from .models import Bck, ObjectProps, obj_ref, split_uri
from .names import validate_object_name
from .objdata import object_path

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["ObjectMeta", "split_uri", "check_custom_key"]


def check_custom_key(key: str) -> str:
    """``key`` if it can be a custom metadata key the ``ais`` CLI can carry too (non-empty, no
    ``=`` or ``,``, no outer spaces); else :class:`InvalidInput` naming the rule."""
    if not key or key != key.strip() or "=" in key or "," in key:
        raise InvalidInput(f"custom metadata key {key!r}: must be non-empty, without '=', ',' or outer spaces")
    return key


class ObjectMeta:
    """Rename and custom-metadata calls; a part of :class:`~aistui.core.objects.ObjectAPI`, which
    sets ``_c`` and provides ``head``/``set_custom``. Every method raises
    :class:`~aistui.core.errors.AISError` subclasses."""

    _c: AISClient

    async def head(self, bck: Bck | str, obj: str = "", *,
                   cached_only: bool = False) -> ObjectProps:  # pragma: no cover
        raise NotImplementedError

    async def set_custom(self, bck: Bck | str, obj: str = "", custom: dict[str, str] | None = None, *,
                         replace: bool = False) -> None:  # pragma: no cover
        raise NotImplementedError

    async def update_custom(self, bck: Bck | str, obj: str = "", set_keys: dict[str, str] | None = None,
                            delete: Sequence[str] = ()) -> dict[str, str]:
        """Set (add or update) ``set_keys`` and delete the keys in ``delete`` of one object's
        custom metadata; returns what it holds afterwards. Keys are checked first
        (:func:`check_custom_key`). Without deletions this is one ``PATCH`` (``ais object
        set-custom BUCKET/NAME k=v ...``). The cluster has no per-key delete, so with deletions
        the object's metadata is read (HEAD) and everything that remains is stored with
        ``set-new-custom`` (``... --set-new-custom``). Raises :class:`InvalidInput` for a bad key
        or a key to delete that is not set (nothing sent but the HEAD), :class:`NotFound`."""
        bck, obj = obj_ref(bck, obj)
        set_keys = set_keys or {}
        for k in set_keys:
            check_custom_key(k)
        if not delete:
            await self.set_custom(bck, obj, dict(set_keys))
            return dict((await self.head(bck, obj)).custom)
        current = dict((await self.head(bck, obj)).custom)
        missing = [k for k in delete if k not in current]
        if missing:
            raise InvalidInput(f"{bck}/{obj} has no custom metadata {', '.join(map(repr, missing))}")
        keep = {k: v for k, v in current.items() if k not in delete} | dict(set_keys)
        await self.set_custom(bck, obj, keep, replace=True)
        return keep

    async def rename(self, bck: Bck | str, obj: str = "", new_name: str = "") -> None:
        """Rename object ``obj`` of ``bck`` to ``new_name`` in the same bucket (``rename-obj``,
        see the module). ``ais://`` buckets only (the CLI refuses other providers). Names are
        checked first (:class:`InvalidInput`, nothing sent); an existing ``new_name`` is
        overwritten, as the cluster does. Raises :class:`ObjectNotFound`, :class:`BucketNotFound`."""
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        validate_object_name(new_name)
        if new_name == obj:
            raise InvalidInput(f"{bck}/{obj}: the new name is the object's name")
        if bck.provider != "ais":
            raise InvalidInput(f"cannot rename an object of {bck}: only ais:// buckets support it")
        try:
            await self._c.request("POST", object_path(bck, obj), params=bck.query(),
                                  json=self._c.action("rename-obj", name=new_name), idempotent=False)
        except NotFound as e:
            if isinstance(e, BucketNotFound):
                raise
            raise ObjectNotFound(404, e.message or f"{bck}/{obj} does not exist", tcode=e.tcode) from None

    async def rename_uri(self, uri: str, new_name: str) -> None:
        """:meth:`rename` for ``ais://bucket/name`` (see :func:`split_uri`)."""
        bck, obj = split_uri(uri)
        await self.rename(bck, obj, new_name)
