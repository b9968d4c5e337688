"""The thumbnail gallery on the real local cluster: ``i`` on the objects screen opens a grid of a
directory's images (one get-batch per screenful), names under each, placeholders for a non-image
and a broken PNG; the selection feeds delete (after a confirm); a shard's members by archpath;
the images below a directory of class folders, labelled by their path; paging at 80x24 (one
get-batch per page, thumbnails kept when paging back);
``enter`` opens the full preview; ``:gallery``. Snapshots at 80x24 and 160x48 on deterministic
images served through httpx.MockTransport (a real cluster's answer is the same TAR, but its
ids and timings differ every run)."""

from __future__ import annotations

import io
import json
import tarfile

import httpx
import pytest
from PIL import Image

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.core.errors import InvalidInput
from aistui.jump import parse_jump
from aistui.screens.gallery import GalleryScreen
from aistui.screens.gallery.preview import FullPreview
from aistui.screens.objects import ObjectsScreen
from aistui.widgets.dialogs import ConfirmDialog
from aistui.widgets.objlist import ObjectList
from aistui.widgets.preview import Preview
from aistui.widgets.thumbs import ThumbGrid, grid_shape, make_thumb
from tests.ui import recorded_cluster
from tests.ui.recorded_cluster import ENDPOINT
from tests.util import shown, until

SIZES = [(80, 24), (160, 48)]


