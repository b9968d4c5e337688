"""Generate PyTorch data-loading code for a bucket, a prefix or a selection of objects.

:func:`generate` turns an :class:`ExportSpec` into one self-contained Python module that runs as
it is (``python loader.py`` does one pass and prints the sample count). Every module defines
``make_loader(num_workers=..., batch_size=...)`` returning a ``torch.utils.data.DataLoader``
whose batches are ``[names, data]`` or ``[names, data, labels]``; the dry-run harness relies on
that shape (``len(batch[0])`` is the sample count).

Styles (every API checked against the pinned ``aistore==1.26.0``):

* ``iter``: ``aistore.pytorch.AISIterDataset`` (lazy listing in every worker, one GET per object);
* ``map``: ``aistore.pytorch.AISMapDataset`` (lists everything up front; shuffle by index);
* ``shard``: ``aistore.pytorch.AISShardReader`` over WebDataset tar shards (one GET per shard);
* ``batch``: ``AISBatchIterDataset`` from ``aistore.pytorch.batch_iter_dataset`` (not exported
  by the package): get-batch, one ``/v1/ml/moss`` request per ``max_batch_size`` objects;
* ``plain``: a ``torch.utils.data.Dataset`` over the SDK's ``Client`` (no plugin).

The endpoint comes from ``AIS_ENDPOINT`` and the token from ``AIS_AUTHN_TOKEN`` at run time;
nothing secret is ever written into the code. This module imports neither torch nor aistore.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field, replace

from ..core.errors import InvalidInput
from ..core.models import Bck
from . import LABELS, STYLES

__all__ = ["ExportSpec", "STYLES", "LABELS", "generate", "validate", "default_filename"]

MAP_STYLES = ("map", "plain")
SHUFFLE_BUFFER = 1000  # samples held by the shuffle buffer of iterable styles


@dataclass
class ExportSpec:
    """What to generate. ``bucket`` is an ``ais://`` (or ``s3://``, ``ais://@remais/``) URI;
    ``names`` (one-off objects) replaces the listing of ``prefix`` when given. ``resize`` is the
    side of the square images are resized to (0 keeps their size). ``classes`` are the class
    folders (found by :func:`aistui.export.discover.discover_classes`); ``label_file`` is the
    mapping file for ``labels="mapping"``; ``label_member`` / ``image_member`` are the shard
    member extensions for ``labels="member"`` / decoding in the ``shard`` style."""

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
    get_batch_size: int = 32  # objects per get-batch request (style "batch")
    default_endpoint: str = "http://localhost:8080"

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
    if spec.etl and spec.style == "batch":
        raise InvalidInput("get-batch (SDK 1.26) cannot apply an ETL: pick another style")
    if spec.batch_size < 1 or spec.num_workers < 0 or spec.resize < 0 or spec.get_batch_size < 1:
        raise InvalidInput("batch size must be >= 1, workers >= 0, resize >= 0")
    if spec.names is not None and not spec.names:
        raise InvalidInput("the selection is empty")
    if spec.decode and spec.style == "shard" and not spec.image_member:
        raise InvalidInput("decoding shards needs the image member's extension (e.g. png, jpg)")
    return bck


def default_filename(spec: ExportSpec) -> str:
    bck = Bck.parse(spec.bucket)
    return f"{bck.name}_{spec.style}_loader.py"


# ---------------------------------------------------------------------------------- rendering


def _q(s: str) -> str:
    """A double-quoted Python string literal (black's quote style)."""
    return json.dumps(s, ensure_ascii=False)


def _list_lines(name: str, items: list[str], comment: str) -> str:
    """``NAME = [...]``, one item per line when it does not fit on one line (like black)."""
    one = f"{name} = [{', '.join(_q(i) for i in items)}]"
    head = f"# {comment}\n" if comment else ""
    if len(one) <= 88:
        return head + one
    return head + f"{name} = [\n" + "".join(f"    {_q(i)},\n" for i in items) + "]"


def _imports(spec: ExportSpec) -> str:
    std = ["os"]
    if spec.decode:
        std.append("io")
    if spec.labels == "mapping":
        std.append("json")
    if spec.shuffle and spec.style not in MAP_STYLES:
        std.append("random")
    third = []
    if spec.decode:
        third.append("import numpy as np")
    third.append("import torch")
    if spec.ddp:
        third.append("import torch.distributed as dist")
    plugin = {"iter": "AISIterDataset", "map": "AISMapDataset", "shard": "AISShardReader"}
    if spec.style in plugin:
        third.append(f"from aistore.pytorch import {plugin[spec.style]}")
    if spec.style == "batch":
        third.append("from aistore.pytorch.batch_iter_dataset import AISBatchIterDataset")
    sdk = ["Client"]
    if bool(Bck.parse(spec.bucket).ns.uuid or Bck.parse(spec.bucket).ns.name):
        sdk.append("Namespace")
    third.append(f"from aistore.sdk import {', '.join(sorted(sdk))}")
    if spec.etl and spec.style == "plain":
        third.append("from aistore.sdk.etl import ETLConfig")
    if spec.decode:
        third.append("from PIL import Image")
    data = ["DataLoader"]
    if spec.style in MAP_STYLES:
        data.append("Dataset")
        if spec.ddp:
            data.append("DistributedSampler")
    else:
        data.append("IterableDataset")
        if spec.shuffle:
            data.append("get_worker_info")
    third.append(f"from torch.utils.data import {', '.join(data)}")
    return "\n".join(f"import {m}" for m in sorted(std)) + "\n\n" + "\n".join(third)


def _docstring(spec: ExportSpec, bck: Bck) -> str:
    where = f"{bck}/{spec.prefix}" if spec.names is None else f"{len(spec.names)} selected objects in {bck}"
    cls, _ = STYLES[spec.style]
    sample = "(key, image" if spec.style == "shard" and spec.decode else (
        "(key, {extension: bytes}" if spec.style == "shard" else ("(name, image" if spec.decode else "(name, bytes"))
    sample += ", label)" if spec.labels != "none" else ")"
    from .. import __version__

    return (f'"""PyTorch data loading for {where}, generated by aistui {__version__}.\n\n'
            f"Style: {cls} (aistore SDK 1.26.0).\n"
            f"Each sample is {sample}; a batch holds those fields, collated.\n"
            "Run it as is to read the data once:\n\n"
            "    AIS_ENDPOINT=http://<proxy>:8080 python this_file.py\n"
            '"""')


def _constants(spec: ExportSpec, bck: Bck) -> str:
    lines = [
        "# The cluster comes from the environment; a token is read from AIS_AUTHN_TOKEN at run",
        "# time and is never stored in this file.",
        f'ENDPOINT = os.environ.get("AIS_ENDPOINT", {_q(spec.default_endpoint)})',
        f"BUCKET = {_q(bck.name)}",
        f"PROVIDER = {_q(bck.provider)}",
    ]
    if bck.ns.uuid or bck.ns.name:
        lines.append(f"NAMESPACE = Namespace(uuid={_q(bck.ns.uuid)}, name={_q(bck.ns.name)})  # remote cluster")
    if spec.names is None:
        lines.append(f"PREFIX = {_q(spec.prefix)}")
    lines += [f"BATCH_SIZE = {spec.batch_size}", f"NUM_WORKERS = {spec.num_workers}"]
    if spec.shuffle:
        lines.append(f"SEED = {spec.seed}")
    if spec.shuffle and spec.style not in MAP_STYLES:
        lines.append(f"SHUFFLE_BUFFER = {SHUFFLE_BUFFER}  # iterable data shuffles within a buffer")
    if spec.style == "batch":
        lines.append(f"GET_BATCH = {spec.get_batch_size}  # objects per get-batch request")
    if spec.etl:
        lines.append(f"ETL = {_q(spec.etl)}  # must already run on the cluster")
    if spec.decode:
        if spec.style == "shard":
            lines.append(f"IMAGE = {_q(spec.image_member)}  # the shard member holding the image")
        if spec.resize:
            lines.append(f"SIZE = {spec.resize}  # images are resized to SIZE x SIZE pixels")
    if spec.labels == "member":
        lines.append(f"LABEL = {_q(spec.label_member)}  # the shard member holding the label")
    if spec.labels == "mapping":
        lines.append(f"LABEL_FILE = {_q(spec.label_file)}  # JSON: {{name or key: label}}")
    out = "\n".join(lines)
    if spec.labels == "folder":
        out += "\n" + _list_lines("CLASSES", spec.classes,
                                  "Class folders found when this was generated; a label is its index here.")
    if spec.names is not None:
        out += "\n" + _list_lines("NAMES", spec.names, "The objects selected in aistui.")
    return out


def _bucket_fn(spec: ExportSpec, bck: Bck) -> str:
    ns = ", namespace=NAMESPACE" if (bck.ns.uuid or bck.ns.name) else ""
    return ("def make_client():\n"
            '    return Client(ENDPOINT, token=os.environ.get("AIS_AUTHN_TOKEN") or None)\n\n\n'
            "def make_bucket(client):\n"
            f"    return client.bucket(BUCKET, provider=PROVIDER{ns})")


def _decode_fn(spec: ExportSpec) -> str:
    resize = "    img = img.resize((SIZE, SIZE))\n" if spec.resize else ""
    note = "" if spec.resize else "    # Images are stacked into one tensor per batch, so they must share a size.\n"
    return ("def decode(data):\n"
            '    """Encoded image bytes -> uint8 tensor (3, H, W), RGB."""\n'
            '    img = Image.open(io.BytesIO(data)).convert("RGB")\n'
            + resize + note +
            "    return torch.from_numpy(np.array(img)).permute(2, 0, 1)")


def _labels_fn(spec: ExportSpec) -> str:
    if spec.labels != "mapping":
        return ""
    return ("def load_labels():\n"
            '    """The mapping file, from the cluster (ais://bucket/obj) or a local path."""\n'
            '    if LABEL_FILE.startswith("ais://"):\n'
            '        bck_name, obj_name = LABEL_FILE[len("ais://") :].split("/", 1)\n'
            "        data = make_client().bucket(bck_name).object(obj_name).get_reader().read_all()\n"
            "    else:\n"
            "        with open(LABEL_FILE, \"rb\") as f:\n"
            "            data = f.read()\n"
            "    return json.loads(data)\n\n\n"
            "LABELS = load_labels()")


def _to_sample_fn(spec: ExportSpec) -> str:
    shard = spec.style == "shard"
    args = "key, members" if shard else "name, data"
    key = "key" if shard else "name"
    raw = "members" if shard else "data"
    x = (f"decode({raw}[IMAGE])" if shard else f"decode({raw})") if spec.decode else raw
    if spec.labels == "none":
        if not spec.decode:
            return ""
        body = [f"    return {key}, {x}"]
    elif spec.labels == "folder":
        body = ['    label = CLASSES.index(name.split("/")[-2])  # the folder holding the object',
                f"    return name, {x}, label"]
    elif spec.labels == "member":
        body = ["    return key, " + x + ", int(members[LABEL])"]
    elif shard:
        body = [f"    return key, {x}, LABELS[key]"]
    else:
        body = ['    stem = name.rsplit("/", 1)[-1].split(".")[0]  # a WebDataset-style key',
                "    label = LABELS[name] if name in LABELS else LABELS[stem]",
                f"    return name, {x}, label"]
    doc = f'    """One raw sample ({args}) -> what the model gets."""'
    return f"def to_sample({args}):\n{doc}\n" + "\n".join(body)


def _wrapper_cls(spec: ExportSpec) -> str:
    """A dataset wrapper applying ``to_sample`` (and the shuffle buffer for iterable styles)."""
    has_fn = spec.decode or spec.labels != "none"
    if spec.style in MAP_STYLES:
        if spec.style == "plain" or not has_fn:
            return ""
        return ("class Samples(Dataset):\n"
                '    """Applies to_sample to the AIS dataset\'s (name, bytes) items."""\n\n'
                "    def __init__(self, source):\n"
                "        self.source = source\n\n"
                "    def __len__(self):\n"
                "        return len(self.source)\n\n"
                "    def __getitem__(self, index):\n"
                "        return to_sample(*self.source[index])")
    if not has_fn and not spec.shuffle:
        return ""
    emit = "to_sample(*item)" if has_fn else "item"
    if spec.shuffle:
        loop = ("        # Shuffle within a buffer: iterable data cannot be indexed. The order is the\n"
                "        # same every epoch; add the epoch number to the seed to vary it.\n"
                "        info = get_worker_info()\n"
                "        rng = random.Random(SEED + (info.id if info else 0))\n"
                "        buffer = []\n"
                "        for item in self.source:\n"
                "            buffer.append(item)\n"
                "            if len(buffer) == SHUFFLE_BUFFER:\n"
                f"                item = buffer.pop(rng.randrange(len(buffer)))\n"
                f"                yield {emit}\n"
                "        rng.shuffle(buffer)\n"
                "        for item in buffer:\n"
                f"            yield {emit}")
    else:
        loop = ("        for item in self.source:\n"
                f"            yield {emit}")
    what = "Applies to_sample to" if has_fn else "Shuffles"
    return ("class Samples(IterableDataset):\n"
            f'    """{what} the items the AIS dataset yields."""\n\n'
            "    def __init__(self, source):\n"
            "        self.source = source\n\n"
            "    def __iter__(self):\n" + loop)


def _plain_cls(spec: ExportSpec) -> str:
    etl = "etl=ETLConfig(ETL)" if spec.etl else ""
    ret = "to_sample(name, data)" if (spec.decode or spec.labels != "none") else "name, data"
    return ("class AISObjects(Dataset):\n"
            '    """One GET per object through the SDK (no plugin). The Client keeps one HTTP\n'
            '    session per process, so DataLoader workers do not share connections."""\n\n'
            "    def __init__(self, names):\n"
            "        self.names = names\n"
            "        self.bucket = make_bucket(make_client())\n\n"
            "    def __len__(self):\n"
            "        return len(self.names)\n\n"
            "    def __getitem__(self, index):\n"
            "        name = self.names[index]\n"
            f"        data = self.bucket.object(name).get_reader({etl}).read_all()\n"
            f"        return {ret}")


def _rank_sources_fn(spec: ExportSpec) -> str:
    if not (spec.ddp and spec.style not in MAP_STYLES):
        return ""
    names = "NAMES" if spec.names is not None else \
        '[e.name for e in bucket.list_objects_iter(prefix=PREFIX, props="name")]'
    return ("def rank_sources(bucket, num_workers):\n"
            '    """This rank\'s share of the objects, one ObjectGroup per DataLoader worker,\n'
            "    so no two ranks or workers read the same object (SDK 1.26: an ObjectGroup\n"
            '    HEADs each object before its GET)."""\n'
            f"    names = {names}\n"
            "    names = names[dist.get_rank() :: dist.get_world_size()]\n"
            "    parts = max(1, num_workers)\n"
            "    return [bucket.objects(obj_names=names[i::parts]) for i in range(parts)]")


def _call(indent: int, lhs: str, func: str, args: list[str]) -> str:
    """``lhs = func(args)`` wrapped the way black wraps it: one line if it fits in 88
    columns, else the arguments on one indented line, else one argument per line."""
    pad = " " * indent
    one = f"{pad}{lhs}{func}({', '.join(args)})"
    if len(one) <= 88:
        return one
    inner = f"{pad}    {', '.join(args)}"
    if len(inner) <= 88:
        return f"{pad}{lhs}{func}(\n{inner}\n{pad})"
    return f"{pad}{lhs}{func}(\n" + "".join(f"{pad}    {a},\n" for a in args) + f"{pad})"


def _dataset(spec: ExportSpec, indent: int, source: str, partition: bool = False) -> str:
    """``dataset = <plugin dataset>(...)`` over ``source`` (an expression)."""
    first = "bucket_list" if spec.style == "shard" else "ais_source_list"
    args = [f"{first}={source}"]
    if spec.style == "batch":
        args.append("client=client")
    if source == "bucket":
        args.append("prefix_map={bucket: PREFIX}")
    if spec.style == "batch":
        args.append("max_batch_size=GET_BATCH")
    if spec.etl:
        args.append("etl_name=ETL")
    if partition:
        args.append("partition_sources_by_worker=True")
    func = {"iter": "AISIterDataset", "map": "AISMapDataset", "shard": "AISShardReader",
            "batch": "AISBatchIterDataset"}[spec.style]
    return _call(indent, "dataset = ", func, args)


def _make_loader_fn(spec: ExportSpec) -> str:
    has_fn = spec.decode or spec.labels != "none"
    body = ["    client = make_client()", "    bucket = make_bucket(client)"]
    src = "bucket.objects(obj_names=NAMES)" if spec.names is not None else "bucket"
    if spec.style == "plain":
        body = []
        if spec.names is not None:
            body.append("    dataset = AISObjects(NAMES)")
        else:
            body.append("    bucket = make_bucket(make_client())")
            body.append('    names = [e.name for e in bucket.list_objects_iter(prefix=PREFIX, props="name")]')
            body.append("    dataset = AISObjects(names)")
    elif spec.ddp and spec.style not in MAP_STYLES:
        body += ["    if dist.is_available() and dist.is_initialized():",
                 "        sources = rank_sources(bucket, num_workers)",
                 _dataset(spec, 8, "sources", partition=True),
                 "    else:",
                 _dataset(spec, 8, src)]
    else:
        body.append(_dataset(spec, 4, src))
    if spec.style != "plain" and (has_fn and spec.style in MAP_STYLES or
                                  spec.style not in MAP_STYLES and (has_fn or spec.shuffle)):
        body.append("    dataset = Samples(dataset)")
    kw = ["batch_size=batch_size", "num_workers=num_workers"]
    if spec.style in MAP_STYLES:
        if spec.ddp:
            body += ["    sampler = None",
                     "    if dist.is_available() and dist.is_initialized():",
                     "        # Each rank reads its share; call sampler.set_epoch(epoch) every epoch.",
                     f"        sampler = DistributedSampler(dataset, shuffle={spec.shuffle}"
                     + (", seed=SEED)" if spec.shuffle else ")")]
            kw.append("sampler=sampler")
            if spec.shuffle:
                kw.append("shuffle=sampler is None")
        elif spec.shuffle:
            kw.append("shuffle=True")
        if spec.shuffle:
            kw.append("generator=torch.Generator().manual_seed(SEED)")
    kw.append("persistent_workers=num_workers > 0")
    body.append("    # persistent_workers: no re-fork (and no re-listing) at every epoch.")
    body.append("    return DataLoader(\n        dataset,\n" + "".join(f"        {k},\n" for k in kw) + "    )")
    sig = "def make_loader(num_workers=NUM_WORKERS, batch_size=BATCH_SIZE):\n"
    return sig + "\n".join(body)


_MAIN = '''if __name__ == "__main__":
    # One pass over the data: count the samples (a batch's first field holds the names).
    samples = 0
    for batch in make_loader():
        samples += len(batch[0])
    print(f"{samples} samples")'''


def generate(spec: ExportSpec) -> str:
    """The module's text. Raises :class:`InvalidInput` for options that cannot work together;
    the result always compiles (checked with :func:`ast.parse`)."""
    bck = validate(spec)
    blocks = [_docstring(spec, bck), _imports(spec), _constants(spec, bck), _bucket_fn(spec, bck)]
    if spec.labels == "mapping":
        blocks.append(_labels_fn(spec))
    if spec.decode:
        blocks.append(_decode_fn(spec))
    blocks += [_to_sample_fn(spec), _wrapper_cls(spec) if spec.style != "plain" else _plain_cls(spec),
               _rank_sources_fn(spec), _make_loader_fn(spec), _MAIN]
    out = ""
    for i, b in enumerate(x for x in blocks if x):
        if i == 0:
            out = b
        elif i in (1, 2):
            out += "\n\n" + b
        else:
            out += "\n\n\n" + b
    out += "\n"
    ast.parse(out)
    return out
