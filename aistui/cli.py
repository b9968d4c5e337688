"""Command line: ``aistui`` opens the console; ``aistui playground`` starts a local demo cluster
and opens the console on it; ``aistui export`` generates PyTorch loader code and dry-runs it.
Textual is imported only when a console actually starts; torch only in the dry-run's children."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__

if TYPE_CHECKING:
    from .export.dryrun import DryRunConfig
    from .export.spec import ExportSpec

HELP = """\
A keyboard-driven terminal console for AIStore.

Connection (like the ais CLI): --endpoint, then AIS_ENDPOINT, then the current profile in
~/.config/aistui/config.json, then cluster.url in ~/.config/ais/cli/cli.json, then
http://localhost:8080. Token: AIS_AUTHN_TOKEN, then AIS_AUTHN_TOKEN_FILE, then
~/.config/ais/cli/auth.token. TLS: AIS_CLIENT_CA, AIS_SKIP_VERIFY_CRT.

Keys: 1 cluster, 2 buckets, 3 jobs, 4 ETL, : jump (:b ais://b/prefix/, :jobs, :ctx NAME),
C switch cluster, enter open, backspace up, esc back, / filter, P server prefix, s sort,
space select, v range, a all, u upload, d download, x delete, c copy, e export (PyTorch),
E evict, f prefetch, y copy name/URI/ais get, W make shards, B class balance (:balance
ais://b/dir/), n new bucket, D destroy bucket, p props (buckets) or pause (cluster), r refresh,
q quit, ? help, ctrl+p palette.
--read-only refuses every key that changes the cluster. Object GET and HEAD go straight to the
target that holds the object (computed from the cluster map, as the proxy does); --via-proxy
sends everything through the proxy, for clusters that expose only the proxy (a load balancer, a
Kubernetes ingress; AISTUI_VIA_PROXY=1 does the same). With a token, requests always go through
the proxy.

Log (for support): --log FILE, else AISTUI_LOG, else $XDG_STATE_HOME/aistui/aistui.log
(~/.local/state/aistui/aistui.log): one line per HTTP request (method, path, status, ms), warnings
and errors; rotated at 5 MiB, 3 old files kept; tokens are replaced by ***.
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aistui", description=HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"aistui {__version__}")
    p.add_argument("--endpoint", "-e", help="AIS proxy URL, e.g. http://10.0.0.5:8080")
    p.add_argument("--context", "-c", help="a cluster profile from ~/.config/aistui/config.json")
    p.add_argument("--read-only", action="store_true", help="disable every action that changes the cluster")
    p.add_argument("--via-proxy", action="store_true",
                   help="send every object request through the proxy (for clusters that expose only the proxy); "
                        "by default object GET and HEAD go straight to the target that holds the object")
    p.add_argument("--refresh", type=float, default=None, metavar="S",
                   help="cluster refresh interval in seconds (default 2)")
    p.add_argument("--jobs-keep", type=float, default=None, metavar="S",
                   help="how long the jobs screen shows jobs after they end, in seconds (default 3600)")
    p.add_argument("--theme", default="", help="Textual theme, e.g. textual-light, ansi-light, nord")
    p.add_argument("--log", metavar="FILE", default=None,
                   help="log file (default: $AISTUI_LOG, else $XDG_STATE_HOME/aistui/aistui.log, "
                        "i.e. ~/.local/state/aistui/aistui.log); tokens are redacted")
    p.add_argument("--image-protocol", default="auto", choices=("auto", "sixel", "tgp", "halfcell", "unicode"),
                   help="how image previews are drawn (default: what the terminal supports, else half-blocks)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    pg = sub.add_parser("playground", help="start a local demo cluster (needs aisnode) and open the console on it",
                        description="Start a real local AIS cluster (1 proxy, N targets) plus a second one attached "
                                    "as @remais, fill them with demo images, open the console, and stop "
                                    "everything on exit.")
    pg.add_argument("--log", metavar="FILE", default=argparse.SUPPRESS, help="log file (as for the console)")
    pg.add_argument("--targets", type=int, default=2, help="targets in the main cluster (default 2)")
    pg.add_argument("--dir", type=Path, default=None,
                    help="where the clusters keep their data (default: $XDG_DATA_HOME/aistui/playground); "
                         "a later run restarts the same clusters with the same data")
    pg.add_argument("--fresh", action="store_true", help="wipe the clusters and their data first")
    pg.add_argument("--no-demo-data", action="store_true", help="start empty")
    pg.add_argument("--no-ui", action="store_true",
                    help="start the clusters, print the endpoints and wait (ctrl+c stops)")
    _export_parser(sub)
    from .doctorcli import add_parser as doctor_parser

    doctor_parser(sub)
    from .shardcli import add_parser as shard_parser

    shard_parser(sub)
    return p


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


def _export_parser(sub) -> None:
    from .export import LABELS, STYLES

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
    ex.add_argument("--start-method", default="fork", choices=("fork", "spawn", "forkserver"),
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


def _settings(args: argparse.Namespace):
    from .core.config import discover
    from .logsetup import add_secret

    if getattr(args, "via_proxy", False):
        os.environ["AISTUI_VIA_PROXY"] = "1"  # every cluster discovered in this process (a switch too)
    settings = discover(args.endpoint, profile=args.context)
    add_secret(settings.token)
    return settings


def _start_log(args: argparse.Namespace) -> None:
    """Log to ``--log``/``$AISTUI_LOG``/the XDG state file (:mod:`aistui.logsetup`); a file that
    cannot be written is reported and the command goes on without a log."""
    from .logsetup import setup_logging

    try:
        setup_logging(args.log)
    except OSError as e:
        print(f"aistui: no log file: {e}", file=sys.stderr)


def _probe_terminal():
    """Ask the terminal what images it can show (:mod:`aistui.termprobe`) on a thread, so that
    the round trip overlaps the main thread's import of Textual. It must end before the app
    starts: after that, Textual's input thread owns stdin. Returns ``(thread, result)``, where
    ``result["caps"]`` is set by the thread; or None when not on a terminal."""
    import threading

    from . import termprobe

    if not termprobe.on_terminal():
        return None
    result: dict = {}

    stdin, stdout = sys.__stdin__, sys.__stdout__
    if stdin is None or stdout is None:  # not so, on a terminal
        return None

    def run() -> None:
        result["caps"] = termprobe.probe(stdin.fileno(), stdout.fileno())

    thread = threading.Thread(target=run, name="terminal-probe", daemon=True)
    thread.start()
    return thread, result


def _run_console(args: argparse.Namespace, settings) -> int:
    import gc

    gc.disable()  # startup only allocates what lives on; the app resumes collection after its first frame
    probing = _probe_terminal()

    from . import termprobe
    from .app import AISTui
    from .core.errors import InvalidInput
    from .settings import load_app_config

    try:
        cfg = load_app_config()
    except InvalidInput as e:  # names the file and the field
        print(f"aistui: {e}", file=sys.stderr)
        return 2
    protocol = args.image_protocol
    if probing is not None:
        thread, result = probing
        thread.join()
        caps = result.get("caps", termprobe.TerminalCaps())
        termprobe.install(caps)
        if protocol == "auto":
            protocol = caps.protocol
    AISTui(settings, read_only=args.read_only, refresh_s=args.refresh or cfg.refresh_s,
           theme=args.theme or cfg.theme, keymap=cfg.keymap, image_protocol=protocol,
           jobs_keep_s=args.jobs_keep if args.jobs_keep is not None else cfg.jobs_keep_s).run()
    return 0


def _data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def _playground(args: argparse.Namespace) -> int:
    import asyncio
    import time

    from .core import AISClient, ConnectionSettings
    from .playground.cluster import HarnessError
    from .playground.pair import start_pair

    root = args.dir or _data_home() / "aistui" / "playground"
    print(f"starting a local AIS cluster (1 proxy, {args.targets} targets) and @remais under {root} ...", flush=True)
    t0 = time.monotonic()
    try:
        main, remote = start_pair(root, ntargets=args.targets, keep=not args.fresh)
    except HarnessError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    try:
        print(f"cluster ready in {time.monotonic() - t0:.0f} s at {main.endpoint} (@remais at {remote.endpoint})",
              flush=True)
        seeded = main.dir / "demo-seeded.json"  # wiped with the cluster when it starts afresh
        if not args.no_demo_data and seeded.exists():
            print(f"demo data: kept from an earlier run ({root}; --fresh starts over)", flush=True)
        elif not args.no_demo_data:
            from .playground.demo import build

            print("loading demo data (real images from scikit-learn's bundled datasets) ...", flush=True)

            async def load() -> dict[str, int]:
                async with AISClient(main.endpoint) as c:
                    return await build(c)

            seeded.write_text(json.dumps(asyncio.run(load())))
        if args.no_ui:
            print(f"AIS_ENDPOINT={main.endpoint}  (ctrl+c stops the clusters)", flush=True)
            while True:
                time.sleep(3600)
        settings = ConnectionSettings(endpoint=main.endpoint, source="playground", name="playground",
                                      via_proxy=getattr(args, "via_proxy", False))
        if settings.via_proxy:
            os.environ["AISTUI_VIA_PROXY"] = "1"  # a cluster switched to later, too
        return _run_console(args, settings)
    except KeyboardInterrupt:
        return 0
    finally:
        print("stopping the local clusters ...", flush=True)
        main.stop()
        remote.stop()


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


async def _print_ddp(spec: ExportSpec, cfg: DryRunConfig, ranks: int, method: str, workers: int,
                     as_json: bool) -> int:
    """``--dry-run --ranks N``: :func:`aistui.export.ddp.ddp_run` (progress on stderr, the result on
    stdout). Exit code 1 when the coverage check fails. Raises ``DryRunError`` when a child fails."""
    from .export.ddp import ddp_run, format_ddp

    ok = False
    async for ev in ddp_run(spec, cfg, ranks, start_method=method, workers=workers):
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


def _export(args: argparse.Namespace) -> int:
    """``aistui export``: generate the loader code (stdout or ``--out``) and with ``--dry-run``
    measure it (:func:`_print_dry_run`). Exit codes: 2 for bad options or a missing dry-run
    requirement, 1 for a cluster or dry-run error, 130 on Ctrl-C."""
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
        settings = _settings(args)
        workers = [int(w) for w in args.workers.split(",") if w.strip()]
        spec = _export_spec(args, names, settings.endpoint)
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
                return await _print_ddp(spec, cfg, args.ranks, args.start_method, workers[0] if workers else 0,
                                        args.json)
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``aistui`` console script."""
    args = build_parser().parse_args(argv)
    _start_log(args)
    if args.command == "playground":
        return _playground(args)
    if args.command == "export":
        return _export(args)
    if args.command == "doctor":
        from .doctorcli import run as doctor

        return doctor(args, _settings)
    if args.command == "shard":
        from .shardcli import run as shard

        return shard(args, _settings)
    from .core.errors import InvalidInput

    try:
        settings = _settings(args)
    except InvalidInput as e:
        print(f"aistui: {e}", file=sys.stderr)
        return 2
    return _run_console(args, settings)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
