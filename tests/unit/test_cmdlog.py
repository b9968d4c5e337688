"""The command log's builders spell the v1.5.0 ``ais`` CLI (names quoted for a shell, lists the
CLI cannot carry left to the SDK), and the log itself: bounded, newest first, timed, redacted."""

from __future__ import annotations

import asyncio
import shlex
from datetime import UTC, datetime

import pytest

from aistui.cmdlog import Cmd, CommandLog
from aistui.core import Bck, ConnectionSettings
from aistui.core.errors import AISError
from aistui.core.etl import spec_message
from aistui.session import Session
from aistui.spell import admin, data

B = Bck.parse("ais://imgs")
S3 = Bck.parse("s3://raw")


def test_bucket_commands():
    assert data.create_bucket(B).cli == "ais bucket create ais://imgs"
    assert data.create_bucket(B).sdk == "client.bucket('imgs').create()"
    assert data.destroy_bucket(B).cli == "ais bucket rm ais://imgs --yes"
    assert data.evict_bucket(S3, keep_md=True).cli == "ais bucket evict s3://raw --keep-md"
    assert data.evict_bucket(S3, keep_md=True).sdk == "client.bucket('raw', provider='aws').evict(keep_md=True)"
    assert data.prefetch_bucket(S3).cli == "ais prefetch s3://raw"
    c = data.copy_bucket(S3, B, prefix="train/", dry_run=True, sync=True, all_objects=True)
    assert c.cli == "ais bucket cp s3://raw ais://imgs --prefix train/ --dry-run --sync --all"
    assert c.action == "dry-run copy bucket" and c.on == "s3://raw → ais://imgs"
    p = data.set_bucket_props(B, {"versioning": {"enabled": True}, "mirror": {"enabled": True, "copies": 2}})
    assert p.cli == "ais bucket props set ais://imgs versioning.enabled=true mirror.enabled=true mirror.copies=2"
    remote = Bck.parse("ais://@remais/x")
    assert data.create_bucket(remote).cli == "ais bucket create ais://@remais/x"
    assert "namespace=Namespace(uuid='remais', name='')" in data.create_bucket(remote).sdk


def test_object_commands_quote_hostile_names():
    one = data.delete_objects(B, ["a b/$(rm -rf ~);'x"])
    assert shlex.split(one.cli) == ["ais", "object", "rm", "ais://imgs/a b/$(rm -rf ~);'x"]
    assert one.sdk == "client.bucket('imgs').object(\"a b/$(rm -rf ~);'x\").delete()"
    many = data.delete_objects(B, ["a.jpg", "b c.jpg"])
    assert shlex.split(many.cli) == ["ais", "object", "rm", "ais://imgs", "--list", "a.jpg,b c.jpg"]
    assert many.on == "ais://imgs: 2 objects"
    assert many.sdk == "client.bucket('imgs').objects(obj_names=['a.jpg', 'b c.jpg']).delete()"
    # a name the CLI would take for a template goes to --list; one --list cannot carry: SDK only
    assert shlex.split(data.delete_objects(B, ["shard-{1..2}"]).cli)[-2:] == ["--list", "shard-{1..2}"]
    assert data.delete_objects(B, ["a,b", "c"]).cli == ""
    assert data.evict_objects(S3, [" padded"]).cli == ""
    assert data.evict_objects(S3, ["x"]).cli == "ais bucket evict s3://raw --list x"
    assert data.prefetch_objects(S3, ["x", "y"]).cli == "ais prefetch s3://raw --list x,y"
    assert data.copy_objects(B, S3, ["x"]).cli == "ais bucket cp ais://imgs s3://raw --list x"


def test_transfers_jobs_and_etl():
    up = data.upload(B, [("/tmp/my file.txt", "docs/my file.txt")])
    assert shlex.split(up.cli) == ["ais", "put", "/tmp/my file.txt", "ais://imgs/docs/my file.txt"]
    multi = data.upload(B, [("/a", "a"), ("/b", "b")])
    assert multi.cli == "" and "get_writer().put_file(path)" in multi.sdk
    assert data.download(B, ["d/x.png"], "/tmp/out/").cli == "ais get ais://imgs/d/x.png /tmp/out/x.png"
    assert data.download(B, None, "/tmp/out", prefix="d/").cli == ""
    assert admin.abort_job("Xa1", "copy-bucket").cli == "ais job stop Xa1"
    assert admin.abort_job("Xa1").sdk == "client.job(job_id='Xa1').abort()"
    assert admin.etl_stop("md5").cli == "ais etl stop md5"
    assert admin.etl_start("md5").cli == "ais etl start md5"
    assert admin.etl_delete("md5").cli == "ais etl rm md5"
    assert admin.etl_delete("md5").sdk == "client.etl('md5').delete()"
    assert admin.transform_bucket("md5", B, S3, prefix="p/").cli == (
        "ais etl bucket md5 ais://imgs s3://raw --prefix p/")
    assert admin.transform_objects("md5", B, S3, ["a"]).cli == "ais etl bucket md5 ais://imgs s3://raw --list a"
    init = admin.etl_init(spec_message("md5", "img:1", ["python", "x.py"], env={"FORMAT": "jpeg"}))
    assert init.cli == ""
    assert init.sdk == ("client.etl('md5').init(image='img:1', command=['python', 'x.py'], comm_type='hpush://', "
                        "init_timeout='5m', obj_timeout='45s', **{'FORMAT': 'jpeg'})")


def test_log_is_bounded_newest_first_and_redacted():
    t = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    log = CommandLog(maxlen=2, clock=lambda: t)
    log.add_secret("s3cr3t")
    for i in range(3):
        log.add(Cmd(f"a{i}", "on s3cr3t"), "failed: bad token s3cr3t\nsecond line", started=t, duration_s=0.5)
    assert [e.action for e in log.newest_first()] == ["a2", "a1"]
    assert all("s3cr3t" not in repr(e) for e in log)
    assert log.newest_first()[0].result == "failed: bad token ***"


def test_session_records_results_failures_and_durations():
    ticks = iter([10.0, 10.25, 20.0, 21.5])
    s = Session(ConnectionSettings(endpoint="http://127.0.0.1:1", token="tok-123"))
    s.cmdlog.timer = lambda: next(ticks)

    async def ok() -> list[str]:
        return ["job1"]

    async def bad() -> None:
        raise AISError("no such bucket tok-123\nmore")

    async def run() -> None:
        assert await s.start("create", ok(), data.create_bucket(B)) == ["job1"]
        with pytest.raises(AISError):
            await s.start("destroy", bad(), data.destroy_bucket(B))

    asyncio.run(run())
    first, second = s.cmdlog.entries
    assert (first.result, first.duration_s, first.ok) == ("job job1", 0.25, True)
    assert (second.result, second.duration_s, second.ok) == ("failed: no such bucket ***", 1.5, False)
