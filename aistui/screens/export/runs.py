"""The export screen's runs: the dry-run (``r``: the form's code in separate processes, each
``num_workers`` of the sweep, live progress, then a table and a bar chart of samples/s against
the references), the live dry-run screen (``l``) and the tuner (``T``: styles x num_workers x
batch size x requests in flight within the budget, a plot of samples/s per style, the pick put
into the form). The children run through :mod:`aistui.export.dryrun` and
:mod:`aistui.export.tune`; nothing here imports torch or aistore."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.widgets import DataTable, Input, ProgressBar, Select, Static

from ...export.requirements import check_dry_run, check_tune
from ...export.snippet import ExportSpec
from ..base import AISScreen
from .form import int_field, parse_sweep
from .results import plot_series, point_key, result_chart, result_rows, tune_rows


@dataclass
class DryRunArgs:
    """A dry-run's inputs from the form: what to generate, the ``num_workers`` sweep, batches
    and seconds per run."""

    spec: ExportSpec
    sweep: list[int]
    batches: int
    seconds: float


class ExportRuns(AISScreen):
    """The runs half of the export screen (:class:`~.screen.ExportScreen` adds the form and the
    code that these read: ``code``, ``error``, :meth:`spec`, :meth:`regenerate`)."""

    code: str
    error: str
    running: bool
    inflight: int
    result: dict | None
    tune_result: dict | None

    def spec(self) -> ExportSpec:  # pragma: no cover - the screen defines it
        raise NotImplementedError

    def regenerate(self) -> None:  # pragma: no cover - the screen defines it
        raise NotImplementedError

    def _progress_text(self, text: str) -> None:
        self.query_one("#export-progress-line", Static).update(Text(text))

    def _dry_run_args(self) -> DryRunArgs | None:
        """What ``r`` and ``l`` run: the form's spec, workers sweep, batches and seconds; None
        (and why, said) when there is no code, the install lacks what the style needs (a plain
        install has no torch, no SDK), or the sweep is not numbers."""
        if self.error or not self.code:
            self.notify(self.error or "nothing to run", severity="warning", markup=False)
            return None
        spec = self.spec()
        needs = check_dry_run(spec.style, decode=spec.decode)
        if needs:
            self.notify(needs, title="dry-run not started", severity="error", markup=False, timeout=12)
            return None
        try:
            sweep = parse_sweep(self.query_one("#sweep", Input).value)
        except ValueError:
            self.notify("workers sweep: comma-separated numbers, e.g. 0,1,2,4", severity="error")
            return None
        return DryRunArgs(spec, sweep, int_field(self, "batches", 50),
                          float(self.query_one("#seconds", Input).value or 20))

    def action_dry_run(self) -> None:
        """``r``: dry-run the form's code in separate processes, each ``num_workers`` of the sweep."""
        if self.running:
            self.notify("a dry-run is already running (esc cancels it)", markup=False)
            return
        args = self._dry_run_args()
        if args is None:
            return
        self.query_one("#export-results").add_class("shown")
        self.query_one("#export-table", DataTable).clear()
        self.query_one("#export-chart", Static).update("")
        self.query_one("#export-verdict", Static).update("")
        self.running = True
        self.run_dry(args.spec, self.code, args.sweep, args.batches, args.seconds)

    def action_live(self) -> None:
        """``l``: the live dry-run screen (``console.show_dryrun``) of the form's code, each
        ``num_workers`` of the sweep in turn, updated each second."""
        args = self._dry_run_args()
        if args is not None:
            self.console.show_dryrun(args.spec, self.code, args.sweep, args.batches, args.seconds)

    def action_tune(self) -> None:
        """``T``: search styles x num_workers x batch size (x requests in flight) within the budget."""
        if self.running:
            self.notify("a dry-run or search is already running (esc cancels it)", markup=False)
            return
        if self.error or not self.code:
            self.notify(self.error or "nothing to tune", severity="warning", markup=False)
            return
        from ...export.tune import candidate_styles

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
        from ...export.tune import TuneConfig, TuneError, tune

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
                    points = [q for q in points if point_key(q) != point_key(p)] + [p]
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
        for row in tune_rows(result["points"]):
            t.add_row(*row)
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
        from ...export.dryrun import DryRunConfig, DryRunError, dry_run

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
