"""The balance view's small dialog (``p``): which sibling directories are the splits, where the
labels come from (class folders, a JSON mapping file, the shards' ``.cls`` members) and, for
shards, how many to read per split (0: all; fewer: an estimate). Fits 80x24; ``ctrl+s``
applies, ``esc`` cancels; names are plain text, never markup."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Select, SelectionList, Static

from .dialogs import Dialog

__all__ = ["SplitChoice", "SplitsDialog", "WHOLE"]

WHOLE = "(the directory itself)"  # the row standing for split "" (the prefix as one split)


@dataclass(frozen=True)
class SplitChoice:
    """What :class:`SplitsDialog` decided: ``splits`` (directories relative to the prefix,
    ending with ``/``, or "" for the prefix itself), the label ``source``, the mapping
    ``label_file`` and ``max_shards`` (0: all)."""

    splits: tuple[str, ...]
    source: str
    label_file: str
    max_shards: int


class SplitsDialog(Dialog[SplitChoice | None]):
    """``dirs`` are the child directories of the prefix; ``current`` is the choice shown;
    ``sources`` names each label source (key → a short description)."""

    DEFAULT_CSS = """
    SplitsDialog SelectionList { height: auto; max-height: 8; }
    SplitsDialog .row { height: auto; }
    SplitsDialog .row Label { width: 16; padding: 1 0 0 0; }
    SplitsDialog .row Input, SplitsDialog .row Select { width: 1fr; }
    SplitsDialog #split-error { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="splits.cancel")]
    submit_label = "Apply"
    title_text = "Splits and labels"

    def __init__(self, dirs: list[str], current: SplitChoice, sources: dict[str, str]):
        super().__init__()
        self.dirs = list(dirs)
        self.current = current
        self.sources = sources

    def compose(self) -> ComposeResult:
        rows = [(WHOLE, "", "" in self.current.splits)]
        rows += [(d, d, d in self.current.splits) for d in self.dirs]
        with Vertical():
            yield Label(Text(self.title_text), classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll", can_focus=False):
                yield Static(Text("space picks the directories compared as splits (columns)"), classes="dialog-help")
                yield SelectionList[str](*[(Text(t), v, on) for t, v, on in rows], id="split-dirs")
                with Horizontal(classes="row"):
                    yield Label("labels from")
                    yield Select([(v, k) for k, v in self.sources.items()], value=self.current.source,
                                 allow_blank=False, id="split-source")
                with Horizontal(classes="row"):
                    yield Label("mapping file")
                    yield Input(self.current.label_file, placeholder="ais://bucket/labels.json or a path",
                                id="split-file")
                with Horizontal(classes="row"):
                    yield Label("shards to read")
                    yield Input(str(self.current.max_shards), type="integer", id="split-shards",
                                placeholder="per split; 0: all (fewer: an estimate)")
                yield Static("", id="split-error")
            with Vertical(classes="dialog-foot"):
                yield self.keys_line()

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        picked = set(self.query_one(SelectionList).selected)
        splits = tuple(d for d in [""] + self.dirs if d in picked)
        source = str(self.query_one("#split-source", Select).value)
        label_file = self.query_one("#split-file", Input).value.strip()
        text = self.query_one("#split-shards", Input).value.strip() or "0"
        error = ""
        if not splits:
            error = "pick at least one directory"
        elif source == "mapping" and not label_file:
            error = "labels from a mapping need the file (ais://bucket/labels.json or a path)"
        elif not text.isdigit():
            error = "shards to read: a number (0: all)"
        if error:
            self.query_one("#split-error", Static).update(Text(error))
            return
        self.dismiss(SplitChoice(splits, source, label_file, int(text)))
