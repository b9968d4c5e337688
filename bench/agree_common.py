"""What the ``bench/ais_agree_*.py`` scripts share: finding the ``ais`` CLI (v1.5.0), running it
against a cluster, the rows of ``ais ls``, one agreement line, and the ``main`` that runs a
comparison on ``--endpoint`` or on a local cluster of its own.

The scripts are run as ``python bench/ais_agree_X.py``, so this directory is on ``sys.path`` and
they import this module as ``agree_common``; it puts the checkout on ``sys.path`` too, so the
scripts run from a checkout without installing aistui.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

__all__ = ["NOT_FOUND", "Check", "find_ais", "run_ais", "ls_rows", "line", "main"]

NOT_FOUND = ("ais (the v1.5.0 CLI) not found: set $AIS, build it into ~/.cache/aistui/bin "
             "(../shared/tools/build-ais-cli.sh) or put it on PATH")

#: one comparison: ``(endpoint, ais binary, own cluster?)`` -> the disagreements (a bool or a count)
Check = Callable[[str, str, bool], Awaitable[object]]


def find_ais() -> str | None:
    """The ``ais`` binary: ``$AIS``, else ``~/.cache/aistui/bin/ais``, else ``ais`` on ``PATH``;
    None when none is an executable file."""
    for cand in (os.environ.get("AIS"), str(Path.home() / ".cache/aistui/bin/ais"), shutil.which("ais")):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return cand
    return None


def run_ais(ais: str, endpoint: str, *args: str, timeout: float = 120.0) -> str:
    """The standard output of ``ais ARGS`` against ``endpoint`` (``AIS_ENDPOINT``, ``NO_COLOR=1``),
    waiting at most ``timeout`` s. Exits (``SystemExit``) with the CLI's error text when it fails."""
    env = {**os.environ, "AIS_ENDPOINT": endpoint, "NO_COLOR": "1"}
    out = subprocess.run([ais, *args], env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise SystemExit(f"ais {' '.join(args)} failed: {out.stderr.strip() or out.stdout.strip()}")
    return out.stdout


def ls_rows(ais: str, endpoint: str, *args: str) -> list[list[str]]:
    """``ais ls ARGS -H -F --units raw``: the table's rows (no header), split on whitespace."""
    out = run_ais(ais, endpoint, "ls", *args, "-H", "-F", "--units", "raw")
    return [ln.split() for ln in out.splitlines() if ln.strip()]


def line(ok: bool, what: str, mine: object, theirs: object, *, width: int = 28, cell: int = 14) -> bool:
    """Print ``ok``/``BAD``, ``what`` and both values (``width`` and ``cell`` characters wide);
    returns True when they disagree."""
    print(f"{'ok ' if ok else 'BAD'} {what:<{width}} aistui {mine!s:>{cell}}  ais {theirs!s:>{cell}}")
    return not ok


def main(doc: str, check: Check, *, endpoint_help: str = "an existing cluster; default: start one",
         full_help: bool = False, **cluster: Any) -> int:
    """The scripts' ``main``: parse ``--endpoint`` (``--help`` shows the first paragraph of
    ``doc``, all of it with ``full_help``), find ``ais`` (2 when it is missing), then run
    ``check(endpoint, ais, False)`` on that cluster, or ``check(url, ais, True)`` on a new
    ``LocalCluster`` (2 targets unless ``cluster`` says otherwise, stopped afterwards). Returns the
    exit code: 1 when ``check`` found a disagreement, else 0."""
    if full_help:
        ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    else:
        ap = argparse.ArgumentParser(description=" ".join(doc.split("\n\n")[0].split()))
    ap.add_argument("--endpoint", help=endpoint_help)
    args = ap.parse_args()
    ais = find_ais()
    if ais is None:
        print(NOT_FOUND, file=sys.stderr)
        return 2
    if args.endpoint:
        return 1 if asyncio.run(check(args.endpoint, ais, False)) else 0
    from aistui.playground.cluster import LocalCluster

    with tempfile.TemporaryDirectory(prefix="agree-") as root:
        local = LocalCluster(Path(root), **{"ntargets": 2, "name": "agree", **cluster}).start()
        try:
            bad = asyncio.run(check(local.endpoint, ais, True))
        finally:
            local.stop()
    return 1 if bad else 0
