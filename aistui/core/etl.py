"""ETL calls: list, details, logs, health, metrics, init, stop, start, delete.

Endpoints (AIS 5.0, ``ais/proxy.go`` ``etlHandler``): ``GET /v1/etl``, ``GET /v1/etl/<name>``,
``/logs[/<tid>]``, ``/health``, ``/metrics``, ``PUT /v1/etl`` (bare init message),
``POST /v1/etl/<name>/stop|start``, ``DELETE /v1/etl/<name>``. A default ``aisnode`` build answers
501 to all of them; that becomes :class:`~aistui.core.errors.ETLNotAvailable`. Offline and inline
transforms live in :mod:`.buckets` (``etl-bck``) and :mod:`.objects` (``etl-listrange``,
``iter_get(etl_name=...)``).
"""

from __future__ import annotations

import asyncio
import base64
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import AISError, ETLNotAvailable, InvalidInput, ProtocolError
from .jsontypes import is_dict, is_list
from .models import ETLDetails, ETLInfo, Job

if TYPE_CHECKING:
    from .client import AISClient

__all__ = ["ETLAPI", "ETLView", "COMMUNICATORS", "ETL_JOB_KINDS", "spec_message", "validate_etl_name",
           "parse_env"]

#: job kinds that run ETLs (offline bucket, offline objects, inline)
ETL_JOB_KINDS = ("etl-bck", "etl-listrange", "etl-inline")

COMMUNICATORS = ("hpush://", "hpull://", "ws://")
_K8S_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DURATION = re.compile(r"\d+(\.\d+)?(ns|us|ms|s|m|h)")


def validate_etl_name(name: str) -> str:
    """An ETL name must be a Kubernetes DNS-1123 label (lower case, digits, '-', <= 63 chars)."""
    if not name or len(name) > 63 or not _K8S_NAME.fullmatch(name):
        raise InvalidInput(f"invalid ETL name {name!r}: use lower-case letters, digits and '-', "
                           "start and end with a letter or digit, at most 63 characters")
    return name


def spec_message(name: str, image: str, command: list[str] | None = None, *,
                 communicator: str = "hpush://", init_timeout: str = "5m", obj_timeout: str = "45s",
                 env: dict[str, str] | None = None, direct_put: bool = False) -> dict[str, Any]:
    """Build and validate an ``ETLSpecMsg`` (``ext/etl/api.go``). Raises :class:`InvalidInput`."""
    validate_etl_name(name)
    if not image.strip():
        raise InvalidInput("the ETL needs a container image")
    comm = communicator if "://" in communicator else communicator + "://"
    if comm not in COMMUNICATORS:
        raise InvalidInput(f"communicator must be one of {', '.join(COMMUNICATORS)}")
    if comm == "ws://" and not direct_put:
        direct_put = True  # ws:// requires support_direct_put
    for label, d in (("init timeout", init_timeout), ("object timeout", obj_timeout)):
        if d and not _DURATION.fullmatch(d):
            raise InvalidInput(f"{label} {d!r} is not a duration like 45s or 5m")
    return {
        "name": name,
        "communication": comm,
        "init_timeout": init_timeout,
        "obj_timeout": obj_timeout,
        "support_direct_put": direct_put,
        "runtime": {"image": image.strip(), "command": list(command or []),
                    "env": [{"name": k, "value": v} for k, v in (env or {}).items()]},
    }


def parse_env(text: str) -> dict[str, str]:
    """``KEY=VALUE`` pairs separated by commas or spaces (``A=1, B=two``). Raises
    :class:`InvalidInput` for a pair without ``=`` or with an invalid variable name."""
    out: dict[str, str] = {}
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise InvalidInput(f"environment entry {part!r} is not NAME=VALUE")
        out[key] = value
    return out


@dataclass(frozen=True, slots=True)
class ETLView:
    """What the ETL detail view shows, gathered at once: ``details`` (init message and object
    errors), ``health`` ``{target: status}``, ``metrics`` ``{target: (cpu, mem bytes)}``, ``logs``
    ``{target: text}``; ``problems`` names each part that could not be read and why."""

    name: str
    details: ETLDetails | None = None
    health: dict[str, str] = field(default_factory=dict[str, str])
    metrics: dict[str, tuple[float, float]] = field(default_factory=dict[str, tuple[float, float]])
    logs: dict[str, str] = field(default_factory=dict[str, str])
    problems: dict[str, str] = field(default_factory=dict[str, str])


