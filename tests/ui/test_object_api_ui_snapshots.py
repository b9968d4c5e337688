"""The object-API dialogs of the objects screen (aistui/screens/objects/apiforms.py) at 80x24 and
160x48: the blob download confirm, the promote form and its confirm (delete source: said in
capitals), the "add file to shard" form and confirm, the "get matching from shard" form and the
upload dialog with its multipart choice. Built by their plain functions on a host app, so no
cluster and no recorded answers are needed (nothing in them reads the cluster); the paths shown
are fixed. Update with ``--snapshot-update`` after checking the report."""

from __future__ import annotations

import pytest
from textual.app import App

from aistui.screens.objects.apiforms import (
    PromoteRequest,
    ShardAdd,
    UploadDialog,
    blob_lines,
    matching_form,
    promote_form,
    promote_lines,
    shard_add_form,
    shard_add_lines,
)
from aistui.widgets.dialogs import ConfirmDialog


class _Host(App):
    def __init__(self, dialog):
        super().__init__()
        self.dialog = dialog

    def on_mount(self) -> None:
        self.push_screen(self.dialog)


def _dialog(which: str):
    label = "ais://@remais/digits-remote"
    if which == "blob":
        return ConfirmDialog("Blob download", blob_lines(label, "big/model.bin", 3 << 30), confirm_label="Start job")
    if which == "promote_form":
        return promote_form("ais://digits", "train/")
    if which == "promote_confirm":
        req = PromoteRequest("/var/lib/ais/promote/run-7", "train/", "", True, False, True)
        return ConfirmDialog("Promote files from targets", promote_lines("ais://digits", req), confirm_label="Promote")
    if which == "shard_add_form":
        return shard_add_form("ais://digits-shards", "train-000000.tar")
    if which == "shard_add_confirm":
        add = ShardAdd("/home/me/labels/00042.cls", "00042.cls", 2)
        return ConfirmDialog("Add file to shard", shard_add_lines("ais://digits-shards", "train-000000.tar", add),
                             confirm_label="Add")
    if which == "matching_form":
        return matching_form("ais://digits-shards", "train-000000.tar", "/home/me/train-000000")
    return UploadDialog("Upload into ais://photos/", "Files, directories (recursive) or globs, separated by spaces.",
                        placeholder="~/data/images")


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("which", ["blob", "promote_form", "promote_confirm", "shard_add_form", "shard_add_confirm",
                                   "matching_form", "upload"])
def test_object_api_dialogs(snap_compare, which, size):
    assert snap_compare(_Host(_dialog(which)), terminal_size=size)
