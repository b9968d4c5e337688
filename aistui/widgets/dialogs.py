"""Modal dialogs: confirm (optionally by typing a name), prompt for text, pick from a menu,
transfer progress, show text; and :class:`Dialog`, the base every dialog and form builds on, so
they all fit an 80x24 terminal the same way."""

from __future__ import annotations

from typing import TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Static

from .. import format as fmt
from ..core.transferrun import Progress

R = TypeVar("R")


class Dialog(ModalScreen[R]):
    """The base of every dialog and form. Its CSS (which subclasses inherit: Textual's type
    selectors match subclasses) fits any terminal down to 80x24: the box (the dialog's one
    ``Vertical`` child) is never wider or taller than the screen (``max-width``/``max-height``
    100%, at least 30 cells wide); the part that grows (``.dialog-scroll``, a ``VerticalScroll``)
    scrolls, and the ``.dialog-foot`` (a ``Vertical`` docked at the box's bottom: the buttons in
    a ``.dialog-buttons`` row, the submit first, and the key line, :meth:`keys_line`) stays on
    screen. ``ctrl+s`` runs :meth:`submit` from any field (subclasses with a submit set
    ``submit_label``); ``esc`` cancels, and a cancel always says so ("<title>: cancelled")."""

    DEFAULT_CSS = """
    Dialog { align: center middle; }
    Dialog > Vertical { width: 90; min-width: 30; max-width: 100%; height: auto; max-height: 100%;
                        border: heavy $accent; background: $surface; padding: 0 1; }
    Dialog .dialog-title { text-style: bold; }
    Dialog .dialog-body { margin: 1 0 0 0; }
    Dialog .dialog-scroll { height: auto; max-height: 100%; }
    Dialog .dialog-foot { dock: bottom; height: auto; }
    Dialog .dialog-buttons { height: auto; align: right middle; margin-top: 1; }
    Dialog .dialog-buttons Button { margin-left: 2; }
    Dialog .dialog-keys { color: $text-muted; height: 1; }
    Dialog .dialog-help { color: $text-muted; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
                Binding("ctrl+s", "submit", "Submit", id="dialog.submit", priority=True, show=False)]

    title_text: str = ""
    submit_label: str | None = None  #: what ``ctrl+s`` does ("Copy", "Save"); None: no submit key
    cancel_says = "cancelled"  #: the notice on cancel ("" says nothing: a viewer that only closes)

    def keys_line(self) -> Static:
        """The dialog's own key bar: ``ctrl+s <submit>`` (when it has a submit) and ``esc``."""
        t = Text(no_wrap=True, overflow="ellipsis")
        if self.submit_label:
            t.append("ctrl+s", style="bold").append(f" {self.submit_label}   ")
        t.append("esc", style="bold").append(" cancel" if self.cancel_says else " close")
        return Static(t, classes="dialog-keys")

    def submit(self) -> None:
        """What ``ctrl+s`` does: validate and dismiss with the result; nothing by default."""

    def action_submit(self) -> None:
        if self.submit_label:
            self.submit()

    def action_cancel(self) -> None:
        """``esc`` (and a Cancel button): dismiss with None and say so."""
        if self.cancel_says:
            self.app.notify(f"{self.title_text}: {self.cancel_says}", timeout=3, markup=False)
        self.dismiss(None)


def listed(names: list[str], limit: int = 8) -> list[str]:
    """The lines a confirm shows for ``names``: the first ``limit``, indented, then how many more."""
    more = [f"  … and {len(names) - limit:,} more"] if len(names) > limit else []
    return [f"  {n}" for n in names[:limit]] + more


def delete_lines(names: list[str], nbytes: int, where: str) -> list[str]:
    """What the confirm of deleting ``names`` (``nbytes`` bytes in all) from ``where`` (a bucket or
    a directory, as shown) says: the count and size, the names (:func:`listed`), and that it
    cannot be undone."""
    return [f"Delete {len(names):,} object{'s' if len(names) > 1 else ''} ({fmt.size(nbytes)}) from {where}:",
            *listed(names), "", "This cannot be undone."]


