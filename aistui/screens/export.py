"""Export screen: PyTorch loader code for a bucket, prefix or selection, and its dry-run.

The form on the left picks the style and options; the code on the right is regenerated on every
change and shown highlighted. ``y`` copies it (OSC 52, tmux, pyperclip, else a file, and says
which), ``s`` saves it, ``r`` dry-runs it on this cluster in separate processes (live progress,
then a table and a bar chart of samples/s per ``num_workers`` against the references), ``T``
tunes (:mod:`aistui.export.tune`: styles x num_workers x batch size x requests in flight within
the budget; a plot of samples/s against num_workers per style; the pick is put into the form,
so the code shows it), ``l`` opens the live dry-run screen (``console.show_dryrun``, per-second
figures beside the cluster's), ``esc`` cancels a running dry-run or search, else goes back. Nothing here
imports torch or aistore.
"""

from __future__ import annotations

from pathlib import Path

from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ScrollableContainer, Vertical, VerticalScroll
from textual.widgets import Checkbox, DataTable, Input, Label, ProgressBar, Select, Static

from ..core.errors import AISError, InvalidInput
from ..core.models import Bck
from ..export import WEIGHTINGS
from ..export.requirements import check_dry_run, check_tune
from ..export.snippet import LABELS, STYLES, ExportSpec, default_filename, generate
from ..widgets.dialogs import PromptDialog
from ..widgets.keybar import KeyBar
from ..widgets.status import StatusBar
from .base import AISScreen

COLUMNS = ("workers", "TTFB s", "list s", "start s", "1st s", "samples/s", "MiB/s", "wait p50 ms",
           "p99 ms", "CPU", "GET x", "dec x", "bottleneck")


def _f(v, fmt: str) -> str:
    return format(v, fmt) if isinstance(v, (int, float)) else "-"


def result_rows(result: dict) -> list[tuple[str, ...]]:
    """The results table's rows (one per ``num_workers``)."""
    rows = []
    for r in result["runs"]:
        t, s, w = r["ttfb"] or {}, r["steady"], r["wait_ms"]
        p99 = _f(w["p99"], ".1f") + ("*" if w["p99_is_max"] and w["p99"] is not None else "")
        rows.append((str(r["workers"]), _f(t.get("total_s"), ".2f"), _f(t.get("listing_s"), ".2f"),
                     _f(t.get("workers_s"), ".2f"), _f(t.get("first_batch_s"), ".2f"),
                     _f(s["samples_per_s"], ",.0f"), _f(s["mib_per_s"], ",.2f"), _f(w["p50"], ".1f"), p99,
                     _f(r["cpu"]["cores"], ".2f"), _f(r["ratios"].get("get"), ".2f"),
                     _f(r["ratios"].get("decode"), ".2f"), r.get("bottleneck") or "-"))
    return rows


def _pkey(p: dict) -> tuple:
    return (p["style"], p["workers"], p["batch_size"], p["inflight"])


def plot_series(points: list[dict]) -> list[tuple[str, list[int], list[float]]]:
    """``[(style, num_workers values, samples/s)]`` for the tuner's plot: per style, the best
    rate at each ``num_workers`` (over batch sizes and requests in flight), sorted by workers."""
    best: dict[str, dict[int, float]] = {}
    for p in points:
        if p["samples_per_s"]:
            per = best.setdefault(p["style"], {})
            per[p["workers"]] = max(per.get(p["workers"], 0.0), p["samples_per_s"])
    return [(style, sorted(per), [per[w] for w in sorted(per)]) for style, per in best.items()]


def result_chart(result: dict, width: int = 40) -> Table:
    """Bars of steady samples/s per ``num_workers``, with the references on the same scale."""
    bars: list[tuple[str, float, str]] = []
    for r in result["runs"]:
        bars.append((f"workers={r['workers']}", r["steady"]["samples_per_s"] or 0.0, "green"))
    refs = result["references"]
    if refs.get("get"):
        bars.append(("raw GET", refs["get"]["samples_per_s"], "cyan"))
    if refs.get("decode"):
        bars.append(("decode/core", refs["decode"]["images_per_s_core"], "magenta"))
    top = max((v for _, v, _ in bars), default=0.0) or 1.0
    t = Table.grid(padding=(0, 1))
    t.add_column(justify="right")
    t.add_column()
    t.add_column(justify="right")
    for name, v, color in bars:
        n = int(round(width * v / top))
        t.add_row(name, Text("█" * n + "·" * (width - n), style=color), f"{v:,.0f}/s")
    return t


