"""Name rules (aistui.core.names): what the console refuses before anything is sent, and how
object names are put into URLs."""

from __future__ import annotations

import re
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aistui.core.errors import InvalidInput
from aistui.core.names import (
    MAX_BUCKET_NAME,
    bucket_name_problem,
    object_name_problem,
    quote_object,
    validate_bucket_name,
    validate_object_name,
    validate_prefix,
)

# ----------------------------------------------------------------------------- bucket names


@pytest.mark.parametrize("name", ["b", "imgs", "my-bucket_1.v2", "A" * MAX_BUCKET_NAME, "a.b.c", "0"])
def test_valid_bucket_names_pass(name):
    assert bucket_name_problem(name) is None
    assert validate_bucket_name(name) == name


@pytest.mark.parametrize(
    "name, rule",
    [
        ("", "cannot be empty"),
        ("a" * (MAX_BUCKET_NAME + 1), "at most 64"),
        (".hidden", "cannot start with '.'"),
        ("a..b", "cannot contain '..'"),
        ("has space", "may use only letters"),
        ("sl/ash", "may use only letters"),
        ("q?", "may use only letters"),
        ("ünïcode", "may use only letters"),
        ("tab\there", "may use only letters"),
    ],
)
def test_invalid_bucket_name_error_names_the_rule(name, rule):
    assert rule in (bucket_name_problem(name) or "")
    with pytest.raises(InvalidInput) as ei:
        validate_bucket_name(name)
    assert rule in str(ei.value)
    assert repr(name) in str(ei.value)  # the message quotes the offending name


def test_bucket_name_length_counts_bytes_not_characters():
    # 32 two-byte characters are 64 characters of text but 64 bytes; 33 are 66 bytes.
    name = "é" * 33
    assert len(name) < MAX_BUCKET_NAME
    assert "at most 64" in bucket_name_problem(name)


def test_bad_bucket_chars_are_listed():
    msg = bucket_name_problem("a b$c")
    assert "' '" in msg and "'$'" in msg


def test_invalid_input_is_also_value_error():
    with pytest.raises(ValueError):
        validate_bucket_name("")


# ----------------------------------------------------------------------------- object names


@pytest.mark.parametrize(
    "name",
    ["a", "dir/file.jpg", "a b c", "100%", "q?x#y", "ünïcode/ファイル", "a/.hidden", "a/..b", "...", "~x", "a~/b"],
)
def test_valid_object_names_pass(name):
    assert object_name_problem(name) is None
    assert validate_object_name(name) == name


@pytest.mark.parametrize(
    "name, rule",
    [
        ("", "cannot be empty"),
        ("dir/", "cannot end with '/'"),
        (".", "'.' path component"),
        ("..", "'..' path component"),
        ("a/./b", "'.' path component"),
        ("a/../b", "'..' path component"),
        ("a/..", "'..' path component"),
        ("~/x", "cannot start with '~/'"),
        ("/abs", "cannot start with '/'"),
        ("a//b", "cannot contain '//'"),
        ("a\nb", "control characters"),
        ("a\x00b", "control characters"),
        ("a\x1fb", "control characters"),
        ("a\x7fb", "control characters"),
        ("\tx", "control characters"),
    ],
)
def test_invalid_object_name_error_names_the_rule(name, rule):
    assert rule in (object_name_problem(name) or "")
    with pytest.raises(InvalidInput) as ei:
        validate_object_name(name)
    assert rule in str(ei.value)


@pytest.mark.parametrize("prefix", ["", "dir/", "dir/sub", "a", "/", "x//"])
def test_valid_prefixes(prefix):
    assert validate_prefix(prefix) == prefix


@pytest.mark.parametrize(
    "prefix, rule",
    [("~/x", "'~/'"), ("../x", "'..'"), ("a/../", "'..'"), ("./a", "'.'"), ("a/./b/", "'.'")],
)
def test_invalid_prefixes(prefix, rule):
    with pytest.raises(InvalidInput) as ei:
        validate_prefix(prefix)
    assert "invalid prefix" in str(ei.value) and rule in str(ei.value)


# ----------------------------------------------------------------------------- quote_object

_QUOTED = re.compile(r"(?:[A-Za-z0-9\-._~/]|%[0-9A-F]{2})*")


@pytest.mark.parametrize(
    "name, quoted",
    [
        ("a b", "a%20b"),
        ("q?x", "q%3Fx"),
        ("h#t", "h%23t"),
        ("100%", "100%25"),
        ("a+b&c=d", "a%2Bb%26c%3Dd"),
        ("dir/sub/f.jpg", "dir/sub/f.jpg"),
        ("é", "%C3%A9"),
        ("%41", "%2541"),  # an existing escape is not taken as one
    ],
)
def test_quote_object_examples(name, quoted):
    assert quote_object(name) == quoted


@settings(max_examples=200, deadline=None, database=None)
@given(st.text())
def test_quote_object_round_trips_and_is_url_safe(name):
    q = quote_object(name)
    assert unquote(q) == name
    # only unreserved characters, '/' and well-formed %XX escapes: no raw '?', '#', ' ', '%'
    assert _QUOTED.fullmatch(q), q
    for ch in "?# ":
        assert ch not in q


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(min_size=1).filter(lambda n: object_name_problem(n) is None))
def test_quoted_name_survives_url_building(name):
    """httpx must not re-normalise the quoted path (e.g. decode or collapse parts), or the server
    would store the object under another name."""
    url = httpx.URL("http://ais.test:8080/v1/objects/b/" + quote_object(name))
    raw = url.raw_path.decode("ascii")
    assert raw.startswith("/v1/objects/b/")
    assert unquote(raw[len("/v1/objects/b/"):]) == name
