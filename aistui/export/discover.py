"""What the generator needs to know about the data, read through :mod:`aistui.core` (no torch)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.labels import folder_label, natural_key
from ..core.models import Bck

if TYPE_CHECKING:
    from ..core.client import AISClient

__all__ = ["LIST_CAP", "natural_key", "discover_classes"]

LIST_CAP = 200_000  # objects looked at when collecting class folders


async def discover_classes(client: AISClient, bck: Bck, prefix: str = "", names: list[str] | None = None,
                           cap: int = LIST_CAP) -> list[str]:
    """The class folders (the folder holding each object, e.g. ``3`` in ``train/3/x.png``),
    sorted naturally; objects without a folder are ignored. Looks at ``names`` or lists
    ``prefix`` (at most ``cap`` objects)."""
    found: set[str] = set()

    def add(name: str) -> None:
        label = folder_label(name)  # the balance view takes the same folder
        if label:
            found.add(label)

    if names is not None:
        for n in names:
            add(n)
    else:
        seen = 0
        async for page in client.objects.iter_pages(bck, prefix=prefix, props="name"):
            entries = page.entries or []  # never None once decoded (decode_lso_msgpack)
            for e in entries:
                add(e.name)
            seen += len(entries)
            if seen >= cap:
                break
    return sorted(found, key=natural_key)
