"""Class labels of a labeled dataset: where a sample's class comes from, as the export's
``labels`` option reads it (:mod:`aistui.export`) and the class balance counts it
(:mod:`aistui.core.balance`).

* ``folder``: the folder holding the object inside its split (``train/3/00017.png`` → ``3``),
  :func:`folder_label`; the generated loader takes the same folder (``name.split("/")[-2]``);
* ``mapping``: a JSON file ``{object name or key: label}`` (``ais://bucket/labels.json`` or a
  local path), read ONCE (:func:`read_mapping`, ``GET /v1/objects/<b>/<o>``); an object's label
  is the mapping's value for its full name, else for its WebDataset key (:func:`mapping_label`,
  as the generated loader looks it up);
* ``member``: the ``.cls`` member of each shard sample, read with get-batch (in
  ``core/balance.py``).

:func:`natural_key` orders classes (``"2" < "10"``). Raises
:class:`~aistui.core.errors.InvalidInput` for a bad mapping file.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .errors import InvalidInput
from .models import Bck

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["SOURCES", "natural_key", "folder_label", "mapping_label", "parse_mapping", "read_mapping"]

#: label source -> what it is (the export's ``labels`` option minus ``none``)
SOURCES: dict[str, str] = {
    "folder": "the class folder inside each split (train/<class>/x.png)",
    "mapping": "a JSON mapping file {name or key: label}",
    "member": "the .cls member of each shard sample (read with get-batch)",
}


def natural_key(s: str) -> tuple[int, int, str]:
    """``"2" < "10"``: numbers compare as numbers, the rest as text (the export sorts its class
    folders with it)."""
    return (0, int(s), "") if s.isdigit() else (1, 0, s)


def folder_label(name: str) -> str:
    """The class of ``name`` from its folder: the folder holding it (``3/x.png`` → ``3``,
    ``a/b/3/x.png`` → ``3``); "" for a name without a folder or with an empty one."""
    parts = name.split("/")
    return parts[-2] if len(parts) >= 2 else ""


def mapping_label(mapping: Mapping[str, str], name: str) -> str:
    """The label of object ``name``: the mapping's value for the full name, else for its stem
    (the last segment up to its first dot, as the generated loader looks it up); "" when
    neither is there."""
    if name in mapping:
        return mapping[name]
    stem = name.rsplit("/", 1)[-1].split(".")[0]
    return mapping.get(stem, "")


def parse_mapping(data: bytes, where: str = "the mapping file") -> dict[str, str]:
    """A JSON object ``{name or key: label}`` as ``{str: str}`` (labels ``str()``-ed: ``3`` →
    ``"3"``). Raises :class:`InvalidInput` when it is not JSON or not an object."""
    try:
        obj: Any = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidInput(f"{where} is not JSON: {e}") from None
    if not isinstance(obj, dict):
        raise InvalidInput(f"{where} is not a JSON object {{name or key: label}}")
    return {str(k): str(v) for k, v in cast(dict[Any, Any], obj).items()}


async def read_mapping(client: AISClient, label_file: str) -> dict[str, str]:
    """Read the mapping file once: ``ais://bucket/object`` (any provider URI) from the cluster
    (``GET /v1/objects/<b>/<o>``), anything else as a local path. Raises
    :class:`InvalidInput` (no file named, a bad URI, not a JSON object, an unreadable local
    file) and the GET's :class:`~aistui.core.errors.AISError` (e.g. ``ObjectNotFound``)."""
    if not label_file:
        raise InvalidInput("labels from a mapping file need the file (ais://bucket/labels.json or a path)")
    if "://" in label_file:
        bucket_part, _, obj = label_file.partition("://")[2].partition("/")
        if not bucket_part or not obj:
            raise InvalidInput(f"{label_file!r}: name the object, ais://bucket/labels.json")
        bck = Bck.parse(label_file[:len(label_file) - len(obj) - 1])
        data = await client.objects.get(bck, obj)
    else:
        try:
            data = await asyncio.to_thread(Path(label_file).expanduser().read_bytes)
        except OSError as e:
            raise InvalidInput(f"cannot read {label_file}: {e.strerror or e}") from None
    return parse_mapping(data, label_file)
