"""Data models of the AIS core, one module per resource; every public name is re-exported here, so
``from aistui.core.models import Bck`` works as it always did.

* :mod:`.bucket`: ``Namespace``, ``Bck``, ``BucketSummary``, ``PROVIDERS``;
* :mod:`.cluster`: ``Smap``, ``Snode``, ``NodeStatus``, ``Mountpath``, ``NodeRates``,
  ``RemoteCluster``, ``NODE_FLAGS``/``STATE_FLAGS`` and ``decode_flags``;
* :mod:`.listing`: ``ObjEntry``, ``LsoPage``, ``decode_lso_msgpack``, the ``LS_*`` and ``ENTRY_*`` flags;
* :mod:`.objects`: ``ObjectProps``;
* :mod:`.jobs`: ``JobSnap``, ``Job``, ``IDLE_KINDS``, ``JOB_DISPLAY_NAMES``;
* :mod:`.etl`: ``ETLInfo``, ``ETLDetails``.

Wire shapes follow AIS 5.0 (tag v1.5.0): ``cmn/bck_wire.go`` (Bck, Ns), ``meta/smap.go`` (Smap,
Snode), ``stats/api.go`` (node status), ``cmn/objlist.go`` (LsoRes, LsoEnt), ``core/xaction.go``
(Snap). Parsers raise :class:`~aistui.core.errors.ProtocolError` on shapes they cannot read.
"""

from __future__ import annotations

from .bucket import PROVIDERS, Bck, BucketSummary, Namespace, obj_ref, split_uri
from .cluster import NODE_FLAGS, STATE_FLAGS, Mountpath, NodeRates, NodeStatus, RemoteCluster, Smap, Snode, decode_flags
from .etl import ETLDetails, ETLInfo
from .jobs import IDLE_KINDS, JOB_DISPLAY_NAMES, Job, JobSnap
from .jobs import parse_time as parse_time  # used by core/jobs.py
from .listing import (
    ENTRY_HEAD_FAIL,
    ENTRY_IN_ARCH,
    ENTRY_IS_ARCHIVE,
    ENTRY_IS_CACHED,
    ENTRY_IS_CHUNKED,
    ENTRY_IS_DIR,
    ENTRY_STATUS_MASK,
    ENTRY_VER_CHANGED,
    ENTRY_VER_REMOVED,
    LS_ARCH_DIR,
    LS_BCK_PRESENT,
    LS_CACHED,
    LS_DELETED,
    LS_DIFF,
    LS_DONT_ADD_REMOTE,
    LS_DONT_HEAD_REMOTE,
    LS_MISSING,
    LS_NAME_ONLY,
    LS_NAME_SIZE,
    LS_NO_DIRS,
    LS_NO_RECURSION,
    LS_NOT_CACHED,
    LsoPage,
    ObjEntry,
    decode_lso_msgpack,
)
from .objects import ObjectProps

__all__ = [
    "PROVIDERS",
    "obj_ref",
    "split_uri",
    "Namespace",
    "Bck",
    "Snode",
    "Smap",
    "NODE_FLAGS",
    "STATE_FLAGS",
    "decode_flags",
    "Mountpath",
    "NodeStatus",
    "NodeRates",
    "RemoteCluster",
    "BucketSummary",
    "ObjEntry",
    "LsoPage",
    "ObjectProps",
    "JobSnap",
    "Job",
    "ETLInfo",
    "ETLDetails",
    "LS_CACHED",
    "LS_NOT_CACHED",
    "LS_NO_RECURSION",
    "LS_NAME_ONLY",
    "LS_NAME_SIZE",
    "LS_BCK_PRESENT",
    "LS_NO_DIRS",
    "ENTRY_IS_CACHED",
    "ENTRY_IS_DIR",
    "ENTRY_IN_ARCH",
    "ENTRY_IS_ARCHIVE",
    # public before the split too, though not listed then
    "decode_lso_msgpack",
    "IDLE_KINDS",
    "JOB_DISPLAY_NAMES",
    "LS_MISSING",
    "LS_DELETED",
    "LS_ARCH_DIR",
    "LS_DONT_HEAD_REMOTE",
    "LS_DONT_ADD_REMOTE",
    "LS_DIFF",
    "ENTRY_STATUS_MASK",
    "ENTRY_VER_CHANGED",
    "ENTRY_VER_REMOVED",
    "ENTRY_HEAD_FAIL",
    "ENTRY_IS_CHUNKED",
]

