"""The pure helpers behind the config and bucket-props trees (aistui/core/conftree.py), the
command-log spellings of config and props changes, and ``:config`` parsing. No cluster."""

from __future__ import annotations

import pytest

from aistui.core import Bck
from aistui.core.conftree import (
    ConfigDiff,
    config_diff,
    config_value,
    flatten,
    get_path,
    leaf_text,
    nest,
    node_local_keys,
    parse_leaf,
    props_change,
)
from aistui.core.errors import InvalidInput
from aistui.jump import parse_jump
from aistui.spell import admin, data

CLUSTER = {"space": {"highwm": 90, "lowwm": 75}, "log": {"level": "3", "to_stderr": False},
           "backend": {}, "uuid": "U1", "config_version": "4", "lastupdate_time": "t0"}
NODE = {"space": {"highwm": 85, "lowwm": 75}, "log": {"level": "3", "to_stderr": True},
        "backend": {}, "uuid": "U1", "config_version": "5", "lastupdate_time": "t1",
        "fspaths": {"/mp/1": ""}, "log_dir": "/var/log/ais", "host_net": {"port": "51081"}}


def test_flatten_and_get_path():
    assert flatten(CLUSTER) == {"space.highwm": 90, "space.lowwm": 75, "log.level": "3", "log.to_stderr": False,
                                "backend": {}, "uuid": "U1", "config_version": "4", "lastupdate_time": "t0"}
    assert get_path(CLUSTER, "space.highwm") == 90
    with pytest.raises(KeyError):
        get_path(CLUSTER, "space.nope")
    with pytest.raises(KeyError):
        get_path(CLUSTER, "space.highwm.deeper")
    assert nest("mirror.copies", 2) == {"mirror": {"copies": 2}}


def test_diff_is_the_overrides_without_local_config_or_bookkeeping():
    assert node_local_keys(NODE, CLUSTER) == ["fspaths", "log_dir", "host_net"]
    assert config_diff(NODE, CLUSTER) == [ConfigDiff("log.to_stderr", False, True), ConfigDiff("space.highwm", 90, 85)]
    assert config_diff(CLUSTER, CLUSTER) == []
    # a leaf the cluster lacks is reported as missing there
    assert config_diff({**CLUSTER, "space": {**CLUSTER["space"], "new": 1}}, CLUSTER) == [
        ConfigDiff("space.new", None, 1, missing=True)]


@pytest.mark.parametrize(("text", "old", "want"), [
    ("85", 90, 85), ("yes", False, True), ("off", True, False), ("2.5", 1.0, 2.5), ("1m", "2m", "1m"),
    ("", "x", ""), ('["a"]', [], ["a"]), ('{"k": 1}', {}, {"k": 1}),
])
def test_parse_leaf_keeps_the_old_type(text, old, want):
    got = parse_leaf(text, old)
    assert got == want and type(got) is type(want)


@pytest.mark.parametrize(("text", "old"), [("high", 90), ("maybe", True), ("x", 1.5), ("{", []), ("[1]", {})])
def test_parse_leaf_refuses_the_wrong_type(text, old):
    with pytest.raises(InvalidInput):
        parse_leaf(text, old)


def test_leaf_text():
    assert [leaf_text(v) for v in (True, 3, "1m", None, [1, 2], {})] == ["true", "3", "1m", "", "[1,2]", "{}"]


def test_config_value_checks_what_may_be_set():
    assert config_value("space.highwm", 90, " 80 ") == "80"
    assert config_value("log.to_stderr", False, "yes") == "true"
    for key, old in (("config_version", "4"), ("uuid", "U1"), ("backend", {})):
        with pytest.raises(InvalidInput):
            config_value(key, old, "x")
    with pytest.raises(InvalidInput, match="local config"):
        config_value("host_net.port", "51081", "1", local={"host_net"})
    with pytest.raises(InvalidInput, match="whole number"):
        config_value("space.highwm", 90, "ninety")


PROPS = {"versioning": {"enabled": True, "synchronize": False}, "mirror": {"copies": 2, "enabled": False},
         "lru": {"dont_evict_time": "2h0m"}, "provider": "ais", "created": "1796044277943720082"}


def test_props_change_sends_only_the_change():
    assert props_change(PROPS, "mirror.copies", "3") == {"mirror": {"copies": 3}}
    assert props_change(PROPS, "versioning.enabled", "no") == {"versioning": {"enabled": False}}
    assert props_change(PROPS, "lru.dont_evict_time", "1h") == {"lru": {"dont_evict_time": "1h"}}
    assert props_change(PROPS, "mirror.copies", "2") is None  # unchanged: nothing to send
    with pytest.raises(InvalidInput, match="read-only"):
        props_change(PROPS, "created", "1")
    with pytest.raises(InvalidInput, match="no bucket property"):
        props_change(PROPS, "mirror.nope", "1")
    with pytest.raises(InvalidInput):
        props_change(PROPS, "mirror.copies", "two")


def test_cli_spellings():
    b = Bck.parse("ais://b")
    assert admin.set_cluster_config("space.highwm", "85").cli == "ais config cluster space.highwm=85"
    assert (admin.set_cluster_config("log.flush_time", "1s", transient=True).cli
            == "ais config cluster log.flush_time=1s --transient")
    assert admin.set_node_config("t1", "log.level", "4").cli == "ais config node t1 log.level=4"
    assert admin.set_node_config("t1", "x.y", "a b", transient=True).cli == "ais config node t1 'x.y=a b' --transient"
    assert admin.reset_node_config("t1").cli == "ais config reset t1"
    assert data.reset_bucket_props(b).cli == "ais bucket props reset ais://b"
    assert data.set_bucket_props(b, {"mirror": {"copies": 3}}).cli == "ais bucket props set ais://b mirror.copies=3"


def test_config_jump():
    assert parse_jump(":config").kind == "config" and parse_jump("config").target == ""
    j = parse_jump(":config t[abc]")
    assert (j.kind, j.target) == ("config", "t[abc]")
    with pytest.raises(InvalidInput):
        parse_jump(":config a b")
