"""The harness's ``--ranks N`` run (:func:`run_ddp`): the generated module as N
``torch.distributed`` ranks (gloo, on this machine, started by
``torch.multiprocessing.start_processes`` with ``--start-method``), each reading one whole
epoch (:func:`_rank`) and writing the sample keys it read to a file; the parent then emits one
``rank`` event per rank and a ``ddp`` event with the wall time. The coverage check is
:mod:`aistui.export.ddp`'s. Run as part of the harness child, never imported by the console."""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import time
from pathlib import Path

from .harness_base import emit, keys_of, load_module, start


def _free_port() -> int:
    """A free TCP port on 127.0.0.1 (the gloo rendezvous)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank(rank: int, args: argparse.Namespace, world: int, port: int, out: str) -> None:
    """One rank (a process of ``torch.multiprocessing``): join the gloo group, build the loader
    (which sees ``dist.is_initialized()`` and takes its share), read one whole epoch, write the
    sample keys it read to ``<out>/rank<N>.json``."""
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank))
    import torch.distributed as dist

    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        sizes: dict[str, int] = json.loads(Path(args.sizes).read_text()) if args.sizes else {}
        spec, module = load_module(Path(args.module).resolve())
        t0 = time.perf_counter()
        spec.loader.exec_module(module)
        loader = module.make_loader(num_workers=args.workers,
                                    **({"batch_size": args.batch_size} if args.batch_size else {}))
        sampler = getattr(loader, "sampler", None)
        set_epoch = getattr(sampler, "set_epoch", None)  # DistributedSampler (map styles)
        if set_epoch is not None:
            set_epoch(0)
        keys: list[str] = []
        first, batches, nbytes = None, 0, 0
        for batch in loader:
            if first is None:
                first = time.perf_counter()
            k = [str(x) for x in keys_of(batch)]
            keys += k
            nbytes += sum(sizes.get(x, 0) for x in k)
            batches += 1
            del batch
        t1 = time.perf_counter()
        Path(out, f"rank{rank}.json").write_text(json.dumps({
            "rank": rank, "keys": keys, "samples": len(keys), "bytes": nbytes, "batches": batches,
            "seconds": round(t1 - t0, 6), "ttfb_s": round(first - t0, 6) if first is not None else None,
            "sampler": type(sampler).__name__ if sampler is not None else None}))
        dist.barrier()
    finally:
        dist.destroy_process_group()


def run_ddp(args: argparse.Namespace) -> int:
    """``--ranks N``: run the module as N gloo ranks (``--start-method`` fork, spawn or
    forkserver), one epoch each; emit each rank's ``rank`` event and ``ddp`` with the wall time."""
    start(args)
    from torch.multiprocessing.spawn import start_processes

    with tempfile.TemporaryDirectory(prefix="aistui-ddp-") as out:
        t0 = time.perf_counter()
        # _rank is this module's (never __main__), so spawn/forkserver children find it by name
        start_processes(_rank, args=(args, args.ranks, _free_port(), out), nprocs=args.ranks,
                        join=True, start_method=args.start_method)
        wall = time.perf_counter() - t0
        for r in range(args.ranks):
            emit("rank", **json.loads(Path(out, f"rank{r}.json").read_text()))
    emit("ddp", ranks=args.ranks, start_method=args.start_method, wall_s=round(wall, 6))
    return 0
