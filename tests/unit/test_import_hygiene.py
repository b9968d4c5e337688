"""aistui.core must stay importable without the UI or the torch/SDK extras (scripts and
benchmarks use it headless)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import aistui.core

CORE_DIR = Path(aistui.core.__file__).parent
SUBMODULES = ["client", "cluster", "buckets", "objects", "jobs", "etl", "models", "errors", "config",
              "transfer", "names", "checksum", "aio", "datapath", "retry", "listing", "objdata", "multiobj",
              "localpaths", "jsontypes", "batch", "hrw", "logs", "usage", "batchparse", "perf",
              "storage", "configapi", "conftree", "balance", "shards", "leanhttp", "archive", "doctor",
              "housekeeping", "largeobj", "multipart", "objmeta", "promote",
              "transferrun", "shardplan", "shardverify",
              "storagemodel", "storageparse", "balancemodel", "labels", "rawio", "threadwork", "route"]

PROBE = """
import sys
import aistui.core
{imports}
bad = sorted(m for m in sys.modules
             if m == "textual" or m.startswith("textual.") or m.startswith("textual_")
             or m.split(".")[0] in ("torch", "aistore"))
print("LOADED", len([m for m in sys.modules if m.startswith("aistui.core.")]))
print("BAD", ",".join(bad))
"""


def test_core_imports_without_textual_torch_or_sdk():
    code = PROBE.format(imports="\n".join(f"import aistui.core.{m}" for m in SUBMODULES))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(" ", 1) if " " in line else (line, "") for line in out.stdout.splitlines())
    assert int(lines["LOADED"]) >= len(SUBMODULES)
    assert lines["BAD"] == "", f"aistui.core pulled in: {lines['BAD']}"


def test_every_core_module_is_probed():
    on_disk = {p.stem for p in CORE_DIR.glob("*.py") if p.stem != "__init__"}
    assert on_disk <= set(SUBMODULES), f"add to the probe: {sorted(on_disk - set(SUBMODULES))}"


def test_no_textual_import_lines_in_core():
    pat = re.compile(r"^\s*(from|import)\s+textual")
    offenders = [f"{p.name}:{i}" for p in sorted(CORE_DIR.rglob("*.py"))
                 for i, line in enumerate(p.read_text().splitlines(), 1) if pat.match(line)]
    assert offenders == []
