"""A one-line key bar in place of Textual's ``Footer``.

``Footer`` mounts one widget per binding and restyles each of them when it mounts: with the
20-odd bindings of the objects screen that cost ~0.25 s on every screen push, more than the rest of
the screen. ``KeyBar`` renders the same bindings (those with ``show=True``, one per action, plus
the palette key) as a single line of text; a click on a key runs its action, like the footer.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widget import Widget


class KeyBar(Widget):
    """The active screen's keys: ``key description`` pairs, refreshed when the bindings change."""

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $footer-background; color: $footer-foreground; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, str]] = []  # (start, end, key) of each binding on the line

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        self.refresh()

    def render(self) -> Text:
        accent = self.app.theme_variables.get("footer-key-foreground") or self.app.current_theme.accent
        key_style = f"bold {accent}" if accent else "bold"
        out = Text(no_wrap=True, overflow="ellipsis", end="")
        self._spans = []
        seen: set[str] = set()
        active = self.screen.active_bindings
        shown = [ab for ab in active.values() if ab.binding.show]
        palette = active.get(self.app.COMMAND_PALETTE_BINDING) if self.app.ENABLE_COMMAND_PALETTE else None
        if palette is not None and palette not in shown:
            shown.append(palette)
        for _node, binding, enabled, _tooltip in shown:
            if binding.action in seen:
                continue
            seen.add(binding.action)
            start = out.cell_len
            out.append(f" {self.app.get_key_display(binding)} ", style=key_style if enabled else "dim")
            out.append(binding.description or "", style="" if enabled else "dim")
            self._spans.append((start, out.cell_len, binding.key.split(",")[0]))
            out.append(" ")
        return out

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)  # the same path as pressing it, bindings and all
                return
