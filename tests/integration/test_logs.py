"""Node logs on the real cluster: the tail is the node's log file on disk, offsets advance,
severities read the right file, and every node's logs land in one archive."""

from __future__ import annotations

import asyncio
import io
import tarfile

import pytest

from aistui.core import Bck
from aistui.core.errors import InvalidInput, NotFound
from aistui.core.logs import LogRotated
from tests.util import unique


def _disk_log(node, suffix: str) -> bytes:
    """The node's current log of ``suffix`` (INFO or ERROR) as on disk (the symlink glog keeps)."""
    files = sorted((node.dir / "log").glob(f"*.{suffix}"))
    assert files, f"no *.{suffix} log under {node.dir / 'log'}"
    return files[0].read_bytes()


@pytest.fixture
async def fast_flush(client):
    """Nodes flush their logs every second (``log.flush_time``, transient), as the CLI's
    ``ais log show --log-flush`` does; restored afterwards."""
    before = (await client.cluster.config())["log"]["flush_time"]
    await client.cluster.set_config({"log.flush_time": "1s"}, transient=True)
    yield
    await client.cluster.set_config({"log.flush_time": str(before)}, transient=True)


async def test_tail_is_the_nodes_log_and_offsets_advance(ais, client, fast_flush):
    t = ais.targets[0]
    text, off = await client.logs.tail(t.daemon_id)
    disk = _disk_log(t, "INFO")
    assert text and off > 0
    # every line of the tail is in the file on disk, in order, from its beginning
    assert disk.startswith(text.encode()[: min(len(text), 4096)])
    assert text.endswith("\n")
    # something new is logged on the target: a bucket create
    b = Bck.parse(f"ais://{unique('log')}")
    await client.buckets.create(b)
    try:
        for _ in range(100):
            more, off2 = await client.logs.tail(t.daemon_id, offset=off)
            if more:
                break
            await asyncio.sleep(0.1)  # the node flushes its log every second
        assert off2 == off + len(more.encode())
        assert more and off2 > off
        again, off3 = await client.logs.tail(t.daemon_id, offset=off2)
        assert off3 >= off2 and again.encode() == _disk_log(t, "INFO")[off2:off3]
    finally:
        await client.buckets.destroy(b, missing_ok=True)


async def test_severity_reads_the_error_log(ais, client):
    p = ais.proxy
    err_text, off = await client.logs.tail(p.daemon_id, severity="error")
    warn_text, _ = await client.logs.tail(p.daemon_id, severity="warning")
    disk = _disk_log(p, "ERROR")
    assert err_text.encode() == disk[:off]
    assert warn_text.startswith(err_text)  # the same file (warnings and errors)
    info_text, _ = await client.logs.tail(p.daemon_id, severity="info")
    assert len(info_text) > len(err_text)


async def test_bad_inputs(ais, client):
    t = ais.targets[0]
    with pytest.raises(InvalidInput):
        await client.logs.tail(t.daemon_id, severity="debug")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        await client.logs.tail(t.daemon_id, offset=-1)
    with pytest.raises(LogRotated):
        await client.logs.tail(t.daemon_id, offset=1 << 40)
    with pytest.raises(NotFound):
        await client.logs.tail("no-such-node")


async def test_download_all_one_member_per_node(ais, client, tmp_path):
    seen: list[tuple[str, int, int]] = []
    out = await client.logs.download_all(tmp_path / "all.tar", on_progress=lambda *a: seen.append(a))
    assert out == tmp_path / "all.tar"
    assert [p.name for p in tmp_path.iterdir()] == ["all.tar"]  # no temporary file left
    with tarfile.open(out) as tar:
        names = tar.getnames()
        assert sorted(names) == sorted(f"{n.daemon_id}.tar.gz" for n in ais.nodes)
        inner = tar.extractfile(f"{ais.targets[0].daemon_id}.tar.gz")
        assert inner is not None
        with tarfile.open(fileobj=io.BytesIO(inner.read()), mode="r:gz") as node_tar:
            assert any("INFO" in m for m in node_tar.getnames())
    assert seen[-1] == ("", len(ais.nodes), len(ais.nodes))
    assert [s[1] for s in seen[:-1]] == list(range(len(ais.nodes)))


async def test_download_all_leaves_nothing_on_failure(ais, client, tmp_path):
    with pytest.raises(InvalidInput):
        await client.logs.download_all(tmp_path / "no" / "dir" / "all.tar")
    assert list(tmp_path.iterdir()) == []
