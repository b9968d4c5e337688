"""Command palette (``ctrl+p``) commands that follow the context: the actions of the screen it
was opened from (generated from that screen's bindings, so they never drift from the keys),
the screens, and the clusters in the config."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from .app import AISTui


def _housekeeping(app: AISTui) -> None:
    """The jobs screen's housekeeping chooser (``H``), from anywhere: show the jobs mode, then
    run its action there (which refuses in ``--read-only``)."""
    app.switch_mode("jobs")
    app.call_after_refresh(lambda: app.run_action("housekeeping", app.screen))


class AISCommands(Provider):
    """Screen actions first, then "go to" screens, then "switch cluster" for each profile."""

    def _commands(self) -> Iterator[tuple[str, str, Callable]]:
        app = cast("AISTui", self.app)  # the palette runs in the console's app
        screen = self.screen
        seen: set[str] = set()
        for binding in getattr(screen, "BINDINGS", []):
            b = binding if not isinstance(binding, tuple) else None
            if b is None or not b.description or b.action in seen:
                continue
            seen.add(b.action)
            key = b.key.split(",")[0]
            yield (f"{b.description} ({key})", f"{type(screen).__name__.removesuffix('Screen').lower()} action",
                   partial(app.run_action, b.action, screen))
        for mode in ("cluster", "buckets", "jobs", "etl"):
            if mode in app.MODES:
                yield (f"Go to {mode}", "screen", partial(app.switch_mode, mode))
        for name in getattr(app, "context_names", lambda: [])():
            yield (f"Switch cluster: {name}", "cluster from the config file",
                   partial(app.switch_context, name))
        yield ("Collect all logs", "every node's logs in one local archive (L on the cluster screen)",
               app.collect_logs)
        yield ("Storage (:storage)", "mountpaths, disks, capacity and alerts per target (s on the cluster screen)",
               app.show_storage)
        yield ("Cluster config (:config)", "the cluster config as a tree; c on the cluster screen: a node's",
               partial(app.show_config, None))
        yield ("Performance (:perf)", "per-target GET/PUT rates, latency, errors, intra-cluster traffic "
               "(P on the cluster screen)", app.show_perf)
        yield ("Dataset doctor (:doctor)", "scan a bucket or prefix for duplicates, leaks, broken images "
               "(H on the objects screen)", app.show_doctor)
        yield ("Gallery (:gallery)", "thumbnails of a directory's images, one get-batch per screenful "
               "(i on the objects screen)", app.show_gallery)
        yield ("Class balance (:balance)", "objects and bytes per class per split, imbalance, class weights "
               "(B on the objects screen)", app.show_balance)
        yield ("Housekeeping: LRU, cleanup, validate", "start LRU eviction or storage cleanup, or validate "
               "storage, for a bucket or all (H on the jobs screen)", partial(_housekeeping, app))
        yield ("Command log (:log)", "every action taken against the cluster, with its ais command",
               app.show_cmdlog)
        yield ("Jump (:)", "type a : command, e.g. :b ais://imgs/train/", app.action_command_line)

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
