"""JsonTree (aistui/widgets/jsontree.py) on its own, in a one-widget app: leaves show their
values, marks, search with next/previous match (wrapping) that opens the match's branch, and a
rebuild that keeps what was expanded and the cursor. No cluster."""

from __future__ import annotations

from textual.app import App, ComposeResult

from aistui.widgets.jsontree import JsonTree
from tests.util import until

DATA = {"space": {"highwm": 90, "lowwm": 75}, "log": {"level": "3", "to_stderr": False},
        "mirror": {"copies": 2, "enabled": False}, "uuid": "U1", "backend": {}}


class _App(App):
    def compose(self) -> ComposeResult:
        yield JsonTree("t", id="t")


async def test_values_search_marks_and_rebuild():
    app = _App()
    async with app.run_test(size=(80, 24)) as pilot:
        tree = app.query_one(JsonTree)
        tree.set_data(DATA, marks={"space.highwm": "cluster: 80"})
        await pilot.pause()
        assert tree.visible_text() == ["space  *", "log", "mirror", "uuid: U1", "backend: {}"]
        assert tree.is_leaf("space.highwm") and not tree.is_leaf("space") and tree.value("log.level") == "3"
        # search: keys and values, case-insensitive; the first match's branch opens
        assert tree.search("WM") == 2
        await until(pilot, lambda: tree.cursor_key == "space.highwm")
        assert "highwm: 90  (cluster: 80)" in tree.visible_text()
        assert tree.next_match() == "space.lowwm"
        assert tree.next_match() == "space.highwm"  # wraps
        assert tree.next_match(-1) == "space.lowwm"
        assert tree.search("false") == 2  # values too: log.to_stderr, mirror.enabled
        await until(pilot, lambda: tree.cursor_key == "log.to_stderr")
        assert tree.search("nothing here") == 0 and tree.matches == []
        # a rebuild with new values keeps the open branches and the cursor
        tree.expand_to("mirror.copies")
        await until(pilot, lambda: tree.cursor_key == "mirror.copies")
        tree.set_data({**DATA, "mirror": {"copies": 3, "enabled": False}})
        await until(pilot, lambda: tree.cursor_key == "mirror.copies")
        assert "copies: 3" in tree.visible_text() and "level: 3" in tree.visible_text()
        await pilot.press("j")
        assert tree.cursor_key == "mirror.enabled"