class ETLAPI:
    """ETL calls; each raises :class:`ETLNotAvailable` on a cluster without ETL."""

    def __init__(self, client: AISClient):
        self._c = client

    async def list(self) -> list[ETLInfo]:
        r = await self._c.request("GET", "/v1/etl", etl=True)
        data: Any = self._c.decode_json(r, "etl list") or []
        if not is_list(data):
            raise ProtocolError("etl list", "expected an array")
        return [ETLInfo.from_json(d) for d in data]

    async def details(self, name: str, job_id: str = "") -> ETLDetails:
        params = {"uuid": job_id} if job_id else None
        r = await self._c.request("GET", f"/v1/etl/{name}", params=params, etl=True)
        return ETLDetails.from_json(name, self._c.decode_json(r, "etl details"))

    async def logs(self, name: str, target_id: str = "") -> dict[str, str]:
        """Logs per target: ``{target_id: text}``."""
        path = f"/v1/etl/{name}/logs" + (f"/{target_id}" if target_id else "")
        r = await self._c.request("GET", path, etl=True)
        data: Any = self._c.decode_json(r, "etl logs") or []
        if is_dict(data):
            data = [data]
        out: dict[str, str] = {}
        for item in data:
            if not is_dict(item):
                raise ProtocolError("etl logs", "expected objects")
            raw = item.get("logs") or ""
            try:
                text = base64.b64decode(raw).decode("utf-8", "replace") if raw else ""
            except (ValueError, TypeError):
                text = str(raw)
            out[str(item.get("target_id", ""))] = text
        return out

    async def health(self, name: str) -> dict[str, str]:
        """``{target_id: health_status}``."""
        r = await self._c.request("GET", f"/v1/etl/{name}/health", etl=True)
        data: Any = self._c.decode_json(r, "etl health") or []
        return {str(d.get("target_id", "")): str(d.get("health_status", "")) for d in data if is_dict(d)}

    async def metrics(self, name: str) -> dict[str, tuple[float, float]]:
        """``{target_id: (cpu, mem)}``."""
        r = await self._c.request("GET", f"/v1/etl/{name}/metrics", etl=True)
        data: Any = self._c.decode_json(r, "etl metrics") or []
        out: dict[str, tuple[float, float]] = {}
        for d in data:
            if is_dict(d):
                try:
                    out[str(d.get("target_id", ""))] = (float(d.get("cpu") or 0), float(d.get("mem") or 0))
                except (TypeError, ValueError):
                    raise ProtocolError("etl metrics", "cpu/mem are not numbers") from None
        return out

    async def view(self, name: str) -> ETLView:
        """Details, health, metrics and logs of one ETL, read concurrently; a part that fails is
        named in ``problems``. Raises :class:`ETLNotAvailable` when the cluster has no ETL."""
        parts = await asyncio.gather(self.details(name), self.health(name), self.metrics(name), self.logs(name),
                                     return_exceptions=True)
        problems: dict[str, str] = {}
        for label, p in zip(("details", "health", "metrics", "logs"), parts, strict=True):
            if isinstance(p, ETLNotAvailable):
                raise p
            if isinstance(p, AISError):
                problems[label] = str(p)
            elif isinstance(p, BaseException):
                raise p

        def ok(p: Any, default: Any) -> Any:
            return default if isinstance(p, BaseException) else p

        return ETLView(name, ok(parts[0], None), ok(parts[1], {}), ok(parts[2], {}), ok(parts[3], {}), problems)

    async def jobs(self) -> list[Job]:
        """The cluster's ETL jobs (:data:`ETL_JOB_KINDS`), newest first. These come from the job
        list, so they show even where the ETL endpoints answer 501."""
        lists = await asyncio.gather(*(self._c.jobs.list(kind=k) for k in ETL_JOB_KINDS))
        jobs = {j.id: j for js in lists for j in js}
        return sorted(jobs.values(), key=lambda j: (j.start is not None, j.start, j.id), reverse=True)

    async def init(self, msg: dict[str, Any], timeout: float = 330.0) -> list[str]:
        """Init an ETL from a spec message (``PUT /v1/etl``; see :func:`spec_message`); ``timeout``
        in s. Returns the job ids (may be empty). Raises :class:`ETLNotAvailable` where the
        cluster has no ETL."""
        r = await self._c.request("PUT", "/v1/etl", json=msg, etl=True, timeout=timeout)
        return self._c.xids(r)

    async def stop(self, name: str) -> None:
        await self._c.request("POST", f"/v1/etl/{name}/stop", etl=True)

    async def start(self, name: str) -> None:
        await self._c.request("POST", f"/v1/etl/{name}/start", etl=True)

    async def delete(self, name: str) -> None:
        await self._c.request("DELETE", f"/v1/etl/{name}", etl=True)
