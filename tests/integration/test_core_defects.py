"""Defects an outside test of the core found, each checked on the real local cluster:

* a PUT from a local path that does not exist or is a directory raised the raw ``OSError``
  instead of :class:`InvalidInput`, and must do so before anything is sent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aistui.core import AISClient, Bck
from aistui.core.datalane import DataLane
from aistui.core.errors import InvalidInput, ObjectNotFound


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, str]]:
    """Every ``(method, path)`` any AISClient sends, the data lane included."""
    calls: list[tuple[str, str]] = []
    orig_request, orig_stream = AISClient.request, AISClient.stream
    orig_put, orig_get = DataLane.put, DataLane.get

    async def request(self, method, path, **kw):
        calls.append((method, path))
        return await orig_request(self, method, path, **kw)

    def stream(self, method, path, **kw):
        calls.append((method, path))
        return orig_stream(self, method, path, **kw)

    async def put(self, path, *a, **kw):
        calls.append(("PUT", path))
        return await orig_put(self, path, *a, **kw)

    def get(self, path, *a, **kw):
        calls.append(("GET", path))
        return orig_get(self, path, *a, **kw)

    monkeypatch.setattr(AISClient, "request", request)
    monkeypatch.setattr(AISClient, "stream", stream)
    monkeypatch.setattr(DataLane, "put", put)
    monkeypatch.setattr(DataLane, "get", get)
    return calls


# ----------------------------------------------------------------------------- 1. bad local sources


@pytest.mark.parametrize("entry", ["put", "put_multipart"])
@pytest.mark.parametrize("kind, reason", [("missing", "no such file"), ("directory", "is a directory")])
async def test_a_missing_or_directory_source_is_invalid_input_before_anything_is_sent(
        client: AISClient, bucket: Bck, tmp_path: Path, sent, entry: str, kind: str, reason: str):
    src = tmp_path / "nothing-here.bin"
    if kind == "directory":
        src = tmp_path / "a-directory"
        (src / "inner").mkdir(parents=True)
    call = getattr(client.objects, entry)
    for given in (src, str(src)):
        with pytest.raises(InvalidInput) as ei:
            await call(bucket, "o", given)
        assert isinstance(ei.value, ValueError)
        assert str(src) in str(ei.value) and reason in str(ei.value)
    assert sent == [], "the cluster was asked before the path was checked"
    with pytest.raises(ObjectNotFound):
        await client.objects.head(bucket, "o")
