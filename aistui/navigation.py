"""The console's navigation, mixed into :class:`aistui.app.AISTui`: the ``:`` command line
(:meth:`Navigation.jump`, parsed by :mod:`aistui.jump`) and the ``show_*`` methods that push
each screen (imported when first shown, for a fast first frame). Screens reach them through the
shell's :class:`~aistui.shell.Console` protocol (``self.console``), never by importing another
screen; the palette's commands (:mod:`aistui.commands`) call them too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .core.errors import InvalidInput

if TYPE_CHECKING:
    from textual.app import App

    from .core.models import Bck
    from .export.spec import ExportSpec
    from .session import Session

    _Base = App
else:
    _Base = object  # a plain mixin at run time: AISTui(Navigation, App)


class Navigation(_Base):
    """Where the console goes: ``:`` commands and one ``show_*`` per screen. Expects the
    :class:`~aistui.app.AISTui` it is mixed into (``session``, ``image_protocol``,
    ``switch_context``)."""

    if TYPE_CHECKING:
        session: Session
        image_protocol: str

        def switch_context(self, name: str) -> object: ...

    def action_command_line(self) -> None:
        """``:``: jump somewhere (``:b ais://imgs/train/``, ``:jobs``, ``:ctx prod``)."""
        from .jump import HELP
        from .widgets.dialogs import PromptDialog

        def got(text: str | None) -> None:
            if text:
                self.jump(text)

        self.push_screen(PromptDialog(":", HELP, placeholder="b ais://bucket/prefix/"), got)

    def jump(self, text: str) -> None:
        """Run one ``:`` command; a mistake is a notice, never a traceback."""
        from .jump import parse_jump, split_prefix

        try:
            j = parse_jump(text)
        except InvalidInput as e:
            self.notify(str(e), severity="error", markup=False, timeout=8)
            return
        if j.kind == "quit":
            self.exit()
        elif j.kind == "log":
            self.show_cmdlog()
        elif j.kind == "perf":
            self.show_perf()
        elif j.kind == "config":
            self.show_config(j.target or None)
        elif j.kind == "storage":
            self.show_storage()
        elif j.kind == "usage" and j.bck is not None:
            self.show_usage(j.bck, j.prefix)
        elif j.kind == "gallery" and j.bck is not None:
            self.show_gallery(j.bck, j.prefix)
        elif j.kind == "doctor" and j.bck is not None:
            self.show_doctor(j.bck, j.prefix)
        elif j.kind == "balance" and j.bck is not None:
            self.show_balance(j.bck, j.prefix)
        elif j.kind == "mode":
            self.switch_mode(j.target)
        elif j.kind == "ctx":
            if j.target:
                self.switch_context(j.target)
            else:
                names = ", ".join(self.context_names()) or "none (add clusters to the config file)"
                self.notify(f"clusters: {names}", markup=False, timeout=8)
        elif j.kind == "bucket" and j.bck is not None:
            bck, (directory, start) = j.bck, split_prefix(j.prefix)

            async def open_bucket() -> None:
                await self.switch_mode("buckets")
                while len(self.screen_stack) > 1:
                    self.pop_screen()
                self.show_objects(bck, prefix=directory, name_prefix=start)

            self.call_later(open_bucket)

    def show_objects(self, bck: Bck, prefix: str = "", label: str = "", name_prefix: str = "") -> None:
        """Push the objects screen of ``bck`` at the virtual directory ``prefix`` (``label``
        names the bucket in the breadcrumb; ``name_prefix`` lists only names starting with it)."""
        from .screens.objects import ObjectsScreen

        self.push_screen(ObjectsScreen(bck, prefix=prefix, label=label, name_prefix=name_prefix))

    def show_export(self, bck: Bck, prefix: str = "", names: list[str] | None = None,
                    preset: dict[str, object] | None = None) -> None:
        """Push the export screen for ``names`` (a selection), or for everything under ``prefix``;
        ``preset`` starts the form (``style``, ``labels``, ``label_file``) and carries the
        balance view's ``class_weights`` and ``weighting``."""
        from .screens.export import ExportScreen

        self.push_screen(ExportScreen(bck, prefix, names, preset))

    def show_dryrun(self, spec: ExportSpec, code: str, workers: list[int], max_batches: int,
                    max_seconds: float) -> None:
        """Push the live dry-run screen (``l`` on the export screen): ``code`` run with each
        ``num_workers`` in ``workers`` (``max_batches``/``max_seconds`` per run), updated each
        second, with the cluster's GET rate and disk utilization on the same time axis."""
        from .screens.dryrun import DryRunScreen

        self.push_screen(DryRunScreen(spec, code, workers, max_batches, max_seconds))

    def show_node_log(self, node_id: str) -> None:
        """Push the log of node ``node_id`` (``l`` on the cluster screen): its current log, then
        what it logs next."""
        from .screens.logs import NodeLogScreen

        self.push_screen(NodeLogScreen(node_id))

    def collect_logs(self) -> None:
        """``L`` on the cluster screen and the palette: every node's logs in one local archive."""
        from .screens.logs import collect_all_logs

        collect_all_logs(self)

    def show_cmdlog(self) -> None:
        """Push the command log (``:log``): the session's actions against the cluster, newest
        first, each with its ``ais`` command (``y`` copies it)."""
        from .screens.cmdlog import CmdLogScreen

        self.push_screen(CmdLogScreen())

    def show_perf(self) -> None:
        """Push the per-target performance screen (``P`` on the cluster screen, ``:perf``): GET, PUT,
        append and delete rates, throughput, latency, cold GETs, errors by kind and intra-cluster
        traffic per target, from counter deltas, live."""
        from .screens.perf import PerfScreen

        self.push_screen(PerfScreen())

    def show_config(self, node_id: str | None = None) -> None:
        """Push the config tree (``c`` on the cluster screen, ``:config [NODE_ID]``): the cluster
        config, or node ``node_id``'s with what differs from the cluster marked."""
        from .screens.config import ConfigScreen

        self.push_screen(ConfigScreen(node_id))

    def show_bucket_props(self, bck: Bck, label: str = "") -> None:
        """Push the property tree of ``bck`` (``p`` on the buckets screen; ``label`` names it)."""
        from .screens.props import BucketPropsScreen

        self.push_screen(BucketPropsScreen(bck, label))

    def show_usage(self, bck: Bck, prefix: str = "") -> None:
        """Push the usage map (``U``, ``:du``): objects and bytes under each child directory of
        ``prefix`` in ``bck`` (and the cached share of a remote bucket), from one listing."""
        from .screens.usage import UsageScreen

        self.push_screen(UsageScreen(bck, prefix))

    def show_gallery(self, bck: Bck | None = None, prefix: str = "", shard: str = "") -> None:
        """Push the thumbnail gallery (``i`` on the objects screen, ``:gallery``): the images of
        ``bck`` at the virtual directory ``prefix`` (or shard ``shard``'s members), a screenful
        per get-batch request. Without a bucket (the palette), ask for ``ais://bucket/dir/`` first."""
        if bck is None:
            from .widgets.dialogs import PromptDialog

            def got(text: str | None) -> None:
                if text:
                    self.jump(f"gallery {text}")

            self.push_screen(PromptDialog("Gallery", "Thumbnails of which directory?", value="ais://"), got)
            return
        from .screens.gallery import GalleryScreen

        self.push_screen(GalleryScreen(bck, prefix, shard))

    def show_doctor(self, bck: Bck | None = None, prefix: str = "") -> None:
        """Push the dataset doctor (``H``, ``:doctor``): a background scan of ``bck`` under
        ``prefix`` for empty objects, duplicates and train/val leaks (stored checksums), shard
        samples missing a member, imbalanced classes and images Pillow cannot decode. Without a
        bucket (the palette), ask for ``ais://bucket/prefix`` first."""
        if bck is None:
            from .widgets.dialogs import PromptDialog

            def got(text: str | None) -> None:
                if text:
                    self.jump(f"doctor {text}")

            self.push_screen(PromptDialog("Dataset doctor", "Scan which bucket or prefix?", value="ais://"), got)
            return
        from .screens.doctor import DoctorScreen

        self.push_screen(DoctorScreen(bck, prefix))

    def show_balance(self, bck: Bck | None = None, prefix: str = "") -> None:
        """Push the class balance of ``bck`` under the directory ``prefix`` (``B``, ``:balance``):
        objects and bytes per class per split. Without a bucket (the palette), ask for
        ``ais://bucket/dir/`` first."""
        if bck is None:
            from .widgets.dialogs import PromptDialog

            def got(text: str | None) -> None:
                if text:
                    self.jump(f"balance {text}")

            self.push_screen(PromptDialog("Class balance", "Which dataset directory (its splits are "
                                          "train/, val/, test/...)?", value="ais://"), got)
            return
        from .screens.balance import BalanceScreen

        self.push_screen(BalanceScreen(bck, prefix))

    def show_storage(self, target: str = "") -> None:
        """Push the storage screen (``s`` on the cluster screen, ``:storage``): every target's
        mountpaths, disks, capacity against the watermarks, alerts; the cursor on ``target``."""
        from .screens.storage import StorageScreen

        self.push_screen(StorageScreen(target))

    def show_etl_preview(self, etl: str, bck: Bck, name: str) -> None:
        """Show object ``name`` of ``bck`` as ETL ``etl`` returns it (inline transform)."""
        from .widgets.etlpreview import ETLPreviewDialog

        self.push_screen(ETLPreviewDialog(etl, bck, name, self.image_protocol))

    def context_names(self) -> list[str]:
        """The cluster profiles in the config file (``~/.config/aistui/config.json``)."""
        from .settings import load_app_config

        try:
            return sorted(load_app_config().clusters)
        except (InvalidInput, OSError):
            return []
