"""Name rules and URL encoding for buckets and objects.

The rules mirror the server so that a bad name is rejected before anything is sent:

* bucket names: ``cmn.(*Bck).ValidateName`` and ``cos.CheckAlphaPlus`` (v1.5.0): 1..64 bytes of
  ASCII letters, digits, ``-``, ``_`` and ``.``, no ``..``, no leading ``.``;
* object names: ``cos.ValidateOname`` (v1.5.0): non-empty, no trailing ``/``, no ``.`` or ``..``
  path component, no leading ``~/``. Three more rules come from what the cluster does to names
  it accepts (checked against a live v1.5.0 cluster): a leading ``/`` and ``//`` are collapsed,
  so the object would be stored under another name; and ASCII control characters end up raw in
  the proxy's redirect ``Location`` header, which no HTTP client can follow. Lone surrogates (a
  local file name that is not UTF-8, decoded by Python with ``surrogateescape``) cannot be sent
  at all and are refused too.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from .errors import InvalidInput

__all__ = [
    "MAX_BUCKET_NAME",
    "bucket_name_problem",
    "validate_bucket_name",
    "object_name_problem",
    "validate_object_name",
    "validate_prefix",
    "MAX_COMPONENT",
    "copy_name_problem",
    "validate_copy_name",
    "quote_object",
]

MAX_BUCKET_NAME = 64  # bytes, cos.MaxNameLength
_BCK_OK = re.compile(r"[A-Za-z0-9_.\-]+")


def bucket_name_problem(name: str) -> str | None:
    """Return the AIS rule that ``name`` breaks, or None when it is a valid bucket name."""
    if not name:
        return "a bucket name cannot be empty"
    if len(name.encode()) > MAX_BUCKET_NAME:
        return f"a bucket name is at most {MAX_BUCKET_NAME} characters (this one has {len(name.encode())})"
    if name.startswith("."):
        return "a bucket name cannot start with '.' (reserved for system buckets)"
    if not _BCK_OK.fullmatch(name):
        bad = sorted({c for c in name if not _BCK_OK.fullmatch(c)})
        shown = " ".join(repr(c) for c in bad[:5])
        return f"a bucket name may use only letters, digits, '-', '_' and '.' (not {shown})"
    if ".." in name:
        return "a bucket name cannot contain '..'"
    return None


def validate_bucket_name(name: str) -> str:
    """Return ``name`` or raise :class:`InvalidInput` naming the rule it breaks."""
    problem = bucket_name_problem(name)
    if problem:
        raise InvalidInput(f"invalid bucket name {name!r}: {problem}")
    return name


def _path_problem(path: str, what: str) -> str | None:
    bad = next((c for c in path if 0xD800 <= ord(c) <= 0xDFFF), None)
    if bad is not None:  # e.g. a local file name that is not UTF-8 (os.fsdecode's surrogateescape)
        return f"{what} must be UTF-8 text (found the undecodable {bad!r}; rename the file)"
    if path.startswith("~/"):
        return f"{what} cannot start with '~/'"
    for part in path.split("/"):
        if part in (".", ".."):
            return f"{what} cannot have a '{part}' path component"
    return None


def object_name_problem(name: str) -> str | None:
    """Return the AIS rule that object ``name`` breaks, or None when the cluster accepts it."""
    if not name:
        return "an object name cannot be empty"
    if name.endswith("/"):
        return "an object name cannot end with '/'"
    if name.startswith("/"):
        return "an object name cannot start with '/' (the cluster would drop it and store another name)"
    if "//" in name:
        return "an object name cannot contain '//' (the cluster would collapse it and store another name)"
    bad = next((c for c in name if ord(c) < 0x20 or ord(c) == 0x7F), None)
    if bad is not None:
        return f"an object name cannot contain control characters (found {bad!r})"
    return _path_problem(name, "an object name")


MAX_COMPONENT = 255  # bytes: NAME_MAX of the targets' filesystems


def copy_name_problem(name: str, *, single: bool) -> str | None:
    """Return why a copy of object ``name`` would not land under the same name, or None.

    Beyond :func:`object_name_problem`, two v1.5.0 behaviours (checked on a live cluster and in
    the source) change names silently during a copy:

    * a path component longer than 255 bytes: the copy is lost or stored under the target's
      internal short name (``.x<hash>``), for single and multi-object copies and bucket copies;
    * ``single`` (``PUT ...?object_to=``): when the copy goes to another target, the target sends
      it with the name unescaped in the URL (``cmn/hreq.go`` ``HreqArgs.URL``), so ``?`` and
      ``#`` cut the name and ``%XX`` is decoded. A multi-object copy (``copy-listrange``) keeps
      these names intact.
    """
    problem = object_name_problem(name)
    if problem:
        return problem
    long = next((p for p in name.split("/") if len(p.encode()) > MAX_COMPONENT), None)
    if long is not None:
        return (f"the cluster cannot copy a name with a path component longer than {MAX_COMPONENT} bytes "
                f"(this one has {len(long.encode())}): the copy would be lost or renamed")
    if single:
        bad = next((c for c in name if c in "%?#"), None)
        if bad is not None:
            return (f"the cluster would change the name when copying one object with {bad!r} in it; "
                    "copy it as a multi-object copy instead")
    return None


def validate_copy_name(name: str, *, single: bool) -> str:
    """Return ``name`` or raise :class:`InvalidInput` saying why a copy would change it."""
    problem = copy_name_problem(name, single=single)
    if problem:
        raise InvalidInput(f"cannot copy {name!r}: {problem}")
    return name


def validate_object_name(name: str) -> str:
    """Return ``name`` or raise :class:`InvalidInput` naming the rule it breaks."""
    problem = object_name_problem(name)
    if problem:
        raise InvalidInput(f"invalid object name {name!r}: {problem}")
    return name


def validate_prefix(prefix: str) -> str:
    """Return ``prefix`` (a trailing ``/`` is allowed) or raise :class:`InvalidInput`."""
    if prefix:
        problem = _path_problem(prefix, "a prefix")
        if problem:
            raise InvalidInput(f"invalid prefix {prefix!r}: {problem}")
    return prefix


def quote_object(name: str) -> str:
    """Percent-encode an object name for the URL path.

    Every byte but unreserved characters and ``/`` is escaped, so ``%``, ``?``, ``#``, ``+``,
    ``&``, spaces, control characters and non-ASCII text reach the server exactly.
    """
    return quote(name, safe="/")
