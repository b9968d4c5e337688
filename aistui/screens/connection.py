"""Shown when the cluster cannot be reached or refuses the token: says why, offers retry and
endpoint editing. Never a traceback."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class ConnectionScreen(ModalScreen[str | None]):
    """Dismisses with the endpoint to try (the same one for retry, a new one after editing),
    or None to quit."""

    AUTO_FOCUS = None  # the endpoint input takes keys only after 'e'

    BINDINGS = [
        Binding("r", "retry", "Retry", id="conn.retry"),
        Binding("e", "edit", "Edit endpoint", id="conn.edit"),
        Binding("q", "quit_app", "Quit", id="conn.quit"),
        Binding("escape", "retry", "Retry", show=False),
    ]

    def __init__(self, endpoint: str, reason: str, hint: str = ""):
        super().__init__()
        self.endpoint = endpoint
        self.reason = reason
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Cannot use the cluster", id="conn-title")
            yield Static(Text(f"Endpoint: {self.endpoint}"))
            yield Static(Text(f"Reason:   {self.reason}"), id="conn-reason")
            if self.hint:
                yield Static(Text(self.hint), classes="hint")
            yield Static("[b]r[/b] retry   [b]e[/b] edit endpoint   [b]q[/b] quit", classes="hint")
            yield Input(value=self.endpoint, id="conn-endpoint", placeholder="http://host:8080")

    def on_mount(self) -> None:
        inp = self.query_one(Input)
        inp.display = False
        inp.disabled = True

    def action_retry(self) -> None:
        self.dismiss(self.endpoint)

    def action_edit(self) -> None:
        inp = self.query_one(Input)
        inp.disabled = False
        inp.display = True
        inp.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if value:
            self.dismiss(value)

    def action_quit_app(self) -> None:
        self.dismiss(None)
