"""The listing and multi-object calls of :class:`~aistui.core.objects.ObjectAPI`: pages of a
bucket listing, archive (shard) members, evicting and copying one object, and the ``*-listrange``
jobs (delete, evict, prefetch, copy, offline ETL) over names, a template or a prefix.

Endpoints (AIS 5.0): list is ``GET /v1/buckets/<b>`` with ``{"action":"list","value":LsoMsg}``
(answered in msgpack with ``Accept: application/msgpack``); multi-object jobs are
``POST|DELETE /v1/buckets/<b>`` with ``*-listrange`` actions; one object is evicted or copied at
``/v1/objects/<b>/<o>``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, cast

from .archive import is_archive_name
from .errors import InvalidInput, ProtocolError
from .listing import FIRST_PAGE, PAGE_SIZE, DirCursor
from .models import LS_ARCH_DIR, LS_NO_RECURSION, Bck, LsoPage, ObjEntry, decode_lso_msgpack, obj_ref, split_uri
from .names import validate_copy_name, validate_object_name, validate_prefix
from .objdata import object_path

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["ObjectSets", "DEFAULT_PROPS", "ARCHIVE_LISTINGS"]

DEFAULT_PROPS = "name,size"
#: shard member listings (``LsArchDir``, one shard each) in flight at a time
ARCHIVE_LISTINGS = 8


class ObjectSets:
    """Listing and multi-object jobs; a part of :class:`~aistui.core.objects.ObjectAPI`
    (``client.objects``), which sets ``_c``. Every method raises
    :class:`~aistui.core.errors.AISError` subclasses."""

    _c: AISClient

    # ----------------------------------------------------------------- listing

    async def list_page(
        self,
        bck: Bck,
        *,
        prefix: str = "",
        props: str = DEFAULT_PROPS,
        page_size: int = 0,
        uuid: str = "",
        continuation_token: str = "",
        flags: int = 0,
        non_recursive: bool = False,
        start_after: str = "",
        timeout: float | None = None,
    ) -> LsoPage:
        """One page of the listing (``LsoMsg``); echo ``uuid`` and ``continuation_token`` from the
        previous page. ``page_size`` 0 lets the server pick (10,000 for ais buckets).
        ``non_recursive`` sets ``LsNoRecursion``: entries with :attr:`ObjEntry.is_dir` are
        virtual directories (their names end with ``/``)."""
        validate_prefix(prefix)
        if non_recursive:
            flags |= LS_NO_RECURSION
        msg: dict[str, Any] = {"prefix": prefix, "props": props, "pagesize": page_size,
                               "uuid": uuid, "continuation_token": continuation_token,
                               "flags": str(flags)}
        if start_after and not continuation_token:
            msg["start_after"] = start_after
        r = await self._c.request("GET", f"/v1/buckets/{bck.name}", params=bck.query(),
                                  json={"action": "list", "value": msg},
                                  headers={"Accept": "application/msgpack"}, timeout=timeout or 300.0)
        if "msgpack" in r.headers.get("Content-Type", ""):
            return decode_lso_msgpack(r.content)
        data: Any = self._c.decode_json(r, "list-objects")
        if not isinstance(data, dict):
            raise ProtocolError("list-objects", "expected an object")
        import msgspec

        d = cast(dict[str, Any], data)
        entries: list[Any] = d.get("entries") or []
        try:
            return msgspec.convert(
                {"UUID": d.get("uuid", ""), "ContinuationToken": d.get("continuation_token", ""),
                 "Entries": [{"n": e.get("name", ""), "s": int(e.get("size") or 0), "cs": e.get("checksum", ""),
                              "a": e.get("atime", ""), "v": e.get("version", ""), "t": e.get("location", ""),
                              "m": e.get("custom-md", ""), "c": e.get("copies", 0), "f": e.get("flags", 0)}
                             for e in entries],
                 "Flags": d.get("flags", 0)}, LsoPage)
        except (msgspec.ValidationError, AttributeError, TypeError, ValueError) as e:
            raise ProtocolError("list-objects", str(e)) from None

    async def iter_pages(self, bck: Bck, **kw: Any) -> AsyncIterator[LsoPage]:
        """Yield pages until the server says the listing is done (same options as :meth:`list_page`)."""
        uuid, token = "", ""
        while True:
            page = await self.list_page(bck, uuid=uuid, continuation_token=token, **kw)
            yield page
            if page.done:
                return
            uuid, token = page.uuid, page.continuation_token

    async def iter_entries(self, bck: Bck, **kw: Any) -> AsyncIterator[ObjEntry]:
        """Yield every entry, one page in memory at a time."""
        async for page in self.iter_pages(bck, **kw):
            for e in page.entries or []:
                yield e

    def dir_cursor(self, bck: Bck, directory: str = "", name_prefix: str = "", first_page: int = FIRST_PAGE,
                   page_size: int = PAGE_SIZE, props: str = DEFAULT_PROPS) -> DirCursor:
        """A :class:`~aistui.core.listing.DirCursor` over one virtual directory of ``bck`` (pages
        of entries, non-recursive, optionally only names starting with ``directory +
        name_prefix``; ``props`` the listing's props, see there). Raises :class:`InvalidInput` for a
        prefix the cluster would refuse."""
        return DirCursor(self._c, bck, directory, name_prefix, first_page, page_size, props)

    async def list_archive(self, bck: Bck | str, obj: str = "", *,
                           limit: int = 1000) -> tuple[list[tuple[str, int]], bool]:
        """Members of a shard (``.tar``, ``.tgz``, ``.zip``, ``.tar.lz4``) listed by the cluster
        (``LsArchDir`` with ``obj`` as the prefix), without downloading it: ``([(member, size
        bytes)], truncated)``. Read a member with ``iter_get(..., archpath=member)``. A name the
        cluster does not take for an archive (:func:`~aistui.core.archive.is_archive_name`) has
        no members and is not asked about (a v1.5.0 target would leave it open: see
        :meth:`iter_archives`)."""
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        members: list[tuple[str, int]] = []
        if not is_archive_name(obj):
            return members, False
        head = obj + "/"
        async for page in self.iter_pages(bck, prefix=obj, flags=LS_ARCH_DIR, page_size=limit):
            for e in page.entries or []:
                if e.name.startswith(head):
                    members.append((e.name[len(head):], e.size))
                    if len(members) >= limit:
                        return members, True
        return members, False

    async def iter_archives(self, bck: Bck, names: Iterable[str], *, limit: int = 100_000,
                            concurrency: int = ARCHIVE_LISTINGS
                            ) -> AsyncGenerator[tuple[str, list[tuple[str, int]], bool], None]:
        """``(shard, [(member, size bytes)], truncated)`` for each of ``names`` in their order:
        one :meth:`list_archive` per shard (``LsArchDir`` with the shard's full name as the
        prefix, at most ``limit`` members each), ``concurrency`` in flight; names that are not
        archives to the cluster (:func:`~aistui.core.archive.is_archive_name`) are skipped.

        Never one ``LsArchDir`` listing over a whole prefix: a v1.5.0 target opens every object of
        such a listing and leaves the file open when it is not an archive (``cmn/archive/list.go``
        ``List`` returns before ``cos.Close`` on an unknown extension; ``xact/xs/lso.go``), so a
        prefix of more objects than its open-files limit makes the target disable its mountpaths
        and leave the cluster. Memory: the members of at most ``concurrency`` shards. Closing the
        generator cancels the listings in flight. Raises what :meth:`list_archive` raises."""
        window: deque[tuple[str, asyncio.Task[tuple[list[tuple[str, int]], bool]]]] = deque()
        todo = (n for n in names if is_archive_name(n))
        try:
            while True:
                while len(window) < max(1, concurrency):
                    name = next(todo, None)
                    if name is None:
                        break
                    window.append((name, asyncio.ensure_future(self.list_archive(bck, name, limit=limit))))
                if not window:
                    return
                name, task = window.popleft()
                members, truncated = await task
                yield name, members, truncated
        finally:
            for _, task in window:
                task.cancel()
            await asyncio.gather(*(task for _, task in window), return_exceptions=True)

    async def list_all(self, bck: Bck, **kw: Any) -> list[ObjEntry]:
        """The whole listing as one list (for small buckets and benchmarks)."""
        out: list[ObjEntry] = []
        async for page in self.iter_pages(bck, **kw):
            out.extend(page.entries or [])
        return out

    # ----------------------------------------------------------------- evict / copy one

    async def evict_one(self, bck: Bck | str, obj: str = "") -> None:
        """Evict one cached object of a remote bucket (``DELETE /v1/objects/<b>/<o>`` with
        ``evict-listrange``); the origin keeps it. A bucket with no remote backend raises
        :class:`InvalidInput` first (:meth:`BucketAPI.require_remote`): a v1.5.0 cluster does not
        check, and "evicting" from a plain ``ais://`` bucket deletes the only copy."""
        bck, obj = obj_ref(bck, obj)
        validate_object_name(obj)
        await self._c.buckets.require_remote(bck, "evict")
        await self._c.request("DELETE", object_path(bck, obj), params=bck.query(),
                              json={"action": "evict-listrange", "name": f"/{bck.name}/{obj}"})

    async def copy_one(self, src: Bck | str, obj: str = "", dst: Bck | str | None = None,
                       dst_obj: str | None = None, *, latest: bool = False, sync: bool = False) -> None:
        """Copy one object synchronously (``PUT /v1/objects/<b>/<o>?object_to=<dst uname>``, as
        v1.5.0 ``api.CopyObject``; ``ais object cp``). ``src``/``obj`` and ``dst``/``dst_obj`` take
        every spelling of :func:`~aistui.core.models.obj_ref` (``dst`` may be a bucket, a bucket
        URI, or an object URI naming the copy). ``latest`` (``latest-ver``) first checks a remote
        source for a newer version and copies that; ``sync`` (``synchronize``) also deletes the
        destination when the remote source is gone. Raises :class:`InvalidInput` for no
        destination, or names a v1.5.0 cluster would change during the copy
        (:func:`~aistui.core.names.copy_name_problem`)."""
        src, obj = obj_ref(src, obj)
        if dst is None:
            raise InvalidInput(f"copy {src}/{obj}: no destination bucket")
        if isinstance(dst, str) and not dst_obj:
            try:
                dst, dst_obj = split_uri(dst)
            except InvalidInput:
                dst = Bck.parse(dst)
        dst_b, _ = obj_ref(dst, "x")
        validate_copy_name(obj, single=True)
        to = dst_obj or obj
        validate_copy_name(to, single=True)
        params = src.query() | {"object_to": dst_b.uname(to)}
        if latest:
            params["latest-ver"] = "true"
        if sync:
            params["synchronize"] = "true"
        await self._c.request("PUT", object_path(src, obj), params=params, idempotent=False)

    # ----------------------------------------------------------------- multi-object jobs

    @staticmethod
    def _selection(names: Iterable[str] | None, template: str | None, prefix: str | None) -> dict[str, Any]:
        chosen = sum(x is not None for x in (names, template, prefix))
        if chosen > 1:
            raise InvalidInput("give object names, a template or a prefix, not several")
        if names is not None:
            lst = [validate_object_name(n) for n in names]
            if not lst:
                raise InvalidInput("no objects selected")
            return {"objnames": lst}
        if template is not None:
            return {"template": template}
        if prefix is not None:
            return {"template": validate_prefix(prefix)}
        return {"template": ""}

    async def _listrange(self, method: str, bck: Bck, action: str, value: dict[str, Any], *,
                         etl: bool = False) -> list[str]:
        r = await self._c.request(method, f"/v1/buckets/{bck.name}", params=bck.query(),
                                  json=self._c.action(action, value), etl=etl)
        return self._c.xids(r)

    async def delete_many(self, bck: Bck, *, names: Iterable[str] | None = None, template: str | None = None,
                          prefix: str | None = None, cont_on_err: bool = True) -> list[str]:
        """Delete objects by names, template (``shard-{000..099}.tar``) or prefix (``DELETE
        /v1/buckets/<b>``, ``delete-listrange``). Returns the job ids (a list, as every call that
        starts jobs; empty if the cluster named none). Raises :class:`InvalidInput` for an empty or
        ambiguous selection."""
        v = self._selection(names, template, prefix) | {"coer": cont_on_err}
        return await self._listrange("DELETE", bck, "delete-listrange", v)

    async def evict_many(self, bck: Bck, *, names: Iterable[str] | None = None, template: str | None = None,
                         prefix: str | None = None, cont_on_err: bool = True) -> list[str]:
        """Evict cached objects of a remote bucket by names, template or prefix (``DELETE
        /v1/buckets/<b>``, ``evict-listrange``; the origin is untouched). Returns the job ids.
        Raises :class:`InvalidInput` for a bucket with no remote backend, checked first
        (:meth:`BucketAPI.require_remote`), then for an empty or ambiguous selection."""
        await self._c.buckets.require_remote(bck, "evict")
        v = self._selection(names, template, prefix) | {"coer": cont_on_err}
        return await self._listrange("DELETE", bck, "evict-listrange", v)

    async def prefetch(self, bck: Bck, *, names: Iterable[str] | None = None, template: str | None = None,
                       prefix: str | None = None, latest: bool = False, num_workers: int = 0,
                       cont_on_err: bool = True) -> list[str]:
        """Prefetch objects of a remote bucket into the cluster by names, template or prefix
        (``POST /v1/buckets/<b>``, ``prefetch-listrange``). Returns the job ids. Raises
        :class:`InvalidInput` for a bucket with no remote backend, checked first
        (:meth:`BucketAPI.require_remote`), then for an empty or ambiguous selection."""
        await self._c.buckets.require_remote(bck, "prefetch")
        v = self._selection(names, template, prefix) | {"coer": cont_on_err, "latest-ver": latest,
                                                          "num-workers": num_workers}
        return await self._listrange("POST", bck, "prefetch-listrange", v)

    async def copy_many(self, src: Bck, dst: Bck, *, names: Iterable[str] | None = None,
                        template: str | None = None, prefix: str | None = None, prepend: str = "",
                        dry_run: bool = False, latest: bool = False, sync: bool = False,
                        cont_on_err: bool = True, num_workers: int = 0) -> list[str]:
        """Copy objects to ``dst`` (``copy-listrange``). Returns the job id(s). Named objects
        that a v1.5.0 cluster would lose or rename in the copy raise :class:`InvalidInput`
        before anything is sent (:func:`~aistui.core.names.copy_name_problem`)."""
        if names is not None:
            names = [validate_copy_name(n, single=False) for n in names]
        v = self._selection(names, template, prefix) | {
            "tobck": dst.to_json(), "prepend": prepend, "dry_run": dry_run, "latest-ver": latest,
            "synchronize": sync, "coer": cont_on_err, "num-workers": num_workers}
        return await self._listrange("POST", src, "copy-listrange", v)

    async def transform_many(self, src: Bck, dst: Bck, etl_name: str, *, names: Iterable[str] | None = None,
                             template: str | None = None, prefix: str | None = None,
                             cont_on_err: bool = True) -> list[str]:
        """Offline ETL of objects into ``dst`` (``etl-listrange``). Returns the job id(s)."""
        v = self._selection(names, template, prefix) | {"tobck": dst.to_json(), "id": etl_name,
                                                          "coer": cont_on_err}
        return await self._listrange("POST", src, "etl-listrange", v, etl=True)
