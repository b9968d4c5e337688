"""The objects screen's entries for the rest of the object API (aistui/screens/objects/apiactions.py,
transfers.py) on the real cluster: ``b`` blob download of a remote object (the job tracked, on
the jobs screen, the object present afterwards; an ais:// bucket refused), ``p`` promote of a
target-local directory, ``A`` add a file to a shard (the inspector's member list shows it) and
``R`` get the matching members into a local directory, the upload dialog's multipart choice (the
part size reaches the cluster: the stored object has that many chunks), each spelled in the
command log as the v1.5.0 CLI does."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.errors import ObjectNotFound
from aistui.core.promote import PROMOTE_ROOT
from aistui.screens.objects import ObjectsScreen
from aistui.screens.objects.apiforms import Multipart, UploadDialog
from aistui.widgets.dialogs import ConfirmDialog, TransferDialog
from aistui.widgets.form import FormDialog
from aistui.widgets.objlist import ObjectList
from tests.util import promote_tree, shown, until

KiB, MiB = 1 << 10, 1 << 20


async def _cursor_on(pilot, app, name: str) -> None:
    olist = app.screen.query_one(ObjectList)
    await until(pilot, lambda: name in olist.keys())
    olist.move_cursor(row=olist.get_row_index(name))
    await until(pilot, lambda: olist.cursor_key == name)


async def _eventually(pilot, check, tries: int = 600) -> None:
    """Until the async ``check()`` is true (the cluster's side of a job), letting the app run."""
    for _ in range(tries):
        if await check():
            return
        await pilot.pause(0.1)
    raise AssertionError("the cluster never reached the expected state")


def _preview_text(app) -> str:
    return " ".join(str(w.content) for w in app.screen.query("#preview Static"))


def _entry(app, action: str):
    return next((e for e in app.session.cmdlog.newest_first() if e.action == action), None)


def _cli(app, action: str) -> str:
    return _entry(app, action).cli


async def test_b_blob_downloads_a_remote_object_as_a_tracked_job(ais, remais, client: AISClient,
                                                                 remote_bucket: Bck, bucket: Bck):
    data = os.urandom(3 * MiB)
    async with AISClient(remais.endpoint) as rc:  # in the remote cluster only: not present here
        await rc.objects.put(Bck(remote_bucket.name), "blob.bin", data)
    with pytest.raises(ObjectNotFound):
        await client.objects.head(remote_bucket, "blob.bin", cached_only=True)
    await client.objects.put(bucket, "local.bin", b"x")

    async def present() -> bool:
        try:
            await client.objects.head(remote_bucket, "blob.bin", cached_only=True)
            return True
        except ObjectNotFound:
            return False

    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=1)  # the job watch polls at this rate
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        app.show_objects(remote_bucket)
        await shown(pilot, app, ObjectsScreen)
        await _cursor_on(pilot, app, "blob.bin")
        # the inspector does not preview a remote object over its cap that the cluster does not
        # hold (that GET would read all of it in): it says so, and the object stays remote
        await until(pilot, lambda: "in the remote backend only" in _preview_text(app), tries=600)
        assert not await present()
        await pilot.press("b")
        await shown(pilot, app, ConfirmDialog)
        text = "\n".join(app.screen.lines)
        assert f"{remote_bucket}/blob.bin (3.0 MiB, {3 * MiB:,} B)" in text and "blob-download job" in text
        await pilot.press("ctrl+s")
        await shown(pilot, app, ObjectsScreen)
        await until(pilot, lambda: _entry(app, "blob download") is not None, tries=600)
        entry = _entry(app, "blob download")
        assert entry.cli == f"ais blob-download {remote_bucket}/blob.bin" and entry.result.startswith("job ")
        xid = entry.result.removeprefix("job ")
        assert app.session.started.follow == [xid]  # the next 3 opens the jobs screen filtered to it

        await _eventually(pilot, present)
        assert await client.objects.get(remote_bucket, "blob.bin") == data
        await until(pilot, lambda: any("finished" in n.message for n in app._notifications), tries=600)
        await pilot.press("3")  # the jobs screen, filtered to the job started here
        await until(pilot, lambda: type(app.screen).__name__ == "JobsScreen" and app.screen.is_mounted)
        await until(pilot, lambda: xid in app.screen.query_one("#jobs").keys, tries=600)
        # an ais:// bucket without a remote backend: refused, nothing started
        await pilot.press("escape")
        app.show_objects(bucket)
        await until(pilot, lambda: isinstance(app.screen, ObjectsScreen) and app.screen.bck == bucket
                    and app.screen.is_mounted)
        await _cursor_on(pilot, app, "local.bin")
        app._notifications.clear()
        await pilot.press("b")
        await until(pilot, lambda: any("has none" in n.message for n in app._notifications))
        assert isinstance(app.screen, ObjectsScreen)


