"""``aistui shard ais://src/train/ --to ais://dst --size 128MiB``: make WebDataset-style shards on
the cluster (:mod:`aistui.core.shards`: the multi-object archive job, labels from the class
folders as ``.cls`` members), wait for them, verify them, and print what was done (``--json``:
one document, described in ``docs/shards.md``).

Exit codes: 0 made and verified, 1 the verification failed, 2 bad options (or shards that exist
already), 3 a cluster or transport error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .core.shardplan import ShardPlan
    from .core.shardverify import Verification

SCHEMA = "aistui.shard/1"
EXIT_OK, EXIT_UNVERIFIED, EXIT_USAGE, EXIT_ERROR = 0, 1, 2, 3

SHARD_HELP = """\
Make WebDataset-style tar shards from a directory of samples with the cluster's own
multi-object archive job (nothing is downloaded): class folders (train/<class>/x.png; the folder
becomes an x.cls member) or flat files grouped by base name (x.jpg + x.cls + x.json). The labels
are written first as tiny .cls objects next to their samples and removed when the shards are
verified. dsort is used by no path here; the output says whether the cluster has it (a stock
aisnode is built without the dsort tag).

After the jobs, every source object is checked to be in exactly one shard (the planned one) with
its size, from the archive listing, the source's stored checksums unchanged, and a sample of
members' bytes (get-batch by archpath) hashed against the stored checksum.

  aistui shard ais://digits/train/ --to ais://digits-train --size 128MiB --json
  aistui shard ais://digits/train/ --to ais://dst/shards/ --count 100 --shuffle --seed 7 \\
      --template 'train-{000000..000099}.tar'

