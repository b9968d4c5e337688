"""Downloads must never write outside the chosen directory (aistui.core.transfer.safe_local_path),
whatever object names a bucket holds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aistui.core.errors import InvalidInput
from aistui.core.localpaths import DestTree
from aistui.core.transfer import safe_local_path


@pytest.mark.parametrize("name", ["../../x", "/etc/x", "a/../../b", "..", "", "../", "a/..", "x/../../../etc/passwd",
                                  "//etc/x", "\\etc\\x", "a\x00b"])
def test_escaping_names_are_refused(tmp_path, name):
    with pytest.raises(InvalidInput) as ei:
        safe_local_path(tmp_path, name)
    assert "refusing to write object" in str(ei.value)


@pytest.mark.parametrize("name", ["a//b", ".", "./", "a/./b"])
def test_empty_and_dot_components_are_refused(tmp_path, name):
    with pytest.raises(InvalidInput):
        safe_local_path(tmp_path, name)


def test_normal_names_land_inside(tmp_path):
    p = safe_local_path(tmp_path, "a/b/c.jpg")
    assert p == tmp_path.resolve() / "a" / "b" / "c.jpg"
    assert safe_local_path(tmp_path, "c.jpg") == tmp_path.resolve() / "c.jpg"
    assert safe_local_path(tmp_path, "..x/y..") == tmp_path.resolve() / "..x" / "y.."


def test_strip_prefix(tmp_path):
    assert safe_local_path(tmp_path, "imgs/2024/a.jpg", "imgs/") == tmp_path.resolve() / "2024" / "a.jpg"
    assert safe_local_path(tmp_path, "other/a.jpg", "imgs/") == tmp_path.resolve() / "other" / "a.jpg"
    with pytest.raises(InvalidInput):
        safe_local_path(tmp_path, "imgs/../../x", "imgs/")


def test_symlink_out_of_dest_is_refused(tmp_path):
    dest = tmp_path / "dest"
    outside = tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    os.symlink(outside, dest / "link")
    with pytest.raises(InvalidInput):
        safe_local_path(dest, "link/x")


FUZZ = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _inside(p: Path, root: Path) -> bool:
    # "inside" = dest itself or below it
    return p == root or root in p.parents


@FUZZ
@given(name=st.text(alphabet=st.sampled_from(list("ab./\\~\x00 ")) | st.characters(codec="utf-8"), max_size=40))
def test_fuzz_result_is_always_inside(tmp_path, name):
    root = tmp_path.resolve()
    try:
        p = safe_local_path(tmp_path, name)
    except InvalidInput:
        return
    assert _inside(p, root)


@FUZZ
@given(parts=st.lists(st.sampled_from(["..", ".", "", "a", "b", "/", "~", "..."]), min_size=1, max_size=8))
def test_fuzz_dot_segments(tmp_path, parts):
    name = "/".join(parts)
    root = tmp_path.resolve()
    try:
        p = safe_local_path(tmp_path, name)
    except InvalidInput:
        return
    assert _inside(p, root)
    assert ".." not in Path(name).parts


# DestTree: what transfer.download uses per object (the directories resolved once, cached)


@FUZZ
@given(name=st.text(alphabet=st.sampled_from(list("ab./\\~\x00 ")) | st.characters(codec="utf-8"), max_size=40))
def test_fuzz_dest_tree_agrees_with_safe_local_path(tmp_path, name):
    """Every name one refuses the other refuses, and both put the rest at the same place."""
    try:
        want = safe_local_path(tmp_path, name)
    except InvalidInput:
        with pytest.raises(InvalidInput):
            DestTree(tmp_path).path(name)
        return
    assert DestTree(tmp_path).path(name) == want


def test_dest_tree_refuses_a_symlinked_directory_out_of_dest(tmp_path):
    dest, outside = tmp_path / "dest", tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    os.symlink(outside, dest / "link")
    tree = DestTree(dest)
    with pytest.raises(InvalidInput, match="outside"):
        tree.path("link/x")
    with pytest.raises(InvalidInput, match="outside"):
        tree.path("link/y")     # the refusal is not cached away
    p = tree.path("real/x")
    tree.make_parent(p)
    assert p.parent.is_dir() and _inside(p, dest.resolve())
