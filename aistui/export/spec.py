"""What to generate (:class:`ExportSpec`), its checks (:func:`validate`) and its default file
name; the code itself is rendered by :mod:`aistui.export.render` and
:mod:`aistui.export.render_loader` and put together by :func:`aistui.export.snippet.generate`.
Imports neither torch nor aistore.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..core.errors import InvalidInput
from ..core.models import Bck
from . import LABELS, STYLES, WEIGHTINGS

__all__ = ["ExportSpec", "MAP_STYLES", "SHUFFLE_BUFFER", "validate", "default_filename"]

MAP_STYLES = ("map", "plain")
SHUFFLE_BUFFER = 1000  # samples held by the shuffle buffer of iterable styles


@dataclass
class ExportSpec:
    """What to generate. ``bucket`` is an ``ais://`` (or ``s3://``, ``ais://@remais/``) URI;
    ``names`` (one-off objects) replaces the listing of ``prefix`` when given. ``resize`` is the
    side of the square images are resized to (0 keeps their size). ``classes`` are the class
    folders (found by :func:`aistui.export.discover.discover_classes`); ``label_file`` is the
    mapping file for ``labels="mapping"``; ``label_member`` / ``image_member`` are the shard
    member extensions for ``labels="member"`` / decoding in the ``shard`` style.
    ``class_weights`` (class → weight, from the balance view) with ``weighting`` (a key of
    :data:`~aistui.export.WEIGHTINGS`) adds ``loss_weights()`` or ``make_sampler(labels)``."""

    bucket: str
    prefix: str = ""
    names: list[str] | None = None
    style: str = "iter"
    labels: str = "none"
    classes: list[str] = field(default_factory=list)
    label_file: str = ""
    label_member: str = "cls"
    image_member: str = "png"
    decode: bool = False
    resize: int = 0
    batch_size: int = 32
    num_workers: int = 2
    shuffle: bool = False
    seed: int = 0
    ddp: bool = False
    etl: str = ""
    get_batch_size: int = 32  # objects per get-batch request (styles "batch" and "pipe")
    inflight: int = 4  # get-batch requests in flight per DataLoader worker (style "pipe")
    tuned: str = ""  # the tuner's measurement of these options, written into the code as a comment
    default_endpoint: str = "http://localhost:8080"
    class_weights: dict[str, float] = field(default_factory=dict[str, float])
    weighting: str = "none"

    def with_(self, **kw) -> ExportSpec:
        return replace(self, **kw)


def validate(spec: ExportSpec) -> Bck:
    """Raise :class:`InvalidInput` naming the first option that cannot work; return the bucket."""
    bck = Bck.parse(spec.bucket)
    if spec.style not in STYLES:
        raise InvalidInput(f"unknown style {spec.style!r} (one of {', '.join(STYLES)})")
    if spec.labels not in LABELS:
        raise InvalidInput(f"unknown label source {spec.labels!r} (one of {', '.join(LABELS)})")
    if spec.labels == "member" and spec.style != "shard":
        raise InvalidInput("labels from a shard member need the shard style")
    if spec.labels == "folder" and spec.style == "shard":
        raise InvalidInput("shard samples have no class folder: use labels from a member (.cls)")
    if spec.labels == "folder" and not spec.classes:
        raise InvalidInput("labels from class folders need the class list (no folders found)")
    if spec.labels == "mapping" and not spec.label_file:
        raise InvalidInput("labels from a mapping file need the file (ais://bucket/labels.json or a path)")
    if spec.weighting not in WEIGHTINGS:
        raise InvalidInput(f"unknown weighting {spec.weighting!r} (one of {', '.join(WEIGHTINGS)})")
    if spec.weighting != "none" and not spec.class_weights:
        raise InvalidInput("class weights come from the balance view (B on the objects screen)")
    if spec.etl and spec.style in ("batch", "pipe"):
        raise InvalidInput("get-batch (SDK 1.26) cannot apply an ETL: pick another style")
    if spec.batch_size < 1 or spec.num_workers < 0 or spec.resize < 0 or spec.get_batch_size < 1:
        raise InvalidInput("batch size must be >= 1, workers >= 0, resize >= 0")
    if spec.inflight < 1:
        raise InvalidInput("requests in flight must be >= 1")
    if spec.names is not None and not spec.names:
        raise InvalidInput("the selection is empty")
    if spec.decode and spec.style == "shard" and not spec.image_member:
        raise InvalidInput("decoding shards needs the image member's extension (e.g. png, jpg)")
    return bck


def default_filename(spec: ExportSpec) -> str:
    """The file name the console offers for the generated module: ``<bucket>_<style>_loader.py``."""
    bck = Bck.parse(spec.bucket)
    return f"{bck.name}_{spec.style}_loader.py"
