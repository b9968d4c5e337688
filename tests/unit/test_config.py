"""Connection discovery (aistui.core.config): which cluster and which token the console uses.

Every test builds a fake HOME under tmp_path and passes ``env=`` explicitly; the real HOME and
process environment are never read.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from aistui.core.config import (
    DEFAULT_ENDPOINT,
    ClusterProfile,
    ConnectionSettings,
    discover,
    normalize_endpoint,
    redact,
)
from aistui.core.errors import InvalidInput
from aistui.settings import AppConfig, load_app_config, save_app_config

TOKEN = "eyJhbGciOiJIUzI1NiJ9.secret-payload.sig"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    (h / ".config" / "ais" / "cli").mkdir(parents=True)
    return h


def _cli_json(home: Path, cluster: dict) -> None:
    (home / ".config" / "ais" / "cli" / "cli.json").write_text(json.dumps({"cluster": cluster, "timeout": {}}))


def _auth_token(home: Path, text: str) -> Path:
    p = home / ".config" / "ais" / "cli" / "auth.token"
    p.write_text(text)
    return p


def _cfg_with(name="lab", endpoint="http://lab:51080", **kw) -> AppConfig:
    return AppConfig(clusters={name: ClusterProfile(name=name, endpoint=endpoint, **kw)})


# ----------------------------------------------------------------------------- endpoint order


def test_default_endpoint(home):
    s = discover(env={"HOME": str(home)})
    assert s.endpoint == DEFAULT_ENDPOINT == "http://localhost:8080"
    assert s.source == "default" and s.token is None


def test_cli_json_beats_default(home):
    _cli_json(home, {"url": "http://cli-host:8080/"})
    s = discover(env={"HOME": str(home)})
    assert s.endpoint == "http://cli-host:8080"
    assert s.source.endswith("cli.json")


def test_ais_endpoint_beats_cli_json(home):
    _cli_json(home, {"url": "http://cli-host:8080"})
    s = discover(env={"HOME": str(home), "AIS_ENDPOINT": "env-host:9090"})
    assert s.endpoint == "http://env-host:9090" and s.source == "AIS_ENDPOINT"


def test_profile_beats_ais_endpoint(home):
    _cli_json(home, {"url": "http://cli-host:8080"})
    s = discover(profile="lab", env={"HOME": str(home), "AIS_ENDPOINT": "http://env-host:9090"},
                 app_config=_cfg_with(read_only=True))
    assert s.endpoint == "http://lab:51080"
    assert s.source == "profile lab" and s.name == "lab" and s.read_only
    assert s.label == "lab"


def test_explicit_endpoint_beats_everything(home):
    _cli_json(home, {"url": "http://cli-host:8080"})
    s = discover("flag-host:7070", profile="lab", env={"HOME": str(home), "AIS_ENDPOINT": "http://env:1"},
                 app_config=_cfg_with())
    assert s.endpoint == "http://flag-host:7070" and s.source == "--endpoint"


def test_profile_read_from_xdg_config(home, tmp_path):
    xdg = tmp_path / "xdg"
    cfg = _cfg_with(endpoint="https://lab:51080")
    save_app_config(cfg, xdg / "aistui" / "config.json")
    s = discover(profile="lab", env={"HOME": str(home), "XDG_CONFIG_HOME": str(xdg)})
    assert s.endpoint == "https://lab:51080"


def test_unknown_profile_lists_known(home):
    cfg = AppConfig(clusters={"zeta": ClusterProfile("zeta", "http://z:1"), "alpha": ClusterProfile("alpha", "http://a:1")})
    with pytest.raises(InvalidInput) as ei:
        discover(profile="nope", env={"HOME": str(home)}, app_config=cfg)
    msg = str(ei.value)
    assert "'nope'" in msg and "alpha, zeta" in msg


def test_unknown_profile_with_no_config(home, tmp_path):
    with pytest.raises(InvalidInput) as ei:
        discover(profile="x", env={"HOME": str(home), "XDG_CONFIG_HOME": str(tmp_path / "none")})
    assert "none configured" in str(ei.value)


def test_broken_cli_json_names_the_file(home):
    (home / ".config" / "ais" / "cli" / "cli.json").write_text("{not json")
    with pytest.raises(InvalidInput) as ei:
        discover(env={"HOME": str(home)})
    assert "cli.json" in str(ei.value)


def test_bad_endpoint_scheme_from_env(home):
    with pytest.raises(InvalidInput):
        discover(env={"HOME": str(home), "AIS_ENDPOINT": "ftp://x"})


# ----------------------------------------------------------------------------- token order


def test_token_from_env_beats_files(home, tmp_path):
    tf = tmp_path / "tok.json"
    tf.write_text(json.dumps({"token": "from-file"}))
    _auth_token(home, json.dumps({"token": "from-default"}))
    s = discover(env={"HOME": str(home), "AIS_AUTHN_TOKEN": f"  {TOKEN}\n", "AIS_AUTHN_TOKEN_FILE": str(tf)})
    assert s.token == TOKEN and s.token_source == "AIS_AUTHN_TOKEN"


@pytest.mark.parametrize("content", [json.dumps({"token": TOKEN}), TOKEN + "\n"])
def test_token_file_json_or_raw(home, tmp_path, content):
    tf = tmp_path / "tok"
    tf.write_text(content)
    _auth_token(home, json.dumps({"token": "from-default"}))
    s = discover(env={"HOME": str(home), "AIS_AUTHN_TOKEN_FILE": str(tf)})
    assert s.token == TOKEN and s.token_source == "AIS_AUTHN_TOKEN_FILE"


@pytest.mark.parametrize("content", [json.dumps({"token": TOKEN}), TOKEN])
def test_default_auth_token_file(home, content):
    p = _auth_token(home, content)
    s = discover(env={"HOME": str(home)})
    assert s.token == TOKEN and s.token_source == str(p)


def test_empty_or_tokenless_files_give_no_token(home, tmp_path):
    tf = tmp_path / "tok"
    tf.write_text(json.dumps({"user": "x"}))
    _auth_token(home, "   \n")
    s = discover(env={"HOME": str(home), "AIS_AUTHN_TOKEN_FILE": str(tf)})
    assert s.token is None


def test_broken_json_token_file(home, tmp_path):
    tf = tmp_path / "tok"
    tf.write_text("{broken")
    with pytest.raises(InvalidInput) as ei:
        discover(env={"HOME": str(home), "AIS_AUTHN_TOKEN_FILE": str(tf)})
    assert str(tf) in str(ei.value)
    assert "broken" not in str(ei.value).replace(str(tf), "")  # the file content is not echoed


def test_profile_token_file(home, tmp_path):
    tf = tmp_path / "lab.token"
    tf.write_text(TOKEN)
    s = discover(profile="lab", env={"HOME": str(home), "AIS_AUTHN_TOKEN": "env-token"},
                 app_config=_cfg_with(token_file=str(tf)))
    assert s.token == TOKEN and s.token_source == str(tf)


# ----------------------------------------------------------------------------- TLS


def test_tls_from_cli_json(home):
    _cli_json(home, {"url": "https://h:8080", "skip_verify_crt": True, "client_ca_tls": "/cli/ca.pem",
                     "client_crt": "/cli/c.crt", "client_crt_key": "/cli/c.key"})
    s = discover(env={"HOME": str(home)})
    assert s.skip_verify and s.ca_bundle == "/cli/ca.pem"
    assert (s.client_cert, s.client_key) == ("/cli/c.crt", "/cli/c.key")


@pytest.mark.parametrize("val, expect", [("true", True), ("1", True), ("TRUE", True), ("false", False),
                                         ("0", False), ("", False)])
def test_skip_verify_env_overrides_cli_json(home, val, expect):
    _cli_json(home, {"url": "https://h:8080", "skip_verify_crt": not expect})
    s = discover(env={"HOME": str(home), "AIS_SKIP_VERIFY_CRT": val})
    assert s.skip_verify is expect


def test_client_ca_env_overrides_cli_json(home):
    _cli_json(home, {"url": "https://h:8080", "client_ca_tls": "/cli/ca.pem"})
    s = discover(env={"HOME": str(home), "AIS_CLIENT_CA": "/env/ca.pem", "AIS_CRT": "/e.crt", "AIS_CRT_KEY": "/e.key"})
    assert s.ca_bundle == "/env/ca.pem"
    assert (s.client_cert, s.client_key) == ("/e.crt", "/e.key")


def test_profile_tls_settings(home):
    s = discover(profile="lab", env={"HOME": str(home), "AIS_CLIENT_CA": "/env/ca.pem"},
                 app_config=_cfg_with(ca_bundle="/lab/ca.pem", skip_verify=True))
    assert s.ca_bundle == "/lab/ca.pem" and s.skip_verify


# ----------------------------------------------------------------------------- secrecy


def test_repr_never_shows_token(home):
    s = discover(env={"HOME": str(home), "AIS_AUTHN_TOKEN": TOKEN})
    assert s.token == TOKEN
    for text in (repr(s), str(s), f"{s}", repr([s]), repr({"s": s})):
        assert TOKEN not in text and "secret-payload" not in text
    assert f"<token: {len(TOKEN)} chars>" in repr(s)
    assert TOKEN not in repr(s.with_endpoint("other:1"))


def test_redact():
    assert redact(None) == "<none>" and redact("") == "<none>"
    assert redact("abc") == "<token: 3 chars>"


def test_with_endpoint_normalises_and_keeps_token():
    s = ConnectionSettings(token="t").with_endpoint("h:1/")
    assert s.endpoint == "http://h:1" and s.token == "t" and s.source == "edited"


# ----------------------------------------------------------------------------- app config


def test_save_and_load_app_config(tmp_path):
    env = {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    cfg = load_app_config(env=env)
    assert cfg.clusters == {} and cfg.path == tmp_path / "xdg" / "aistui" / "config.json"
    cfg.clusters["lab"] = ClusterProfile("lab", "https://lab:51080", token_file="~/lab.token", read_only=True)
    cfg.clusters["local"] = ClusterProfile("local", "http://localhost:8080", skip_verify=True)
    cfg.current = "lab"
    cfg.keymap = {"q": "quit"}
    cfg.theme = "dark"
    cfg.refresh_s = 5.0
    path = save_app_config(cfg)
    assert path == cfg.path and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(path.parent.glob("*.tmp"))  # no temp file left behind
    again = load_app_config(env=env)
    assert again.current == "lab" and again.keymap == {"q": "quit"} and again.theme == "dark"
    assert again.refresh_s == 5.0
    assert again.clusters["lab"].token_file == "~/lab.token" and again.clusters["lab"].read_only
    assert again.clusters["local"].skip_verify
    raw = json.loads(path.read_text())
    # a profile holds only a token *path*, never a token
    for prof in raw["clusters"].values():
        assert set(prof) <= {"endpoint", "token_file", "ca_bundle", "skip_verify", "read_only"}


def test_save_tightens_existing_file_mode(tmp_path):
    p = tmp_path / "c" / "config.json"
    p.parent.mkdir()
    p.write_text("{}")
    p.chmod(0o644)
    save_app_config(_cfg_with(), p)
    assert stat.S_IMODE(p.stat().st_mode) == 0o600


@pytest.mark.parametrize("content, words", [
    ("{nope", "cannot read"),
    ("[1]", "expected a JSON object"),
    (json.dumps({"clusters": {"x": {}}}), "needs an endpoint"),
    (json.dumps({"clusters": {"x": {"endpoint": "ftp://x"}}}), "only http"),
])
def test_bad_app_config(tmp_path, content, words):
    p = tmp_path / "config.json"
    p.write_text(content)
    with pytest.raises(InvalidInput) as ei:
        load_app_config(p)
    assert words in str(ei.value)


@pytest.mark.parametrize("url, out", [
    ("host:8080", "http://host:8080"),
    ("  host:8080/ ", "http://host:8080"),
    ("http://h:1", "http://h:1"),
    ("https://h:1/", "https://h:1"),
    ("HTTPS://h", "HTTPS://h"),
])
def test_normalize_endpoint(url, out):
    assert normalize_endpoint(url) == out


@pytest.mark.parametrize("url", ["ftp://x", "", "   ", "file:///etc/passwd", "unix://sock"])
def test_normalize_endpoint_rejects(url):
    with pytest.raises(InvalidInput):
        normalize_endpoint(url)


# ----------------------------------------------------------------------------- typed config file


@pytest.mark.parametrize("content, field_msg", [
    ({"clusters": {"prod": {"endpoint": 8080}}}, "clusters.prod.endpoint: expected str, got int"),
    ({"clusters": {"prod": {"endpoint": "h:1", "skip_verify": "yes"}}},
     "clusters.prod.skip_verify: expected bool, got str"),
    ({"clusters": {"prod": {"endpoint": "h:1", "token_file": 7}}}, "clusters.prod.token_file: expected str, got int"),
    ({"clusters": {"prod": "http://h:1"}}, "clusters.prod: expected object, got str"),
    ({"clusters": ["prod"]}, "clusters: expected object, got array"),
    ({"current": 1}, "current: expected str, got int"),
    ({"refresh_s": "5"}, "refresh_s: expected float, got str"),
    ({"jobs_keep_s": [1]}, "jobs_keep_s: expected float, got array"),
    ({"theme": False}, "theme: expected str, got bool"),
    ({"keymap": {"app.buckets": 2}}, "keymap.app.buckets: expected str, got int"),
    ({"keymap": ["b"]}, "keymap: expected object, got array"),
])
def test_typed_errors_name_the_file_and_the_field(tmp_path, content, field_msg):
    p = tmp_path / "config.json"
    p.write_text(json.dumps(content))
    with pytest.raises(InvalidInput) as ei:
        load_app_config(p)
    assert str(ei.value) == f"{p}: {field_msg}"


def test_discover_names_the_field_of_a_bad_profile(home, tmp_path):
    xdg = tmp_path / "xdg"
    (xdg / "aistui").mkdir(parents=True)
    (xdg / "aistui" / "config.json").write_text(json.dumps({"current": "prod",
                                                            "clusters": {"prod": {"endpoint": 1}}}))
    with pytest.raises(InvalidInput) as ei:
        discover(env={"HOME": str(home), "XDG_CONFIG_HOME": str(xdg)})
    assert str(ei.value).endswith("config.json: clusters.prod.endpoint: expected str, got int")


def test_discover_ignores_the_ui_settings(home, tmp_path):
    """Connection discovery reads only the profiles: a bad UI setting does not stop it."""
    xdg = tmp_path / "xdg"
    (xdg / "aistui").mkdir(parents=True)
    (xdg / "aistui" / "config.json").write_text(json.dumps({"current": "lab", "theme": 3,
                                                            "clusters": {"lab": {"endpoint": "lab:1"}}}))
    assert discover(env={"HOME": str(home), "XDG_CONFIG_HOME": str(xdg)}).endpoint == "http://lab:1"


def test_typed_file_keeps_the_lenient_defaults(tmp_path):
    """null and missing values mean the defaults, integers are accepted for seconds, and unknown
    keys are ignored, as before the file was typed."""
    p = tmp_path / "config.json"
    p.write_text(json.dumps({"current": None, "theme": None, "refresh_s": 3, "jobs_keep_s": None, "future": 1,
                             "clusters": {"a": {"endpoint": "a:1", "token_file": None, "note": "x"}}}))
    cfg = load_app_config(p)
    assert (cfg.current, cfg.theme, cfg.refresh_s, cfg.jobs_keep_s) == ("", "", 3.0, 3600.0)
    assert cfg.clusters["a"] == ClusterProfile("a", "http://a:1")
    p.write_text("null")
    assert load_app_config(p).clusters == {}
