"""Snippet generation without a cluster: every style and option combination compiles, uses only
names the pinned SDK has, never embeds a secret, and refuses combinations that cannot work.
(Running the code against a real cluster is tests/integration/test_export_run.py.)"""

from __future__ import annotations

import ast
import itertools

import pytest

from aistui.core.errors import InvalidInput
from aistui.export.snippet import STYLES, ExportSpec, generate

CLASSES = [str(i) for i in range(10)]


def combos():
    for style, labels, decode, shuffle, ddp, names, etl in itertools.product(
            STYLES, ["none", "folder", "mapping", "member"], [False, True], [False, True], [False, True],
            [None, ["train/1/00001.png", "train/2/00002.png"]], ["", "my-etl"]):
        spec = ExportSpec(bucket="ais://@remais/digits", prefix="train/", names=names, style=style, labels=labels,
                          classes=CLASSES, label_file="ais://digits/labels.json", decode=decode,
                          resize=32 if shuffle else 0, shuffle=shuffle, ddp=ddp, etl=etl)
        try:
            yield spec, generate(spec)
        except InvalidInput:
            continue


ALL = list(combos())


def test_every_valid_combination_compiles_and_is_short_lines():
    assert len(ALL) > 400  # the loop really covered the option space
    for spec, code in ALL:
        ast.parse(code)
        long = [line for line in code.splitlines() if len(line) > 88 and not line.startswith('"""PyTorch')]
        assert not long, (spec, long)


def test_pinned_sdk_names_exist():
    """Every ``from aistore... import X`` in generated code resolves in the installed SDK."""
    import importlib

    seen = set()
    for _, code in ALL:
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.ImportFrom) and node.module.startswith("aistore"):
                seen.update((node.module, a.name) for a in node.names)
    assert ("aistore.pytorch.batch_iter_dataset", "AISBatchIterDataset") in seen
    for module, name in seen:
        assert hasattr(importlib.import_module(module), name), f"{module}.{name}"
    assert not any("WorkerRequestClient" in code for _, code in ALL)


def test_endpoint_and_token_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("AIS_AUTHN_TOKEN", "s3cr3t-token-value")
    code = generate(ExportSpec(bucket="ais://b", default_endpoint="http://10.0.0.5:8080"))
    assert "s3cr3t" not in code
    assert 'os.environ.get("AIS_ENDPOINT", "http://10.0.0.5:8080")' in code
    assert 'token=os.environ.get("AIS_AUTHN_TOKEN") or None' in code


def test_styles_use_their_classes():
    def code(style, **kw):
        return generate(ExportSpec(bucket="ais://b", style=style, **kw))

    assert "AISIterDataset(ais_source_list=bucket, prefix_map={bucket: PREFIX})" in code("iter")
    assert "AISMapDataset(" in code("map")
    assert "AISShardReader(bucket_list=bucket" in code("shard")
    assert "from aistore.pytorch.batch_iter_dataset import AISBatchIterDataset" in code("batch")
    assert "max_batch_size=GET_BATCH" in code("batch")
    plain = code("plain")
    assert "aistore.pytorch" not in plain and "class AISObjects(Dataset)" in plain
    assert "DistributedSampler(dataset" in code("map", ddp=True)
    assert "partition_sources_by_worker=True" in code("iter", ddp=True)
    assert "NAMES = " in code("iter", names=["a", "b"]) and "obj_names=NAMES" in code("iter", names=["a", "b"])
    assert "etl_name=ETL" in code("iter", etl="x") and "ETLConfig(ETL)" in code("plain", etl="x")


@pytest.mark.parametrize("kw, words", [
    (dict(style="batch", etl="x"), "get-batch"),
    (dict(style="iter", labels="member"), "shard style"),
    (dict(style="shard", labels="folder", classes=["a"]), "class folder"),
    (dict(style="iter", labels="folder"), "class list"),
    (dict(style="iter", labels="mapping"), "mapping file"),
    (dict(style="nope"), "unknown style"),
    (dict(names=[]), "selection is empty"),
    (dict(batch_size=0), "batch size"),
])
def test_refuses_what_cannot_work(kw, words):
    with pytest.raises(InvalidInput, match=words):
        generate(ExportSpec(bucket="ais://b", **kw))


