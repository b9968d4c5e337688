"""A small modal form: labelled inputs (and optional choice fields), validated before it closes.

``validate`` turns the values into whatever the caller needs (e.g. an ETL spec message) or raises
:class:`~aistui.core.errors.InvalidInput`; its message is shown in the form, which stays open.
Values and messages are plain text, never markup. It fits 80x24 like every :class:`~.dialogs.Dialog`
(the fields scroll, the buttons and the key line stay on screen); ``ctrl+s`` submits from any
field, and so does ``enter`` in an input or on the last field; the submit button comes first in
the focus order after the fields, so ``tab``, ``enter`` from the last field submits too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from ..core.errors import InvalidInput
from .dialogs import Dialog


@dataclass(frozen=True)
class Field:
    """One form field; with ``choices`` it is a select, else a one-line input."""

    key: str
    label: str
    value: str = ""
    placeholder: str = ""
    choices: tuple[str, ...] = ()


class FormDialog(Dialog[Any]):
    """Dismisses with ``validate(values)``, or None on ``esc``/Cancel (which says "cancelled")."""

    DEFAULT_CSS = """
    FormDialog .form-label { color: $text-muted; margin-top: 1; }
    FormDialog #form-error { color: $error; height: auto; }
    FormDialog .dialog-buttons { margin-top: 0; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel"),
                Binding("enter", "enter", "Submit", id="form.enter", priority=True, show=False)]

    def __init__(self, title: str, fields: list[Field], validate: Callable[[dict[str, str]], Any], *,
                 help_text: str = "", submit_label: str = "OK"):
        super().__init__()
        self.title_text, self.fields, self.validate = title, fields, validate
        self.help_text, self.submit_label = help_text, submit_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll", can_focus=False):  # tab goes field to field
                if self.help_text:
                    yield Static(Text(self.help_text), classes="dialog-help")
                for f in self.fields:
                    yield Static(Text(f.label), classes="form-label")
                    if f.choices:
                        yield Select([(c, c) for c in f.choices], value=f.value or f.choices[0],
                                     allow_blank=False, id=f"field-{f.key}")
                    else:
                        yield Input(value=f.value, placeholder=f.placeholder, id=f"field-{f.key}")
            with Vertical(classes="dialog-foot"):
                yield Static("", id="form-error")
                with Horizontal(classes="dialog-buttons"):  # submit first: tab, enter from the last field submits
                    yield Button(self.submit_label, id="submit", variant="primary")
                    yield Button("Cancel", id="cancel")
                yield self.keys_line()

    def values(self) -> dict[str, str]:
        out = {}
        for f in self.fields:
            w = self.query_one(f"#field-{f.key}")
            out[f.key] = str(w.value if isinstance(w, (Input, Select)) else "").strip()
        return out

    def submit(self) -> None:
        try:
            result = self.validate(self.values())
        except InvalidInput as e:
            self.query_one("#form-error", Static).update(Text(str(e)))
            return
        self.dismiss(result)

    def action_enter(self) -> None:
        """``enter`` on the last field submits when it is a closed select (a select takes
        ``space`` and the arrows to open); everywhere else ``enter`` does what the widget does
        (an input submits the form, a button presses)."""
        last = self.query_one(f"#field-{self.fields[-1].key}") if self.fields else None
        if not (isinstance(last, Select) and self.focused is last and not last.expanded):
            raise SkipAction()
        self.submit()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "submit":
            self.submit()
        else:
            self.action_cancel()
