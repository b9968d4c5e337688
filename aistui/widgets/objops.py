"""Small dialogs for the weekly object and storage operations, each fitting 80x24: the listing's
columns, an object's custom metadata, a housekeeping job (LRU, storage cleanup, storage
validation) and a report of what something found. ``ctrl+s`` (or ``enter`` in the last input)
applies from any field, ``esc`` cancels; labels and values are plain text, never markup."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, SelectionList, Static

from ..core.errors import InvalidInput

__all__ = ["COLUMNS", "ColumnsDialog", "CustomMetaDialog", "CustomEdit", "parse_pairs", "HousekeepingDialog",
           "Housekeeping", "ReportDialog"]

#: the listing's optional columns, in display order: (key, title)
COLUMNS: tuple[tuple[str, str], ...] = (("cached", "cached"), ("atime", "atime"), ("version", "version"),
                                        ("checksum", "checksum"), ("custom", "custom"), ("location", "location"))

_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 76; max-width: 100%; height: auto; max-height: 100%; border: heavy $accent;
                     background: $surface; padding: 0 1; }}
{name} .dialog-title {{ text-style: bold; }}
{name} .hint {{ color: $text-muted; }}
{name} #dialog-error {{ color: $error; height: auto; }}
{name} Horizontal {{ height: auto; align: right middle; }}
{name} Button {{ margin-left: 2; min-width: 10; }}
{name} SelectionList {{ height: auto; max-height: 9; }}
"""


class _Dialog(ModalScreen):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
                Binding("ctrl+s", "apply", "Apply", id="dialog.apply")]

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_apply(self) -> None:  # pragma: no cover - each dialog defines it
        raise NotImplementedError

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "apply":
            self.action_apply()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def _buttons(self, label: str) -> ComposeResult:
        yield Static("", id="dialog-error")
        with Horizontal():
            yield Button("Cancel", id="cancel")
            yield Button(f"{label} (ctrl+s)", id="apply", variant="primary")

    def _error(self, text: str) -> None:
        self.query_one("#dialog-error", Static).update(Text(text))


class ColumnsDialog(_Dialog):
    """Choose the objects screen's extra columns (:data:`COLUMNS`); dismisses with the chosen
    keys in display order (empty: name and size only), or None on ``esc``."""

    DEFAULT_CSS = _CSS.format(name="ColumnsDialog")

    def __init__(self, chosen: tuple[str, ...]):
        super().__init__()
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Listing columns", classes="dialog-title")
            yield Static(Text("space toggles; kept for this session. Each adds a listing prop; "
                              "columns that do not fit are dropped from the right."), classes="hint")
            yield SelectionList[str](*[(title, key, key in self.chosen) for key, title in COLUMNS], id="columns")
            yield from self._buttons("Apply")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_apply(self) -> None:
        picked = set(self.query_one(SelectionList).selected)
        self.dismiss(tuple(k for k, _ in COLUMNS if k in picked))


def parse_pairs(text: str) -> dict[str, str]:
    """``k=v k2='a value'`` (shell quoting) as a dict. Raises :class:`InvalidInput` for a word
    without ``=`` or an empty key."""
    try:
        words = shlex.split(text)
    except ValueError as e:
        raise InvalidInput(f"cannot read {text!r}: {e}") from None
    out: dict[str, str] = {}
    for w in words:
        key, eq, value = w.partition("=")
        if not eq or not key:
            raise InvalidInput(f"{w!r}: write key=value (quote values with spaces: k='a b')")
        out[key] = value
    return out


@dataclass(frozen=True)
class CustomEdit:
    """What :class:`CustomMetaDialog` decided: keys to set (add or update) and keys to delete."""

    set_keys: dict[str, str]
    delete: tuple[str, ...]


class CustomMetaDialog(_Dialog):
    """Edit one object's custom metadata: check keys to delete, type ``k=v`` pairs to add or
    update. Dismisses with a :class:`CustomEdit` (None on ``esc``, or when nothing changes)."""

    DEFAULT_CSS = _CSS.format(name="CustomMetaDialog")

    def __init__(self, name: str, current: dict[str, str]):
        super().__init__()
        self.obj_name, self.current = name, current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Custom metadata of {self.obj_name}"), classes="dialog-title")
            if self.current:
                yield Static("Check the keys to delete:", classes="hint")
                yield SelectionList[str](*[(Text(f"{k} = {v}"), k) for k, v in sorted(self.current.items())],
                                         id="delete")
            else:
                yield Static("No custom metadata yet.", classes="hint")
            yield Static("Set or update (key=value, space-separated; quote values with spaces):", classes="hint")
            yield Input(placeholder="owner=ml-team split=train", id="pairs")
            yield from self._buttons("Save")

    def on_mount(self) -> None:
        self.query_one("#pairs", Input).focus()

    def action_apply(self) -> None:
        try:
            pairs = parse_pairs(self.query_one("#pairs", Input).value)
        except InvalidInput as e:
            self._error(str(e))
            return
        lists = self.query(SelectionList)
        delete = tuple(sorted(lists.first().selected)) if lists else ()
        if not pairs and not delete:
            self._error("nothing to change: type key=value pairs or check keys to delete")
            return
        self.dismiss(CustomEdit(pairs, delete))