WEIGHTS = {"0": 0.67, "1": 0.9571, "9": 3.35}


@pytest.mark.parametrize("labels,style", [("folder", "map"), ("member", "shard"), ("mapping", "plain"),
                                          ("none", "iter"), ("none", "pipe")])
@pytest.mark.parametrize("weighting", ["loss", "sampler"])
def test_class_weights_from_the_balance_view(labels, style, weighting):
    spec = ExportSpec(bucket="ais://digits", prefix="train/", style=style, labels=labels, classes=CLASSES,
                      label_file="ais://digits/labels.json", class_weights=WEIGHTS, weighting=weighting)
    code = generate(spec)
    tree = ast.parse(code)
    assert 'CLASS_WEIGHTS = {"0": 0.67, "1": 0.9571, "9": 3.35}' in code
    assert not [line for line in code.splitlines() if len(line) > 88 and not line.startswith('"""PyTorch')]
    fns = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    if weighting == "loss":
        assert "loss_weights" in fns and "make_sampler" not in fns and "WeightedRandomSampler" not in code
        want = {"folder": "[CLASS_WEIGHTS.get(c, 1.0) for c in CLASSES]"}.get(
            labels, "[CLASS_WEIGHTS.get(str(i), 1.0) for i in range(10)]")
        assert f"    weights = {want}\n    return torch.tensor(weights, dtype=torch.float)" in code
    else:
        assert "make_sampler" in fns and "loss_weights" not in fns
        imports = code[code.index("from torch.utils.data import"):]
        assert "WeightedRandomSampler" in imports[:imports.index("\n\n")]
        key = "CLASSES[label]" if labels == "folder" else "str(label)"
        assert f"weights = [CLASS_WEIGHTS.get({key}, 1.0) for label in labels]" in code


def test_class_weights_run_as_generated():
    """The generated functions do what they say (torch is stubbed: the tensor is a list)."""
    import types

    for labels, want in (("folder", [0.67, 0.9571] + [1.0] * 7 + [3.35]),
                         ("member", [0.67, 0.9571] + [1.0] * 7 + [3.35])):
        code = generate(ExportSpec(bucket="ais://d", style="shard" if labels == "member" else "map", labels=labels,
                                   classes=CLASSES, class_weights=WEIGHTS, weighting="loss"))
        ns: dict = {"torch": types.SimpleNamespace(tensor=lambda v, dtype=None: v, float="f")}
        tree = ast.parse(code)
        keep = [n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id in ("CLASS_WEIGHTS", "CLASSES")
                or isinstance(n, ast.FunctionDef) and n.name == "loss_weights"]
        exec(compile(ast.Module(keep, []), "loader", "exec"), ns)
        assert ns["loss_weights"]() == want
    code = generate(ExportSpec(bucket="ais://d", style="map", labels="folder", classes=CLASSES,
                               class_weights=WEIGHTS, weighting="sampler"))
    drawn: dict = {}
    ns = {"WeightedRandomSampler": lambda w, num_samples, replacement: drawn.update(w=w, n=num_samples)}
    tree = ast.parse(code)
    keep = [n for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id in ("CLASS_WEIGHTS", "CLASSES")
            or isinstance(n, ast.FunctionDef) and n.name == "make_sampler"]
    exec(compile(ast.Module(keep, []), "loader", "exec"), ns)
    ns["make_sampler"]([9, 0, 0, 5])
    assert drawn == {"w": [3.35, 0.67, 0.67, 1.0], "n": 4}


def test_weighting_needs_weights():
    with pytest.raises(InvalidInput, match="balance view"):
        generate(ExportSpec(bucket="ais://d", weighting="loss"))
    with pytest.raises(InvalidInput, match="unknown weighting"):
        generate(ExportSpec(bucket="ais://d", weighting="focal", class_weights=WEIGHTS))
