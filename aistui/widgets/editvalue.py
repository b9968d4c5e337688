"""Edit one value of a tree (a config key, a bucket property): a modal that shows the key, where
the change applies (the scope), the old value and, as the user types, ``old → new``; for config,
transient (until the nodes restart) or persistent. ``check`` validates the text before the
dialog closes (its :class:`~aistui.core.errors.InvalidInput` message shows in the dialog, which
stays open). Fits 80x24: never wider than the terminal; ``enter`` in the field or ``ctrl+s``
saves from any field, ``esc`` cancels. Plain text only, never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static

from ..core.errors import InvalidInput


@dataclass(frozen=True)
class Edited:
    """What the dialog closed with: ``text`` (as typed, stripped), ``value`` (what ``check``
    returned for it) and ``transient`` (False when the dialog offers no choice)."""

    text: str
    value: Any
    transient: bool = False


class EditValueDialog(ModalScreen[Edited | None]):
    """Edit ``key`` (old value ``old``, as text) within ``scope`` (e.g. "cluster: every node").
    ``transient`` None hides the transient/persistent choice; True or False is its default."""

    DEFAULT_CSS = """
    EditValueDialog { align: center middle; }
    EditValueDialog > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%;
                                 border: heavy $accent; background: $surface; padding: 0 1; }
    EditValueDialog .dialog-title { text-style: bold; }
    EditValueDialog #edit-change { margin-top: 1; }
    EditValueDialog #edit-error { color: $error; height: auto; }
    EditValueDialog Horizontal { height: auto; align: right middle; }
    EditValueDialog Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="edit.cancel"),
                Binding("ctrl+s", "save", "Save", id="edit.save", priority=True)]

    def __init__(self, key: str, old: str, scope: str, check: Callable[[str], Any], *,
                 transient: bool | None = None, note: str = ""):
        super().__init__()
        self.key, self.old, self.scope, self.check = key, old, scope, check
        self.transient_default, self.note = transient, note

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Edit {self.key}"), classes="dialog-title")
            yield Static(Text(f"scope: {self.scope}"), id="edit-scope")
            if self.note:
                yield Static(Text(self.note), classes="hint")
            yield Input(value=self.old, id="edit-value")
            yield Static(self._change(self.old), id="edit-change")
            if self.transient_default is not None:
                yield Checkbox("transient: until the nodes restart (else persistent)", self.transient_default,
                               id="edit-transient")
            yield Static("", id="edit-error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Save (ctrl+s)", id="save", variant="primary")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def _change(self, new: str) -> Text:
        old = self.old if self.old != "" else '""'
        t = Text(f"{old} → ")
        t.append(new.strip() if new.strip() != "" else '""', style="bold")
        if new.strip() == self.old:
            t.append("  (unchanged)", style="dim")
        return t

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#edit-change", Static).update(self._change(event.value))
        self.query_one("#edit-error", Static).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)

    def action_save(self) -> None:
        text = self.query_one(Input).value.strip()
        try:
            value = self.check(text)
        except InvalidInput as e:
            self.query_one("#edit-error", Static).update(Text(str(e)))
            return
        transient = bool(self.query_one(Checkbox).value) if self.transient_default is not None else False
        self.dismiss(Edited(text, value, transient))

    def action_cancel(self) -> None:
        self.dismiss(None)