@dataclass(frozen=True)
class Housekeeping:
    """A housekeeping job to run: ``kind`` ``lru``, ``cleanup`` or ``scrub``; ``bucket`` the
    text typed (empty: all buckets); the options of each (LRU and cleanup ``force``; cleanup
    ``rm_zero_size`` and ``keep_misplaced``)."""

    kind: str
    bucket: str = ""
    force: bool = False
    rm_zero_size: bool = False
    keep_misplaced: bool = False


_KINDS = (("lru", "LRU eviction (ais start lru)"),
          ("cleanup", "Storage cleanup (ais space-cleanup)"),
          ("scrub", "Storage validation (ais scrub)"))
_KINDS_HELP = ("LRU evicts the least recently used objects down to the low watermark; cleanup removes "
               "deleted, old and misplaced content; validation only reads and counts misplaced objects, "
               "missing copies, empty and large ones.")


class HousekeepingDialog(_Dialog):
    """Choose a housekeeping job, its bucket (or all) and options. Dismisses with a
    :class:`Housekeeping`, or None on ``esc``."""

    DEFAULT_CSS = _CSS.format(name="HousekeepingDialog") + """
    HousekeepingDialog RadioSet { width: 100%; }
    HousekeepingDialog VerticalScroll { height: auto; max-height: 16; }
    HousekeepingDialog Checkbox { border: none; height: 1; padding: 0 1; }
    HousekeepingDialog Checkbox:focus { background: $boost; }
    """

    def __init__(self, bucket: str = ""):
        super().__init__()
        self.bucket = bucket

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Housekeeping", classes="dialog-title")
            yield Static(Text(_KINDS_HELP), classes="hint")
            with VerticalScroll():
                with RadioSet(id="kind"):
                    for i, (key, label) in enumerate(_KINDS):
                        yield RadioButton(label, value=i == 0, id=f"kind-{key}")
                yield Static("Bucket (empty: all buckets):", classes="hint")
                yield Input(value=self.bucket, placeholder="ais://bucket", id="bucket")
                yield Checkbox("force (LRU: ignore lru.enabled; cleanup: even during rebalance)", id="force")
                yield Checkbox("cleanup: remove zero-size objects too", id="zero")
                yield Checkbox("cleanup: keep misplaced objects", id="keep")
            yield from self._buttons("Start")

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()

    def action_apply(self) -> None:
        pressed = self.query_one(RadioSet).pressed_index
        kind = _KINDS[max(pressed, 0)][0]
        self.dismiss(Housekeeping(kind, self.query_one("#bucket", Input).value.strip(),
                                  force=self.query_one("#force", Checkbox).value,
                                  rm_zero_size=self.query_one("#zero", Checkbox).value,
                                  keep_misplaced=self.query_one("#keep", Checkbox).value))


class ReportDialog(ModalScreen[None]):
    """What an operation found: a title and ``(what, value)`` rows; ``esc`` or ``enter`` closes."""

    DEFAULT_CSS = _CSS.format(name="ReportDialog") + "ReportDialog VerticalScroll { height: auto; max-height: 16; }"
    BINDINGS = [Binding("escape,enter", "close", "Close", id="report.close")]

    def __init__(self, title: str, rows: list[tuple[str, str]], note: str = ""):
        super().__init__()
        self.title_text, self.rows, self.note = title, rows, note

    def compose(self) -> ComposeResult:
        from rich.table import Table

        t = Table.grid(padding=(0, 2))
        t.add_column(style="bold")
        t.add_column()
        for what, value in self.rows:
            t.add_row(Text(what), Text(value))
        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            with VerticalScroll():
                yield Static(t, id="report-body")
            if self.note:
                yield Static(Text(self.note), classes="hint")
            yield Static("esc closes", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
