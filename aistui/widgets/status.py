"""The one-line status bar: cluster, health, AIS version, breadcrumb and mode badges."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class StatusBar(Widget):
    """Shows ``aistui · <cluster> · <health> · AIS <version> · <breadcrumb>`` plus READ-ONLY and
    TLS-unverified badges. Screens set ``breadcrumb``; the app sets the rest."""

    cluster: reactive[str] = reactive("")
    health: reactive[str] = reactive("connecting")
    version: reactive[str] = reactive("")
    breadcrumb: reactive[str] = reactive("cluster")
    read_only: reactive[bool] = reactive(False)
    insecure: reactive[bool] = reactive(False)

    def render(self) -> Text:
        t = Text()
        t.append("aistui", style="bold")
        t.append(f" · {self.cluster}")
        style = {"ok": "green", "connecting": "yellow", "reconnecting": "yellow"}.get(self.health, "red")
        t.append(" · ")
        t.append(self.health, style=f"bold {style}")
        if self.version:
            t.append(f" · AIS {self.version}")
        t.append(" · ")
        t.append(self.breadcrumb, style="bold")
        if self.read_only:
            t.append("  ")
            t.append(" READ-ONLY ", style="bold reverse yellow")
        if self.insecure:
            t.append("  ")
            t.append(" TLS NOT VERIFIED ", style="bold reverse red")
        return t
