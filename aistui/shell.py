"""What screens may ask of the app shell, typed: the :class:`Console` protocol.

Screens reach the app through :func:`console` (a ``cast``, as posting does) instead of untyped
``self.app.<attribute>``; the cluster itself only through ``console(self).session``
(:class:`~aistui.session.Session`). Navigation between screens goes through the shell too
(:meth:`Console.show_objects`, :meth:`Console.show_export`), so that no screen imports another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from .core.models import Bck
    from .export.spec import ExportSpec
    from .session import Session

__all__ = ["Console", "console"]


class Console(Protocol):
    """The app shell as screens see it (:class:`aistui.app.AISTui` implements it)."""

    session: Session
    image_protocol: str  # auto, sixel, tgp, halfcell or unicode

    def refuse_if_read_only(self, what: str) -> bool:
        """True, with a notice, when the read-only rule refuses ``what``."""
        ...

    def sync_status(self, target: Any) -> None:
        """Fill a screen's status bar (or a status bar not mounted yet) from the session."""
        ...

    def track_job(self, ids: list[str], what: str) -> None:
        """Watch jobs started as ``what``; a toast says how they ended."""
        ...

    def copy_text(self, text: str) -> str:
        """Put ``text`` on the clipboard; returns how."""
        ...

    def switch_context(self, name: str) -> Any:
        """Point the console at cluster profile ``name`` (a worker)."""
        ...

    def context_names(self) -> list[str]:
        """The cluster profiles in the config file."""
        ...

    def show_objects(self, bck: Bck, prefix: str = "", label: str = "", name_prefix: str = "") -> None:
        """Push the objects screen of ``bck`` at the virtual directory ``prefix``."""
        ...

    def show_export(self, bck: Bck, prefix: str = "", names: list[str] | None = None,
                    preset: dict[str, object] | None = None) -> None:
        """Push the export screen for ``names`` (a selection), or everything under ``prefix``;
        ``preset``: the form's start and the balance view's class weights."""
        ...

    def show_dryrun(self, spec: ExportSpec, code: str, workers: list[int], max_batches: int,
                    max_seconds: float) -> None:
        """Push the live dry-run screen of ``code`` (per-second loader and cluster figures)."""
        ...

    def show_etl_preview(self, etl: str, bck: Bck, name: str) -> None:
        """Show object ``name`` of ``bck`` as ETL ``etl`` returns it."""
        ...

    def show_node_log(self, node_id: str) -> None:
        """Push the log screen of node ``node_id`` (``l`` on the cluster screen), following."""
        ...

    def collect_logs(self) -> None:
        """Ask for a destination and download every node's logs into one archive (``L``)."""
        ...

    def show_cmdlog(self) -> None:
        """Push the command log screen (``:log``): every action taken, with its ``ais`` command."""
        ...

    def show_perf(self) -> None:
        """Push the per-target performance screen (``P`` on the cluster screen, ``:perf``)."""
        ...

    def show_storage(self, target: str = "") -> None:
        """Push the storage screen (``s``, ``:storage``), the cursor on ``target`` if given."""
        ...

    def show_usage(self, bck: Bck, prefix: str = "") -> None:
        """Push the usage map of ``bck`` under the virtual directory ``prefix`` (``U``, ``:du``)."""
        ...

    def show_gallery(self, bck: Bck | None = None, prefix: str = "", shard: str = "") -> None:
        """Push the thumbnail gallery of ``bck`` at the virtual directory ``prefix``, or of the
        members of shard ``shard`` (``i`` on the objects screen, ``:gallery``)."""
        ...

    def show_balance(self, bck: Bck | None = None, prefix: str = "") -> None:
        """Push the class balance of ``bck`` under the directory ``prefix`` (``B``, ``:balance``);
        without a bucket, ask for ``ais://bucket/dir/`` first (the palette)."""
        ...

    def show_doctor(self, bck: Bck | None = None, prefix: str = "") -> None:
        """Push the dataset doctor of ``bck`` under ``prefix`` (``H``, ``:doctor``); without a
        bucket, ask for ``ais://bucket/prefix`` first (the palette)."""
        ...

    def show_config(self, node_id: str | None = None) -> None:
        """Push the config tree: the cluster's (``None``) or node ``node_id``'s (``c``, ``:config``)."""
        ...

    def show_bucket_props(self, bck: Bck, label: str = "") -> None:
        """Push the property tree of ``bck`` (``p`` on the buckets screen)."""
        ...


def console(node: Any) -> Console:
    """The app shell of a mounted screen or widget ``node``, typed."""
    return cast("Console", node.app)
