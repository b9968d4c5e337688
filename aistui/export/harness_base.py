"""What every dry-run harness process shares (:mod:`aistui.export.harness` and its ranks in
:mod:`aistui.export.harness_ddp`): one JSON object per line on stdout (:func:`emit`), the
``start`` event with the versions and the seconds to import torch (:func:`start`), loading the
generated loader module (:func:`load_module`) and a batch's sample keys (:func:`keys_of`).
Imports torch only inside :func:`start`; run as part of the harness child, never imported by the
console."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

_EMIT = threading.Lock()


def emit(ev: str, **kw) -> None:
    """Write ``{"ev": ev, **kw}`` as one JSON line on stdout and flush it (thread-safe)."""
    line = json.dumps({"ev": ev, **kw}) + "\n"
    with _EMIT:  # the ticker thread writes too
        sys.stdout.write(line)
        sys.stdout.flush()


def keys_of(batch) -> list:
    """The sample keys of a batch: its first field (names or shard keys), as a list."""
    first = batch[0] if isinstance(batch, (list, tuple)) else batch
    return list(first)


def start(args: argparse.Namespace) -> Any:
    """Import torch (timed) and the SDK, emit the ``start`` event; returns :mod:`multiprocessing`."""
    t_import = time.perf_counter()
    import multiprocessing as mp

    import torch

    import_s = time.perf_counter() - t_import
    import aistore

    emit("start", pid=os.getpid(), python=sys.version.split()[0], torch=torch.__version__,
         aistore=getattr(aistore, "__version__", "?"), start_method=mp.get_start_method(),
         cpus=os.cpu_count(), workers=args.workers, import_s=round(import_s, 4))
    return mp


def load_module(path: Path) -> tuple[Any, Any]:
    """``(spec, module)`` of the generated loader at ``path``, registered in ``sys.modules`` by
    name (spawned workers import it so) but not executed yet."""
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    return spec, module