class ExportScreen(AISScreen):
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
                yield Label("style")
                yield Select([(v[0], k) for k, v in STYLES.items()], value=str(self.preset.get("style", "iter")),
                             allow_blank=False, id="style")
                yield Label("labels")
                yield Select([(k, k) for k in LABELS], value=str(self.preset.get("labels", "none")),
                             allow_blank=False, id="labels")
                yield Input(str(self.preset.get("label_file", "")), placeholder="mapping file: ais://b/labels.json",
                            id="label_file")
                if self.class_weights:
                    yield Label(f"class weights ({len(self.class_weights)} classes)")
                    yield Select([(k, k) for k in WEIGHTINGS], value=str(self.preset.get("weighting", "loss")),
                                 allow_blank=False, id="weighting")
                yield Checkbox("decode images (Pillow)", id="decode")
                yield Input(placeholder="resize to N x N px (empty: keep)", id="resize", type="integer")
                yield Label("batch size / workers / seed")
                with Horizontal(classes="row"):
                    yield Input("32", id="batch_size", type="integer")
                    yield Input("2", id="num_workers", type="integer")
                    yield Input("0", id="seed", type="integer")
                yield Checkbox("shuffle", id="shuffle")
                yield Checkbox("DDP-ready", id="ddp")
                yield Input(placeholder="ETL name (must be running)", id="etl")
                yield Label("dry-run: workers sweep, batches, seconds")
                yield Input("0,2", id="sweep")
                with Horizontal(classes="row"):
                    yield Input("50", id="batches", type="integer")
                    yield Input("20", id="seconds", type="number")
                yield Label("tune (T): budget seconds")
                yield Input("120", id="budget", type="number")
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

    def _int(self, wid: str, default: int) -> int:
        text = self.query_one(f"#{wid}", Input).value.strip()
        try:
            return int(text) if text else default
        except ValueError:
            return default

    def spec(self) -> ExportSpec:
        """The form's current state (with the tuner's note when the form still holds its pick)."""
        q = self.query_one
        spec = ExportSpec(
            bucket=str(self.bck), prefix=self.prefix, names=self.names,
            style=str(q("#style", Select).value), labels=str(q("#labels", Select).value),
            classes=self.class_folders or [], label_file=q("#label_file", Input).value.strip(),
            decode=q("#decode", Checkbox).value, resize=self._int("resize", 0),
            batch_size=self._int("batch_size", 32), num_workers=self._int("num_workers", 2),
            shuffle=q("#shuffle", Checkbox).value, seed=self._int("seed", 0), ddp=q("#ddp", Checkbox).value,
            etl=q("#etl", Input).value.strip(),
            default_endpoint=self.session.settings.endpoint,
            class_weights=self.class_weights,
            weighting=str(q("#weighting", Select).value) if self.class_weights else "none",
            inflight=self.inflight,
        )
        pick = (self.tune_result or {}).get("pick")
        if pick and (pick["style"], pick["workers"], pick["batch_size"]) == (spec.style, spec.num_workers,
                                                                             spec.batch_size):
            from ..export.tune import pick_text

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
        if event.input.id not in ("sweep", "batches", "seconds", "budget"):
            self.regenerate()

    @work(exclusive=True, group="export-classes", exit_on_error=False)
    async def find_classes(self) -> None:
        from ..export.discover import discover_classes

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
        from .. import clipboard

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

    def _progress_text(self, text: str) -> None:
        self.query_one("#export-progress-line", Static).update(Text(text))

    def action_dry_run(self) -> None:
        if self.running:
            self.notify("a dry-run is already running (esc cancels it)", markup=False)
            return
        if self.error or not self.code:
            self.notify(self.error or "nothing to run", severity="warning", markup=False)
            return
        spec = self.spec()
        needs = check_dry_run(spec.style, decode=spec.decode)  # a plain install has no torch, no SDK
        if needs:
            self.notify(needs, title="dry-run not started", severity="error", markup=False, timeout=12)
            return
        try:
            sweep = [int(w) for w in self.query_one("#sweep", Input).value.split(",") if w.strip()]
            if not sweep or min(sweep) < 0:
                raise ValueError
        except ValueError:
            self.notify("workers sweep: comma-separated numbers, e.g. 0,1,2,4", severity="error")
            return
        self.query_one("#export-results").add_class("shown")
        self.query_one("#export-table", DataTable).clear()
        self.query_one("#export-chart", Static).update("")
        self.query_one("#export-verdict", Static).update("")
        self.running = True
        self.run_dry(spec, self.code, sweep, self._int("batches", 50),
                     float(self.query_one("#seconds", Input).value or 20))

    def action_live(self) -> None:
        """``l``: the live dry-run screen (``console.show_dryrun``) of the form's code, each
        ``num_workers`` of the sweep in turn, updated each second."""
        if self.error or not self.code:
            self.notify(self.error or "nothing to run", severity="warning", markup=False)
            return
        spec = self.spec()
        needs = check_dry_run(spec.style, decode=spec.decode)  # a plain install has no torch, no SDK
        if needs:
            self.notify(needs, title="dry-run not started", severity="error", markup=False, timeout=12)
            return
        try:
            sweep = [int(w) for w in self.query_one("#sweep", Input).value.split(",") if w.strip()]
            if not sweep or min(sweep) < 0:
                raise ValueError
        except ValueError:
            self.notify("workers sweep: comma-separated numbers, e.g. 0,1,2,4", severity="error")
            return
        self.console.show_dryrun(spec, self.code, sweep, self._int("batches", 50),
                                 float(self.query_one("#seconds", Input).value or 20))

    def action_tune(self) -> None:
        """``T``: search styles x num_workers x batch size (x requests in flight) within the budget."""
        if self.running:
            self.notify("a dry-run or search is already running (esc cancels it)", markup=False)
            return
        if self.error or not self.code:
            self.notify(self.error or "nothing to tune", severity="warning", markup=False)
            return
        from ..export.tune import candidate_styles

        spec = self.spec()
        styles = [st for st in candidate_styles(spec) if not self.tune_styles or st in self.tune_styles]
        needs = check_tune(styles, decode=spec.decode)  # a plain install has no torch, no SDK
        if needs:
            self.notify(needs, title="tuner not started", severity="error", markup=False, timeout=12)
            return
        try:
            budget = float(self.query_one("#budget", Input).value or 120)
            if budget <= 0:
                raise ValueError
        except ValueError:
            self.notify("tune budget: a number of seconds, e.g. 120", severity="error")
            return
        self.query_one("#export-results").add_class("shown")
        self.query_one("#export-table", DataTable).clear()
        self.query_one("#export-chart", Static).update("")
        self.query_one("#export-verdict", Static).update("")
        if not self.query("#export-plot"):
            from textual_plotext import PlotextPlot  # ~0.3 s to import: only when tuning

            self.query_one("#export-plot-box").mount(PlotextPlot(id="export-plot"))
        self.running = True
        self.run_tune(spec, styles, budget)

    @work(exclusive=True, group="dryrun", exit_on_error=False)
    async def run_tune(self, spec: ExportSpec, styles: list[str], budget: float) -> None:
        from ..export.tune import TuneConfig, TuneError, tune

        settings = self.session.settings
        cfg = TuneConfig(budget_s=budget, styles=styles, workers=self.tune_workers, batch_sizes=self.tune_batches,
                         inflight=self.tune_inflight, point_seconds=self.tune_point_seconds,
                         endpoint=settings.endpoint, token=settings.token or "")
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=budget, progress=0)
        points: list[dict] = []
        try:
            async for ev in tune(spec, cfg):
                kind = ev["kind"]
                if kind == "phase":
                    self._progress_text(f"tune: {ev['text']}")
                elif kind == "point":
                    bar.update(progress=min(budget, ev["elapsed_s"]))
                    p = ev["point"]
                    points = [q for q in points if _pkey(q) != _pkey(p)] + [p]
                    rate = f"{p['samples_per_s']:,.0f} samples/s" if p["samples_per_s"] else "no steady state"
                    self._progress_text(f"tune: {p['style']} num_workers={p['workers']} "
                                        f"batch_size={p['batch_size']}: {rate}")
                    self.draw_plot(points)
                elif kind == "result":
                    self.show_tune(ev["result"])
        except TuneError as e:
            self._progress_text(f"tune failed: {e}")
            self.notify(f"tune failed: {e}", severity="error", markup=False, timeout=10)
        finally:
            self.running = False

    #: the tuner's grids on the screen (tests shrink them)
    tune_styles: list[str] = []  # empty: every style that can read the data
    tune_workers: list[int] = [0, 1, 2, 4]
    tune_batches: list[int] = [32, 128]
    tune_inflight: list[int] = [2, 4, 8]
    tune_point_seconds: float = 5.0

    def draw_plot(self, points: list[dict]) -> None:
        """samples/s against num_workers, one line per style (its best over batch size and
        requests in flight at each num_workers)."""
        from textual_plotext import PlotextPlot  # already imported when the plot was mounted

        found = self.query("#export-plot").results(PlotextPlot)
        plot = next(found, None)
        if plot is None:
            return
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("samples/s by num_workers")
        plt.xlabel("num_workers")
        for style, xs, ys in plot_series(points):
            plt.plot(xs, ys, label=style, marker="braille")
        plot.refresh()

    def show_tune(self, result: dict) -> None:
        """The search's points in the table, the plot, the pick in the form (so the code shows
        it, with a ``# Tuned by aistui`` line) and the verdict."""
        self.tune_result = result
        pick = result["pick"]
        self.draw_plot(result["points"])
        t = self.query_one("#export-table", DataTable)
        t.clear()
        for p in sorted(result["points"], key=lambda p: -(p["samples_per_s"] or 0)):
            t.add_row(f"{p['style']}:{p['workers']}", "-", "-", "-", "-", _f(p["samples_per_s"], ",.0f"),
                      _f(p["mib_per_s"], ",.2f"), "-", "-", "-",
                      _f(1 / p["get_share"] if p.get("get_share") else None, ".2f"), "-",
                      f"bs={p['batch_size']}" + (f" k={p['inflight']}" if p["inflight"] is not None else "")
                      + f" {p.get('bottleneck') or '-'}")
        if pick.get("inflight") is not None:
            self.inflight = pick["inflight"]
        with self.prevent(Select.Changed, Input.Changed):
            self.query_one("#style", Select).value = pick["style"]
            self.query_one("#num_workers", Input).value = str(pick["workers"])
            self.query_one("#batch_size", Input).value = str(pick["batch_size"])
        self.regenerate()
        self.query_one("#export-progress", ProgressBar).update(total=1, progress=1)
        self._progress_text(f"tune done: {len(result['points'])} points in {result['elapsed_s']:.0f} s"
                            + (f", {result['skipped']} not run (budget)" if result["skipped"] else "")
                            + "; the pick is in the form and the code")
        self.query_one("#export-verdict", Static).update(Text(result["verdict"], style="bold"))

    @work(exclusive=True, group="dryrun", exit_on_error=False)
    async def run_dry(self, spec: ExportSpec, code: str, sweep: list[int], batches: int, seconds: float) -> None:
        from ..export.dryrun import DryRunConfig, DryRunError, dry_run

        settings = self.session.settings
        cfg = DryRunConfig(workers=sweep, max_batches=batches, max_seconds=seconds,
                           endpoint=settings.endpoint, token=settings.token or "")
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=len(sweep) * batches, progress=0)
        done_runs = 0
        try:
            async for ev in dry_run(spec, cfg, code=code):
                kind = ev["kind"]
                if kind == "phase":
                    self._progress_text(ev["text"])
                elif kind == "batch":
                    bar.update(progress=done_runs * batches + ev["batches"])
                    self._progress_text(f"num_workers={ev['workers']}: {ev['batches']} batches, "
                                        f"{ev['samples']:,} samples")
                elif kind == "run":
                    done_runs += 1
                    bar.update(progress=done_runs * batches)
                    self._add_row(ev["run"])
                elif kind == "result":
                    self.show_result(ev["result"])
        except DryRunError as e:
            self._progress_text(f"dry-run failed: {e}")
            self.notify(f"dry-run failed: {e}", severity="error", markup=False, timeout=10)
        finally:
            self.running = False

    def _add_row(self, run: dict) -> None:
        row = result_rows({"runs": [{**run, "ratios": run.get("ratios", {})}]})[0]
        self.query_one("#export-table", DataTable).add_row(*row, key=str(run["workers"]))

    def show_result(self, result: dict) -> None:
        """Fill the table, the chart and the verdict from a dry-run result."""
        self.result = result
        self.query_one("#export-results").add_class("shown")
        t = self.query_one("#export-table", DataTable)
        t.clear()
        for row in result_rows(result):
            t.add_row(*row)
        self.query_one("#export-chart", Static).update(result_chart(result))
        self.query_one("#export-progress", ProgressBar).update(total=1, progress=1)
        self._progress_text(f"done: {result['source']['samples']:,} samples in the source; "
                            "steady state after warm-up; x = reference rate / loader rate")
        self.query_one("#export-verdict", Static).update(Text(result["verdict"], style="bold"))
