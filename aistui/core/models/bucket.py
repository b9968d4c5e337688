"""Buckets: ``Namespace``, ``Bck`` (``cmn/bck_wire.go``, v1.5.0) and ``BucketSummary``
(``cmn.BsummResult``).

Parsers raise :class:`~aistui.core.errors.ProtocolError` on shapes they cannot read; ``Bck.parse``
raises :class:`~aistui.core.errors.InvalidInput` on a bad URI or name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput
from ..names import validate_bucket_name
from ._wire import dict_field as _d
from ._wire import float_field as _f
from ._wire import int_field as _i
from ._wire import str_field as _s

#: provider name -> URL scheme, as ``apc.ToScheme``.
PROVIDERS: dict[str, str] = {"ais": "ais", "aws": "s3", "gcp": "gs", "azure": "az", "oci": "oc"}
_SCHEME_TO_PROVIDER = {v: k for k, v in PROVIDERS.items()} | {k: k for k in PROVIDERS}


@dataclass(frozen=True, slots=True)
class Namespace:
    """A bucket namespace (``cmn.Ns``): ``uuid`` is the remote cluster's UUID or alias
    (empty for this cluster), ``name`` an optional sub-namespace."""

    uuid: str = ""
    name: str = ""

    @property
    def is_global(self) -> bool:
        return not self.uuid and not self.name

    @property
    def is_remote(self) -> bool:
        return bool(self.uuid)

    def uname(self) -> str:
        """The namespace uname used in queries: ``@uuid#name`` (``@#`` for global)."""
        return f"@{self.uuid}#{self.name}"

    def __str__(self) -> str:
        if self.is_global:
            return ""
        return f"@{self.uuid}" + (f"#{self.name}" if self.name else "")

    @classmethod
    def from_json(cls, d: Any) -> Namespace:
        d = _d(d, "namespace")
        return cls(uuid=_s(d, "uuid"), name=_s(d, "name"))


@dataclass(frozen=True, slots=True)
class Bck:
    """A bucket: ``name``, ``provider`` (``ais``, ``aws``, ``gcp``, ``azure``, ``oci``) and
    namespace. ``str(Bck)`` gives the CLI form, e.g. ``ais://imgs`` or ``ais://@remais/imgs``."""

    name: str
    provider: str = "ais"
    ns: Namespace = Namespace()

    @classmethod
    def parse(cls, uri: str, *, validate: bool = True) -> Bck:
        """Parse ``ais://b``, ``s3://b``, ``ais://@remais/b``, ``ais://@uuid#ns/b`` or a bare ``b``.

        A trailing ``/`` is allowed. Raises :class:`InvalidInput` for an unknown scheme or a bucket
        name that breaks the AIS rules.
        """
        text = uri.strip()
        provider = "ais"
        if "://" in text:
            scheme, text = text.split("://", 1)
            provider = _SCHEME_TO_PROVIDER.get(scheme.lower(), "")
            if not provider:
                raise InvalidInput(f"unknown provider {scheme!r} in {uri!r} (use one of ais, s3, gs, az, oc)")
        ns = Namespace()
        if text.startswith("@"):
            ns_part, _, text = text[1:].partition("/")
            uuid, _, nsname = ns_part.partition("#")
            if not uuid:
                raise InvalidInput(f"missing remote cluster alias after '@' in {uri!r}")
            ns = Namespace(uuid=uuid, name=nsname)
        name = text.rstrip("/")
        if "/" in name:
            raise InvalidInput(f"{uri!r} names an object path, not a bucket")
        if validate:
            validate_bucket_name(name)
        return cls(name=name, provider=provider, ns=ns)

    @property
    def scheme(self) -> str:
        return PROVIDERS.get(self.provider, self.provider)

    @property
    def is_remote(self) -> bool:
        """True for cloud buckets and remote-AIS buckets (``Bck.IsRemote`` without backend_bck)."""
        return self.provider != "ais" or self.ns.is_remote

    def __str__(self) -> str:
        ns = str(self.ns)
        return f"{self.scheme}://{ns + '/' if ns else ''}{self.name}"

    def uname(self, obj: str = "") -> str:
        """The bucket uname ``provider/@uuid#ns/name/`` (with ``obj`` appended), as ``bck_to=``
        and ``object_to=`` take it."""
        return f"{self.provider}/{self.ns.uname()}/{self.name}/{obj}"

    def query(self) -> dict[str, str]:
        """The ``provider``/``namespace`` query parameters."""
        q = {"provider": self.provider}
        if not self.ns.is_global:
            q["namespace"] = self.ns.uname()
        return q

    def to_json(self) -> dict[str, Any]:
        """The ``cmn.Bck`` JSON: ``{"name","provider","namespace":{"uuid","name"}}``."""
        return {"name": self.name, "provider": self.provider,
                "namespace": {"uuid": self.ns.uuid, "name": self.ns.name}}

    @classmethod
    def from_json(cls, d: Any) -> Bck:
        d = _d(d, "bucket")
        return cls(name=_s(d, "name"), provider=_s(d, "provider", "ais") or "ais",
                   ns=Namespace.from_json(d.get("namespace")))