def png(i: int, size: tuple[int, int] = (64, 48)) -> bytes:
    """A deterministic image: a colour gradient whose hue depends on ``i``."""
    w, h = size
    img = Image.new("RGB", size)
    img.putdata([((x * 255 // w + 40 * i) % 256, (y * 255 // h) % 256, (90 * i) % 256)
                 for y in range(h) for x in range(w)])
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def test_gallery_command_and_geometry():
    j = parse_jump(":gallery ais://imgs/train")
    assert (j.kind, str(j.bck), j.prefix) == ("gallery", "ais://imgs", "train/")
    with pytest.raises(InvalidInput):
        parse_jump("gallery")
    # half-blocks: fewer, larger cells than sixel at the same size
    assert grid_shape("halfcell", 80, 21) == (4, 2)
    assert grid_shape("halfcell", 80, 21)[0] * grid_shape("halfcell", 80, 21)[1] < \
        grid_shape("sixel", 80, 21)[0] * grid_shape("sixel", 80, 21)[1]
    t = make_thumb(png(1, (400, 300)), (19, 16))
    assert t.size == (19, 14) and t.mode == "RGB"
    with pytest.raises(ValueError):
        make_thumb(b"not an image", (19, 16))


def _labels(screen: GalleryScreen) -> list[str]:
    return [c.tile.label for c in screen.query_one(ThumbGrid).cells]


def _notes(screen: GalleryScreen) -> dict[str, str]:
    return {c.tile.label: ("image" if c.tile.image is not None else c.tile.note)
            for c in screen.query_one(ThumbGrid).cells}


async def test_gallery_grid_select_delete_and_preview(ais, client: AISClient, bucket: Bck):
    for i in range(5):
        await client.objects.put(bucket, f"imgs/cat{i}.png", png(i))
    await client.objects.put(bucket, "imgs/notes.txt", b"hello")
    await client.objects.put(bucket, "imgs/broken.png", png(9)[:60])  # a truncated PNG
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, image_protocol="halfcell")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.show_objects(bucket)
        await shown(pilot, app, ObjectsScreen)
        olist = app.screen.query_one(ObjectList)
        await until(pilot, lambda: olist.keys() == ["imgs/"])
        await pilot.press("i")  # on the directory imgs/
        await shown(pilot, app, GalleryScreen)
        screen = app.screen
        assert isinstance(screen, GalleryScreen)
        await until(pilot, lambda: screen.fetched_pages >= 1 and len(_labels(screen)) == 7)
        await until(pilot, lambda: sum(v == "image" for v in _notes(screen).values()) == 5)
        assert _labels(screen) == ["broken.png", "cat0.png", "cat1.png", "cat2.png", "cat3.png", "cat4.png",
                                   "notes.txt"]
        notes = _notes(screen)
        assert notes["notes.txt"].startswith("not an image")
        assert notes["broken.png"].startswith("not an image")
        assert screen.last_fetch[0] == 6  # one get-batch for the six .png (not the .txt)
        hint = str(screen.query_one("#gallery-hint").content)
        assert "1 of 7" in hint and "get-batch: 6" in hint
        # select cat0 and cat1 (space moves on), then delete them
        await pilot.press("right", "space", "space")
        assert screen.selected == {"imgs/cat0.png", "imgs/cat1.png"}
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "Delete 2 objects" in app.screen.lines[0]
        await pilot.click("#confirm")
        await shown(pilot, app, GalleryScreen)
        await until(pilot, lambda: _labels(screen) == ["broken.png", "cat2.png", "cat3.png", "cat4.png",
                                                       "notes.txt"])
        names = {e.name for e in await client.objects.list_all(bucket)}
        assert "imgs/cat0.png" not in names and "imgs/cat2.png" in names
        assert any("ais object rm" in e.cli for e in app.session.cmdlog)
        # enter: the full preview of the image under the cursor (cat2.png)
        await pilot.press("right", "enter")
        await shown(pilot, app, FullPreview)
        await until(pilot, lambda: app.screen.query_one(Preview).kind == "image")
        await pilot.press("escape")
        await shown(pilot, app, GalleryScreen)
        await pilot.press("escape")
        await shown(pilot, app, ObjectsScreen)
        app.jump(f"gallery {bucket}/imgs/")  # :gallery
        await shown(pilot, app, GalleryScreen)
        await until(pilot, lambda: len(_labels(app.screen)) == 5)


async def test_gallery_of_a_shard_and_of_class_folders(ais, client: AISClient, bucket: Bck):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in [("0001.jpg", png(1)), ("0001.cls", b"3"), ("0002.jpg", png(2))]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    await client.objects.put(bucket, "shards/s-0.tar", buf.getvalue())
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, image_protocol="halfcell")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.show_objects(bucket, prefix="shards/")
        await shown(pilot, app, ObjectsScreen)
        olist = app.screen.query_one(ObjectList)
        await until(pilot, lambda: olist.keys() == ["shards/s-0.tar"])
        await pilot.press("i")
        await shown(pilot, app, GalleryScreen)
        screen = app.screen
        await until(pilot, lambda: sum(v == "image" for v in _notes(screen).values()) == 2)
        assert sorted(_labels(screen)) == ["0001.cls", "0001.jpg", "0002.jpg"]
        assert _notes(screen)["0001.cls"].startswith("not an image")
        await pilot.press("x")  # delete applies to objects, not a shard's members
        await until(pilot, lambda: any("members of the shard" in n.message for n in app._notifications))
        assert isinstance(app.screen, GalleryScreen)
        # a directory of class folders: the images below it, labelled by their path (the class)
        await client.objects.put(bucket, "classes/cat/1.png", png(1))
        await client.objects.put(bucket, "classes/dog/2.png", png(2))
        app.jump(f"gallery {bucket}/classes/")
        await until(pilot, lambda: app.screen is not screen and isinstance(app.screen, GalleryScreen)
                    and app.screen.is_mounted)
        classes = app.screen
        await until(pilot, lambda: sum(v == "image" for v in _notes(classes).values()) == 2)
        assert _labels(classes) == ["cat/1.png", "dog/2.png"]