Exit codes: 0 made and verified, 1 verification failed, 2 bad options (or the shards exist
already), 3 a cluster error, 130 interrupted. The --json document: docs/shards.md.
"""


def add_parser(sub: Any) -> None:
    """Add the ``shard`` sub-command to the ``aistui`` parser's sub-parsers ``sub``."""
    from .core.shardplan import DEFAULT_TEMPLATE

    sp = sub.add_parser("shard", help="make WebDataset shards on the cluster (archive job), then verify them",
                        description=SHARD_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    sp.add_argument("uri", help="the source directory: ais://bucket/prefix/")
    sp.add_argument("--to", required=True, metavar="BUCKET", help="destination: ais://dst or ais://dst/prefix/")
    sp.add_argument("--endpoint", "-e", default=argparse.SUPPRESS, help="AIS proxy URL (as for the console)")
    sp.add_argument("--log", metavar="FILE", default=argparse.SUPPRESS, help="log file (as for the console)")
    sp.add_argument("--size", default="", help="target shard size, e.g. 128MiB (tar bytes, estimated)")
    sp.add_argument("--count", type=int, default=0, metavar="N", help="samples per shard (instead of --size)")
    sp.add_argument("--shuffle", action="store_true", help="assign samples to shards in a seeded random order")
    sp.add_argument("--seed", type=int, default=0, help="the shuffle's seed (default 0)")
    sp.add_argument("--template", default=DEFAULT_TEMPLATE,
                    help=f"shard names, one brace range (default {DEFAULT_TEMPLATE})")
    sp.add_argument("--no-labels", action="store_true", help="do not write .cls members from the class folders")
    sp.add_argument("--verify-sample", type=int, default=32, metavar="N",
                    help="members whose bytes are read back and hashed (default 32; -1 all, 0 none)")
    sp.add_argument("--plan", action="store_true", help="only print the plan; change nothing")
    sp.add_argument("--timeout", type=float, default=600.0, metavar="S",
                    help="how long to wait for the shards (default 600 s)")
    sp.add_argument("--json", action="store_true", help="print one JSON document (docs/shards.md)")
    sp.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")


def report(p: ShardPlan, *, dsort: bool, jobs: list[str], verification: Verification | None,
           seconds: dict[str, float], planned_only: bool) -> dict[str, Any]:
    """The ``--json`` document (``docs/shards.md``)."""
    o = p.options
    return {"schema": SCHEMA, "source": f"{p.src}/{p.prefix}", "destination": f"{p.dst}/{p.dst_prefix}",
            "method": "archive", "dsort": dsort, "planned_only": planned_only, "layout": p.layout,
            "classes": p.classes,
            "options": {"size": o.size, "count": o.count, "shuffle": o.shuffle, "seed": o.seed,
                        "template": o.template, "labels": o.labels},
            "objects": p.objects, "bytes": p.bytes, "samples": p.samples, "labels_written": len(p.labels),
            "shards": [{"name": s.name, "samples": len(s.samples), "members": len(s.names()),
                        "est_bytes": s.est_bytes} for s in p.shards],
            "base_name_clashes": p.base_clashes(),
            "jobs": jobs, "verification": verification.to_json() if verification else None,
            "seconds": {k: round(v, 3) for k, v in seconds.items()}}


def _text(doc: dict[str, Any]) -> str:
    v = doc["verification"]
    lines = [f"{doc['source']} → {doc['destination']}: {doc['samples']:,} samples ({doc['objects']:,} objects, "
             f"{doc['layout']}) in {len(doc['shards'])} shards by the archive job"
             + ("" if doc["dsort"] else " (this cluster has no dsort)")]
    lines += [f"  {s['name']}: {s['samples']:,} samples, ~{s['est_bytes']:,} bytes" for s in doc["shards"][:10]]
    if len(doc["shards"]) > 10:
        lines.append(f"  ... and {len(doc['shards']) - 10} more")
    if v is not None:
        lines.append(("verified: " if v["ok"] else f"verification FAILED ({v['problem_count']} problems): ")
                     + f"{v['objects']:,} objects in exactly one shard, {v['labels']:,} labels, "
                       f"{v['bytes_compared']} members' bytes vs {v['checksum_type']}")
        lines += [f"  {x}" for x in v["problems"]]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, settings_of: Callable[[argparse.Namespace], Any]) -> int:
    """``aistui shard``: plan, make, wait, verify, print; returns the exit code (the module
    docstring's)."""
    import asyncio

    from .core import AISClient
    from .core import shards as sh
    from .core.errors import AISError, InvalidInput
    from .core.shardplan import ShardOptions, parse_size
    from .core.shardverify import verify
    from .jump import parse_jump

    def say(text: str) -> None:
        if not args.quiet:
            print(f"[shard] {text}", file=sys.stderr, flush=True)

    try:
        src_j, dst_j = parse_jump("b " + args.uri), parse_jump("b " + args.to)
        if src_j.bck is None or dst_j.bck is None:
            raise InvalidInput(f"not a bucket: {args.uri if src_j.bck is None else args.to!r}")
        opts = ShardOptions(size=parse_size(args.size) if args.size else 0, count=args.count,
                            shuffle=args.shuffle, seed=args.seed, template=args.template,
                            labels=not args.no_labels)
        opts.check()
        settings = settings_of(args)
        src, prefix, dst, dst_prefix = src_j.bck, src_j.prefix, dst_j.bck, dst_j.prefix

        async def work() -> dict[str, Any]:
            secs: dict[str, float] = {}
            t = time.monotonic()
            async with AISClient(settings) as client:
                dsort = await sh.dsort_available(client)
                p = await sh.plan(client, src, prefix, dst, opts, dst_prefix=dst_prefix)
                secs["plan"] = time.monotonic() - t
                say(f"{p.samples:,} samples ({p.layout}) → {len(p.shards)} shards; dsort "
                    + ("present (not used)" if dsort else "not in this cluster"))
                if args.plan:
                    return report(p, dsort=dsort, jobs=[], verification=None, seconds=secs, planned_only=True)
                if not await client.buckets.exists(dst):
                    await client.buckets.create(dst, exist_ok=True)
                ids: list[str] = []
                try:
                    if p.labels:
                        say(f"writing {len(p.labels):,} .cls label objects next to the samples")
                        await sh.write_labels(client, p)
                    for s in p.shards:
                        ids += [i for i in await sh.archive(client, src, dst, s.name, s.names()) if i not in ids]
                    say(f"archive job {', '.join(ids)}: {len(p.shards)} shards requested")
                    secs["create"] = time.monotonic() - t - secs["plan"]
                    await sh.wait_shards(client, p, ids, timeout=args.timeout,
                                         progress=lambda n, total: say(f"{n}/{total} shards stored"))
                    secs["wait"] = time.monotonic() - t - secs["plan"] - secs["create"]
                    v = await verify(client, p, sample=args.verify_sample)
                    secs["verify"] = time.monotonic() - t - secs["plan"] - secs["create"] - secs["wait"]
                finally:
                    if p.labels:
                        say("removing the .cls label objects")
                        await sh.remove_labels(client, p)
                say(v.summary())
                return report(p, dsort=dsort, jobs=ids, verification=v, seconds=secs, planned_only=False)

        doc = asyncio.run(work())
    except (InvalidInput, ValueError) as e:
        print(f"aistui shard: {e}", file=sys.stderr)
        return EXIT_USAGE
    except AISError as e:
        print(f"aistui shard: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    sys.stdout.write(json.dumps(doc, indent=1) + "\n" if args.json else _text(doc))
    v = doc["verification"]
    return EXIT_OK if v is None or v["ok"] else EXIT_UNVERIFIED