async def test_p_promotes_a_target_local_directory(ais, client: AISClient, bucket: Bck):
    src = promote_tree("ui")
    try:
        (src / "a.txt").write_bytes(b"A")
        (src / "sub" / "b.txt").write_bytes(b"B")
        app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
        async with app.run_test(size=(160, 40), notifications=True) as pilot:
            app.show_objects(bucket, "in/")
            await shown(pilot, app, ObjectsScreen)
            await pilot.press("p")
            await shown(pilot, app, FormDialog)
            form = app.screen
            assert form.query_one("#field-prefix", Input).value == "in/"  # the directory shown
            form.query_one("#field-src", Input).value = "/etc/passwd"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: PROMOTE_ROOT in str(form.query_one("#form-error").content))
            form.query_one("#field-src", Input).value = str(src)
            form.query_one("#field-delete", Select).value = "yes"
            await pilot.press("ctrl+s")
            await shown(pilot, app, ConfirmDialog)
            text = "\n".join(app.screen.lines)
            assert f"Promote {src} (on every target, recursive)" in text and f"into {bucket}/in/" in text
            assert "DELETES the source files" in text
            await pilot.press("ctrl+s")
            await shown(pilot, app, ObjectsScreen)

            async def promoted() -> bool:
                return sorted(e.name for e in await client.objects.list_all(bucket)) == ["in/a.txt", "in/sub/b.txt"]

            await _eventually(pilot, promoted)
            assert _cli(app, "promote") == (f"ais object promote {src} {bucket}/in/ --recursive --delete-src "
                                            "--not-file-share")
        assert await client.objects.get(bucket, "in/sub/b.txt") == b"B"
    finally:
        import shutil

        shutil.rmtree(src, ignore_errors=True)


def _tar(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


async def test_A_adds_a_file_to_a_shard_and_R_gets_the_matching_members(ais, client: AISClient, bucket: Bck,
                                                                          tmp_path: Path):
    await client.objects.put(bucket, "s.tar", _tar({"00001.png": b"P1", "00001.cls": b"3"}))
    new = tmp_path / "label.cls"
    new.write_bytes(b"7")
    out = tmp_path / "out"
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, image_protocol="halfcell")
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        app.show_objects(bucket)
        await shown(pilot, app, ObjectsScreen)
        await _cursor_on(pilot, app, "s.tar")

        def members() -> set[str]:
            t = app.screen.query("#members")
            return {str(k.value) for k in t.first(DataTable).rows} if t else set()

        await until(pilot, lambda: members() == {"00001.png", "00001.cls"})
        await pilot.press("A")
        await shown(pilot, app, FormDialog)
        app.screen.query_one("#field-path", Input).value = str(new)
        app.screen.query_one("#field-archpath", Input).value = "00002.cls"
        await pilot.press("ctrl+s")
        await shown(pilot, app, ConfirmDialog)
        assert "as member 00002.cls" in "\n".join(app.screen.lines)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: members() == {"00001.png", "00001.cls", "00002.cls"}, tries=600)
        assert _cli(app, "add to shard") == f"ais archive put {new} {bucket}/s.tar --archpath 00002.cls --append"
        # R: the .cls members into a local directory
        await pilot.press("R")
        await shown(pilot, app, FormDialog)
        app.screen.query_one("#field-regex", Input).value = ".cls"
        app.screen.query_one("#field-mode", Select).value = "suffix"
        app.screen.query_one("#field-dest", Input).value = str(out)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any("wrote 2 members" in n.message for n in app._notifications), tries=600)
        assert _cli(app, "get matching") == (f"ais archive get {bucket}/s.tar {out} --archregx .cls "
                                             "--archmode suffix --extract")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {"00001.cls": b"3", "00002.cls": b"7"}
    assert await client.objects.get(bucket, "s.tar", archpath="00002.cls") == b"7"


async def test_A_and_R_refuse_off_a_shard(ais, client: AISClient, bucket: Bck):
    await client.objects.put(bucket, "plain.txt", b"x")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        app.show_objects(bucket)
        await shown(pilot, app, ObjectsScreen)
        await _cursor_on(pilot, app, "plain.txt")
        for key in ("A", "R"):
            app._notifications.clear()
            await pilot.press(key)
            await until(pilot, lambda: any("move the cursor onto a shard" in n.message for n in app._notifications))
            assert isinstance(app.screen, ObjectsScreen)


async def test_upload_sends_large_files_in_the_chosen_parts(ais, client: AISClient, bucket: Bck, tmp_path: Path):
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 * MiB + 5))
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(150, 40), notifications=True) as pilot:
        app.show_objects(bucket)
        await shown(pilot, app, ObjectsScreen)
        app.screen._mpu = Multipart(threshold=1 * MiB)  # a 3 MiB file goes multipart (the default is 64 MiB)
        await pilot.press("u")
        await shown(pilot, app, UploadDialog)
        dialog = app.screen
        assert dialog.query_one("#upload-part-size", Input).value == "16MiB"
        assert dialog.query_one("#upload-parts", Input).value == "4"
        dialog.query_one("#upload-parts", Input).value = "0"
        dialog.query_one("#prompt-input", Input).value = str(big)
        await pilot.press("enter")
        await until(pilot, lambda: "from 1 to 64" in str(dialog.query_one("#upload-error").content))
        dialog.query_one("#upload-parts", Input).value = "2"
        dialog.query_one("#upload-part-size", Input).value = "1MiB"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen.finished, tries=600)
        assert _cli(app, "upload") == f"ais put {big} {bucket}/big.bin --chunk-size 1MiB --num-workers 2"
    v2 = await client.objects.head_v2(bucket, "big.bin", props="name,size,chunked")
    assert v2.size == 3 * MiB + 5 and v2.chunks is not None and v2.chunks.count == 4
    assert await client.objects.get(bucket, "big.bin") == big.read_bytes()


async def test_blob_download_of_a_missing_object_says_so(ais, remote_bucket: Bck):
    """The listing shows what the remote had; an object gone since fails the job's start."""
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        screen = ObjectsScreen(remote_bucket)
        await app.push_screen(screen)
        await shown(pilot, app, ObjectsScreen)
        screen.ask_blob_download("gone.bin", 0)
        await shown(pilot, app, ConfirmDialog)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any(n.message.startswith("blob download gone.bin failed")
                                       for n in app._notifications), tries=600)
