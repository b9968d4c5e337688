"""The export screen's form: its fields (style, labels and their mapping file, class weighting,
decoding and resize, batch size, workers, seed, shuffle, DDP, ETL, the dry-run's workers sweep,
batches and seconds, the tuner's budget), and the one mapping from the form to what is generated
(:func:`form_spec`, an :class:`~aistui.export.spec.ExportSpec`) and to how a dry-run runs
(:func:`parse_sweep`). No cluster access."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.dom import DOMNode
from textual.widgets import Checkbox, Input, Label, Select

from ...core.models import Bck
from ...export import WEIGHTINGS
from ...export.snippet import LABELS, STYLES, ExportSpec

#: the fields that change how a run goes, not the code (editing them does not regenerate it)
RUN_FIELDS = ("sweep", "batches", "seconds", "budget")


def compose_form(preset: dict[str, object], class_weights: dict[str, float]) -> ComposeResult:
    """The form's fields, in order, their starting values from ``preset`` (``style``,
    ``labels``, ``label_file``, ``weighting``); the weighting is offered only with
    ``class_weights``."""
    yield Label("style")
    yield Select([(v[0], k) for k, v in STYLES.items()], value=str(preset.get("style", "iter")),
                 allow_blank=False, id="style")
    yield Label("labels")
    yield Select([(k, k) for k in LABELS], value=str(preset.get("labels", "none")),
                 allow_blank=False, id="labels")
    yield Input(str(preset.get("label_file", "")), placeholder="mapping file: ais://b/labels.json",
                id="label_file")
    if class_weights:
        yield Label(f"class weights ({len(class_weights)} classes)")
        yield Select([(k, k) for k in WEIGHTINGS], value=str(preset.get("weighting", "loss")),
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


def int_field(form: DOMNode, wid: str, default: int) -> int:
    """The integer in field ``wid`` (``default`` when empty or not a number)."""
    text = form.query_one(f"#{wid}", Input).value.strip()
    try:
        return int(text) if text else default
    except ValueError:
        return default


def form_spec(form: DOMNode, *, bck: Bck, prefix: str, names: list[str] | None, classes: list[str],
              endpoint: str, class_weights: dict[str, float], inflight: int) -> ExportSpec:
    """What the form under ``form`` asks to generate for ``bck`` at ``prefix`` (or ``names``):
    ``classes`` the class folders found, ``endpoint`` the cluster's URL written into the code,
    ``inflight`` the get-batch requests in flight per worker (the pipe style)."""
    q = form.query_one
    return ExportSpec(
        bucket=str(bck), prefix=prefix, names=names,
        style=str(q("#style", Select).value), labels=str(q("#labels", Select).value),
        classes=classes, label_file=q("#label_file", Input).value.strip(),
        decode=q("#decode", Checkbox).value, resize=int_field(form, "resize", 0),
        batch_size=int_field(form, "batch_size", 32), num_workers=int_field(form, "num_workers", 2),
        shuffle=q("#shuffle", Checkbox).value, seed=int_field(form, "seed", 0), ddp=q("#ddp", Checkbox).value,
        etl=q("#etl", Input).value.strip(),
        default_endpoint=endpoint,
        class_weights=class_weights,
        weighting=str(q("#weighting", Select).value) if class_weights else "none",
        inflight=inflight,
    )


def parse_sweep(text: str) -> list[int]:
    """The dry-run's ``num_workers`` sweep from ``"0,2,4"``. Raises ValueError when it is empty,
    not numbers, or negative."""
    sweep = [int(w) for w in text.split(",") if w.strip()]
    if not sweep or min(sweep) < 0:
        raise ValueError(text)
    return sweep
