"""Error mapping (aistui.core.errors.error_from_response): what the user reads when AIS says no."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aistui.core.errors import (
    AISError,
    BadRequest,
    BucketNotFound,
    Conflict,
    ETLNotAvailable,
    Forbidden,
    HTTPError,
    Locked,
    NotFound,
    NotSupported,
    ObjectNotFound,
    OutOfSpace,
    RangeNotSatisfiable,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    Unauthorized,
    error_from_response,
)


def _ais_body(tcode: str, message: str, status: int) -> bytes:
    return json.dumps({"tcode": tcode, "message": message, "method": "GET", "url_path": "/v1/buckets/x",
                       "remote_addr": "127.0.0.1:50000", "caller": "", "node": "p[pB]", "status": status}).encode()


@pytest.mark.parametrize(
    "status, cls, default",
    [
        (400, BadRequest, "bad request"),
        (401, Unauthorized, "token is missing or invalid"),
        (403, Forbidden, "not permitted"),
        (404, NotFound, "not found"),
        (409, Conflict, "already exists or busy"),
        (416, RangeNotSatisfiable, "range not satisfiable"),
        (423, Locked, "locked"),
        (429, RateLimited, "rate-limited"),
        (501, NotSupported, "not supported"),
        (503, ServiceUnavailable, "not ready"),
        (507, OutOfSpace, "out of space"),
        (500, ServerError, "server error"),
        (502, ServerError, "server error"),
        (599, ServerError, "server error"),
        (418, HTTPError, "request failed"),
    ],
)
def test_status_mapping(status, cls, default):
    e = error_from_response(status, b"", method="GET", url="http://ais.test:8080/v1/x")
    assert type(e) is cls
    assert isinstance(e, AISError)
    assert e.status == status and e.method == "GET" and e.url == "http://ais.test:8080/v1/x"
    # an empty body still gives a readable default text, with the status
    assert default in str(e) and str(status) in str(e)


def test_ais_json_bucket_not_found():
    e = error_from_response(404, _ais_body("ErrBckNotFound", 'bucket "ais://x" does not exist', 404))
    assert type(e) is BucketNotFound
    assert e.message == 'bucket "ais://x" does not exist'
    assert e.tcode == "ErrBckNotFound" and e.node == "p[pB]"
    assert str(e) == 'bucket "ais://x" does not exist (404 ErrBckNotFound)'


def test_remote_bucket_not_found():
    e = error_from_response(404, _ais_body("ErrRemoteBckNotFound", "remote bucket missing", 404))
    assert isinstance(e, BucketNotFound)


def test_object_not_found():
    e = error_from_response(404, _ais_body("ErrObjNotFound", "ais://b/o does not exist", 404))
    assert type(e) is ObjectNotFound and isinstance(e, NotFound)


def test_bucket_not_found_by_message_without_tcode():
    e = error_from_response(404, b"bucket ais://b does not exist")
    assert type(e) is BucketNotFound
    assert "ais://b does not exist" in str(e)


def test_hdr_error_for_head():
    hdr = json.dumps({"tcode": "ErrObjNotFound", "message": "t[t1]: ais://b/o does not exist", "status": 404})
    e = error_from_response(404, b"", method="HEAD", hdr_error=hdr)
    assert type(e) is ObjectNotFound
    assert e.message == "t[t1]: ais://b/o does not exist"


def test_html_page_body():
    page = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    e = error_from_response(502, page)
    assert isinstance(e, ServerError)
    assert "non-AIS" in str(e) and "HTML" in str(e)
    assert "<html" not in str(e)  # the page itself is not dumped on the user
    e2 = error_from_response(404, b"  <html><body>Not Found</body></html>")
    assert "non-AIS" in e2.message


def test_plain_text_body_is_collapsed_and_capped():
    e = error_from_response(400, b"line one\n\n   line\ttwo  " + b"x" * 2000)
    assert e.message.startswith("line one line two ")
    assert len(e.message) <= 500


@pytest.mark.parametrize("body", [b'{"tcode":"ErrBckNotFound","message":"bucket', b"{", b'{"message": 5', b"[1,2]"])
def test_truncated_or_odd_json_does_not_crash(body):
    e = error_from_response(500, body)
    assert isinstance(e, ServerError)
    assert str(e)


def test_invalid_utf8_body():
    e = error_from_response(400, b"bad \xff\xfe bytes")
    assert isinstance(e, BadRequest) and "bad" in e.message


def test_etl_501_is_etl_not_available():
    e = error_from_response(501, _ais_body("", "etl: not supported in this build", 501), etl=True)
    assert type(e) is ETLNotAvailable and isinstance(e, NotSupported)
    assert str(e).startswith("ETL is not available on this cluster")
    assert "not supported in this build" in str(e)
    bare = error_from_response(501, b"", etl=True)
    assert str(bare) == "ETL is not available on this cluster: not supported"


def test_etl_flag_only_matters_for_etl_calls():
    assert type(error_from_response(501, b"")) is NotSupported
    assert type(error_from_response(404, b"", etl=True)) is NotFound


def test_etl_requires_kubernetes_message():
    e = error_from_response(400, b"ETL requires Kubernetes", etl=True)
    assert type(e) is ETLNotAvailable


@settings(max_examples=200, deadline=None, database=None)
@given(status=st.integers(400, 599), body=st.one_of(st.none(), st.binary(), st.text()),
       hdr=st.one_of(st.none(), st.text()), etl=st.booleans())
def test_fuzz_error_from_response_never_raises(status, body, hdr, etl):
    e = error_from_response(status, body, method="GET", url="http://x/", hdr_error=hdr, etl=etl)
    assert isinstance(e, HTTPError)
    assert e.status == status
    assert isinstance(str(e), str) and str(e)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=6,
)


@settings(max_examples=100, deadline=None, database=None)
@given(status=st.integers(400, 599),
       body=st.dictionaries(st.sampled_from(["tcode", "message", "node", "status", "x"]), json_values))
def test_fuzz_json_shaped_bodies(status, body):
    """Well-formed JSON with wrong field types (message a list, tcode a number) must not crash."""
    e = error_from_response(status, json.dumps(body).encode())
    assert isinstance(e, HTTPError) and e.status == status


def test_deeply_nested_error_body_does_not_raise():
    e = error_from_response(500, b'{"a":' + b"[" * 50_000)
    assert isinstance(e, ServerError)
