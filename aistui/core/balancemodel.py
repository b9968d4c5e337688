"""The class balance counts (what :func:`aistui.core.balance.balance` yields).

* :class:`Cell` - one class in one split: objects (or shard samples) and bytes.
* :class:`BalanceSnapshot` - every class per split so far, with the imbalance ratio, the
  imbalanced, empty and missing classes, and "balanced" class weights (as scikit-learn computes
  them) over the train split.

No I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .doctor import DoctorOptions
from .models import Bck

__all__ = ["IMBALANCE_RATIO", "Cell", "BalanceSnapshot"]

#: a class with this many times fewer objects than its split's largest is imbalanced (the doctor's too)
IMBALANCE_RATIO = DoctorOptions().imbalance_ratio


@dataclass(frozen=True, slots=True)
class Cell:
    """One class in one split: ``count`` objects (or shard samples) and ``bytes`` (bytes; a
    sample's are the sum of its members')."""

    count: int = 0
    bytes: int = 0


@dataclass(frozen=True)
class BalanceSnapshot:
    """The counts after ``pages`` listing pages. ``splits`` are directories relative to
    ``prefix`` ("train/", or "" for the prefix itself); ``cells`` maps ``(class, split)`` to a
    :class:`Cell`; ``classes`` are every class seen or ``expected``, in natural order;
    ``unlabeled`` counts per split the objects (or samples) without a label. For shards:
    ``shards`` in the splits, ``shards_read`` whose labels were read, and ``estimate`` when the
    counts were scaled up from a sample of them. ``done`` once every split was listed."""

    bck: Bck
    prefix: str
    source: str
    splits: tuple[str, ...]
    cells: Mapping[tuple[str, str], Cell]
    classes: tuple[str, ...]
    unlabeled: Mapping[str, int]
    objects: int
    bytes: int
    pages: int
    shards: int = 0
    shards_read: int = 0
    estimate: bool = False
    done: bool = False

    def cell(self, cls: str, split: str) -> Cell:
        """Class ``cls`` in ``split`` (an empty :class:`Cell` when it has nothing there)."""
        return self.cells.get((cls, split), _EMPTY)

    def total(self, cls: str) -> Cell:
        """Class ``cls`` over every split."""
        cells = [self.cell(cls, s) for s in self.splits]
        return Cell(sum(c.count for c in cells), sum(c.bytes for c in cells))

    def split_total(self, split: str) -> Cell:
        """Every class in ``split`` (the unlabeled objects left out)."""
        cells = [self.cell(c, split) for c in self.classes]
        return Cell(sum(c.count for c in cells), sum(c.bytes for c in cells))

    def ratio(self, split: str | None = None) -> float:
        """The imbalance ratio: the largest class's count over the smallest non-empty one's, in
        ``split`` or over every split (``None``); 1.0 with fewer than two non-empty classes."""
        counts = [(self.total(c) if split is None else self.cell(c, split)).count for c in self.classes]
        counts = [n for n in counts if n > 0]
        return max(counts) / min(counts) if len(counts) >= 2 else 1.0

    def extremes(self, split: str | None = None) -> tuple[str, str]:
        """``(largest class, smallest non-empty class)`` in ``split`` or overall ("" when none)."""
        counts = [(c, (self.total(c) if split is None else self.cell(c, split)).count) for c in self.classes]
        counts = [(c, n) for c, n in counts if n > 0]
        if not counts:
            return "", ""
        top = max(counts, key=lambda cn: (cn[1], cn[0]))[0]
        low = min(counts, key=lambda cn: (cn[1], cn[0]))[0]
        return top, low

    def imbalanced(self, ratio: float = IMBALANCE_RATIO) -> list[tuple[str, str]]:
        """``(class, split)`` for each non-empty class with ``ratio`` times fewer objects than
        its split's largest class (as the doctor reports ``imbalance``), split by split."""
        out: list[tuple[str, str]] = []
        for split in self.splits:
            counts = [(c, self.cell(c, split).count) for c in self.classes]
            most = max((n for _, n in counts), default=0)
            out += [(c, split) for c, n in counts if n > 0 and most >= n * ratio]
        return out

    def empty_classes(self) -> list[str]:
        """Classes with nothing in them: expected (or, for integer labels, a hole between 0 and
        the largest) but never seen, or whose objects are all zero bytes."""
        return [c for c in self.classes if self.total(c).count == 0 or self.total(c).bytes == 0]

    def missing(self) -> list[tuple[str, str]]:
        """``(class, split)`` for each class that has objects in some split but none in this
        one (only with two splits or more)."""
        if len(self.splits) < 2:
            return []
        return [(c, s) for c in self.classes if self.total(c).count > 0
                for s in self.splits if self.cell(c, s).count == 0]

    def train_split(self) -> str:
        """The split weights are computed over: the first named like train, else the first."""
        for s in self.splits:
            if s.rstrip("/").rsplit("/", 1)[-1].lower() in ("train", "training"):
                return s
        return self.splits[0] if self.splits else ""

    def weights(self, split: str | None = None) -> dict[str, float]:
        """Class weights over ``split`` (default :meth:`train_split`), "balanced" as
        scikit-learn computes them: ``n / (k * n_c)`` for the ``k`` classes with ``n_c > 0``
        objects of ``n``, rounded to 4 decimals: a rare class weighs more; classes with no
        object there are left out. Natural class order."""
        split = self.train_split() if split is None else split
        counts = {c: self.cell(c, split).count for c in self.classes}
        counts = {c: n for c, n in counts.items() if n > 0}
        n = sum(counts.values())
        return {c: round(n / (len(counts) * nc), 4) for c, nc in counts.items()}


_EMPTY = Cell()
