"""Command line: ``aistui`` opens the console; ``aistui playground`` starts a local demo cluster
and opens the console on it. Textual is imported only when a console actually starts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__

HELP = """\
A keyboard-driven terminal console for AIStore.

Connection (like the ais CLI): --endpoint, then AIS_ENDPOINT, then the current profile in
~/.config/aistui/config.json, then cluster.url in ~/.config/ais/cli/cli.json, then
http://localhost:8080. Token: AIS_AUTHN_TOKEN, then AIS_AUTHN_TOKEN_FILE, then
~/.config/ais/cli/auth.token. TLS: AIS_CLIENT_CA, AIS_SKIP_VERIFY_CRT.

Keys: 1 cluster, 2 buckets, 3 jobs, 4 ETL, enter open, backspace up, esc back, / filter, space select,
u upload, d download, x delete, c copy, e evict, f prefetch, y copy URI, n new bucket,
D destroy bucket, p props (buckets) or pause (cluster), r refresh, q quit, ctrl+p palette.
--read-only refuses every key that changes the cluster.
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aistui", description=HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"aistui {__version__}")
    p.add_argument("--endpoint", "-e", help="AIS proxy URL, e.g. http://10.0.0.5:8080")
    p.add_argument("--context", "-c", help="a cluster profile from ~/.config/aistui/config.json")
    p.add_argument("--read-only", action="store_true", help="disable every action that changes the cluster")
    p.add_argument("--refresh", type=float, default=None, metavar="S", help="cluster refresh interval in seconds (default 2)")
    p.add_argument("--jobs-keep", type=float, default=None, metavar="S",
                   help="how long the jobs screen shows jobs after they end, in seconds (default 3600)")
    p.add_argument("--theme", default="", help="Textual theme, e.g. textual-light, ansi-light, nord")
    p.add_argument("--image-protocol", default="auto", choices=("auto", "sixel", "tgp", "halfcell", "unicode"),
                   help="how image previews are drawn (default: what the terminal supports, else half-blocks)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    pg = sub.add_parser("playground", help="start a local demo cluster (needs aisnode) and open the console on it",
                        description="Start a real local AIS cluster (1 proxy, N targets) plus a second one attached "
                                    "as @remais, fill them with demo images, open the console, and stop "
                                    "everything on exit.")
    pg.add_argument("--targets", type=int, default=2, help="targets in the main cluster (default 2)")
    pg.add_argument("--dir", type=Path, default=None, help="where the clusters keep data (default: a temporary directory)")
    pg.add_argument("--no-demo-data", action="store_true", help="start empty")
    pg.add_argument("--no-ui", action="store_true", help="start the clusters, print the endpoints and wait (ctrl+c stops)")
    return p


def _settings(args: argparse.Namespace):
    from .core.config import discover

    return discover(args.endpoint, profile=args.context)


def _run_console(args: argparse.Namespace, settings) -> int:
    import textual_image.widget  # noqa: F401 - probes the terminal; must run before the app starts

    from .app import AISTui
    from .core.config import load_app_config

    cfg = load_app_config()
    AISTui(settings, read_only=args.read_only, refresh_s=args.refresh or cfg.refresh_s,
           theme=args.theme or cfg.theme, keymap=cfg.keymap, image_protocol=args.image_protocol,
           jobs_keep_s=args.jobs_keep if args.jobs_keep is not None else cfg.jobs_keep_s).run()
    return 0


def _playground(args: argparse.Namespace) -> int:
    import asyncio
    import tempfile
    import time

    from .core import AISClient, ConnectionSettings
    from .core.local import HarnessError, start_pair

    root = args.dir or Path(tempfile.mkdtemp(prefix="aistui-playground-"))
    print(f"starting a local AIS cluster (1 proxy, {args.targets} targets) and @remais under {root} ...", flush=True)
    t0 = time.monotonic()
    try:
        main, remote = start_pair(root, ntargets=args.targets)
    except HarnessError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    try:
        print(f"cluster ready in {time.monotonic() - t0:.0f} s at {main.endpoint} (@remais at {remote.endpoint})", flush=True)
        if not args.no_demo_data:
            from .core.demo import build

            print("loading demo data (real images from scikit-learn's bundled datasets) ...", flush=True)

            async def load() -> None:
                async with AISClient(main.endpoint) as c:
                    await build(c)

            asyncio.run(load())
        if args.no_ui:
            print(f"AIS_ENDPOINT={main.endpoint}  (ctrl+c stops the clusters)", flush=True)
            while True:
                time.sleep(3600)
        settings = ConnectionSettings(endpoint=main.endpoint, source="playground", name="playground")
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
    if args.command == "playground":
        return _playground(args)
    from .core.errors import InvalidInput

    try:
        settings = _settings(args)
    except InvalidInput as e:
        print(f"aistui: {e}", file=sys.stderr)
        return 2
    return _run_console(args, settings)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
