"""Modal dialogs: confirm (optionally by typing a name), prompt for text, and transfer progress."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Static

from .. import format as fmt
from ..core.transfer import Progress

_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 90; height: auto; max-height: 90%; border: heavy $accent; background: $surface;
                     padding: 1 2; }}
{name} .dialog-title {{ text-style: bold; }}
{name} .dialog-body {{ margin: 1 0; }}
{name} Horizontal {{ height: auto; align: right middle; }}
{name} Button {{ margin-left: 2; }}
"""


class ConfirmDialog(ModalScreen[bool]):
    """Asks before a destructive action. ``lines`` say what will be touched (plain text, never
    markup). With ``type_to_confirm`` the user must type that text (e.g. a bucket name)."""

    DEFAULT_CSS = _CSS.format(name="ConfirmDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, lines: list[str], *, confirm_label: str = "Confirm",
                 type_to_confirm: str | None = None):
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.confirm_label = confirm_label
        self.type_to_confirm = type_to_confirm

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            yield Static(Text("\n".join(self.lines)), classes="dialog-body")
            if self.type_to_confirm is not None:
                yield Static(Text(f"Type {self.type_to_confirm!r} to confirm:"))
                yield Input(id="confirm-text")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button(self.confirm_label, id="confirm", variant="error",
                             disabled=self.type_to_confirm is not None)

    def on_mount(self) -> None:
        if self.type_to_confirm is not None:
            self.query_one(Input).focus()
        else:
            self.query_one("#cancel", Button).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#confirm", Button).disabled = event.value != self.type_to_confirm

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value == self.type_to_confirm:
            self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_cancel(self) -> None:
        self.dismiss(False)


class PromptDialog(ModalScreen[str | None]):
    """Asks for one line of text (a path, a bucket); dismisses with it or None."""

    DEFAULT_CSS = _CSS.format(name="PromptDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, help_text: str = "", value: str = "", placeholder: str = ""):
        super().__init__()
        self.title_text, self.help_text, self.value, self.placeholder = title, help_text, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            if self.help_text:
                yield Static(Text(self.help_text), classes="hint")
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceDialog(ModalScreen[str | None]):
    """A small menu: ``choices`` are ``(key, label)``; pressing a key, or ``enter`` on a row,
    dismisses with that key; ``esc`` with None. Labels are plain text, never markup."""

    DEFAULT_CSS = _CSS.format(name="ChoiceDialog") + "ChoiceDialog OptionList { height: auto; }"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choice.cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]]):
        super().__init__()
        self.title_text, self.choices = title, choices

    def compose(self) -> ComposeResult:
        from textual.widgets import OptionList
        from textual.widgets.option_list import Option

        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            yield OptionList(*[Option(Text.assemble((f"{k}  ", "bold"), label), id=k) for k, label in self.choices])

    def on_key(self, event) -> None:
        if any(event.character == k for k, _ in self.choices):
            event.stop()
            self.dismiss(event.character)

    def on_option_list_option_selected(self, event) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TransferDialog(ModalScreen[None]):
    """Progress of an upload or download: files, bytes, rate and ETA; ``esc`` cancels."""

    DEFAULT_CSS = _CSS.format(name="TransferDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="transfer.cancel")]

    def __init__(self, title: str, on_cancel):
        super().__init__()
        self.title_text = title
        self._on_cancel = on_cancel
        self.finished = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            yield ProgressBar(total=None, show_eta=False, id="bar")
            yield Static("", id="transfer-stats")
            yield Static("esc cancels", classes="hint", id="transfer-hint")

    def update_progress(self, p: Progress) -> None:
        bar = self.query_one(ProgressBar)
        if p.bytes_total:
            bar.update(total=p.bytes_total, progress=p.bytes_done)
        eta = p.eta_s
        self.query_one("#transfer-stats", Static).update(Text(
            f"{p.files_done:,}/{p.files_total:,} files · {fmt.size(p.bytes_done)} of {fmt.size(p.bytes_total)}"
            f" · {fmt.rate(p.rate)}" + (f" · ETA {fmt.duration(eta)}" if eta else "")
            + (f" · {p.failed} failed" if p.failed else "")))

    def finish(self, summary: str) -> None:
        self.finished = True
        self.query_one("#transfer-hint", Static).update(Text(summary + "  (esc closes)"))

    def action_cancel(self) -> None:
        if not self.finished:
            self._on_cancel()
        self.dismiss(None)


class TextDialog(ModalScreen[None]):
    """Shows text (JSON, YAML, a log) with syntax highlighting; ``esc`` closes."""

    DEFAULT_CSS = _CSS.format(name="TextDialog") + "TextDialog VerticalScroll { height: auto; max-height: 30; }"
    BINDINGS = [Binding("escape", "close", "Close", id="text.close")]

    def __init__(self, title: str, text: str, lexer: str = "text"):
        super().__init__()
        self.title_text, self.text, self.lexer = title, text, lexer

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll

        from .code import highlighted

        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            with VerticalScroll():
                yield Static(highlighted(self.app, self.text, self.lexer, word_wrap=True), id="text-body")

    def action_close(self) -> None:
        self.dismiss(None)