def split_uri(uri: str) -> tuple[Bck, str]:
    """``ais://bucket/name`` (any provider, ``ais://@alias/bucket/name`` and
    ``ais://@uuid#ns/bucket/name`` included) as ``(Bck, object name)``; the name keeps its inner
    slashes. Raises :class:`InvalidInput` for an unknown provider, a bad bucket name, or a URI
    without an object name."""
    text = uri.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        raise InvalidInput(f"{uri!r} is not a bucket/object URI (ais://bucket/name)")
    skip = 0
    if rest.startswith("@"):
        skip = rest.find("/") + 1
        if skip == 0:
            raise InvalidInput(f"{uri!r} names no bucket after the remote alias")
    cut = rest.find("/", skip)
    if cut < 0 or cut == len(rest) - 1:
        raise InvalidInput(f"{uri!r} names no object (ais://bucket/name)")
    return Bck.parse(f"{scheme}://{rest[:cut]}"), rest[cut + 1:]


def obj_ref(bck: Bck | str, obj: str = "") -> tuple[Bck, str]:
    """The ``(Bck, object name)`` an object call was given, in any of its spellings: a
    :class:`Bck` and a name; a bucket URI (``ais://b``, ``s3://b``, ``ais://@remais/b``) and a
    name; or one object URI (``ais://b/name``, ``ais://@remais/b/dir/name``) with ``obj`` empty.
    Every object call of the core takes these (the ``ais`` CLI's ``BUCKET/OBJECT`` argument).
    Raises :class:`InvalidInput` for a URI that names no object when ``obj`` is empty, or names
    one when ``obj`` is given too. The object name itself is checked by the call."""
    if isinstance(bck, Bck):
        return bck, obj
    if obj:
        return Bck.parse(bck), obj
    if "://" not in bck:
        raise InvalidInput(f"{bck!r}: give an object URI (ais://bucket/name) or a bucket and a name")
    return split_uri(bck)

@dataclass(frozen=True, slots=True)
class BucketSummary:
    """Bucket summary (``cmn.BsummResult``): counts, sizes in bytes, and ``used_pct`` of the disks."""

    bck: Bck
    obj_count_present: int
    obj_count_remote: int
    size_on_disk: int
    size_present: int
    size_remote: int
    total_disks_size: int
    used_pct: float
    obj_min_size: int
    obj_avg_size: int
    obj_max_size: int
    is_present: bool

    @classmethod
    def from_json(cls, d: Any) -> BucketSummary:
        d = _d(d, "bucket summary")
        cnt = _d(d.get("ObjCount"), "ObjCount")
        osz = _d(d.get("ObjSize"), "ObjSize")
        tsz = _d(d.get("TotalSize"), "TotalSize")
        return cls(
            bck=Bck.from_json(d),
            obj_count_present=_i(cnt, "obj_count_present"),
            obj_count_remote=_i(cnt, "obj_count_remote"),
            size_on_disk=_i(tsz, "size_on_disk"),
            size_present=_i(tsz, "size_all_present_objs"),
            size_remote=_i(tsz, "size_all_remote_objs"),
            total_disks_size=_i(tsz, "total_disks_size"),
            used_pct=_f(d, "used_pct"),
            obj_min_size=_i(osz, "obj_min_size"),
            obj_avg_size=_i(osz, "obj_avg_size"),
            obj_max_size=_i(osz, "obj_max_size"),
            is_present=bool(d.get("is_present", False)),
        )
