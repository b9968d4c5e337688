"""The command log's spelling of the objects screen's object-API actions (aistui/spell/objapi.py):
v1.5.0 ``ais`` flags (``ais blob-download``, ``ais object promote``, ``ais archive put --append``,
``ais archive get --archregx --archmode --extract``, ``ais put --chunk-size --num-workers``), names
quoted for the shell, SDK calls with Python literals."""

from __future__ import annotations

import shlex

from aistui.core import Bck
from aistui.spell.objapi import append_to_shard, blob_download, get_matching, iec, promote, upload_chunked

B = Bck.parse("ais://@remais/b")
MiB = 1 << 20


def test_blob_download_flags_and_sdk():
    c = blob_download(B, "dir/a b.bin", chunk_size=4 * MiB, num_workers=3, latest=True)
    assert shlex.split(c.cli) == ["ais", "blob-download", "ais://@remais/b/dir/a b.bin", "--chunk-size", "4MiB",
                                  "--num-workers", "3", "--latest"]
    assert c.sdk.endswith(".object('dir/a b.bin').blob_download(chunk_size=4194304, num_workers=3, latest=True)")
    assert blob_download(B, "x").cli == "ais blob-download ais://@remais/b/x"


def test_promote_flags_in_cli_order():
    c = promote(Bck.parse("ais://d"), "/var/lib/ais/promote/it's", "in/", target_id="t1", recursive=True,
                overwrite=True, delete_src=True)
    assert shlex.split(c.cli) == ["ais", "object", "promote", "/var/lib/ais/promote/it's", "ais://d/in/", "--recursive",
                                  "--overwrite-dst", "--delete-src", "--target-id", "t1", "--not-file-share"]
    assert "delete_source=True" in c.sdk and "target_id='t1'" in c.sdk


def test_shard_member_commands_quote_hostile_names():
    a = append_to_shard(Bck.parse("ais://d"), "s.tar", "/tmp/x;rm -rf", "a'b.cls")
    assert shlex.split(a.cli) == ["ais", "archive", "put", "/tmp/x;rm -rf", "ais://d/s.tar", "--archpath", "a'b.cls",
                                  "--append"]
    g = get_matching(Bck.parse("ais://d"), "s.tar", r"\.cls$", "regexp", "/tmp/o u t")
    assert shlex.split(g.cli) == ["ais", "archive", "get", "ais://d/s.tar", "/tmp/o u t", "--archregx", r"\.cls$",
                                  "--archmode", "regexp", "--extract"]
    assert "ArchiveMode.REGEXP" in g.sdk


def test_upload_chunked_adds_flags_only_for_one_large_file():
    one = upload_chunked(Bck.parse("ais://d"), [("/f", "f")], [70 * MiB], threshold=64 * MiB, part_size=8 * MiB,
                         parts_in_flight=2)
    assert one.cli == "ais put /f ais://d/f --chunk-size 8MiB --num-workers 2"
    small = upload_chunked(Bck.parse("ais://d"), [("/f", "f")], [1], threshold=64 * MiB, part_size=8 * MiB,
                           parts_in_flight=2)
    assert small.cli == "ais put /f ais://d/f"
    many = upload_chunked(Bck.parse("ais://d"), [("/f", "f"), ("/g", "g")], [70 * MiB, 1], threshold=64 * MiB,
                          part_size=8 * MiB, parts_in_flight=2)
    assert many.cli == ""  # several files: no single command (the SDK loop is given)


def test_iec():
    assert [iec(n) for n in (16 * MiB, 1024, 1 << 30, 1000, 1536)] == ["16MiB", "1KiB", "1GiB", "1000", "1536"]
