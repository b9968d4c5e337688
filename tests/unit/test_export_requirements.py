"""The dry-run's requirements: what it needs beyond a plain ``pip install aistui`` (torch, the
aistore SDK, and per style and options a few more) is checked before anything starts, and the
message names exactly what is missing. Generating code needs none of it."""

from __future__ import annotations

import ast
import importlib.util
import itertools
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from aistui.export import requirements
from aistui.export.requirements import (
    check_dry_run,
    dry_run_message,
    missing_for_dry_run,
    needed_modules,
)
from aistui.export.snippet import ExportSpec, generate

#: what a plain ``pip install aistui`` lacks (torch and aistore[pytorch] bring the rest)
NOT_IN_PLAIN_INSTALL = ("torch", "aistore", "alive_progress", "numpy", "webdataset", "torchdata")
PLAIN = "the dry-run needs torch, the aistore SDK and alive-progress: pip install 'aistui[torch]'"


def third_party(source: str) -> set[str]:
    """Top-level modules ``source`` imports, outside the standard library and aistui."""
    mods = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            mods |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            mods.add(node.module.split(".")[0])
    return {m for m in mods if m not in sys.stdlib_module_names and m != "aistui"}


def test_message_names_exactly_what_is_missing():
    assert dry_run_message([]) == ""
    assert dry_run_message(["torch"]) == "the dry-run needs torch: pip install 'aistui[torch]'"
    assert dry_run_message(["torch", "the aistore SDK"]) == \
        "the dry-run needs torch and the aistore SDK: pip install 'aistui[torch]'"
    assert dry_run_message(["torch", "the aistore SDK", "numpy"]) == \
        "the dry-run needs torch, the aistore SDK and numpy: pip install 'aistui[torch]'"


def test_checks_with_find_spec_and_imports_nothing(monkeypatch):
    looked = []

    def fake(name):
        looked.append(name)
        return None if name in ("torch", "numpy") else object()

    monkeypatch.setattr(importlib.util, "find_spec", fake)
    assert missing_for_dry_run("map", decode=True) == ["torch", "numpy"]
    assert looked == ["torch", "aistore", "alive_progress", "numpy", "PIL"]
    assert check_dry_run("plain") == "the dry-run needs torch: pip install 'aistui[torch]'"


def test_a_refusing_finder_counts_as_missing(monkeypatch):
    def refuse(name):
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(importlib.util, "find_spec", refuse)
    assert missing_for_dry_run("plain") == ["torch", "the aistore SDK"]


def test_this_environment_has_everything():
    """The dev environment installs ``aistui[torch]``'s packages: nothing is reported."""
    for style, decode in itertools.product(("iter", "map", "shard", "batch", "plain"), (False, True)):
        assert missing_for_dry_run(style, decode=decode) == []


def test_needed_modules_cover_the_generated_code_and_the_children():
    """No drift: every third-party module any generated loader imports (every style, with and
    without decoding, DDP, shuffle, ETL, labels) is in :func:`needed_modules`, and so is what
    ``aistore.pytorch`` imports (alive_progress) and what the child processes import."""
    seen: set[tuple[str, bool]] = set()
    for style, decode, ddp, shuffle, etl, labels in itertools.product(
            ("iter", "map", "shard", "batch", "plain"), (False, True), (False, True), (False, True),
            ("", "my-etl"), ("none", "folder", "mapping", "member")):
        spec = ExportSpec(bucket="ais://b", prefix="train/", style=style, decode=decode, ddp=ddp,
                          shuffle=shuffle, etl=etl, labels=labels, classes=["a", "b"],
                          label_file="ais://b/labels.json")
        try:
            code = generate(spec)
        except Exception:  # a combination that cannot work (validate says why)
            continue
        seen.add((style, decode))
        need = set(needed_modules(style, decode=decode))
        assert third_party(code) <= need, (style, decode, third_party(code) - need)
        if "aistore.pytorch" in code:
            assert "alive_progress" in need
    assert len(seen) == 10  # every style, decoding or not
    for child in ("harness", "harness_base", "harness_live", "harness_ddp", "reference"):
        origin = importlib.util.find_spec("aistui.export").submodule_search_locations[0]
        source = (Path(origin) / f"{child}.py").read_text()
        # pynvml (nvidia-ml-py, the 'gpu' extra) is optional: the harness imports it only on a CUDA
        # machine, inside a try that says how to add it when it is missing
        optional = {"pynvml"} if child == "harness_live" else set()
        assert third_party(source) - optional <= set(needed_modules("map", decode=True)), child


