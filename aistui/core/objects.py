"""Object calls (``client.objects``): one :class:`ObjectAPI` made of parts,
:class:`~aistui.core.objdata.ObjectData` (HEAD, GET, PUT bytes/file/multipart, custom metadata,
delete one; ``core/objdata.py``), :class:`~aistui.core.objmeta.ObjectMeta` (rename, custom
metadata edits; ``core/objmeta.py``), the large-object, hand-upload, archive and promote calls
(``core/largeobj.py``, ``core/multipart.py``, ``core/archive.py``, ``core/promote.py``) and
:class:`~aistui.core.multiobj.ObjectSets` (listing, archive members, evict/copy one, and the
``*-listrange`` multi-object jobs; ``core/multiobj.py``).

Endpoints (AIS 5.0): list is ``GET /v1/buckets/<b>`` with ``{"action":"list","value":LsoMsg}``
(answered in msgpack with ``Accept: application/msgpack``); object calls are
``/v1/objects/<b>/<o>`` (GET answers 301, PUT/HEAD/DELETE 307 to a target); multi-object jobs are
``POST|DELETE /v1/buckets/<b>`` with ``*-listrange`` actions; native multipart upload is
``mpt-upload`` / ``?uploadId=&partNumber=`` / ``mpt-complete`` / ``mpt-abort``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .archive import Archives
from .hrw import Locator
from .largeobj import LargeObjects
from .models import Bck, Snode
from .multiobj import DEFAULT_PROPS, ObjectSets
from .multipart import HandUploads
from .objdata import MPU_PART_SIZE, MPU_PARTS_IN_FLIGHT, MPU_THRESHOLD, ObjectData, ProgressFn
from .objmeta import ObjectMeta
from .promote import Promotions

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["ObjectAPI", "ProgressFn", "DEFAULT_PROPS", "MPU_THRESHOLD", "MPU_PART_SIZE", "MPU_PARTS_IN_FLIGHT"]


class ObjectAPI(ObjectData, ObjectSets, ObjectMeta, LargeObjects, HandUploads, Archives, Promotions):
    """Object-level calls (``client.objects``); every method raises
    :class:`~aistui.core.errors.AISError` subclasses. The methods live in
    :class:`~aistui.core.objdata.ObjectData`, :class:`~aistui.core.multiobj.ObjectSets`,
    :class:`~aistui.core.objmeta.ObjectMeta`, :class:`~aistui.core.largeobj.LargeObjects` (HEAD v2,
    parallel download, blob download), :class:`~aistui.core.multipart.HandUploads` (multipart by
    hand, append), :class:`~aistui.core.archive.Archives` (archive job, read by regex, append to a
    shard) and :class:`~aistui.core.promote.Promotions`. Every call that takes a bucket and an
    object name also takes one ``ais://bucket/name`` URI (:func:`~aistui.core.models.obj_ref`)."""

    def __init__(self, client: AISClient):
        self._c = client
        self._locator: Locator | None = None

    @property
    def locator(self) -> Locator:
        """The object → target :class:`~aistui.core.hrw.Locator` on a cached Smap (made on first use)."""
        if self._locator is None:
            self._locator = Locator(self._c)
        return self._locator

    async def locate(self, bck: Bck, name: str) -> Snode:
        """The target that holds object ``name`` of ``bck``, computed on the client as the proxy's
        HRW does (``core/hrw.py``) on a cached Smap; ``objects.locator.refresh()`` re-reads the
        map. Raises :class:`~aistui.core.hrw.NoTargets` or the Smap call's errors."""
        return await self.locator.locate(bck, name)
