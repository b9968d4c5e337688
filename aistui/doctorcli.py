"""``aistui doctor ais://bucket/prefix``: the dataset doctor (:mod:`aistui.core.doctor`) without the
console, for scripts and CI pipelines. It only reads: findings are printed (``--json``: one
document, schema ``docs/doctor-schema.json``, described in ``docs/doctor.md``), never fixed.

Exit codes: 0 nothing found, 1 something found, 2 bad options (or a bucket name the cluster
would refuse), 3 a cluster or transport error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the parser is built on every start: the core loads only when the command runs
    from .core.doctor import Finding, ScanProgress

SCHEMA = "aistui.doctor/1"
EXIT_CLEAN, EXIT_FOUND, EXIT_USAGE, EXIT_ERROR = 0, 1, 2, 3

DOCTOR_HELP = """\
Scan a bucket or prefix for what is wrong with a dataset and print the findings: zero-byte
objects, names that differ only by case or Unicode normalization, duplicates by content (the
checksums the cluster stored; no data read) and train/val leakage, shard samples missing a
member (the cluster lists the shards' members), classes with far fewer objects than the
largest, images Pillow cannot decode (read with get-batch: a sample, all, or none), and for a
remote bucket the objects whose checksum cannot tell (not in the cluster: absent or an ETag).
Only reads; the console's doctor screen (H on the objects screen, :doctor) can fix.

  aistui doctor ais://flawed/ --json
  aistui doctor ais://digits/train/ --images all

Exit codes: 0 nothing found, 1 something found, 2 bad options, 3 a cluster error, 130 interrupted.
The --json document's schema: docs/doctor-schema.json (docs/doctor.md).
"""


def add_parser(sub: Any) -> None:
    """Add the ``doctor`` sub-command to the ``aistui`` parser's sub-parsers ``sub``."""
    dr = sub.add_parser("doctor", help="scan a dataset for problems (duplicates, leaks, broken images, ...)",
                        description=DOCTOR_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    dr.add_argument("uri", help="ais://bucket/prefix (a bare name means ais://)")
    dr.add_argument("--endpoint", "-e", default=argparse.SUPPRESS, help="AIS proxy URL (as for the console)")
    dr.add_argument("--log", metavar="FILE", default=argparse.SUPPRESS, help="log file (as for the console)")
    dr.add_argument("--json", action="store_true", help="print one JSON document (docs/doctor-schema.json)")
    dr.add_argument("--images", default="sample", choices=("sample", "all", "none"),
                    help="decode images with Pillow: a random sample (default), all, or none")
    dr.add_argument("--sample", type=int, default=200, metavar="N", help="images in the sample (default 200)")
    dr.add_argument("--no-shards", action="store_true", help="do not list the members of shards")
    dr.add_argument("--imbalance-ratio", type=float, default=4.0, metavar="R",
                    help="report a class with R times fewer objects than its split's largest (default 4)")
    dr.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")


def finding_json(f: Finding) -> dict[str, Any]:
    """One finding as the schema's ``findings`` item."""
    return {"kind": f.kind, "object": f.name, "detail": f.detail, "related": f.related, "count": f.count}


def report(uri: str, bucket: str, prefix: str, images: str, findings: list[Finding],
           last: ScanProgress | None) -> dict[str, Any]:
    """The ``--json`` document (``docs/doctor-schema.json``)."""
    from .core.doctor import KINDS, ScanProgress
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    p = last or ScanProgress("done", 0, 0, 0, 0, 0, 0, 0)
    return {"schema": SCHEMA, "uri": uri, "bucket": bucket, "prefix": prefix, "images": images,
            "scanned": {"objects": p.objects, "bytes": p.bytes, "shards": p.shards,
                        "images_checked": p.images_checked, "images_total": p.images_total},
            "counts": {k: counts[k] for k in KINDS if k in counts},
            "findings": [finding_json(f) for f in findings]}


def _text(doc: dict[str, Any]) -> str:
    from .core.doctor import KINDS

    s = doc["scanned"]
    lines = [f"{doc['uri']}: {s['objects']:,} objects, {s['shards']:,} shards, "
             f"{s['images_checked']:,} images decoded: {len(doc['findings'])} findings"]
    for kind in KINDS:
        items = [f for f in doc["findings"] if f["kind"] == kind]
        if items:
            lines.append(f"\n{kind} ({KINDS[kind]}): {len(items)}")
            lines += [f"  {f['object']}: {f['detail']}" for f in items]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, settings_of: Callable[[argparse.Namespace], Any]) -> int:
    """``aistui doctor``: scan, print, and return the exit code (the module docstring's)."""
    import asyncio

    from .core import AISClient
    from .core.doctor import DoctorOptions, Finding, scan
    from .core.errors import AISError, InvalidInput
    from .jump import parse_jump

    try:
        j = parse_jump("b " + args.uri)
        if j.bck is None:
            raise InvalidInput(f"not a bucket: {args.uri!r}")
        bck, prefix = j.bck, j.prefix
        if args.sample < 1:
            raise InvalidInput("--sample must be at least 1")
        opts = DoctorOptions(images=args.images, sample=args.sample, shards=not args.no_shards,
                             imbalance_ratio=args.imbalance_ratio)
        settings = settings_of(args)

        async def work() -> dict[str, Any]:
            findings: list[Finding] = []
            last: ScanProgress | None = None
            async with AISClient(settings) as client:
                async for ev in scan(client, bck, prefix, opts):
                    if isinstance(ev, Finding):
                        findings.append(ev)
                        continue
                    last = ev
                    if not args.quiet:
                        print(f"[doctor] {ev.phase}: {ev.objects:,} objects, {ev.images_checked:,}/"
                              f"{ev.images_total:,} images, {ev.findings:,} findings", file=sys.stderr, flush=True)
            return report(args.uri, str(bck), prefix, args.images, findings, last)

        doc = asyncio.run(work())
    except (InvalidInput, ValueError) as e:
        print(f"aistui doctor: {e}", file=sys.stderr)
        return EXIT_USAGE
    except AISError as e:
        print(f"aistui doctor: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    sys.stdout.write(json.dumps(doc, indent=1) + "\n" if args.json else _text(doc))
    return EXIT_FOUND if doc["findings"] else EXIT_CLEAN
