"""The session: everything the console knows about the cluster it talks to, between the screens and
the core. Textual-free and typed.

Screens ask the session; the session asks the core (:mod:`aistui.core`); the app shell renders
what the session reports. The session owns:

- the connection settings, the :class:`~aistui.core.client.AISClient` and the read-only rule;
- the health state machine (:class:`HealthState`) and reconnecting;
- switching clusters (a config profile, or a new endpoint typed on the connection screen);
- the jobs started from the console, watched until they end (:meth:`Session.watch_started`
  yields their outcomes; the shell shows them);
- composite operations a screen asks for (start jobs and track them, delete and wait);
- the command log (:attr:`Session.cmdlog`, :mod:`aistui.cmdlog`): every action taken against the
  cluster, timed, with its ``ais`` CLI (or SDK) equivalent.

Events go to one listener (the app shell) as dataclasses: :class:`HealthChanged`,
:class:`Notice`, :class:`ConnectionLost` and :class:`ReconnectNeeded`.
"""

from __future__ import annotations

import asyncio
import enum
import importlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .cmdlog import Cmd, CommandLog, Recording
from .core import ConnectionSettings
from .core.errors import AISError, ConnectionFailed, Forbidden, Unauthorized
from .jobwatch import JobOutcome, Severity, StartedJobs, outcome_text, watch
from .logsetup import add_secret

if TYPE_CHECKING:
    from .core.client import AISClient
    from .core.models import Bck
    from .core.shardplan import ShardPlan
    from .core.shardverify import Verification

__all__ = ["Severity", "HealthState", "HealthChanged", "Notice", "ConnectionLost", "ReconnectNeeded", "SessionEvent",
           "JobOutcome", "StartedJobs", "Session", "outcome_text", "TOKEN_HINT"]

TOKEN_HINT = ("The token was refused: set AIS_AUTHN_TOKEN or AIS_AUTHN_TOKEN_FILE "
              "(or ~/.config/ais/cli/auth.token).")
DOWN_HINT = "Is the cluster running? Check --endpoint or AIS_ENDPOINT."



class HealthState(enum.StrEnum):
    """The console's view of its cluster. ``connecting`` until the first answer; ``ok``; after a
    lost connection ``reconnecting`` (screens keep their state) until the cluster answers again;
    ``unreachable`` when the first connection failed; ``unauthorized`` when the token was refused."""

    CONNECTING = "connecting"
    OK = "ok"
    RECONNECTING = "reconnecting"
    UNREACHABLE = "unreachable"
    UNAUTHORIZED = "unauthorized"


@dataclass(frozen=True)
class HealthChanged:
    """The health state changed (the status bars show it)."""

    health: HealthState


@dataclass(frozen=True)
class Notice:
    """Something to tell the user once: ``severity`` is ``information``, ``warning`` or ``error``;
    ``timeout`` in s."""

    text: str
    severity: Severity = "information"
    timeout: float = 4.0


@dataclass(frozen=True)
class ConnectionLost:
    """The cluster cannot be used until the user acts (down at start, or the token refused):
    ``reason`` says why, ``hint`` what to try (the shell opens the connection screen)."""

    reason: str
    hint: str = ""


@dataclass(frozen=True)
class ReconnectNeeded:
    """A connection that worked was lost: the shell runs :meth:`Session.reconnect` in a worker."""


SessionEvent = HealthChanged | Notice | ConnectionLost | ReconnectNeeded


def _import_client_stack() -> None:
    """Import the core client and what its first requests load (httpx, aiohttp, the msgspec
    models): about 0.4 s of CPU on 2 cores at 2.5 GHz. :meth:`Session.connect` runs this on a
    thread, so that the event loop is free to paint meanwhile. (These modules never import
    Textual or the screens, so the two threads cannot wait on each other's import locks.)"""
    for name in ("aistui.core.client", "aistui.core.cluster", "aistui.core.models", "httpx_aiohttp", "aiohttp"):
        importlib.import_module(name)


def _new_client(settings: ConnectionSettings) -> AISClient:
    from .core.client import AISClient

    return AISClient(settings)


