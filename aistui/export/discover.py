"""What the generator needs to know about the data, read through :mod:`aistui.core` (no torch)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.models import Bck

if TYPE_CHECKING:
    from ..core.client import AISClient

LIST_CAP = 200_000  # objects looked at when collecting class folders


def natural_key(s: str) -> tuple:
    """``"2" < "10"``: numbers compare as numbers, the rest as text."""
    return (0, int(s), "") if s.isdigit() else (1, 0, s)


async def discover_classes(client: AISClient, bck: Bck, prefix: str = "", names: list[str] | None = None,
                           cap: int = LIST_CAP) -> list[str]:
    """The class folders (the folder holding each object, e.g. ``3`` in ``train/3/x.png``),
    sorted naturally; objects without a folder are ignored. Looks at ``names`` or lists
    ``prefix`` (at most ``cap`` objects)."""
    found: set[str] = set()

    def add(name: str) -> None:
        parts = name.split("/")
        if len(parts) >= 2 and parts[-2]:
            found.add(parts[-2])

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
