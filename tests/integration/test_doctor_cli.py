"""``aistui doctor ais://bucket/prefix --json`` on the real cluster: the document validates against
docs/doctor-schema.json, lists exactly the planted flaws, and the exit code says whether something
was found (1) or not (0); bad input is 2, a cluster error 3."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import jsonschema

from aistui.core import AISClient, Bck
from aistui.playground.demo import build_flawed

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "doctor-schema.json").read_text())


async def doctor(endpoint: str, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aistui", "doctor", "-e", endpoint, *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_json_findings_schema_and_exit_codes(ais, client: AISClient, bucket: Bck):
    data = await build_flawed(client, bucket, "ds/", limit=80)
    await client.objects.put(bucket, "clean/a.txt", b"a")
    code, out, err = await doctor(ais.endpoint, f"{bucket}/ds/", "--json", "--images", "all")
    assert code == 1, err
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert (doc["bucket"], doc["prefix"], doc["images"]) == (str(bucket), "ds/", "all")
    got = sorted((f["kind"], f["object"]) for f in doc["findings"])
    assert got == sorted((k, "ds/" + n) for k, n, _ in data.planted)
    assert doc["counts"] == {"undecodable": 1, "empty": 1, "leak": 1, "duplicate": 3, "shard-missing": 1,
                             "imbalance": 1}
    assert doc["scanned"]["objects"] == len(data.objects) and doc["scanned"]["shards"] == 3
    assert "[doctor] done" in err  # progress on stderr, never in the document

    code, out, err = await doctor(ais.endpoint, f"{bucket}/clean/", "--json", "-q")
    assert code == 0 and err == ""
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert doc["findings"] == [] and doc["counts"] == {} and doc["scanned"]["objects"] == 1

    code, out, _ = await doctor(ais.endpoint, f"{bucket}/ds/", "--images", "none", "-q")  # text
    assert code == 1 and "leak (the same content in two splits" in out and "undecodable" not in out


async def test_bad_input_and_cluster_errors(ais):
    code, _, err = await doctor(ais.endpoint, "ais://bad name", "--json")
    assert code == 2 and "aistui doctor:" in err
    code, _, err = await doctor(ais.endpoint, "ais://no-such-bucket-here", "--json")
    assert code == 3 and "no-such-bucket-here" in err
