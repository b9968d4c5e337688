"""Whether object GETs and HEADs go straight to the target, and which targets to skip: the
routing state of :class:`~aistui.core.datapath.ObjectDataPath` (its base class), apart from how
requests are sent.

Direct access starts on unless ``via_proxy`` is set or a token is (the cluster mediates access
then). A target that is not reached is skipped for :attr:`DirectRoute.DOWN_FOR` s and the cached
Smap is re-read; :attr:`DirectRoute.STRIKES` misses in a row (a public address not routable from
here), a 401/403, or a 400 refusing direct access turn direct access off for the client, with the
reason in :attr:`DirectRoute.direct_off`. A PUT's redirect to another target than the cached map
picks marks that map stale (:meth:`DirectRoute._check_redirect`). Follows AIS v1.5.0
``ais/target.go`` ``_verifyUnsigned`` (which requests a target serves without the proxy).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from .errors import AISError, HTTPError, TransientError

if TYPE_CHECKING:
    from .hrw import Locator
    from .models import Bck

__all__ = ["DirectRoute"]

_log = logging.getLogger("aistui.http")


class DirectRoute:
    """The direct-access state of one client's object data path: :attr:`direct` and why it is
    off, the targets skipped now, and the counts of direct answers and of fallbacks to the proxy.
    Subclasses provide :attr:`_locator` (the cached Smap's HRW)."""

    #: whether GET and HEAD go straight to the target (else every request goes through the proxy)
    direct: bool
    #: why :attr:`direct` is off ("" when on)
    direct_off: str
    #: requests answered by the target directly / sent through the proxy after a direct try
    direct_hits: int
    fallbacks: int

    @property
    def _locator(self) -> Locator:
        raise NotImplementedError

    def _init_route(self, *, via_proxy: bool, token: bool) -> None:
        self.direct = not via_proxy and not token
        self.direct_off = ("via_proxy is set" if via_proxy else "a token is set (the cluster mediates access)"
                           if token else "")
        self.direct_hits = 0
        self.fallbacks = 0
        # targets (public URL) not reached: when (monotonic s), and misses in a row
        self._down: dict[str, float] = {}
        self._strikes: dict[str, int] = {}

    def _skipped(self, base: str) -> bool:
        """Whether the target at ``base`` was not reached less than :attr:`DOWN_FOR` s ago."""
        return bool(self._down) and time.monotonic() - self._down.get(base, -1e18) < self.DOWN_FOR

    def _refused(self, status: int) -> None:
        """The cluster refused direct target access (``status``): off for this client."""
        self.direct = False
        self.direct_off = f"the cluster refused direct target access ({status})"
        _log.warning("object GET/HEAD go through the proxy from now on: %s", self.direct_off)

    #: seconds a target that was not reached is skipped (its requests go through the proxy)
    DOWN_FOR = 30.0
    #: targets not reached this many times in a row turn direct access off for this client
    STRIKES = 3

    @property
    def unreachable(self) -> frozenset[str]:
        """Public URLs of targets skipped now because they were not reached."""
        return frozenset(u for u in self._down if self._skipped(u))

    def _unreached(self, base: str) -> None:
        """A target at ``base`` was not reached: re-read the map (it may have left), skip it for
        :attr:`DOWN_FOR` s, and after :attr:`STRIKES` misses in a row (a target in the map that
        this client cannot reach: its public network is not routable from here) stop trying
        targets directly at all."""
        self._locator.stale()
        self._down[base] = time.monotonic()
        n = self._strikes[base] = self._strikes.get(base, 0) + 1
        if n >= self.STRIKES and self.direct:
            self.direct = False
            self.direct_off = (f"target {base} not reachable {n} times in a row "
                               "(its public address may not be routable from here: --via-proxy)")
            _log.warning("object GET/HEAD go through the proxy from now on: %s", self.direct_off)

    def _check_redirect(self, bck: Bck, obj: str, loc: str) -> None:
        """A PUT's redirect names the target the cluster's current map picks: when it is not
        the one the cached map picks, that map is out of date."""
        table = self._locator.table
        if table is None or bck.ns.is_remote:
            return
        try:
            want = table.target(bck, obj).public_url
        except AISError:
            return
        if not (loc.startswith(want) and loc[len(want):len(want) + 1] in ("/", "")):
            self._locator.stale()

    def direct_failed(self, url: str, err: AISError) -> None:
        """A request to the target URL from ``read_url`` failed with ``err``: as for the
        aiohttp path, the map is re-read, an unreachable target is skipped a while, and a
        401/403 turns direct access off."""
        self.fallbacks += 1
        if isinstance(err, TransientError):
            u = url.split("://", 1)
            self._unreached(u[0] + "://" + u[-1].split("/", 1)[0])
        elif isinstance(err, HTTPError) and err.status in (401, 403):
            self._refused(err.status)
        else:
            self._locator.stale()
