"""The ``:`` command line: parse what the user typed into one navigation step.

``:b ais://imgs/train/`` opens a bucket at a virtual directory, ``:buckets``, ``:cluster``,
``:jobs`` and ``:etl`` switch screens, ``:log`` shows the command log, ``:perf`` the per-target
performance, ``:storage`` the mountpaths and disks, ``:du ais://imgs/train/``
the usage map of a directory, ``:ctx prod`` switches to
another cluster from the config, ``:q`` quits. Parsing is pure (no Textual, no network) so it is tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from .core.errors import InvalidInput
from .core.models import Bck

MODES = {"cluster": "cluster", "c": "cluster", "nodes": "cluster",
         "buckets": "buckets", "bck": "buckets",
         "jobs": "jobs", "j": "jobs", "xactions": "jobs",
         "etl": "etl", "etls": "etl"}

HELP = ("commands: b|bucket <ais://bucket[/prefix]>, du <ais://bucket[/dir/]>, doctor <ais://bucket[/prefix]>, "
        "gallery <ais://bucket[/dir/]>, balance <ais://bucket[/dir/]>, "
        "buckets, cluster, jobs, etl, "
        "log, perf, storage, config [NODE_ID], ctx <name>, q; "
        "a bare ais://… URI opens that bucket")


@dataclass(frozen=True)
class Jump:
    """One parsed command. ``kind`` is ``mode`` (``target`` names it), ``bucket`` (``bck`` and the
    object-name ``prefix`` to show), ``ctx`` (``target`` is a profile name, "" lists them),
    ``log`` (the command log), ``perf`` (per-target performance), ``storage`` (the storage screen),
    ``config`` (the cluster config, or node ``target``'s), ``usage`` (the usage map of
    ``bck`` under the directory ``prefix``, "" or ending with ``/``), ``doctor`` (the dataset doctor of ``bck`` under
    ``prefix``), ``gallery`` (the thumbnails of ``bck`` at the directory ``prefix``), ``balance``
    (the class balance of ``bck`` under the directory ``prefix``) or ``quit``."""

    kind: str
    target: str = ""
    bck: Bck | None = None
    prefix: str = ""


def parse_jump(text: str) -> Jump:
    """Parse a ``:`` command (the colon is optional). Raises :class:`InvalidInput` with a short
    usage line for an unknown command or a bucket that breaks the AIS naming rules."""
    text = text.strip().lstrip(":").strip()
    if not text:
        raise InvalidInput(HELP)
    word, _, rest = text.partition(" ")
    word, rest = word.lower(), rest.strip()
    if "://" in word:  # a bare URI
        return _bucket(text)
    if word in ("q", "quit", "q!"):
        return Jump("quit")
    if word in ("log", "cmdlog", "history") and not rest:
        return Jump("log")
    if word in ("perf", "performance") and not rest:
        return Jump("perf")
    if word in ("storage", "mountpaths", "mp", "disks") and not rest:
        return Jump("storage")
    if word in ("config", "conf", "cfg"):
        if len(rest.split()) > 1:
            raise InvalidInput(f"usage: config [NODE_ID]; {HELP}")
        return Jump("config", rest)
    if word in ("b", "bucket", "o", "objects", "ls"):
        if not rest:
            return Jump("mode", "buckets")
        return _bucket(rest)
    if word in ("du", "usage"):
        if not rest:
            raise InvalidInput(f"usage: du ais://bucket[/dir/]; {HELP}")
        j = _bucket(rest)
        prefix = j.prefix if not j.prefix or j.prefix.endswith("/") else j.prefix + "/"
        return Jump("usage", bck=j.bck, prefix=prefix)
    if word in ("gallery", "thumbs", "g"):
        if not rest:
            raise InvalidInput(f"usage: gallery ais://bucket[/dir/]; {HELP}")
        j = _bucket(rest)
        prefix = j.prefix if not j.prefix or j.prefix.endswith("/") else j.prefix + "/"
        return Jump("gallery", bck=j.bck, prefix=prefix)
    if word in ("balance", "classes"):
        if not rest:
            raise InvalidInput(f"usage: balance ais://bucket[/dir/]; {HELP}")
        j = _bucket(rest)
        prefix = j.prefix if not j.prefix or j.prefix.endswith("/") else j.prefix + "/"
        return Jump("balance", bck=j.bck, prefix=prefix)
    if word in ("doctor", "health"):
        if not rest:
            raise InvalidInput(f"usage: doctor ais://bucket[/prefix]; {HELP}")
        j = _bucket(rest)
        return Jump("doctor", bck=j.bck, prefix=j.prefix)
    if word in ("ctx", "context", "contexts"):
        return Jump("ctx", rest)
    if word in MODES and not rest:
        return Jump("mode", MODES[word])
    raise InvalidInput(f"unknown command {text!r}; {HELP}")


def _bucket(uri: str) -> Jump:
    """``ais://b/p/q`` → bucket ``ais://b`` shown at prefix ``p/q``; a bare name means ``ais://``."""
    if "://" not in uri:
        uri = "ais://" + uri
    scheme, _, path = uri.partition("://")
    if path.startswith("@"):  # remote namespace: ais://@alias/bucket/prefix
        ns, _, path = path.partition("/")
        ns += "/"
    else:
        ns = ""
    name, _, prefix = path.partition("/")
    bck = Bck.parse(f"{scheme}://{ns}{name}")
    return Jump("bucket", bck=bck, prefix=prefix)


def split_prefix(prefix: str) -> tuple[str, str]:
    """An object-name prefix as ``(virtual directory, name start)``: ``train/ca`` →
    ``("train/", "ca")``; ``train/`` → ``("train/", "")``."""
    cut = prefix.rfind("/") + 1
    return prefix[:cut], prefix[cut:]
