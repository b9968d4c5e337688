"""A small modal form: labelled inputs (and optional choice fields), validated before it closes.

``validate`` turns the values into whatever the caller needs (e.g. an ETL spec message) or raises
:class:`~aistui.core.errors.InvalidInput`; its message is shown in the form, which stays open.
Values and messages are plain text, never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ..core.errors import InvalidInput


@dataclass(frozen=True)
class Field:
    """One form field; with ``choices`` it is a select, else a one-line input."""

    key: str
    label: str
    value: str = ""
    placeholder: str = ""
    choices: tuple[str, ...] = ()


class FormDialog(ModalScreen[Any]):
    """Dismisses with ``validate(values)``, or None on ``esc``/Cancel."""

    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog > Vertical { width: 96; height: auto; max-height: 95%; border: heavy $accent; background: $surface;
                            padding: 0 2; }
    FormDialog .dialog-title { text-style: bold; }
    FormDialog VerticalScroll { height: auto; max-height: 30; }
    FormDialog .form-label { color: $text-muted; margin-top: 1; }
    FormDialog #form-error { color: $error; height: auto; }
    FormDialog Horizontal { height: auto; align: right middle; }
    FormDialog Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel")]

    def __init__(self, title: str, fields: list[Field], validate: Callable[[dict[str, str]], Any], *,
                 help_text: str = "", submit_label: str = "OK"):
        super().__init__()
        self.title_text, self.fields, self.validate = title, fields, validate
        self.help_text, self.submit_label = help_text, submit_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            if self.help_text:
                yield Static(Text(self.help_text), classes="hint")
            with VerticalScroll():
                for f in self.fields:
                    yield Static(Text(f.label), classes="form-label")
                    if f.choices:
                        yield Select([(c, c) for c in f.choices], value=f.value or f.choices[0],
                                     allow_blank=False, id=f"field-{f.key}")
                    else:
                        yield Input(value=f.value, placeholder=f.placeholder, id=f"field-{f.key}")
            yield Static("", id="form-error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button(self.submit_label, id="submit", variant="primary")

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

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "submit":
            self.submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
