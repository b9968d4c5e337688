"""``aistui export``: generate PyTorch loader code for a bucket, a prefix or a list of objects
(:mod:`aistui.export.snippet`), and with ``--dry-run`` measure it (:mod:`aistui.export.dryrun`,
``--ranks N`` :mod:`aistui.export.ddp`) or with ``--tune`` search the best configuration
(:mod:`aistui.export.tune`). :func:`add_parser` is built on every start (it imports only the
option tables of :mod:`aistui.export`); :func:`run` imports the generator, the core and the
dry-run when the command runs. Torch is imported only in the dry-run's children.

Exit codes: 0 done, 1 a cluster or dry-run error (or, with ``--ranks``, ranks that did not read
every sample exactly once), 2 bad options or a missing dry-run requirement, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .export.dryrun import DryRunConfig
    from .export.spec import ExportSpec

EXPORT_HELP = """\
Generate PyTorch data-loading code for a bucket, prefix or list of objects, and optionally
measure it (a dry-run in separate processes: N batches or T seconds per num_workers value,
with the raw GET rate of the same objects and, when decoding, Pillow decode as references).
The code reads AIS_ENDPOINT and AIS_AUTHN_TOKEN at run time and never contains a token.
Nothing is written to the bucket.

  aistui export --bucket ais://digits --prefix train/ --style iter --out loader.py
  aistui export --bucket ais://digits --prefix train/ --style map --labels folder --decode \\
      --dry-run --workers 0,2,4 --json
  aistui export --bucket ais://digits --prefix train/ --tune --budget 120 --json --out loader.py
  aistui export --bucket ais://digits --prefix train/ --style map --dry-run --ranks 3 --start-method spawn

--tune searches styles x num_workers x batch size (x requests in flight for the pipe style)
within --budget seconds, each point measured as the dry-run measures, drops clearly worse
points early, and prints the points and the pick (ratio to the GET ceiling, bottleneck); the
picked configuration is written into the code (--out).

