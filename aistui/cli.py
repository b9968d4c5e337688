"""Command line: ``aistui`` opens the console; ``aistui playground`` starts a local demo cluster
and opens the console on it. The other subcommands have their own modules, each an
``add_parser`` and a ``run``: ``aistui export`` (:mod:`aistui.exportcli`: PyTorch loader code and
its dry-run), ``aistui doctor`` (:mod:`aistui.doctorcli`), ``aistui shard``
(:mod:`aistui.shardcli`). Textual is imported only when a console actually starts; torch only in
the dry-run's children."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__

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
    from .exportcli import add_parser as export_parser

    export_parser(sub)
    from .doctorcli import add_parser as doctor_parser

    doctor_parser(sub)
    from .shardcli import add_parser as shard_parser

    shard_parser(sub)
    return p


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


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``aistui`` console script."""
    args = build_parser().parse_args(argv)
    _start_log(args)
    if args.command == "playground":
        return _playground(args)
    if args.command == "export":
        from .exportcli import run as export

        return export(args, _settings)
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
