"""Class balance and splits (``B`` on the objects screen, ``:balance ais://b/prefix/``): for a
labeled dataset, the objects (or shard samples) and bytes per class in each split, side by side,
with a bar per class, and what is wrong said in words: the imbalance ratio (largest class over
the smallest non-empty one), empty classes, classes missing from a split, objects without a
label, and whether the numbers are an estimate.

The numbers come from :func:`aistui.core.balance.balance`: one streamed listing per split (and,
for shards, the ``.cls`` members through get-batch), folded as it goes: the table fills in and
the progress line says how far. The splits are the directories named ``train/``, ``val/``,
``test/``... (else the directory itself); ``p`` picks others and the label source (class
folders, a JSON mapping file, the shards' ``.cls`` members) in a small dialog. ``w`` opens the
export screen with the class weights (over the train split) in the generated code
(``loss_weights()``; its form switches to a ``WeightedRandomSampler``). ``r`` counts again,
``esc`` goes back. Everything here only reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from ..core.balance import balance, default_splits, list_dirs
from ..core.balancemodel import IMBALANCE_RATIO, BalanceSnapshot
from ..core.errors import AISError, InvalidInput
from ..core.labels import SOURCES
from ..core.models import Bck
from ..format import size
from ..messages import LoadFailed
from ..widgets.keybar import KeyBar
from ..widgets.linetable import LineTable
from ..widgets.objlist import printable
from ..widgets.splitpick import SplitChoice, SplitsDialog
from ..widgets.status import StatusBar
from .base import AISScreen

BAR = 20  # cells of the total's bar
SPLIT_BAR = 12  # cells of a split's bar (wide terminals)
COLORS = ["green", "yellow", "magenta", "blue", "cyan", "red"]  # one per split, in order
TOTAL_KEY = "="  # the totals row (every class row's key starts with "c/")
UNLABELED_KEY = "?"  # the objects without a label
#: the label sources as the dialog names them (one line each at 80 columns)
SOURCE_NAMES = {"folder": "class folders (train/<class>/x.png)", "mapping": "a JSON mapping file",
                "member": "the .cls members of shards (get-batch)"}


def bar(part: int, whole: int, width: int) -> str:
    """``part`` of ``whole`` as a bar of ``width`` cells, in eighths of a cell (something is never nothing)."""
    if whole <= 0 or part <= 0:
        return ""
    eighths = max(1, round(part * width * 8 / whole))
    full, rest = divmod(min(eighths, width * 8), 8)
    return "█" * full + (" ▏▎▍▌▋▊▉"[rest] if rest else "")


def split_title(split: str) -> str:
    return split or "(all)"


def warnings(s: BalanceSnapshot) -> list[tuple[str, str]]:
    """What is wrong with the balance, in words: ``(line, style)``, the worst first."""
    out: list[tuple[str, str]] = []
    flagged: dict[str, list[str]] = {}
    for cls, split in s.imbalanced():
        flagged.setdefault(split, []).append(cls)
    for split, classes in flagged.items():
        top = s.extremes(split)[0]
        most = s.cell(top, split).count
        few = ", ".join(f"{c} ({s.cell(c, split).count:,})" for c in classes)
        out.append((f"imbalanced {split_title(split)}: class{'es' if len(classes) > 1 else ''} {few} against "
                    f"{most:,} in class {top} ({s.ratio(split):.1f}x)", "bold red"))
    empty = s.empty_classes()
    if empty:
        out.append((f"empty class{'es' if len(empty) > 1 else ''}: {', '.join(empty)} (no object, or only "
                    "zero-byte ones)", "bold red"))
    missing: dict[str, list[str]] = {}
    for cls, split in s.missing():
        missing.setdefault(split, []).append(cls)
    for split, classes in missing.items():
        out.append((f"missing from {split_title(split)}: class{'es' if len(classes) > 1 else ''} "
                    f"{', '.join(classes)}", "magenta"))
    for split, n in s.unlabeled.items():
        if n:
            why = {"folder": "not in a class folder", "mapping": "not in the mapping file",
                   "member": "no .cls member, or not a shard"}[s.source]
            out.append((f"{n:,} in {split_title(split)} without a label ({why})", "dim"))
    if s.estimate:
        out.append((f"estimate: labels read from {s.shards_read:,} of {s.shards:,} shards, scaled up by shards",
                    "cyan"))
    if not out and s.classes:
        out.append((f"balanced: no class {IMBALANCE_RATIO:g}x below its split's largest, none empty or missing",
                    "green"))
    ratios = [f"{split_title(sp)} {s.ratio(sp):.1f}x" for sp in s.splits if s.split_total(sp).count]
    if len(s.splits) > 1 and ratios:
        ratios.append(f"overall {s.ratio():.1f}x")
    if ratios:
        out.append(("largest/smallest class: " + " · ".join(ratios), "dim"))
    return out


class BalanceScreen(AISScreen):
    """The class balance of ``bck`` under the directory ``prefix`` ("" or ending with "/").
    ``splits`` None: the directories named like splits; ``source`` one of
    :data:`~aistui.core.labels.SOURCES`."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="balance.back"),
        Binding("p", "pick", "Splits/labels", id="balance.pick"),
        Binding("w", "weights", "Export weights", id="balance.weights"),
        Binding("r", "refresh", "Recount", id="balance.refresh"),
    ]
    DEFAULT_CSS = """
    #balance-body { height: 1fr; }
    #balance { height: auto; max-height: 1fr; }
    #balance-warnings { height: auto; max-height: 40%; padding: 0 1; }
    """

    @dataclass
    class Counted(Message):
        """A snapshot of count ``run`` (stale once the screen started another)."""

        run: int
        snapshot: BalanceSnapshot

    @dataclass
    class Dirs(Message):
        """The child directories of the prefix (for the dialog and the default splits)."""

        run: int
        dirs: list[str]

    def __init__(self, bck: Bck, prefix: str = "", splits: list[str] | None = None, source: str = "folder",
                 label_file: str = "", max_shards: int = 0):
        super().__init__()
        self.bck = bck
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.splits = list(splits) if splits is not None else None
        self.source = source if source in SOURCES else "folder"
        self.label_file = label_file
        self.max_shards = max_shards
        self.dirs: list[str] | None = None
        self.snapshot: BalanceSnapshot | None = None
        self.error = ""
        self._run = 0
        self._columns: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="balance-hint", classes="hint", markup=False)
        with Vertical(id="balance-body"):
            yield LineTable(self._table_columns(()), zebra=True, id="balance")
            yield Static("", id="balance-warnings")
        yield KeyBar()

    def on_mount(self) -> None:
        self.console.sync_status(self)
        self.query_one(StatusBar).breadcrumb = f"cluster › {self.bck}/{self.prefix} › balance"
        self.query_one(LineTable).focus()
        self.recount()

    # ------------------------------------------------------------------ counting

    def recount(self) -> None:
        """Count again (a count still running is cancelled)."""
        self._run += 1
        self.snapshot, self.error = None, ""
        self.query_one(LineTable).clear()
        self.query_one("#balance-warnings", Static).update("")
        self._hint()
        self.count(self._run)

    @work(exclusive=True, group="balance", exit_on_error=False)
    async def count(self, run: int) -> None:
        """The directories (once), then the count, one message per snapshot."""
        await self.session.connected.wait()
        client = self.session.client
        try:
            if self.dirs is None or self.splits is None:
                dirs = await list_dirs(client, self.bck, self.prefix)
                self.post_message(self.Dirs(run, dirs))
                splits = self.splits if self.splits is not None else default_splits(dirs)
            else:
                splits = self.splits
            async for snap in balance(client, self.bck, self.prefix, splits, source=self.source,
                                      label_file=self.label_file, max_shards=self.max_shards):
                self.post_message(self.Counted(run, snap))
        except (AISError, InvalidInput) as e:
            self.post_message(LoadFailed(e))

    @on(Dirs)
    def _dirs(self, msg: Dirs) -> None:
        if msg.run == self._run:
            self.dirs = msg.dirs

    @on(Counted)
    async def _counted(self, msg: Counted) -> None:
        if msg.run != self._run:
            return
        self.snapshot = msg.snapshot
        self.splits = list(msg.snapshot.splits)
        await self._ensure_columns(msg.snapshot.splits)
        self._fill()

    @on(LoadFailed)
    def _failed(self, msg: LoadFailed) -> None:
        self.error = str(msg.error)
        self.notify(f"balance: {msg.error}", severity="error", markup=False)
        self._hint()

    # ------------------------------------------------------------------ drawing

    @staticmethod
    def _table_columns(splits: tuple[str, ...]) -> list:
        cols: list = [("class", "class", None)]
        for i, s in enumerate(splits):
            title = split_title(s)
            cols.append((f"n{i}", f"{title:>9}", 9))
            cols.append((f"b{i}", f"{'bytes':>9}", 9, 2))
        cols.append(("total", f"{'total':>9}", 9))
        cols.append(("bar", "", BAR, 1))
        for i, s in enumerate(splits):
            cols.append((f"bar{i}", split_title(s)[:SPLIT_BAR], SPLIT_BAR, 3))
        return cols

    async def _ensure_columns(self, splits: tuple[str, ...]) -> None:
        """A table with a count (and bytes, and bar) column per split: a new one when the
        splits changed (a :class:`LineTable`'s columns are fixed)."""
        if splits == self._columns:
            return
        self._columns = splits
        table = self.query_one(LineTable)
        focused = table.has_focus
        await table.remove()
        new = LineTable(self._table_columns(splits), zebra=True, id="balance")
        await self.query_one("#balance-body").mount(new, before=0)
        if focused:
            new.focus()

    def _fill(self) -> None:
        s = self.snapshot
        if s is None:
            return
        table = self.query_one(LineTable)
        whole = max((s.total(c).count for c in s.classes), default=0)
        tops = [max((s.cell(c, sp).count for c in s.classes), default=0) for sp in s.splits]
        empty = set(s.empty_classes())
        missing = {c for c, _ in s.missing()}
        few = {c for c, _ in s.imbalanced()}
        rows: list[tuple[str, list[str | Text]]] = []
        for c in s.classes:
            style = "bold red" if c in empty or c in few else ("magenta" if c in missing else "")
            cells: list[str | Text] = [Text(c, style=style)]
            for sp in s.splits:
                cell = s.cell(c, sp)
                cells.append(Text(f"{cell.count:>9,}", style="magenta" if not cell.count and c not in empty else ""))
                cells.append(f"{size(cell.bytes):>9}")
            t = s.total(c)
            cells.append(f"{t.count:>9,}")
            cells.append(Text(bar(t.count, whole, BAR), style="cyan"))
            for i, sp in enumerate(s.splits):
                cells.append(Text(bar(s.cell(c, sp).count, tops[i], SPLIT_BAR), style=COLORS[i % len(COLORS)]))
            rows.append((f"c/{c}", cells))
        if any(s.unlabeled.values()):
            cells = [Text("(no label)", style="dim")]
            for sp in s.splits:
                cells += [f"{s.unlabeled.get(sp, 0):>9,}", ""]
            cells += [f"{sum(s.unlabeled.values()):>9,}", ""] + [""] * len(s.splits)
            rows.append((UNLABELED_KEY, cells))
        cells = [Text("total", style="bold")]
        for sp in s.splits:
            st = s.split_total(sp)
            cells += [Text(f"{st.count:>9,}", style="bold"), f"{size(st.bytes):>9}"]
        cells += [Text(f"{sum(s.split_total(sp).count for sp in s.splits):>9,}", style="bold"), ""]
        cells += [""] * len(s.splits)
        rows.append((TOTAL_KEY, cells))
        table.set_rows(rows)
        lines = warnings(s) if s.done else []
        self.query_one("#balance-warnings", Static).update(
            Text("\n").join(Text(printable(line), style=style) for line, style in lines))
        self._hint()

    def _hint(self) -> None:
        s = self.snapshot
        what = {"folder": "class folders", "mapping": f"mapping {self.label_file}",
                "member": ".cls members (get-batch)"}[self.source]
        if self.error:
            text = f"balance failed: {self.error} · p: splits/labels"
        elif s is None:
            text = f"labels from {what}; listing {self.bck}/{self.prefix}…"
        else:
            splits = ", ".join(split_title(x) for x in s.splits)
            if s.done:
                text = f"{len(s.classes):,} classes, ratio {s.ratio():.1f}x" + (" (estimate)" if s.estimate else "")
            else:
                text = f"listing… ({s.pages:,} pages)"
            text += f" · labels from {what} · splits {splits} · {s.objects:,} objects, {size(s.bytes)}"
            if s.shards:
                text += f" · {s.shards_read:,} of {s.shards:,} shards read"
        self.query_one("#balance-hint", Static).update(printable(text))

    # ------------------------------------------------------------------ keys

    def action_pick(self) -> None:
        """``p``: pick the splits, the label source (and mapping file) and the shards to read."""
        if self.dirs is None:
            self.notify("still listing the directories; try again in a moment", markup=False)
            return
        current = SplitChoice(tuple(self.splits or ()), self.source, self.label_file, self.max_shards)
        self.app.push_screen(SplitsDialog(self.dirs, current, SOURCE_NAMES), self._picked)

    def _picked(self, choice: SplitChoice | None) -> None:
        if choice is None:
            return
        self.splits, self.source = list(choice.splits), choice.source
        self.label_file, self.max_shards = choice.label_file, choice.max_shards
        self.recount()

    def action_weights(self) -> None:
        """``w``: the export screen for the train split, its code with ``loss_weights()`` from
        the class weights (``n / (classes * n_class)``); its form can switch to a sampler."""
        s = self.snapshot
        if s is None or not s.done:
            self.notify("the count is not done yet", markup=False)
            return
        weights = s.weights()
        if not weights:
            self.notify("no labeled objects to weigh", severity="warning", markup=False)
            return
        split = s.train_split()
        preset: dict[str, object] = {"class_weights": weights, "weighting": "loss"}
        if self.source == "folder":
            preset.update(labels="folder")
        elif self.source == "mapping":
            preset.update(labels="mapping", label_file=self.label_file)
        else:
            preset.update(style="shard", labels="member")
        self.console.show_export(self.bck, self.prefix + split, preset=preset)

    def action_refresh(self) -> None:
        self.dirs = None if self.splits is None else self.dirs
        self.recount()

    def action_back(self) -> None:
        self.app.pop_screen()
