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
* ``plain``: a ``torch.utils.data.Dataset`` over the SDK's ``Client`` (no plugin);
* ``pipe``: an ``IterableDataset`` over the SDK's ``Batch`` (no plugin): get-batch requests,
  ``INFLIGHT`` of them in flight per worker (threads), in order.

The endpoint comes from ``AIS_ENDPOINT`` and the token from ``AIS_AUTHN_TOKEN`` at run time;
nothing secret is ever written into the code. This module imports neither torch nor aistore.
"""

from __future__ import annotations

import ast

from . import LABELS, STYLES
from .render import bucket_fn, constants, decode_fn, docstring, imports, labels_fn, to_sample_fn, weights_fn
from .render_loader import MAIN, make_loader_fn, pipe_cls, plain_cls, rank_sources_fn, wrapper_cls
from .spec import ExportSpec, default_filename, validate

__all__ = ["ExportSpec", "STYLES", "LABELS", "generate", "validate", "default_filename"]


def generate(spec: ExportSpec) -> str:
    """The module's text. Raises :class:`InvalidInput` for options that cannot work together;
    the result always compiles (checked with :func:`ast.parse`)."""
    bck = validate(spec)
    blocks = [docstring(spec, bck), imports(spec), constants(spec, bck), bucket_fn(spec, bck)]
    if spec.labels == "mapping":
        blocks.append(labels_fn(spec))
    if spec.decode:
        blocks.append(decode_fn(spec))
    dataset_block = {"plain": plain_cls, "pipe": pipe_cls}.get(spec.style, wrapper_cls)
    blocks += [to_sample_fn(spec), weights_fn(spec), dataset_block(spec),
               rank_sources_fn(spec), make_loader_fn(spec), MAIN]
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