--ranks N runs the code (DDP mode) as N gloo ranks on this machine, one epoch each, and checks
that the ranks together read every sample exactly once (a DistributedSampler's padding to even
the ranks is named as such); exit code 1 when they do not.
"""


def add_parser(sub: Any) -> None:
    """Add ``export`` and its flags to the ``aistui`` subcommands ``sub``."""
    from .export import LABELS, START_METHODS, STYLES

    ex = sub.add_parser("export", help="generate PyTorch loader code (and measure it with --dry-run)",
                        description=EXPORT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    ex.add_argument("--endpoint", "-e", default=argparse.SUPPRESS, help="AIS proxy URL (as for the console)")
    ex.add_argument("--log", metavar="FILE", default=argparse.SUPPRESS, help="log file (as for the console)")
    ex.add_argument("--bucket", "-b", required=True, help="e.g. ais://digits or ais://@remais/b")
    ex.add_argument("--prefix", "-p", default="", help="only objects under this prefix")
    ex.add_argument("--names", default="", help="one-off objects instead of a listing: comma-separated names")
    ex.add_argument("--names-file", type=Path, help="one-off objects: a file with one name per line")
    ex.add_argument("--style", "-s", default="iter", choices=list(STYLES),
                    help="; ".join(f"{k}: {v[0]} ({v[1]})" for k, v in STYLES.items()))
    ex.add_argument("--labels", default="none", choices=list(LABELS),
                    help="; ".join(f"{k}: {v}" for k, v in LABELS.items()))
    ex.add_argument("--label-file", default="", help="the mapping file for --labels mapping")
    ex.add_argument("--label-member", default="cls", help="shard member with the label (default cls)")
    ex.add_argument("--decode", action="store_true", help="decode images to uint8 tensors with Pillow")
    ex.add_argument("--image-member", default="png", help="shard member holding the image (default png)")
    ex.add_argument("--resize", type=int, default=0, metavar="PX", help="resize images to PX x PX")
    ex.add_argument("--batch-size", type=int, default=32)
    ex.add_argument("--num-workers", type=int, default=2, help="DataLoader workers in the code (default 2)")
    ex.add_argument("--shuffle", action="store_true")
    ex.add_argument("--seed", type=int, default=0)
    ex.add_argument("--ddp", action="store_true", help="DistributedDataParallel-ready (per-rank split)")
    ex.add_argument("--etl", default="", help="apply this (running) ETL to every object")
    ex.add_argument("--out", "-o", type=Path, help="write the code here (default: print it)")
    ex.add_argument("--dry-run", action="store_true", help="measure the loader on this cluster")
    ex.add_argument("--workers", default="0,2", help="dry-run: num_workers values to sweep (default 0,2)")
    ex.add_argument("--batches", type=int, default=100, help="dry-run: batches per run (default 100)")
    ex.add_argument("--seconds", type=float, default=30.0, help="dry-run: seconds per run (default 30)")
    ex.add_argument("--json", action="store_true", help="dry-run or tune: print the result as JSON")
    ex.add_argument("--ranks", type=int, default=0, metavar="N",
                    help="dry-run: run the code as N torch.distributed ranks (gloo, this machine), one epoch "
                         "each (with --workers' first value), and check that the ranks together read every "
                         "sample exactly once; print per-rank and aggregate throughput")
    ex.add_argument("--start-method", default="fork", choices=START_METHODS,
                    help="dry-run --ranks: how the rank processes start (default fork)")
    ex.add_argument("--tune", action="store_true",
                    help="search styles x num_workers x batch size (x requests in flight for pipe) within "
                         "--budget, measured as the dry-run measures; print the points and the pick, and "
                         "write the picked code to --out")
    ex.add_argument("--budget", type=float, default=120.0, help="tune: seconds for the whole search (default 120)")
    ex.add_argument("--tune-styles", default="", help="tune: only these styles (comma-separated)")
    ex.add_argument("--tune-workers", default="0,1,2,4", help="tune: the num_workers grid (default 0,1,2,4)")
    ex.add_argument("--tune-batch-sizes", default="32,128", help="tune: the batch-size grid (default 32,128)")
    ex.add_argument("--tune-inflight", default="2,4,8", help="tune: requests in flight for pipe (default 2,4,8)")
    ex.add_argument("--point-seconds", type=float, default=5.0, help="tune: seconds per point (default 5)")


def _export_names(args: argparse.Namespace) -> list[str] | None:
    """The selected object names (``--names-file``, one per line, or ``--names``, comma-separated),
    or None for the whole prefix."""
    if args.names_file:
        return [n.strip() for n in args.names_file.read_text().splitlines() if n.strip()]
    if args.names:
        return [n.strip() for n in args.names.split(",") if n.strip()]
    return None


def _export_spec(args: argparse.Namespace, names: list[str] | None, endpoint: str) -> ExportSpec:
    """The :class:`~aistui.export.spec.ExportSpec` of the ``export`` flags (``endpoint`` is the
    default written into the code). Raises ``InvalidInput``/``ValueError`` for bad options."""
    from .export.snippet import ExportSpec

    return ExportSpec(bucket=args.bucket, prefix=args.prefix, names=names, style=args.style,
                      labels=args.labels, label_file=args.label_file, label_member=args.label_member,
                      image_member=args.image_member, decode=args.decode, resize=args.resize,
                      batch_size=args.batch_size, num_workers=args.num_workers, shuffle=args.shuffle,
                      seed=args.seed, ddp=args.ddp, etl=args.etl, default_endpoint=endpoint)


async def _print_dry_run(spec: ExportSpec, cfg: DryRunConfig, code: str, as_json: bool) -> None:
    """Run the dry-run (:func:`aistui.export.dryrun.dry_run`): progress on stderr, the result on
    stdout (JSON or the text report). Raises ``DryRunError`` when a child fails."""
    from .export.dryrun import dry_run, format_text

    async for ev in dry_run(spec, cfg, code=code):
        if ev["kind"] == "phase":
            print(f"[dry-run] {ev['text']}", file=sys.stderr, flush=True)
        elif ev["kind"] == "run":
            r = ev["run"]
            print(f"[dry-run] num_workers={r['workers']}: {r['samples']} samples in {r['batches']} batches "
                  f"({r['reason']})", file=sys.stderr, flush=True)
        elif ev["kind"] == "result":
            print(json.dumps(ev["result"], indent=1) if as_json else format_text(ev["result"]))


async def _print_ddp(spec: ExportSpec, cfg: DryRunConfig, code: str, ranks: int, method: str, workers: int,
                     as_json: bool) -> int:
    """``--dry-run --ranks N``: :func:`aistui.export.ddp.ddp_run` of ``code`` (the text written
    out; progress on stderr, the result on stdout). Exit code 1 when the coverage check fails.
    Raises ``DryRunError`` when a child fails."""
    from .export.ddp import ddp_run, format_ddp

    ok = False
    async for ev in ddp_run(spec, cfg, ranks, start_method=method, workers=workers, code=code):
        if ev["kind"] == "phase":
            print(f"[dry-run] {ev['text']}", file=sys.stderr, flush=True)
        elif ev["kind"] == "rank":
            print(f"[dry-run] rank {ev['rank']}: {ev['samples']} samples in {ev['seconds']:.2f} s",
                  file=sys.stderr, flush=True)
        elif ev["kind"] == "ddp":
            ok = ev["result"]["coverage"]["ok"]
            print(json.dumps(ev["result"], indent=1) if as_json else format_ddp(ev["result"]))
    return 0 if ok else 1


def _ints_or_words(text: str) -> list:
    """``"0,2"`` -> ``[0, 2]``, ``"pipe,iter"`` -> ``["pipe", "iter"]``; ``""`` -> ``[]``."""
    items = [w.strip() for w in text.split(",") if w.strip()]
    return [int(w) if w.isdigit() else w for w in items]


async def _tune(args: argparse.Namespace, spec: ExportSpec, settings) -> int:
    """``aistui export --tune``: run :func:`aistui.export.tune.tune` (progress on stderr), print
    the result (JSON or text) and write the picked code to ``--out``. Raises ``TuneError``."""
    from .export.tune import TuneConfig, format_text, tune

    cfg = TuneConfig(budget_s=args.budget, point_seconds=args.point_seconds,
                     styles=[str(x) for x in _ints_or_words(args.tune_styles)],
                     workers=[int(x) for x in _ints_or_words(args.tune_workers)],
                     batch_sizes=[int(x) for x in _ints_or_words(args.tune_batch_sizes)],
                     inflight=[int(x) for x in _ints_or_words(args.tune_inflight)],
                     endpoint=settings.endpoint, token=settings.token or "")
    async for ev in tune(spec, cfg):
        if ev["kind"] == "phase":
            print(f"[tune] {ev['text']}", file=sys.stderr, flush=True)
        elif ev["kind"] == "point":
            p = ev["point"]
            rate = f"{p['samples_per_s']:,.0f} samples/s" if p["samples_per_s"] else (p["error"] or "no steady state")
            print(f"[tune] {p['style']} num_workers={p['workers']} batch_size={p['batch_size']}"
                  + (f" inflight={p['inflight']}" if p["inflight"] is not None else "") + f": {rate}",
                  file=sys.stderr, flush=True)
        elif ev["kind"] == "result":
            res = ev["result"]
            if args.out:
                args.out.write_text(res["code"])
                print(f"wrote {args.out}", file=sys.stderr)
            print(json.dumps(res, indent=1) if args.json else format_text(res))
    return 0


def run(args: argparse.Namespace, settings_of: Callable[[argparse.Namespace], Any]) -> int:
    """``aistui export``: generate the loader code (stdout or ``--out``) and with ``--dry-run``
    measure it (:func:`_print_dry_run`); ``settings_of(args)`` gives the connection settings.
    Exit codes: 2 for bad options or a missing dry-run requirement, 1 for a cluster or dry-run
    error, 130 on Ctrl-C."""
    import asyncio

    from .core import AISClient, Bck
    from .core.errors import AISError, InvalidInput
    from .export.discover import discover_classes
    from .export.dryrun import DryRunConfig, DryRunError
    from .export.requirements import check_dry_run, check_tune
    from .export.snippet import generate
    from .export.tune import TuneError

    names = _export_names(args)
    try:
        settings = settings_of(args)
        workers = [int(w) for w in args.workers.split(",") if w.strip()]
        spec = _export_spec(args, names, settings.endpoint)
        if args.ranks and not args.dry_run:
            raise InvalidInput("--ranks runs the code as ranks: it needs --dry-run")
        if args.ranks:  # the code written out is the code the ranks run: its DDP mode
            spec.ddp = True
        # A plain install has no torch and no SDK: say so before contacting the cluster or starting
        # a child (generating code needs neither).
        needs = check_dry_run(spec.style, decode=spec.decode) if args.dry_run else ""
        if args.tune:
            from .export.tune import candidate_styles

            needs = check_tune(_ints_or_words(args.tune_styles) or candidate_styles(spec), decode=spec.decode)
        if needs:
            print(f"aistui export: {needs}", file=sys.stderr)
            return 2

        async def work() -> int:
            if spec.labels == "folder":
                async with AISClient(settings) as client:
                    spec.classes = await discover_classes(client, Bck.parse(spec.bucket), spec.prefix, spec.names)
            if args.tune:
                return await _tune(args, spec, settings)
            code = generate(spec)
            if args.out:
                args.out.write_text(code)
                print(f"wrote {args.out}", file=sys.stderr)
            elif not args.dry_run:
                sys.stdout.write(code)
            if not args.dry_run:
                return 0
            cfg = DryRunConfig(workers=workers, max_batches=args.batches, max_seconds=args.seconds,
                               endpoint=settings.endpoint, token=settings.token or "")
            if args.ranks:
                return await _print_ddp(spec, cfg, code, args.ranks, args.start_method,
                                        workers[0] if workers else 0, args.json)
            await _print_dry_run(spec, cfg, code, args.json)
            return 0

        return asyncio.run(work())
    except (InvalidInput, ValueError) as e:
        print(f"aistui export: {e}", file=sys.stderr)
        return 2
    except (AISError, DryRunError, TuneError) as e:
        print(f"aistui export: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
