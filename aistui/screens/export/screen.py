"""The export screen: the form on the left (:mod:`.form`) picks the style and options; the code
on the right is regenerated on every change and shown highlighted. ``y`` copies it (OSC 52,
tmux, pyperclip, else a file, and says which), ``s`` saves it, ``esc`` cancels a running dry-run
or search, else goes back. The dry-run, the live dry-run and the tuner are :mod:`.runs`.
"""

from __future__ import annotations

from pathlib import Path

from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical, VerticalScroll
from textual.widgets import Checkbox, DataTable, Input, ProgressBar, Select, Static

from ...core.errors import AISError, InvalidInput
from ...core.models import Bck
from ...export.snippet import ExportSpec, default_filename, generate
from ...widgets.dialogs import PromptDialog
from ...widgets.keybar import KeyBar
from ...widgets.status import StatusBar
from .form import RUN_FIELDS, compose_form, form_spec
from .results import COLUMNS
from .runs import ExportRuns


class ExportScreen(ExportRuns):
    """``ExportScreen(bck, prefix="", names=None, preset=None)``: ``names`` (a selection)
    replaces the listing of ``prefix``; ``preset`` sets the form's starting ``style``,
    ``labels`` and ``label_file``, and carries ``class_weights`` (class → weight, from the
    balance view) with their ``weighting``: the form then offers the weighting."""

    BINDINGS = [
        Binding("escape", "back", "Back / cancel", id="export.back"),
        Binding("y", "copy", "Copy", id="export.copy"),
        Binding("s", "save", "Save", id="export.save"),
        Binding("r", "dry_run", "Dry-run", id="export.dry_run"),
        Binding("T", "tune", "Tune", id="export.tune"),
        Binding("l", "live", "Live dry-run", id="export.live"),
    ]

    DEFAULT_CSS = """
    #export-body { height: 1fr; }
    #export-form { width: 30; padding: 0 1; border-right: solid $primary-background; }
    #export-form Label { margin-top: 1; color: $text-muted; }
    #export-form Input, #export-form Select { width: 100%; }
    #export-form Checkbox { width: 100%; border: none; padding: 0; }
    #export-form .row { height: auto; }
    #export-form .row Input { width: 1fr; }
    #export-right { width: 1fr; }
    #export-code { height: 1fr; }
    #code { width: auto; }
    #export-error { color: $error; height: auto; padding: 0 1; }
    #export-results { height: auto; max-height: 60%; display: none; }
    #export-results.shown { display: block; }
    #export-progress-line { height: auto; padding: 0 1; }
    #export-table { height: auto; max-height: 8; }
    #export-chart, #export-verdict { height: auto; padding: 0 1; }
    #export-plot-box { height: auto; }
    #export-plot { height: 14; }
    """

    def __init__(self, bck: Bck, prefix: str = "", names: list[str] | None = None,
                 preset: dict[str, object] | None = None):
        super().__init__()
        self.preset = dict(preset or {})
        self.class_weights: dict[str, float] = dict(self.preset.get("class_weights") or {})  # type: ignore[arg-type]
        self.bck = bck
        self.prefix = prefix
        self.names = list(names) if names else None
        self.class_folders: list[str] | None = None  # discovered on demand (labels from folders)
        self.code = ""
        self.error = ""
        self.result: dict | None = None
        self.tune_result: dict | None = None
        self.inflight = 4  # pipe: get-batch requests in flight per worker (the tuner sets it)
        self.running = False

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Horizontal(id="export-body"):
            with VerticalScroll(id="export-form"):
                yield from compose_form(self.preset, self.class_weights)
            with Vertical(id="export-right"):
                yield Static("", id="export-error")
                with ScrollableContainer(id="export-code", can_focus=True):
                    yield Static("", id="code")
                with Vertical(id="export-results"):
                    yield Static("", id="export-progress-line")
                    yield ProgressBar(total=100, show_eta=False, id="export-progress")
                    yield DataTable(id="export-table", cursor_type="none", zebra_stripes=True)
                    yield Static("", id="export-chart")
                    yield Vertical(id="export-plot-box")  # the tuner's plot, mounted on first use
                    yield Static("", id="export-verdict")
        yield KeyBar()

    def on_mount(self) -> None:
        self.console.sync_status(self)
        what = f"{len(self.names)} selected" if self.names is not None else (self.prefix or "all objects")
        self.query_one(StatusBar).breadcrumb = f"export › {self.bck} › {what}"
        t = self.query_one("#export-table", DataTable)
        for c in COLUMNS:
            t.add_column(c, key=c)
        self.regenerate()
        self.query_one("#export-code").focus()

    # ------------------------------------------------------------------ the code

    def spec(self) -> ExportSpec:
        """The form's current state (with the tuner's note when the form still holds its pick)."""
        spec = form_spec(self, bck=self.bck, prefix=self.prefix, names=self.names, classes=self.class_folders or [],
                         endpoint=self.session.settings.endpoint, class_weights=self.class_weights,
                         inflight=self.inflight)
        pick = (self.tune_result or {}).get("pick")
        if pick and (pick["style"], pick["workers"], pick["batch_size"]) == (spec.style, spec.num_workers,
                                                                             spec.batch_size):
            from ...export.tune import pick_text

            spec.tuned = pick_text(pick)
        return spec

    def regenerate(self) -> None:
        spec = self.spec()
        if spec.labels == "folder" and self.class_folders is None:
            self.error = "looking for class folders ..."
            self._show()
            self.find_classes()
            return
        try:
            self.code, self.error = generate(spec), ""
        except InvalidInput as e:
            self.error = str(e)
        self._show()

    def _show(self) -> None:
        self.query_one("#export-error", Static).update(Text(self.error))
        dark = getattr(getattr(self.app, "current_theme", None), "dark", True)
        self.query_one("#code", Static).update(
            Syntax(self.code, "python", theme="monokai" if dark else "friendly", line_numbers=False,
                   background_color="default", word_wrap=False))

    def on_select_changed(self, _event: Select.Changed) -> None:
        self.regenerate()

    def on_checkbox_changed(self, _event: Checkbox.Changed) -> None:
        self.regenerate()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id not in RUN_FIELDS:
            self.regenerate()

    @work(exclusive=True, group="export-classes", exit_on_error=False)
    async def find_classes(self) -> None:
        from ...export.discover import discover_classes

        try:
            self.class_folders = await discover_classes(self.session.client, self.bck, self.prefix, self.names)
        except AISError as e:
            self.class_folders = []
            self.notify(f"could not list class folders: {e}", severity="error", markup=False)
        self.regenerate()

    # ------------------------------------------------------------------ copy / save

    def action_copy(self) -> None:
        if self.error or not self.code:
            self.notify(self.error or "nothing to copy", severity="warning", markup=False)
            return
        from ... import clipboard

        how = self.console.copy_text(self.code)
        if how == clipboard.NOT_COPIED:
            how = clipboard.save_fallback(self.code, clipboard.export_dir() / default_filename(self.spec()))
        self.notify(f"loader code copied: {how}", markup=False, timeout=8)

    def action_save(self) -> None:
        if self.error or not self.code:
            self.notify(self.error or "nothing to save", severity="warning", markup=False)
            return
        self.app.push_screen(PromptDialog("Save the loader code to", "a file path (overwritten if it exists)",
                                          value=default_filename(self.spec())), self._save)

    def _save(self, path: str | None) -> None:
        if not path:
            return
        target = Path(path).expanduser()
        try:
            target.write_text(self.code)
        except OSError as e:
            self.notify(f"could not save: {e}", severity="error", markup=False)
            return
        self.notify(f"saved to {target.resolve()}", markup=False)

    # ------------------------------------------------------------------ dry-run

    def action_back(self) -> None:
        if self.running:
            self.workers.cancel_group(self, "dryrun")
            self.running = False
            self._progress_text("cancelled (its processes were stopped)")
            return
        self.app.pop_screen()
