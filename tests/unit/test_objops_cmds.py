"""The command log's spellings of rename, custom metadata and housekeeping (v1.5.0 ``ais`` CLI)."""

from __future__ import annotations

import shlex

from aistui.core import Bck
from aistui.spell import admin, data

B = Bck.parse("ais://b")


def test_rename_spellings():
    c = data.rename_bucket(B, Bck.parse("ais://new"))
    assert c.cli == "ais bucket mv ais://b ais://new" and c.sdk == "client.bucket('b').rename('new')"
    c = data.rename_object(B, "a b/c;rm -rf", "x y")
    assert shlex.split(c.cli) == ["ais", "object", "mv", "ais://b/a b/c;rm -rf", "x y"] and c.sdk == ""


def test_set_custom_spellings():
    c = data.set_custom(B, "o", {"k": "v", "k2": "v 2"})
    assert shlex.split(c.cli) == ["ais", "object", "set-custom", "ais://b/o", "k=v", "k2=v 2"]
    assert c.sdk.endswith(".object('o').get_writer().set_custom_props({'k': 'v', 'k2': 'v 2'})")
    c = data.set_custom(B, "o", {"k": "a=b"}, replace=True)  # '=' in a value: one JSON argument
    assert shlex.split(c.cli) == ["ais", "object", "set-custom", "ais://b/o", '{"k": "a=b"}', "--set-new-custom"]
    assert c.action == "delete custom metadata" and "replace_existing=True" in c.sdk
    assert shlex.split(data.set_custom(B, "o", {}, replace=True).cli)[4] == "{}"


def test_housekeeping_spellings():
    assert admin.start_lru([]).cli == "ais start lru"
    c = admin.start_lru([B, Bck.parse("ais://@remais/r")], force=True)
    assert c.cli == "ais start lru --buckets ais://b,ais://@remais/r --force"
    assert admin.start_cleanup(None).cli == "ais space-cleanup"
    assert admin.start_cleanup(None).sdk == "client.job(job_kind='cleanup-store').start()"
    c = admin.start_cleanup(B, rm_zero_size=True, keep_misplaced=True)
    assert c.cli == "ais space-cleanup ais://b --rm-zero-size --keep-misplaced" and c.sdk == ""
    assert admin.scrub(None).cli == "ais scrub"
    assert admin.scrub(B, "dir one/").cli == "ais scrub 'ais://b/dir one/'"
