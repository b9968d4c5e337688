"""The cluster screen's line-API table: keys move the cursor, a refresh keeps the cursor on its
node, hostile text is shown escaped, and a table wider than the terminal scrolls sideways.
(The cluster screen's tests drive it against the real cluster; these pin the widget alone.)"""

from __future__ import annotations

from textual.app import App, ComposeResult

from aistui.widgets.linetable import LineTable
from tests.util import until

COLUMNS = [("role", "role", 8), ("id", "id", None), ("url", "url", 24), ("state", "state", 20),
           ("free", "free", 10)]


class TableApp(App):
    def compose(self) -> ComposeResult:
        yield LineTable(COLUMNS, zebra=True, id="t")


def _rows(*ids: str):
    return [(i, ("target", i, f"http://10.0.0.{n}:8081", "ok", "1 GiB")) for n, i in enumerate(ids)]


def _screen_text(app: App) -> str:
    t = app.query_one(LineTable)
    return "\n".join(t.render_line(y).text for y in range(t.size.height))


async def test_keys_move_the_cursor_and_a_refresh_keeps_it_on_its_row():
    app = TableApp()
    async with app.run_test(size=(100, 12)) as pilot:
        t = app.query_one(LineTable)
        t.set_rows(_rows("a", "b", "c"))
        t.focus()
        await pilot.press("j")
        assert t.cursor_key == "b"
        await pilot.press("G")
        assert t.cursor_key == "c"
        await pilot.press("g", "j")
        assert t.cursor_key == "b"
        t.set_rows(_rows("c", "x", "b"))  # the next refresh: b moved, a is gone
        assert t.cursor_key == "b" and t.cursor_row == 2
        t.set_rows(_rows("c"))  # b is gone too: the cursor stays in range
        assert t.cursor_key == "c"
        assert t.get_cell("c", "url") == "http://10.0.0.0:8081"


async def test_hostile_cells_are_shown_escaped():
    app = TableApp()
    async with app.run_test(size=(100, 12)) as pilot:
        t = app.query_one(LineTable)
        t.set_rows([("evil", ("target", "evil\x1b[31m", "[b]x[/b]", "ok\x07", ""))])
        await until(pilot, lambda: all(s in _screen_text(app) for s in ("evil\\x1b[31m", "[b]x[/b]", "ok\\x07")))
        text = _screen_text(app)
        assert "\x1b" not in text and "\x07" not in text


async def test_a_table_wider_than_the_terminal_scrolls_sideways():
    app = TableApp()
    async with app.run_test(size=(50, 12)) as pilot:
        t = app.query_one(LineTable)
        t.set_rows(_rows("a"))
        t.focus()
        # the header row has rendered (its first columns show) before its last column can be missed
        await until(pilot, lambda: "role" in _screen_text(app).splitlines()[0])
        assert "free" not in _screen_text(app).splitlines()[0]
        await pilot.press("end")  # the cursor's last row; sideways next
        for _ in range(40):
            await pilot.press("right")
        assert "free" in _screen_text(app).splitlines()[0]
        assert "1 GiB" in _screen_text(app)



PRIO_COLUMNS = [("role", "role", 8), ("id", "id", 6), ("url", "url", 24, 3), ("state", "state", 10),
                ("rss", "rss", 8, 2), ("free", "free", 20, 1)]  # one line: 1+76+5*2 = 87 cells


class PrioApp(App):
    def compose(self) -> ComposeResult:
        yield LineTable(PRIO_COLUMNS, id="t")


async def test_narrow_views_drop_the_least_important_columns_first_and_a_resize_brings_them_back():
    app = PrioApp()
    async with app.run_test(size=(100, 12)) as pilot:
        t = app.query_one(LineTable)
        t.set_rows([("a", ("target", "t1", "http://10.0.0.1:8081", "ok", "12 MiB", "1234567890123456789"))])
        await until(pilot, lambda: "http://10.0.0.1:8081" in _screen_text(app))
        assert t.shown_columns == ["role", "id", "url", "state", "rss", "free"]
        await pilot.resize_terminal(70, 12)  # the url (priority 3) goes first: 61 cells
        await until(pilot, lambda: t.shown_columns == ["role", "id", "state", "rss", "free"])
        text = _screen_text(app)
        assert "url" not in text.splitlines()[0] and "10.0.0.1" not in text and "1234567890123456789" in text
        assert t.virtual_size.width == t.scrollable_content_region.width  # nothing to scroll sideways
        await pilot.resize_terminal(55, 12)  # then rss (2): 51 cells
        await until(pilot, lambda: t.shown_columns == ["role", "id", "state", "free"])
        await pilot.resize_terminal(45, 12)  # free, the last, is cut to the 14 cells left rather than dropped
        await until(pilot, lambda: "1234567890123…" in _screen_text(app))
        assert t.shown_columns == ["role", "id", "state", "free"]
        assert t.virtual_size.width == t.scrollable_content_region.width
        await pilot.resize_terminal(40, 12)  # 9 cells left is less than MIN_CUT: dropped
        await until(pilot, lambda: t.shown_columns == ["role", "id", "state"])
        assert "free" not in _screen_text(app).splitlines()[0]
        await pilot.resize_terminal(100, 12)
        await until(pilot, lambda: t.shown_columns == ["role", "id", "url", "state", "rss", "free"])
        assert "http://10.0.0.1:8081" in _screen_text(app)