class Session:
    """One console's link to one cluster at a time.

    ``settings`` says which cluster; ``read_only`` (``--read-only``) refuses every change and
    stays on across cluster switches (a profile may add its own); ``refresh_s`` is the screens'
    poll interval (s); ``jobs_keep_s`` how long the jobs screen keeps ended jobs (s); ``client``
    replaces the one built from ``settings`` (tests pass one with recorded answers). Events go
    to the callable given to :meth:`listen`."""

    def __init__(self, settings: ConnectionSettings, *, read_only: bool = False, refresh_s: float = 2.0,
                 jobs_keep_s: float = 3600.0, client: AISClient | None = None):
        self.settings = settings
        add_secret(settings.token)  # never written to the log, whatever logs it
        self._read_only_flag = read_only
        self.refresh_s = refresh_s
        self.jobs_keep_s = jobs_keep_s
        self.health = HealthState.CONNECTING
        self.version = ""  # the cluster's AIS version, once connected
        self.connected = asyncio.Event()  # set once the cluster has answered; screens' loads wait on it
        self.started = StartedJobs()
        self.cmdlog = CommandLog()  # kept across cluster switches: it is what the user did
        self.cmdlog.add_secret(settings.token)
        self._client = client
        self._listener: Callable[[SessionEvent], None] = lambda _e: None
        #: the objects screen's optional listing columns (``widgets/objops.py`` COLUMNS keys),
        #: chosen with ``C`` and kept for the session
        self.listing_columns: tuple[str, ...] = ()

    # ------------------------------------------------------------------ basics

    @property
    def client(self) -> AISClient:
        """The core client for the current cluster, created on first use."""
        if self._client is None:
            self._client = _new_client(self.settings)
        return self._client

    @property
    def read_only(self) -> bool:
        """``--read-only``, or the current profile's ``read_only``."""
        return self._read_only_flag or self.settings.read_only

    def refusal(self, what: str) -> str | None:
        """The read-only rule: the notice that refuses ``what`` ("upload", "delete", ...), or None
        when the console may change the cluster."""
        return f"read-only mode: {what} is disabled" if self.read_only else None

    def listen(self, listener: Callable[[SessionEvent], None]) -> None:
        """Send every event to ``listener`` (the app shell; one listener)."""
        self._listener = listener

    def _emit(self, event: SessionEvent) -> None:
        self._listener(event)

    async def aclose(self) -> None:
        """Close the client (its connection pool), if one was made."""
        if self._client is not None:
            await self._client.aclose()

    # ------------------------------------------------------------------ health

    def set_health(self, health: HealthState) -> None:
        """Move the health state machine. Once connected, ``unreachable`` becomes
        ``reconnecting`` and asks for a reconnect (:class:`ReconnectNeeded`), screens staying as
        they are; ``ok`` after ``reconnecting`` says "reconnected"."""
        if health is HealthState.UNREACHABLE and self.connected.is_set():
            if self.health is not HealthState.RECONNECTING:
                self._emit(ReconnectNeeded())
            health = HealthState.RECONNECTING
        elif health is HealthState.OK and self.health is HealthState.RECONNECTING:
            self._emit(Notice(f"reconnected to {self.settings.label}"))
        self.health = health
        self._emit(HealthChanged(health))

    async def connect(self) -> bool:
        """Ask the cluster for its map (``GET /v1/daemon?what=smap``) and version; True when it
        answered (health ``ok``, :attr:`connected` set). Otherwise health is ``unreachable`` or
        ``unauthorized`` and a :class:`ConnectionLost` says why. Never raises :class:`AISError`.
        The first call imports the client stack on a thread (the event loop keeps painting)."""
        if self._client is None:
            await asyncio.to_thread(_import_client_stack)
        try:
            await self.client.cluster.smap()
            self.version = (await self.client.cluster.version()).rstrip(".")
        except (Unauthorized, Forbidden) as e:
            self._lost(HealthState.UNAUTHORIZED, str(e), TOKEN_HINT)
            return False
        except ConnectionFailed as e:
            self._lost(HealthState.UNREACHABLE, e.reason, DOWN_HINT)
            return False
        except AISError as e:
            self._lost(HealthState.UNREACHABLE, str(e))
            return False
        self.set_health(HealthState.OK)
        self.connected.set()
        return True

    def _lost(self, health: HealthState, reason: str, hint: str = "") -> None:
        self.connected.clear()
        self.set_health(health)
        self._emit(ConnectionLost(reason, hint))

    async def probe(self) -> None:
        """One health poll, once connected: ``GET /v1/health`` (3 s timeout, no retries). A proxy
        that does not answer at all moves the state to ``reconnecting``."""
        if not self.connected.is_set() or self.health is HealthState.RECONNECTING:
            return
        h = await self.client.cluster.health(timeout=3.0)
        if not h.alive:
            self.set_health(HealthState.UNREACHABLE)

    async def reconnect(self) -> None:
        """Retry the cluster map with backoff (0.5 s doubling to 5 s) until the cluster answers
        (or a screen's own refresh got through first), then health ``ok``, which says
        "reconnected". A refused token ends it with :class:`ConnectionLost`."""
        from tenacity import AsyncRetrying, retry_if_exception_type, wait_exponential

        retrying = AsyncRetrying(wait=wait_exponential(multiplier=0.5, max=5.0),
                                 retry=retry_if_exception_type(AISError), reraise=True)
        await asyncio.sleep(0.5)
        async for attempt in retrying:  # no stop: until the cluster answers, or the worker is cancelled
            with attempt:
                if not self.connected.is_set() or self.health is not HealthState.RECONNECTING:
                    return
                try:
                    await self.client.cluster.smap()
                except (Unauthorized, Forbidden) as e:
                    self._lost(HealthState.UNAUTHORIZED, str(e), TOKEN_HINT)
                    return
        if self.health is HealthState.RECONNECTING:
            self.set_health(HealthState.OK)

    # ------------------------------------------------------------------ switching clusters

    async def use(self, settings: ConnectionSettings) -> None:
        """Point the session at ``settings``: a new client (the old one is closed), health
        ``connecting``; call :meth:`connect` next."""
        old = self._client
        self.connected.clear()
        self.settings = settings
        add_secret(settings.token)  # the new cluster's token is redacted from the log too
        self.cmdlog.add_secret(settings.token)
        self._client = _new_client(settings)
        self.version = ""
        self.started = StartedJobs()  # the old cluster's jobs mean nothing on the new one
        if old is not None:
            await old.aclose()
        self.set_health(HealthState.CONNECTING)

    async def switch_context(self, name: str) -> ConnectionSettings:
        """Use cluster profile ``name`` from the config file. Raises :class:`InvalidInput` for an
        unknown profile or a broken config (nothing changes then)."""
        from .core.config import discover

        settings = discover(profile=name)
        await self.use(settings)
        return settings

    async def use_endpoint(self, endpoint: str) -> None:
        """Use ``endpoint`` (typed on the connection screen) with the current token and TLS
        settings. Raises :class:`InvalidInput` for a malformed URL (nothing changes then)."""
        if endpoint != self.settings.endpoint:
            await self.use(self.settings.with_endpoint(endpoint))
        else:
            self.set_health(HealthState.CONNECTING)

    # ------------------------------------------------------------------ jobs and composite operations

    async def start(self, what: str, call: Awaitable[list[str] | None], cmd: Cmd | None = None) -> list[str]:
        """Await one core call that changes the cluster and track the jobs it started (every
        job-starting core call returns their ids; a call that starts none returns None). The
        call is logged in :attr:`cmdlog` as ``cmd`` (its CLI/SDK equivalent; ``what`` alone
        without one), with its result and duration.
        Raises :class:`AISError` as the call does."""
        async with self.record(cmd or Cmd(what, "")) as rec:
            ids = [i for i in (await call or []) if i]
            rec.jobs(ids)
        if ids:
            self.started.add(ids, what)
        return ids

    def record(self, cmd: Cmd) -> Recording:
        """Time and log one action against the cluster that does not go through :meth:`start`
        (uploads, downloads): ``async with session.record(cmd) as rec: ...``. The entry says
        ``ok`` (or ``job <ids>`` given to :meth:`Recording.jobs`, or :meth:`Recording.result`);
        an exception is logged with its one-line text and propagates."""
        return Recording(self.cmdlog, cmd)

    async def delete_and_wait(self, bck: Bck, names: list[str], timeout: float = 300.0,
                              cmd: Cmd | None = None) -> list[str]:
        """Delete ``names`` from ``bck`` and wait until they are gone: one ``DELETE`` for a single
        object, else one multi-object delete job (``DELETE /v1/buckets/<b>`` with
        ``action=delete-listrange``) waited on for at most ``timeout`` s. Returns the job ids
        (``[]`` for one object). Logged in :attr:`cmdlog` as ``cmd`` (default: the ``ais object
        rm`` equivalent). Raises :class:`AISError` (the job's own error when it failed)."""
        from .spell.data import delete_objects

        async with self.record(cmd or delete_objects(bck, names)) as rec:
            if len(names) == 1:
                await self.client.objects.delete(bck, names[0])
                return []
            ids = await self.client.objects.delete_many(bck, names=names)
            rec.jobs(ids)
            job = await self.client.jobs.wait(ids, timeout=timeout)
            if job.error:
                raise AISError(job.error)
            return ids

    async def quarantine(self, bck: Bck, names: list[str], dst: Bck, timeout: float = 300.0) -> list[str]:
        """Move ``names`` out of ``bck`` into ``dst``: copy them (one ``copy-listrange`` job, an ais
        destination is created by the copy), wait for the copy, then :meth:`delete_and_wait`. Both
        steps are logged in :attr:`cmdlog` (``ais bucket cp``, then ``ais object rm``). Returns the
        job ids. Raises :class:`AISError`: when the copy fails nothing is deleted."""
        from .spell.data import copy_objects

        ids = await self.start(f"quarantine {len(names)} objects to {dst}",
                               self.client.objects.copy_many(bck, dst, names=names), copy_objects(bck, dst, names))
        job = await self.client.jobs.wait(ids, timeout=timeout)
        if job.error:
            raise AISError(f"quarantine copy to {dst}: {job.error}")
        return ids + await self.delete_and_wait(bck, names, timeout)

    async def make_shards(self, plan: ShardPlan) -> list[str]:
        """Start the shards of ``plan`` (:mod:`aistui.core.shards`): put the ``.cls`` label objects
        next to their samples (logged as one ``put labels`` entry), then one archive request per
        shard (each logged as its ``ais archive bucket SRC DST/SHARD --list ...``). The archive
        job ids are tracked as one group (the job monitor, the end toast). Returns them. Raises
        :class:`AISError`; when an archive request fails, the labels written are deleted first
        (the shards already asked for stay). After success, :meth:`finish_shards` removes them."""
        from .core import shards as sh
        from .spell.data import archive_shard, put_labels

        if not await self.client.buckets.exists(plan.dst):
            from .spell.data import create_bucket

            async with self.record(create_bucket(plan.dst)):
                await self.client.buckets.create(plan.dst, exist_ok=True)
        labels = plan.labels
        ids: list[str] = []
        try:
            if labels:
                async with self.record(put_labels(plan.src, [(s.label_name, s.label) for s in labels])) as rec:
                    rec.result(f"{await sh.write_labels(self.client, plan):,} written")
            for shard in plan.shards:
                names = shard.names()
                async with self.record(archive_shard(plan.src, plan.dst, shard.name, names)) as rec:
                    got = await sh.archive(self.client, plan.src, plan.dst, shard.name, names)
                    rec.jobs(got)
                ids += [i for i in got if i and i not in ids]
        except AISError:
            if labels:  # the shards asked for so far are left as they are; the labels go (coer: some
                # may never have been written)
                try:
                    await self.delete_and_wait(plan.src, [s.label_name for s in labels])
                except AISError:
                    pass  # the first error is the one to report
            raise
        if ids:
            self.started.add(ids, f"make {len(plan.shards)} shards in {plan.dst}")
        return ids

    async def finish_shards(self, plan: ShardPlan, ids: list[str], *, sample: int = 32,
                            timeout: float = 600.0) -> Verification:
        """After :meth:`make_shards`: wait until every shard is listed (:func:`wait_shards`),
        verify them (:func:`aistui.core.shardverify.verify`, ``sample`` members' bytes), then delete
        the label objects (:meth:`delete_and_wait`, logged), even when the wait or the
        verification failed. Returns the :class:`Verification`. Raises :class:`AISError`."""
        from .core import shards as sh
        from .core.shardverify import verify

        try:
            await sh.wait_shards(self.client, plan, ids, timeout=timeout)
            return await verify(self.client, plan, sample=sample)
        finally:
            names = [s.label_name for s in plan.labels]
            if names:
                await self.delete_and_wait(plan.src, names)

    def watch_started(self) -> AsyncIterator[JobOutcome]:
        """Poll the started jobs every ``refresh_s`` (at least 1 s) until none is left, yielding
        how each group ended (:func:`aistui.jobwatch.watch`)."""
        return watch(self.client, self.started, self.refresh_s)
