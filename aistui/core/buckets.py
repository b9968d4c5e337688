"""Bucket calls: list, create, destroy, props, summary, copy, rename, evict, prefetch.

Endpoints (AIS 5.0, ``api/bucket.go`` and ``ais/proxy.go``): ``GET /v1/buckets`` (list),
``POST /v1/buckets/<b>`` (``create-bck``, ``copy-bck``), ``DELETE /v1/buckets/<b>``
(``destroy-bck``, ``evict-remote-bck``), ``HEAD`` (props in ``Ais-Bucket-Props``), ``PATCH``
(``set-bprops``), and the async ``summary-bck`` (202 -> 206 -> 200).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from .errors import BucketNotFound, InvalidInput, NotFound, ProtocolError
from .jsontypes import is_dict, is_list
from .models import Bck, BucketSummary, Namespace
from .names import validate_bucket_name, validate_prefix
from .retry import polling, settle

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["BucketAPI", "PRESENCE_ALL", "PRESENCE_PRESENT"]

PRESENCE_ALL = 0      # exists, including remote buckets not yet in the BMD
PRESENCE_PRESENT = 2  # present in this cluster's BMD


def _path(bck: Bck) -> str:
    return f"/v1/buckets/{bck.name}"


class BucketAPI:
    """Bucket-level calls; every method raises :class:`~aistui.core.errors.AISError` subclasses."""

    def __init__(self, client: AISClient):
        self._c = client

    async def list(self, provider: str = "", ns: Namespace | None = None, *,
                   present: bool = True) -> list[Bck]:
        """Buckets of ``provider`` ("" for all) in namespace ``ns`` (``Namespace(uuid="@")``-style
        remote lookups: pass ``Namespace(uuid="@")`` for every remote AIS cluster). ``present``
        lists only buckets in this cluster's BMD; otherwise remote backends are asked too."""
        params: dict[str, str] = {"presence": str(PRESENCE_PRESENT if present else PRESENCE_ALL)}
        if provider:
            params["provider"] = provider
        if ns is not None and not ns.is_global:
            params["namespace"] = "@@#" if ns.uuid == "@" else ns.uname()
        r = await self._c.request("GET", "/v1/buckets", params=params, json={"action": "list"})
        data: Any = self._c.decode_json(r, "list buckets") or []
        if not is_list(data):
            raise ProtocolError("list buckets", "expected an array")
        out = sorted({Bck.from_json(d) for d in data}, key=lambda b: (b.provider, str(b.ns), b.name))
        return out

    async def create(self, bck: Bck, props: dict[str, Any] | None = None, *, exist_ok: bool = False) -> None:
        """Create ``bck`` (AIS name rules checked first; a remote-AIS bucket is created in the
        remote cluster). Raises :class:`Conflict` if it exists, unless ``exist_ok``."""
        from .errors import Conflict

        validate_bucket_name(bck.name)
        try:
            await self._c.request("POST", _path(bck), params=bck.query(),
                                  json=self._c.action("create-bck", props))
        except Conflict:
            if not exist_ok:
                raise

    async def destroy(self, bck: Bck, *, missing_ok: bool = False) -> None:
        """Destroy ``bck`` and all its objects (for remote AIS: in the remote cluster too)."""
        try:
            await self._c.request("DELETE", _path(bck), params=bck.query(),
                                  json=self._c.action("destroy-bck"))
        except NotFound:
            if not missing_ok:
                raise

    async def head(self, bck: Bck, *, add_remote: bool = True) -> dict[str, Any]:
        """Bucket props (``cmn.Bprops`` as a dict) from the ``Ais-Bucket-Props`` header.
        Raises :class:`BucketNotFound`."""
        params = bck.query()
        if not add_remote:
            params["dont_add_remote_bck_md"] = "true"
        try:
            r = await self._c.request("HEAD", _path(bck), params=params)
        except NotFound as e:
            raise BucketNotFound(404, e.message or f"bucket {bck} does not exist", tcode=e.tcode) from None
        raw = r.headers.get("Ais-Bucket-Props", "")
        if not raw:
            return {}
        try:
            props = json.loads(raw)
        except ValueError as e:
            raise ProtocolError("bucket props", str(e)) from None
        if not is_dict(props):
            raise ProtocolError("bucket props", "expected an object")
        return props

    async def exists(self, bck: Bck) -> bool:
        """True if HEAD finds the bucket (without adding a remote bucket to the BMD)."""
        try:
            await self.head(bck, add_remote=False)
            return True
        except NotFound:
            return False

    async def set_props(self, bck: Bck, props: dict[str, Any]) -> list[str]:
        """Change the given props (partial ``Bprops``, e.g. ``{"versioning": {"enabled": true}}``;
        ``PATCH /v1/buckets/<b>``, ``set-bprops``). Returns the ids of the jobs it started (often
        none: an empty list)."""
        r = await self._c.request("PATCH", _path(bck), params=bck.query(),
                                  json=self._c.action("set-bprops", props))
        return self._c.xids(r)

    async def reset_props(self, bck: Bck) -> list[str]:
        """Reset props to the cluster defaults (``PATCH /v1/buckets/<b>``, ``reset-bprops``; as
        ``api.ResetBucketProps``). Returns the ids of the jobs it started (often none)."""
        r = await self._c.request("PATCH", _path(bck), params=bck.query(), json=self._c.action("reset-bprops"))
        return self._c.xids(r)

    # ----------------------------------------------------------------- summary

    async def summary_start(self, bck: Bck | None = None, *, prefix: str = "", cached: bool = True,
                            present: bool = True) -> str:
        """Start ``summary-bck`` for ``bck`` (None: all buckets). Returns the job id."""
        path = _path(bck) if bck else "/v1/buckets"
        params = bck.query() if bck else {}
        msg = {"uuid": "", "prefix": validate_prefix(prefix), "cached": cached, "present": present,
               "dont_add_remote": False}
        r = await self._c.request("GET", path, params=params, json=self._c.action("summary-bck", msg),
                                  idempotent=False)
        if r.status_code not in (200, 202):
            raise ProtocolError("summary", f"status {r.status_code}")
        xid = r.text.strip().strip('"')
        if not xid:
            raise ProtocolError("summary", "no job id")
        return xid

    async def summary_poll(self, xid: str, bck: Bck | None = None, *, prefix: str = "",
                           cached: bool = True, present: bool = True) -> tuple[bool, list[BucketSummary]]:
        """One poll of a summary job: ``(done, results)``; results are partial until done."""
        path = _path(bck) if bck else "/v1/buckets"
        params = bck.query() if bck else {}
        msg = {"uuid": xid, "prefix": prefix, "cached": cached, "present": present, "dont_add_remote": False}
        r = await self._c.request("GET", path, params=params, json=self._c.action("summary-bck", msg))
        if r.status_code == 202:
            return False, []
        data: Any = self._c.decode_json(r, "summary") or []
        if not is_list(data):
            raise ProtocolError("summary", "expected an array")
        return r.status_code == 200, [BucketSummary.from_json(d) for d in data]

    async def summary_iter(self, bck: Bck | None = None, *, prefix: str = "", cached: bool = True,
                           present: bool = True, timeout: float = 300.0
                           ) -> AsyncIterator[tuple[bool, list[BucketSummary]]]:
        """Start a summary and yield ``(done, results)`` as partial (206) and final (200) results
        arrive. Polls from 0.2 s, growing x1.5 to 5 s (as the SDK; :func:`~aistui.core.retry.polling`).
        Raises :class:`RequestTimeout` when not done ``timeout`` s after the first poll."""
        from .errors import RequestTimeout

        xid = await self.summary_start(bck, prefix=prefix, cached=cached, present=present)
        done, res = False, []
        async for attempt in polling(first=0.2, factor=1.5, most=5.0, within=timeout):
            with attempt:
                done, res = await self.summary_poll(xid, bck, prefix=prefix, cached=cached, present=present)
            if settle(attempt, done) and (res or done):
                yield done, res  # outside ``with attempt``: an error of the consumer is not a poll's
        if not done:
            raise RequestTimeout(f"summary {xid}", timeout, "summary")

    async def summary(self, bck: Bck | None = None, **kw: Any) -> list[BucketSummary]:
        """The final summary results (waits for the job)."""
        last: list[BucketSummary] = []
        async for _done, res in self.summary_iter(bck, **kw):
            last = res
        return last

    # ----------------------------------------------------------------- jobs on buckets

    async def copy(self, src: Bck, dst: Bck, *, prefix: str = "", prepend: str = "", dry_run: bool = False,
                   sync: bool = False, latest: bool = False, force: bool = False, num_workers: int = 0,
                   cont_on_err: bool = False, presence: int | None = None) -> list[str]:
        """Copy bucket ``src`` to ``dst`` (``POST /v1/buckets/<src>?bck_to=<dst>``, ``copy-bck``;
        ``dst`` is created if missing). ``presence`` for remote sources: 0 copies everything (cold
        GET), 2 only cached (default), 5 only objects missing locally. Returns the job ids (one);
        an answer without one raises :class:`ProtocolError`."""
        validate_bucket_name(dst.name)
        params = src.query() | {"bck_to": dst.uname()}
        if presence is not None:
            params["presence"] = str(presence)
        msg: dict[str, Any] = {"prefix": validate_prefix(prefix), "prepend": prepend, "dry_run": dry_run,
                               "force": force, "latest-ver": latest, "synchronize": sync,
                               "num-workers": num_workers, "coer": cont_on_err}
        r = await self._c.request("POST", _path(src), params=params, json=self._c.action("copy-bck", msg))
        return self._started(r)

    async def rename(self, src: Bck, dst: Bck) -> list[str]:
        """Rename ``src`` to ``dst`` (``POST /v1/buckets/<src>?bck_to=<dst>``, ``move-bck``;
        ``api.RenameBucket`` in v1.5.0 ``api/bucket.go``): a job that moves every object, after
        which ``src`` no longer exists. Only ``ais://`` buckets of this cluster can be renamed; the
        destination must not exist (the cluster answers 409). ``dst``'s name is checked first
        (:class:`InvalidInput`, nothing sent). Returns the job ids (one); an answer without one
        raises :class:`ProtocolError`."""
        validate_bucket_name(dst.name)
        if src == dst:
            raise InvalidInput(f"{src}: the new name is the bucket's name")
        if src.provider != "ais" or dst.provider != "ais" or src.ns.is_remote or dst.ns.is_remote:
            raise InvalidInput(f"cannot rename {src} to {dst}: only ais:// buckets of this cluster can be renamed")
        r = await self._c.request("POST", _path(src), params=src.query() | {"bck_to": dst.uname()},
                                  json=self._c.action("move-bck"), idempotent=False)
        return self._started(r)

    async def transform(self, src: Bck, dst: Bck, etl_name: str, *, prefix: str = "", dry_run: bool = False,
                        cont_on_err: bool = True, timeout: str = "") -> list[str]:
        """Offline ETL of a bucket (``POST /v1/buckets/<src>?bck_to=<dst>``, ``etl-bck``) into
        ``dst``. Returns the job ids (one); an answer without one raises :class:`ProtocolError`."""
        validate_bucket_name(dst.name)
        msg: dict[str, Any] = {"id": etl_name, "prefix": validate_prefix(prefix), "dry_run": dry_run,
                               "coer": cont_on_err}
        if timeout:
            msg["request_timeout"] = timeout
        r = await self._c.request("POST", _path(src), params=src.query() | {"bck_to": dst.uname()},
                                  json=self._c.action("etl-bck", msg), etl=True)
        return self._started(r)

    async def require_remote(self, bck: Bck, action: str) -> None:
        """Refuse ``action`` (``"evict"``, ``"prefetch"``) on a bucket with no remote backend, as
        the cluster would (``ErrNotRemoteBck``): evict and prefetch apply to cloud buckets, remote
        AIS buckets (``ais://@alias/b``) and ``ais://`` buckets whose props name a ``backend_bck``.

        Cloud and remote-AIS buckets pass at once (:attr:`Bck.is_remote`, no request). For a local
        ``ais://`` bucket (with or without a local namespace) the name cannot tell whether a
        ``backend_bck`` links it to a remote bucket, so its props are read (``HEAD
        /v1/buckets/<b>``, one round trip, only for such buckets) and it passes only with a link.
        Raises :class:`InvalidInput` (also a ``ValueError``) naming the rule, having sent nothing
        but that HEAD; :class:`BucketNotFound` if the bucket does not exist."""
        if bck.is_remote:
            return
        backend = (await self.head(bck, add_remote=False)).get("backend_bck")
        if is_dict(backend) and backend.get("name"):
            return
        raise InvalidInput(f"cannot {action} {bck}: evict and prefetch need a remote backend (a cloud "
                           "bucket such as s3://b, a remote AIS bucket ais://@alias/b, or an ais:// bucket "
                           f"with a backend_bck); {bck} has none, so this cluster holds the only copy")

    async def evict(self, bck: Bck, *, keep_md: bool = False) -> list[str]:
        """Evict a remote bucket's in-cluster copies (``DELETE /v1/buckets/<b>``,
        ``evict-remote-bck``); the origin is untouched. ``keep_md`` keeps the bucket's metadata
        (it stays listed). Returns the job ids (may be empty). A bucket with no remote backend
        raises :class:`InvalidInput` before the evict is sent (:meth:`require_remote`)."""
        await self.require_remote(bck, "evict")
        params = bck.query()
        if keep_md:
            params["keep_bck_md"] = "true"
        r = await self._c.request("DELETE", _path(bck), params=params, json=self._c.action("evict-remote-bck"))
        return self._c.xids(r)

    async def prefetch(self, bck: Bck, *, prefix: str = "", latest: bool = False, num_workers: int = 0,
                       cont_on_err: bool = True) -> list[str]:
        """Prefetch a remote bucket (or the objects under ``prefix``) into the cluster
        (``prefetch-listrange``, see :meth:`ObjectAPI.prefetch`). Returns the job ids. A bucket with
        no remote backend raises :class:`InvalidInput` before the prefetch is sent
        (:meth:`require_remote`)."""
        return await self._c.objects.prefetch(bck, prefix=prefix or "", latest=latest,
                                              num_workers=num_workers, cont_on_err=cont_on_err)

    def _started(self, r: Any) -> list[str]:
        ids = self._c.xids(r)
        if not ids:
            raise ProtocolError("job start", "no job id in the answer")
        return ids
