"""The storage model without a cluster: target totals count each filesystem once (as the target
does), states from the mountpath lists, alerts in words, watermark bands, broken answers, the
``ais storage mountpath`` command and ``:storage``. The answers are the v1.5.0 shapes (see
tests/ui/storage_recorded.py); the real cluster is tests/integration/test_storage.py."""

from __future__ import annotations

import json

import pytest

from aistui.core.errors import ProtocolError
from aistui.core.storagemodel import Watermarks
from aistui.core.storageparse import build_snapshot, build_target, decode_disk, decode_mountpaths
from aistui.jump import parse_jump
from aistui.spell.admin import mountpath_action
from tests.ui.storage_recorded import DISK, MOUNTPATHS


def _target(tid: str, known=()):
    return build_target(tid, decode_disk(json.dumps(DISK[tid]).encode()),
                        decode_mountpaths(json.dumps(MOUNTPATHS[tid]).encode()), known)


def test_states_capacity_and_totals():
    t = _target("t2target", known=["/ais/mp4"])
    assert [(m.path, m.state) for m in t.mountpaths] == [
        ("/ais/mp1", "available"), ("/ais/mp2", "disabled"), ("/ais/mp3", "waiting"), ("/ais/mp4", "detached")]
    mp3 = t.mountpaths[2]
    assert mp3.disks == ("sdd",) and mp3.disk_alerts == ("being disabled",) and mp3.fs_type == "ext4"
    assert (mp3.util, mp3.read_bps, mp3.write_bps) == (55, 30 << 20, 0)
    assert t.mountpaths[1].used == 0 and t.mountpaths[3].state_text == "detached"
    gib = 1 << 30
    assert (t.used, t.avail, t.pct_min, t.pct_avg, t.pct_max) == (1180 * gib, 820 * gib, 48, 59, 70)


def test_a_shared_filesystem_is_counted_once():
    disk = {"AllDiskStats": {"vda": {"RBps": 1, "Ravg": 0, "WBps": 2, "Wavg": 0, "Util": 3}},
            "mountpaths": {p: {"mountpath_label": "", "fs": {"Fs": "/dev/vda", "FsType": "ext4", "FsID": "1,2"},
                               "disks": ["vda"], "used": "730", "avail": "270", "pct_used": 73}
                           for p in ("/a/mp1", "/a/mp2")}}
    mpl = decode_mountpaths(b'{"available": ["/a/mp1", "/a/mp2"]}')
    t = build_target("t", decode_disk(json.dumps(disk).encode()), mpl)
    assert (t.used, t.avail, t.pct_max, t.read_bps, t.util) == (730, 270, 73, 1, 3)
    assert build_snapshot([t, t], Watermarks()).pct_used == 73.0


def test_alerts_in_words_worst_first():
    snap = build_snapshot([_target("t2target"), _target("t1target")], Watermarks())
    texts = [a.text for a in snap.alerts]
    assert "t[t1target] mp /ais/mp2: 91% used, over the high watermark (90%)" in texts
    assert "t[t1target] disk sdb: 86% busy (over 80%)" in texts
    assert "t[t2target] mp /ais/mp2: disabled" in texts
    assert "t[t2target] mp /ais/mp3: waiting for resilver" in texts
    assert [t.target for t in snap.targets] == ["t1target", "t2target"]
    oos = build_snapshot([_target("t1target")], Watermarks(cleanup=10, low=20, high=50, oos=90))
    assert oos.alerts[0].severity == "error" and "out of space (over 90%)" in oos.alerts[0].text
    assert Watermarks().band(91) == "over high" and Watermarks().band(60) == ""


def test_watermarks_from_config_and_bad_answers():
    assert Watermarks.from_config({"space": {"cleanupwm": 1, "lowwm": 2, "highwm": 3, "out_of_space": 4}}) == \
        Watermarks(1, 2, 3, 4, 80)
    with pytest.raises(ProtocolError):
        Watermarks.from_config({"space": {"highwm": "lots"}})
    with pytest.raises(ProtocolError):
        decode_disk(b'{"mountpaths": {"/a": {"used": "many"}}}')
    with pytest.raises(ProtocolError):
        decode_mountpaths(b"<html>")
    assert decode_mountpaths(b"").available is None  # an empty answer is "nothing"


def test_command_and_jump():
    assert mountpath_action("disable", "t1", "/mnt/my disk").cli == "ais storage mountpath disable 't1=/mnt/my disk'"
    assert mountpath_action("attach", "t1", "/m", label="ssd").cli == "ais storage mountpath attach t1=/m --label ssd"
    assert parse_jump(":storage").kind == "storage"