async def test_gallery_pages_at_80x24_one_get_batch_each(ais, client: AISClient, bucket: Bck):
    for i in range(10):
        await client.objects.put(bucket, f"p/{i:02}.png", png(i))
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60, image_protocol="halfcell")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.health == "ok")
        app.show_gallery(bucket, "p/")
        await shown(pilot, app, GalleryScreen)
        screen = app.screen
        assert isinstance(screen, GalleryScreen)
        await until(pilot, lambda: screen.fetched_pages == 1 and screen.listed)
        assert (screen.columns, screen.rows) == (4, 2)  # half-blocks at 80x24: 8 large cells
        assert _labels(screen) == [f"{i:02}.png" for i in range(8)] and screen.last_fetch[0] == 8
        await pilot.press("l", "j")  # right, then down a row: the 6th
        assert screen.cursor == 5
        await pilot.press("j")  # past the last row: the next page
        await until(pilot, lambda: screen.fetched_pages == 2)
        assert screen.cursor == 9 and _labels(screen) == ["08.png", "09.png"] and screen.last_fetch[0] == 2
        await until(pilot, lambda: all(v == "image" for v in _notes(screen).values()))
        await pilot.press("pageup")  # back: the thumbnails kept, no new get-batch
        await until(pilot, lambda: screen.page == 0)
        await until(pilot, lambda: all(v == "image" for v in _notes(screen).values()))
        assert screen.fetched_pages == 2


# ---------------------------------------------------------------- snapshots (recorded answers)

SNAP_NAMES = [f"train/{i:03}.png" for i in range(10)] + ["train/labels.csv"]


def _tar_of(names: list[str], bucket: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for n in names:
            data = png(int(n[6:9]))
            info = tarfile.TarInfo(f"{bucket}/{n}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _handler(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content) if request.content else {}
    if request.url.path.startswith("/v1/ml/moss"):
        names = [e["objname"] for e in body["in"]]
        return httpx.Response(200, headers={"Content-Type": "application/x-tar"}, content=_tar_of(names, "datasets"))
    if body.get("action") == "list" and body["value"].get("prefix") == "train/":
        entries = [{"name": n, "size": 2000 + i, "flags": 0} for i, n in enumerate(SNAP_NAMES)]
        return httpx.Response(200, json={"uuid": "u", "continuation_token": "", "entries": entries, "flags": 0})
    return recorded_cluster.handler(request)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_gallery_snapshot(snap_compare, size):
    client = AISClient(ConnectionSettings(endpoint=ENDPOINT), transport=httpx.MockTransport(_handler), retries=0)
    app = AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell", client=client)

    async def ready(pilot):
        await until(pilot, lambda: app.health == "ok")
        app.show_gallery(Bck.parse("ais://datasets"), "train/")
        await shown(pilot, app, GalleryScreen)
        screen = app.screen
        await until(pilot, lambda: screen.fetched_pages >= 1 and all(
            c.tile.note != "loading" for c in screen.query_one(ThumbGrid).cells))
        screen.last_fetch = (screen.last_fetch[0], 0.0)  # the time taken is not part of the picture
        await pilot.press("right", "space")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=ready)


def _no_batch_handler(request: httpx.Request) -> httpx.Response:
    """A cluster without get-batch (501): what a v1.5.0 local cluster cannot produce."""
    if request.url.path.startswith("/v1/ml/moss"):
        return httpx.Response(501, json={"message": "get-batch: not implemented", "status": 501})
    if request.method == "GET" and request.url.path.startswith("/v1/objects/datasets/train/"):
        name = request.url.path.rsplit("/", 1)[1]
        if name.endswith(".png"):
            return httpx.Response(200, content=png(int(name[:3])))
    return _handler(request)


async def test_gallery_falls_back_to_single_gets_without_get_batch():
    client = AISClient(ConnectionSettings(endpoint=ENDPOINT), transport=httpx.MockTransport(_no_batch_handler),
                       retries=0)
    app = AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, image_protocol="halfcell", client=client)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await until(pilot, lambda: app.health == "ok")
        app.show_gallery(Bck.parse("ais://datasets"), "train/")
        await shown(pilot, app, GalleryScreen)
        screen = app.screen
        assert isinstance(screen, GalleryScreen)
        await until(pilot, lambda: screen.fetched_pages >= 1)
        await until(pilot, lambda: sum(v == "image" for v in _notes(screen).values()) == 10)
        assert screen.batch_off and _notes(screen)["labels.csv"].startswith("not an image")
        assert "GETs (this cluster does not serve get-batch): 10" in str(screen.query_one("#gallery-hint").content)

