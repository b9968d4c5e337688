"""A directory of a bucket, listed page by page: :class:`DirCursor`.

Modelled on the official SDK's ``ObjectIterator`` (``aistore/sdk/obj/object_iterator.py``): the
cursor owns the listing's ``uuid``, continuation token and end, and hands out one page of
:class:`~aistui.core.models.ObjEntry` per call. It lists non-recursively (``LsNoRecursion``:
sub-directories come as entries whose names end with ``/``), through
:meth:`~aistui.core.objects.ObjectAPI.list_page` (``GET /v1/buckets/<b>`` with
``{"action":"list"}``).

A *name prefix* inside the directory ("only names starting with ``ca``" under ``train/``) is not
sent as a listing prefix: on AIS v1.5.0 a non-recursive listing whose prefix does not end at
``/`` answers oddly (``train/ca`` lists only ``train/ca/...``). It is a ``start_after`` bound just
before the wanted names (:func:`just_before`) plus a stop at the first name past them: still one
server-side range, and the cursor filters the pages to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .models import Bck, ObjEntry
from .names import validate_prefix

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["DirCursor", "FIRST_PAGE", "PAGE_SIZE", "just_before"]

FIRST_PAGE = 200    # entries in the first request: it shows fast whatever the bucket size
PAGE_SIZE = 1000    # entries per later request


def just_before(prefix: str) -> str:
    """A string that sorts right before every name starting with ``prefix`` (for the listing's
    exclusive ``start_after``): ``"train/ca"`` -> ``"train/c`\\U0010ffff"``. ``prefix`` is not
    empty."""
    last = prefix[-1]
    return prefix[:-1] + (chr(ord(last) - 1) + "\U0010ffff" if ord(last) > 1 else "")


class DirCursor:
    """The entries of one virtual directory of ``bck``, a page per :meth:`next_page`.

    ``directory`` is ``""`` (the bucket's top) or ends with ``/``; ``name_prefix`` keeps only the
    names starting with ``directory + name_prefix``; ``first_page`` and ``page_size`` are the
    entries asked for in the first and in each later request (the server may answer fewer, or
    pick the size when 0); ``props`` the ``LsoMsg`` props (comma-separated ``GetProps*`` names:
    ``name,size,atime,version,checksum,custom,location``; entries carry only what was asked
    for, and ``cached`` presence is always in the entry's flags). ``done`` is True once nothing
    is left. Use one cursor per listing (a new one to start over) and one :meth:`next_page` call at a time.
    """

    def __init__(self, client: AISClient, bck: Bck, directory: str = "", name_prefix: str = "",
                 first_page: int = FIRST_PAGE, page_size: int = PAGE_SIZE, props: str = "name,size"):
        validate_prefix(directory + name_prefix)
        self._c = client
        self.bck = bck
        self.directory = directory
        self.name_prefix = name_prefix
        self.first_page = first_page
        self.page_size = page_size
        self.props = props  # the LsoMsg props asked for (``name,size``; the listing columns add more)
        #: True once the last page was handed out (or the listing went past the name prefix)
        self.done = False
        self._uuid: str = ""
        self._token: str = ""
        self._first = True

    @property
    def prefix(self) -> str:
        """``directory + name_prefix``: every entry's name starts with it."""
        return self.directory + self.name_prefix

    def __repr__(self) -> str:
        return f"DirCursor({self.bck}, {self.prefix!r}, done={self.done})"

    async def next_page(self) -> list[ObjEntry]:
        """The next page's entries, in name order: those under :attr:`prefix`, without the
        directory's own entry; an empty list once :attr:`done`. A page may be empty and not the
        last. Raises :class:`~aistui.core.errors.AISError` subclasses (the cursor is unchanged
        then: call again to retry)."""
        if self.done:
            return []
        want = self.prefix
        start_after = just_before(want) if self.name_prefix and self._first else ""
        page = await self._c.objects.list_page(
            self.bck, prefix=self.directory, non_recursive=True, props=self.props,
            page_size=self.first_page if self._first else self.page_size,
            uuid=self._uuid, continuation_token=self._token, start_after=start_after)
        self._first = False
        self._uuid, self._token, done = page.uuid, page.continuation_token, page.done
        entries = [e for e in page.entries or [] if e.name != self.directory]
        if self.name_prefix:
            done = done or any(e.name > want and not e.name.startswith(want) for e in entries)
            entries = [e for e in entries if e.name.startswith(want)]
        self.done = done
        return entries
