"""A navigable tree of a nested JSON object (a config, bucket props): Textual's ``Tree`` with one
node per key, leaves showing their values, each node knowing its dotted key (``space.highwm``).

- :meth:`JsonTree.set_data` (re)builds it, keeping what was expanded and the cursor's key;
  ``marks`` style chosen keys and say why (``differs from cluster``).
- :meth:`JsonTree.search` finds keys or values containing a text (case-insensitive), highlights
  every match, and moves the cursor to the first, expanding its branch; :meth:`next_match` moves
  on (wrapping). The screen binds ``/`` and ``n``/``N``.
- :meth:`JsonTree.expand_to` opens the tree at a dotted key.

Labels are Rich ``Text`` (a key or value is never read as markup).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ..core.conftree import leaf_text

MATCH_STYLE = "bold black on yellow"
VALUE_STYLE = "cyan"
MARK_STYLE = "bold yellow"


class JsonTree(Tree[str]):
    """The tree of one JSON object; node data is the dotted key (the root's is ``""``)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_home", "First", show=False),
        Binding("G", "scroll_end", "Last", show=False),
    ]
    DEFAULT_CSS = "JsonTree { height: 1fr; }"

    def __init__(self, label: str = "", *, id: str | None = None) -> None:
        super().__init__(Text(label), data="", id=id)
        self.show_root = False
        self.guide_depth = 2
        self.auto_expand = True
        self.tree_data: Mapping[str, Any] = {}
        self.marks: dict[str, str] = {}
        self.query_text = ""
        self.matches: list[str] = []
        self.match_index = -1
        self._by_key: dict[str, TreeNode[str]] = {}
        self._leaf_values: dict[str, Any] = {}

    # ------------------------------------------------------------------ building

    def set_data(self, data: Mapping[str, Any], marks: dict[str, str] | None = None) -> None:
        """Show ``data``; ``marks`` maps dotted keys to a note shown after them (their branches
        are marked too). Expanded branches and the cursor's key survive a rebuild, and the
        search is run again on the new data."""
        expanded = {k for k, n in self._by_key.items() if n.is_expanded}
        at = self.cursor_key
        self.tree_data, self.marks = data, dict(marks or {})
        self.clear()
        self._by_key, self._leaf_values = {}, {}
        self._add(self.root, data, "")
        for k in expanded:
            if k in self._by_key:
                self._by_key[k].expand()
        self.root.expand()
        self._find()
        if at and at in self._by_key:
            self.expand_to(at)

    def _marked(self, key: str) -> bool:
        return key in self.marks or any(m.startswith(key + ".") for m in self.marks)

    def _label(self, name: str, key: str, value: Any = None, leaf: bool = False) -> Text:
        t = Text(name, style="bold" if not leaf else "")
        if leaf:
            t.append(": ")
            t.append(leaf_text(value) if value != "" else '""', style=VALUE_STYLE)
        note = self.marks.get(key)
        if note:
            t.append(f"  ({note})", style=MARK_STYLE)
        elif not leaf and self._marked(key):
            t.append("  *", style=MARK_STYLE)
        if self.query_text:
            t.highlight_words([self.query_text], MATCH_STYLE, case_sensitive=False)
        return t

    def _add(self, parent: TreeNode[str], tree: Mapping[str, Any], prefix: str) -> None:
        for name, v in tree.items():
            key = f"{prefix}{name}"
            if isinstance(v, Mapping) and v:
                sub: Mapping[str, Any] = v  # pyright: ignore[reportUnknownVariableType]  # a JSON object
                node = parent.add(self._label(name, key), data=key)
                self._add(node, sub, key + ".")
            else:
                node = parent.add_leaf(self._label(name, key, v, leaf=True), data=key)
                self._leaf_values[key] = v
            self._by_key[key] = node

    # ------------------------------------------------------------------ reading

    @property
    def cursor_key(self) -> str:
        """The dotted key under the cursor ("" when none)."""
        node = self.cursor_node
        return node.data or "" if node is not None else ""

    def is_leaf(self, key: str) -> bool:
        """True when ``key`` is a leaf (a value, not a section)."""
        return key in self._leaf_values

    def value(self, key: str) -> Any:
        """The leaf value at ``key``. Raises :class:`KeyError`."""
        return self._leaf_values[key]

    def keys(self) -> list[str]:
        """Every dotted key, branches and leaves, in tree order."""
        return list(self._by_key)

    def visible_text(self) -> list[str]:
        """The labels of the lines shown (tests read it)."""
        return [str(line.node.label) for line in self._tree_lines]

    # ------------------------------------------------------------------ moving

    def expand_to(self, key: str) -> None:
        """Expand every branch above ``key`` and put the cursor on it (no-op for an unknown key)."""
        node = self._by_key.get(key)
        if node is None:
            return
        parent = node.parent
        while parent is not None:
            parent.expand()
            parent = parent.parent
        # the cursor moves now (the lines are built on demand): after a rebuild the cursor node
        # is one of the old tree's until it moves, and a deferred move undid a key pressed
        # before the next refresh (j after set_data landed back on the old key). Only the
        # scroll waits for the layout.
        self._tree_lines  # noqa: B018  # builds the lines, so node._line is current
        self.move_cursor(node)
        self.call_after_refresh(self._scroll_to_cursor)

    def _scroll_to_cursor(self) -> None:
        node = self.cursor_node
        if node is not None and node.tree is self:
            self.scroll_to_node(node, animate=False)

    # ------------------------------------------------------------------ search

    def _find(self) -> None:
        q = self.query_text.lower()
        self.matches = [k for k in self._by_key
                        if q and (q in k.rsplit(".", 1)[-1].lower()
                                  or (k in self._leaf_values and q in leaf_text(self._leaf_values[k]).lower()))]
        self.match_index = min(self.match_index, len(self.matches) - 1)

    def search(self, text: str) -> int:
        """Highlight every key and value containing ``text`` (case-insensitive; "" clears) and
        move to the first match. Returns the number of matches."""
        self.query_text = text.strip()
        self.match_index = -1
        self.set_data(self.tree_data, self.marks)
        if self.matches:
            self.next_match()
        return len(self.matches)

    def next_match(self, step: int = 1) -> str:
        """Move the cursor to the next (``step`` 1) or previous (-1) match, wrapping; returns its
        key ("" when there is none)."""
        if not self.matches:
            return ""
        self.match_index = (self.match_index + step) % len(self.matches)
        key = self.matches[self.match_index]
        self.expand_to(key)
        return key