# ------------------------------------------------------------------ a plain install, simulated


@pytest.fixture
def plain_env(tmp_path: Path) -> dict[str, str]:
    """An environment for a child ``python`` in which torch, aistore and the other packages a
    plain ``pip install aistui`` lacks cannot be imported nor found: a ``sitecustomize`` on
    ``PYTHONPATH`` puts ``None`` in ``sys.modules`` for them (``import`` then raises
    ``ModuleNotFoundError`` and ``importlib.util.find_spec`` returns ``None``, as when they are
    not installed). The dev venv has them all; this is the one seam that simulates their
    absence, and every child the dry-run would start inherits it."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(textwrap.dedent(f"""\
        import sys
        for name in {NOT_IN_PLAIN_INSTALL!r}:
            sys.modules[name] = None
        """))
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIS_", "AISTUI_"))}
    env.update(PYTHONPATH=os.pathsep.join([str(shim), str(Path(__file__).resolve().parents[2])]), HOME=str(home),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"))
    probe = subprocess.run([sys.executable, "-c", "import torch"], env=env, capture_output=True, text=True)
    assert "ModuleNotFoundError" in probe.stderr  # the shim works
    return env


def aistui(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # Nothing listens on port 9 (discard): a dry-run that got past the check would fail to connect.
    cmd = [sys.executable, "-m", "aistui", "export", "--endpoint", "http://127.0.0.1:9",
           "--bucket", "ais://digits", "--prefix", "train/", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def test_plain_install_dry_run_says_what_is_missing(plain_env, tmp_path):
    """Simulates a plain ``pip install aistui`` (no torch, no aistore SDK; see ``plain_env``):
    ``--dry-run`` (and ``--dry-run --json``) stops before contacting the cluster or starting a
    child, with one line on stderr naming what is missing and exit code 2; decoding adds numpy."""
    for extra in ([], ["--json"]):
        got = aistui(plain_env, "--style", "iter", "--dry-run", *extra)
        assert (got.returncode, got.stdout, got.stderr) == (2, "", f"aistui export: {PLAIN}\n"), got.stderr
    got = aistui(plain_env, "--style", "map", "--decode", "--resize", "32", "--dry-run", "--workers", "0")
    assert got.returncode == 2
    assert got.stderr == ("aistui export: the dry-run needs torch, the aistore SDK, alive-progress and numpy: "
                          "pip install 'aistui[torch]'\n")
    got = aistui(plain_env, "--style", "plain", "--dry-run")
    assert got.stderr == "aistui export: the dry-run needs torch and the aistore SDK: pip install 'aistui[torch]'\n"


def test_plain_install_still_generates_code(plain_env, tmp_path):
    """Simulates a plain ``pip install aistui`` (see ``plain_env``): without ``--dry-run`` the
    code is generated, printed or written, and compiles; no requirement is checked."""
    got = aistui(plain_env, "--style", "map", "--decode", "--resize", "32")
    assert got.returncode == 0, got.stderr
    assert "from aistore.pytorch import AISMapDataset" in got.stdout
    compile(got.stdout, "loader.py", "exec")
    out = tmp_path / "loader.py"
    got = aistui(plain_env, "--style", "plain", "--out", str(out))
    assert got.returncode == 0, got.stderr
    assert got.stderr == f"wrote {out}\n"
    assert "class AISObjects(Dataset):" in out.read_text()


def test_unknown_module_name_is_not_reported_as_such():
    """Every name :func:`needed_modules` can return has a user-facing name."""
    for style, decode in itertools.product(("iter", "plain"), (False, True)):
        assert set(needed_modules(style, decode=decode)) <= set(requirements.WHAT)