class ConfirmDialog(Dialog[bool]):
    """Asks before a destructive action. ``lines`` say what will be touched (plain text, never
    markup). With ``type_to_confirm`` the user must type that text (e.g. a bucket name).
    ``ctrl+s`` confirms (once the text is typed); the Cancel button has the focus at first."""

    def __init__(self, title: str, lines: list[str], *, confirm_label: str = "Confirm",
                 type_to_confirm: str | None = None):
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.confirm_label = self.submit_label = confirm_label
        self.type_to_confirm = type_to_confirm

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(Text("\n".join(self.lines)), classes="dialog-body")
                if self.type_to_confirm is not None:
                    yield Static(Text(f"Type {self.type_to_confirm!r} to confirm:"))
                    yield Input(id="confirm-text")
            with Vertical(classes="dialog-foot"):
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Cancel", id="cancel")
                    yield Button(self.confirm_label, id="confirm", variant="error",
                                 disabled=self.type_to_confirm is not None)
                yield self.keys_line()

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

    def submit(self) -> None:
        if self.type_to_confirm is None or self.query_one("#confirm-text", Input).value == self.type_to_confirm:
            self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "confirm":
            self.dismiss(True)
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.app.notify(f"{self.title_text}: {self.cancel_says}", timeout=3, markup=False)
        self.dismiss(False)


class PromptDialog(Dialog[str | None]):
    """Asks for one line of text (a path, a bucket); dismisses with it or None (``enter`` or
    ``ctrl+s`` submits; an empty answer is a cancel)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]
    submit_label = "OK"

    def __init__(self, title: str, help_text: str = "", value: str = "", placeholder: str = ""):
        super().__init__()
        self.title_text, self.help_text, self.value, self.placeholder = title, help_text, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            if self.help_text:
                with VerticalScroll(classes="dialog-scroll", can_focus=False):
                    yield Static(Text(self.help_text), classes="dialog-help")
            with Vertical(classes="dialog-foot"):
                yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
                yield from self.compose_below_input()
                yield self.keys_line()

    def compose_below_input(self) -> ComposeResult:
        """Widgets between the input and the keys line (none here; subclasses add fields)."""
        yield from ()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        value = self.query_one("#prompt-input", Input).value.strip()
        if value:
            self.dismiss(value)
        else:
            self.action_cancel()


class ChoiceDialog(Dialog[str | None]):
    """A small menu: ``choices`` are ``(key, label)``; pressing a key, or ``enter`` on a row,
    dismisses with that key; ``esc`` with None. Labels are plain text, never markup."""

    DEFAULT_CSS = "ChoiceDialog OptionList { height: auto; max-height: 100%; }"
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
            with Vertical(classes="dialog-foot"):
                yield self.keys_line()

    def on_key(self, event) -> None:
        if any(event.character == k for k, _ in self.choices):
            event.stop()
            self.dismiss(event.character)

    def on_option_list_option_selected(self, event) -> None:
        self.dismiss(event.option.id)


class TransferDialog(Dialog[None]):
    """Progress of an upload or download: files, bytes, rate and ETA; ``esc`` cancels (the
    owner's ``on_cancel`` says so)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="transfer.cancel")]
    cancel_says = ""  # on_cancel says "transfer cancelled"

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


class TextDialog(Dialog[None]):
    """Shows text (JSON, YAML, a log) with syntax highlighting; ``esc`` closes."""

    BINDINGS = [Binding("escape", "close", "Close", id="text.close")]
    cancel_says = ""  # a viewer: esc closes, nothing was cancelled

    def __init__(self, title: str, text: str, lexer: str = "text"):
        super().__init__()
        self.title_text, self.text, self.lexer = title, text, lexer

    def compose(self) -> ComposeResult:
        from .code import highlighted

        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(highlighted(self.app, self.text, self.lexer, word_wrap=True), id="text-body")
            with Vertical(classes="dialog-foot"):
                yield self.keys_line()

    def action_close(self) -> None:
        self.dismiss(None)
