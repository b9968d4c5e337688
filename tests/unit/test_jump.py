"""The ``:`` command line parser and the sparkline formatter."""

from __future__ import annotations

import pytest

from aistui import format as fmt
from aistui.core.errors import InvalidInput
from aistui.jump import Jump, parse_jump, split_prefix


@pytest.mark.parametrize("text, kind, target", [
    (":jobs", "mode", "jobs"), ("buckets", "mode", "buckets"), (":cluster", "mode", "cluster"),
    (":etl", "mode", "etl"), (":b", "mode", "buckets"), (":q", "quit", ""),
    (":ctx prod", "ctx", "prod"), (":ctx", "ctx", ""),
])
def test_screens_contexts_and_quit(text, kind, target):
    j = parse_jump(text)
    assert (j.kind, j.target) == (kind, target)


@pytest.mark.parametrize("text, bck, prefix", [
    (":b ais://imgs/train/", "ais://imgs", "train/"),
    (":b imgs", "ais://imgs", ""),
    ("ais://imgs/train/cat-0", "ais://imgs", "train/cat-0"),
    (":bucket ais://@remais/data/x/", "ais://@remais/data", "x/"),
    (":b s3://cloud", "s3://cloud", ""),
])
def test_bucket_jumps(text, bck, prefix):
    j = parse_jump(text)
    assert j.kind == "bucket" and str(j.bck) == bck and j.prefix == prefix


@pytest.mark.parametrize("text, why", [
    ("", "commands:"), (":frobnicate", "unknown command"), (":b ais://bad!name", "bucket name"),
    (":b ftp://x", "unknown provider"),
])
def test_mistakes_say_what_is_wrong(text, why):
    with pytest.raises(InvalidInput, match=why):
        parse_jump(text)


def test_split_prefix():
    assert split_prefix("train/ca") == ("train/", "ca")
    assert split_prefix("train/") == ("train/", "")
    assert split_prefix("ca") == ("", "ca")
    assert Jump("quit").bck is None


def test_sparkline_scales_to_the_maximum_and_keeps_the_last_values():
    assert fmt.sparkline([0, 1, 2, 4]) == "▁▃▅█"
    assert fmt.sparkline([0, 0, 0]) == "▁▁▁"
    assert fmt.sparkline(range(100), width=10) == fmt.sparkline(range(90, 100), width=10)
    assert len(fmt.sparkline(range(100), width=10)) == 10
