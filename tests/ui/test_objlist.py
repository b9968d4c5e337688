"""The windowed object list on its own (no cluster needed): a million rows in bounded memory,
keyboard and mouse movement, filter, sort and the near-end signal that loads the next page."""

from __future__ import annotations

import gc

import psutil
from textual.app import App, ComposeResult

from aistui.widgets.objlist import DIR, ObjectList, printable
from tests.util import until


class ListApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.near_end = 0

    def compose(self) -> ComposeResult:
        yield ObjectList(near_end=50, id="objects")

    def on_object_list_near_end(self, _: ObjectList.NearEnd) -> None:
        self.near_end += 1


def _rows(n: int, start: int = 0):
    return ((f"train/class-{i % 10}/img-{i:07d}.jpg", 100_000 + i % 1000) for i in range(start, start + n))


async def test_a_million_rows_stay_small_and_the_last_one_renders():
    app = ListApp()
    async with app.run_test(size=(100, 30)) as pilot:
        olist = app.query_one(ObjectList)
        gc.collect()
        before = psutil.Process().memory_info().rss
        for page in range(1000):
            olist.append(_rows(1000, page * 1000))
        gc.collect()
        grown_mib = (psutil.Process().memory_info().rss - before) / 2**20
        assert olist.row_count == 1_000_000
        # about 100 B a row; a DataTable needs several KiB a row
        assert grown_mib < 200, f"{grown_mib:.0f} MiB for 1M rows"
        await pilot.press("G")
        await until(pilot, lambda: olist.cursor_key == "train/class-9/img-0999999.jpg"
                    and "img-0999999.jpg" in olist.render_line(olist.scrollable_content_region.height - 1).text)


async def test_keys_mouse_filter_sort_and_near_end():
    app = ListApp()
    async with app.run_test(size=(80, 20)) as pilot:
        olist = app.query_one(ObjectList)
        olist.focus()
        olist.strip = len("train/")
        olist.append([("train/b/", DIR), ("train/a.png", 300), ("train/c.txt", 10), ("train/big.bin", 10**9)])
        olist.append(_rows(200, 0))
        assert olist.cursor_key == "train/b/"
        await pilot.press("j", "j")
        assert olist.cursor_key == "train/c.txt"
        await pilot.press("k")
        assert olist.cursor_key == "train/a.png"
        await pilot.click(ObjectList, offset=(5, 2))
        assert olist.cursor_key == "train/c.txt"
        # the shown name is relative to the directory; sizes are human units
        line = olist.render_line(2).text
        assert line.lstrip().startswith("c.txt") and line.rstrip().endswith("10 B")
        olist.set_filter("B")  # case-insensitive, on the shown name
        assert olist.keys()[:2] == ["train/b/", "train/big.bin"]
        assert olist.cursor_key == "train/b/"  # the cursor's row was filtered out
        olist.set_filter("")
        olist.sort_by("size", reverse=True)
        assert olist.keys()[:2] == ["train/b/", "train/big.bin"]  # directories stay on top
        olist.sort_by("name")
        assert olist.keys()[:3] == ["train/b/", "train/a.png", "train/big.bin"]  # directories first
        olist.sort_by(None)
        assert olist.keys()[:2] == ["train/b/", "train/a.png"]  # listing order again
        seen = app.near_end
        await pilot.press("G")
        await until(pilot, lambda: app.near_end > seen)  # the screen loads the next page from this


def test_hostile_names_cannot_reach_the_terminal():
    assert printable("a\x1b[31mred\x07\n.txt") == "a\\x1b[31mred\\x07\\x0a.txt"
