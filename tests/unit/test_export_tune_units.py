"""The tuner's pieces without a cluster or torch: candidate styles, the pick's text and code
comment, the plot's series, and the missing-torch message (``aistui export --tune`` and ``T``
on the export screen say what is missing before starting anything)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from aistui.export import requirements
from aistui.export.requirements import check_tune
from aistui.export.snippet import ExportSpec, generate
from aistui.export.tune import candidate_styles, pick_text, tuned_spec
from aistui.screens.export.results import plot_series

PICK = {"style": "pipe", "workers": 2, "batch_size": 64, "inflight": 8, "samples_per_s": 5425.4,
        "get_share": 2.07, "bottleneck": "get"}


def test_candidate_styles_follow_the_options():
    assert candidate_styles(ExportSpec(bucket="ais://b")) == ["pipe", "batch", "iter", "map", "plain"]
    assert candidate_styles(ExportSpec(bucket="ais://b", etl="x")) == ["iter", "map", "plain"]  # no get-batch ETL
    assert candidate_styles(ExportSpec(bucket="ais://b", style="shard", labels="member")) == ["shard"]


def test_the_pick_is_written_into_the_code():
    assert pick_text(PICK) == ("style=pipe, num_workers=2, batch_size=64, inflight=8: 5,425 samples/s, "
                               "207% of the GET ceiling; bottleneck: GET (cluster + client ceiling)")
    code = generate(tuned_spec(ExportSpec(bucket="ais://b", prefix="p/"), PICK))
    assert "# Tuned by aistui on this cluster: style=pipe, num_workers=2, batch_size=64, inflight=8:" in code
    assert "NUM_WORKERS = 2\n" in code and "BATCH_SIZE = 64\n" in code and "INFLIGHT = 8  #" in code
    assert all(len(line) <= 88 for line in code.splitlines()[9:])


def test_plot_series_take_each_styles_best_per_num_workers():
    pts = [{"style": "pipe", "workers": 2, "samples_per_s": 100.0}, {"style": "pipe", "workers": 0,
                                                                      "samples_per_s": 50.0},
           {"style": "pipe", "workers": 2, "samples_per_s": 150.0}, {"style": "iter", "workers": 1,
                                                                      "samples_per_s": None}]
    assert plot_series(pts) == [("pipe", [0, 2], [50.0, 150.0])]


def test_tune_message_names_what_any_style_lacks(monkeypatch):
    monkeypatch.setattr(requirements, "_importable", lambda name: name not in ("torch", "alive_progress"))
    assert check_tune(["pipe", "plain"]) == "the tuner needs torch: pip install 'aistui[torch]'"
    assert check_tune(["pipe", "iter"]) == "the tuner needs torch and alive-progress: pip install 'aistui[torch]'"
    monkeypatch.setattr(requirements, "_importable", lambda name: True)
    assert check_tune(["pipe", "iter", "shard"], decode=True) == ""


@pytest.fixture
def plain_env(tmp_path: Path) -> dict[str, str]:
    """A child environment simulating a plain ``pip install aistui`` (no torch, no aistore SDK):
    a ``sitecustomize`` puts ``None`` in ``sys.modules`` for them, as the dry-run's test does."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(textwrap.dedent("""\
        import sys
        for name in ("torch", "aistore", "alive_progress", "numpy", "webdataset", "torchdata"):
            sys.modules[name] = None
        """))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIS_", "AISTUI_"))}
    env.update(PYTHONPATH=os.pathsep.join([str(shim), str(Path(__file__).resolve().parents[2])]),
               HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / ".config"), XDG_CACHE_HOME=str(tmp_path / ".cache"))
    return env


def test_plain_install_tune_says_what_is_missing(plain_env):
    """Simulated plain install (see ``plain_env``): ``--tune`` stops before contacting the cluster
    (nothing listens on port 9) or starting a child, naming what is missing, exit code 2."""
    cmd = [sys.executable, "-m", "aistui", "export", "--endpoint", "http://127.0.0.1:9", "--bucket", "ais://d",
           "--tune", "--json"]
    got = subprocess.run(cmd, env=plain_env, capture_output=True, text=True, timeout=120)
    assert (got.returncode, got.stdout) == (2, ""), got.stderr
    assert got.stderr == ("aistui export: the tuner needs torch, the aistore SDK and alive-progress: "
                          "pip install 'aistui[torch]'\n")
    got = subprocess.run(cmd + ["--tune-styles", "pipe"], env=plain_env, capture_output=True, text=True, timeout=120)
    assert got.stderr == "aistui export: the tuner needs torch and the aistore SDK: pip install 'aistui[torch]'\n"


def test_pipe_code_needs_only_what_the_check_names():
    """The pipe style uses the SDK and torch, not ``aistore.pytorch`` (so no alive-progress)."""
    import ast

    for decode in (False, True):
        code = generate(ExportSpec(bucket="ais://b", style="pipe", decode=decode, ddp=True, shuffle=True))
        mods = set()
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Import):
                mods |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods.add(node.module.split(".")[0])
        third = {m for m in mods if m not in sys.stdlib_module_names}
        assert third == set(requirements.needed_modules("pipe", decode=decode)), third
        assert "aistore.pytorch" not in code
