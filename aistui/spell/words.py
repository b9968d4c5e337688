"""Spelling names for the command log's ``ais`` commands and SDK calls: a bucket or object as one
quoted CLI argument, a bucket as an SDK ``client.bucket(...)``, object lists for ``--list`` (and
when the CLI cannot carry them), words joined into one shell-safe command line."""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..core.models import Bck

__all__ = ["bucket_cli", "sdk_bucket", "csv_safe", "is_pattern", "objects_on", "list_flag", "quote_words",
           "sdk_group"]


def bucket_cli(bck: Bck, obj: str = "") -> str:
    """``bck`` (and object ``obj``) as one quoted CLI argument: ``ais://b``, ``'ais://b/a b'``."""
    return shlex.quote(f"{bck}/{obj}" if obj else str(bck))


def sdk_bucket(bck: Bck) -> str:
    """``client.bucket("b")`` with ``provider=`` and ``namespace=`` when not the defaults (the
    SDK's ``Client.bucket(bck_name, provider, namespace)``)."""
    args = [repr(bck.name)]
    if bck.provider != "ais":
        args.append(f"provider={bck.provider!r}")
    if not bck.ns.is_global:
        args.append(f"namespace=Namespace(uuid={bck.ns.uuid!r}, name={bck.ns.name!r})")
    return f"client.bucket({', '.join(args)})"


def csv_safe(names: Iterable[str]) -> bool:
    """True when ``--list`` can carry every name: the CLI splits on ``,`` and strips spaces."""
    return all(n and "," not in n and n == n.strip() for n in names)


def is_pattern(name: str) -> bool:
    """What the CLI takes for a template rather than a name (``isPattern`` in cmd/cli)."""
    return any(c in name for c in "*?\\") or ("{" in name and "}" in name)


def objects_on(bck: Bck, names: list[str]) -> str:
    """What a list of objects touches, for an entry's ``on``: ``ais://b/x`` for one, else ``ais://b: 1,234 objects``."""
    return f"{bck}/{names[0]}" if len(names) == 1 else f"{bck}: {len(names):,} objects"


def list_flag(names: list[str]) -> list[str]:
    """``["--list", "a,b"]``: the CLI's object list (check :func:`csv_safe` first)."""
    return ["--list", ",".join(names)]


def quote_words(words: list[str]) -> str:
    """``words`` as one command line, each quoted with :func:`shlex.quote` where needed."""
    return " ".join(shlex.quote(w) for w in words)


def sdk_group(bck: Bck, names: list[str]) -> str:
    """The SDK's object group of ``names``: ``client.bucket(...).objects(obj_names=[...])``."""
    return f"{sdk_bucket(bck)}.objects(obj_names={names!r})"
