"""The ETL screen.

* Against the real local cluster, whose default aisnode build answers 501 to every ETL call: the
  screen says so plainly, does not poll again by itself, and the init form, offline transform and
  view-through-ETL flows validate, send, and report the cluster's answer.
* The success paths (a cluster with ETLs needs Kubernetes, which the test machines lack) run on
  answers written from the v1.5.0 wire types through ``httpx.MockTransport`` (see
  ``jobs_recorded.py``), and check what the screen shows and which requests it sends.
"""

from __future__ import annotations

from textual.widgets import Input, Log

from aistui.app import AISTui
from aistui.core import AISClient, ConnectionSettings
from aistui.screens.etl import ETLScreen
from aistui.widgets.dialogs import ConfirmDialog
from aistui.widgets.etlpreview import ETLPreviewDialog
from aistui.widgets.form import FormDialog
from aistui.widgets.linetable import LineTable
from aistui.widgets.preview import Preview
from tests.ui.jobs_recorded import ENDPOINT, EtlCluster
from tests.util import shown, until


def _text(widget) -> str:
    """What a Static shows, as plain text (Syntax: its code)."""
    c = widget.content
    return getattr(c, "code", None) or str(c)


def _msgs(app) -> list[str]:
    return [n.message for n in app._notifications]


def _etl(app) -> ETLScreen | None:
    return app.screen if isinstance(app.screen, ETLScreen) else None


async def _open(pilot, app) -> ETLScreen:
    await pilot.press("4")
    await until(pilot, lambda: _etl(app) is not None and app.screen.loads >= 1)
    return app.screen


async def _fill(pilot, app, values: dict[str, str]) -> FormDialog:
    await shown(pilot, app, FormDialog)
    form = app.screen
    for key, value in values.items():
        form.query_one(f"#field-{key}", Input).value = value
    form.query_one(f"#field-{next(iter(values))}", Input).focus()
    await pilot.press("enter")  # enter in any field submits the form
    return form


async def test_without_etl_the_screen_says_so_once_and_flows_report_the_501(ais, bucket):
    async with AISClient(ais.endpoint) as c:
        await c.objects.put(bucket, "note.txt", b"hello")
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=0.2)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        screen = await _open(pilot, app)
        assert screen.available is False
        assert "ETL is not available on this cluster" in screen.problem
        assert "without ETL support" in screen.problem  # the cluster's own words
        assert "Kubernetes" in _text(screen.query_one("#etl-hint"))
        assert screen.query_one("#etl-jobs", LineTable) is not None  # what it can list, it lists
        # no retry loop: "nothing happened" needs time to pass, so the positive sign is the app's own
        # clock: a timer of the test's, at the screen's refresh interval, started after the first
        # load was applied, has fired several times (on a loaded machine that takes longer, and a
        # retry timer armed before it would have fired first)
        ticks: list[int] = []
        clock = screen.set_interval(0.2, lambda: ticks.append(1))  # refresh_s above
        await until(pilot, lambda: len(ticks) >= 6)
        clock.stop()
        assert screen.loads == 1 and not any("refresh failed" in m for m in _msgs(app))
        await pilot.press("r")
        await until(pilot, lambda: screen.loads == 2)

        # init: the form validates before sending, then reports the cluster's answer
        await pilot.press("n")
        form = await _fill(pilot, app, {"name": "Bad_Name", "image": "busybox"})
        assert app.screen is form and "invalid ETL name" in _text(form.query_one("#form-error"))
        await _fill(pilot, app, {"name": "md5", "image": "", "env": "A=1"})
        assert app.screen is form and "image" in _text(form.query_one("#form-error"))
        await _fill(pilot, app, {"name": "md5", "image": "aistorage/transformer_md5:latest", "env": "A=1, B=2",
                                 "command": "uvicorn app:app --port 8000"})
        await until(pilot, lambda: any(m.startswith("init ETL md5 failed: ETL is not available") for m in _msgs(app)))

        # offline transform of a bucket
        await pilot.press("T")
        await _fill(pilot, app, {"etl": "md5", "src": str(bucket), "dst": "ais://etl-out"})
        await until(pilot, lambda: any(m.startswith(f"transform {bucket} → ais://etl-out through md5 failed")
                                       for m in _msgs(app)))

        # view one object through the ETL: the preview says why it cannot
        await pilot.press("v")
        await _fill(pilot, app, {"etl": "md5", "object": f"{bucket}/note.txt"})
        await until(pilot, lambda: isinstance(app.screen, ETLPreviewDialog)
                    and app.screen.query_one(Preview).kind == "error")
        err = _text(app.screen.query_one(Preview).children[-1])
        assert "ETL" in err and "not" in err
        await pilot.press("escape")
        await until(pilot, lambda: _etl(app) is not None)


async def test_list_detail_logs_and_actions_on_answers_from_the_wire_types():
    """MockTransport: ETL success answers written from the v1.5.0 wire types (no Kubernetes here)."""
    fake = EtlCluster()
    app = AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, client=fake.client())
    async with app.run_test(size=(140, 44), notifications=True) as pilot:
        screen = await _open(pilot, app)
        assert screen.available
        t = screen.query_one("#etls", LineTable)
        await until(pilot, lambda: t.row_count == 2)
        assert str(t.get_cell("md5", "stage")) == "Running" and str(t.get_cell("md5", "objects")) == "1,797"
        assert str(t.get_cell("resize-224", "stage")) == "Aborted"

        # detail: init message, object errors, per-target health and CPU/memory, logs
        t.move_cursor(row=t.get_row_index("md5"))
        await pilot.press("enter")
        await until(pilot, lambda: screen.view is not None)
        assert "aistorage/transformer_md5:latest" in _text(screen.query_one("#etl-init"))
        assert "digits/train/3/00017.png: transformer returned 500" in _text(screen.query_one("#etl-errors"))
        tt = screen.query_one("#etl-targets", LineTable)
        assert tt.row_count == 2 and str(tt.get_cell("t1target", "cpu")) == "12.5%"
        assert str(tt.get_cell("t1target", "memory")) == "100.0 MiB"
        assert str(tt.get_cell("t2target", "health")) == "Running"
        log = screen.query_one("#etl-log", Log)
        assert log.line_count == 7 and "[t2target] ERROR: bad input for digits/train/3/00017.png" in log.lines
        # / shows only the lines that contain a text
        await pilot.press("slash")
        await _fill(pilot, app, {"text": "error"})
        await until(pilot, lambda: log.line_count == 1)
        assert "1 contain 'error'" in _text(screen.query_one("#etl-log-hint"))

        # stop asks first and names the ETL; cancel sends nothing
        calls = len(fake.calls)
        await pilot.press("s")
        await shown(pilot, app, ConfirmDialog)
        assert "Stop ETL md5 (stage Running)." in app.screen.lines
        await pilot.press("escape")
        assert not any(m in ("POST", "DELETE") for m, *_ in fake.calls[calls:])
        await pilot.press("s")
        await shown(pilot, app, ConfirmDialog)
        await pilot.click("#confirm")
        await until(pilot, lambda: ("POST", "/v1/etl/md5/stop", {}) in fake.calls)
        await until(pilot, lambda: any(m == "stop ETL md5: done" for m in _msgs(app)))
        await pilot.press("D")
        await shown(pilot, app, ConfirmDialog)
        assert "This cannot be undone." in app.screen.lines
        await pilot.click("#confirm")
        await until(pilot, lambda: ("DELETE", "/v1/etl/md5", {}) in fake.calls)
        t.move_cursor(row=t.get_row_index("resize-224"))
        await pilot.press("t")
        await shown(pilot, app, ConfirmDialog)
        await pilot.click("#confirm")
        await until(pilot, lambda: ("POST", "/v1/etl/resize-224/start", {}) in fake.calls)

        # init sends the validated spec message as the bare body of PUT /v1/etl
        await pilot.press("n")
        await _fill(pilot, app, {"name": "echo", "image": "aistorage/echo:latest", "env": "MODE=fast",
                                 "init_timeout": "2m", "obj_timeout": "10s"})
        await until(pilot, lambda: any(m == "PUT" and p == "/v1/etl" for m, p, _ in fake.calls))
        (body,) = [b for m, p, b in fake.calls if m == "PUT" and p == "/v1/etl"]
        assert body["name"] == "echo" and body["communication"] == "hpush://"
        assert body["runtime"] == {"image": "aistorage/echo:latest", "command": [],
                                   "env": [{"name": "MODE", "value": "fast"}]}
        assert body["init_timeout"] == "2m" and body["obj_timeout"] == "10s"

        # offline transform starts a job that the monitor follows
        await pilot.press("T")
        await _fill(pilot, app, {"etl": "resize-224", "src": "ais://digits", "dst": "ais://digits-224",
                                 "prefix": "train/"})
        await until(pilot, lambda: any("job etlBckX7 started · press 3 to follow" in m for m in _msgs(app)))
        (tcb,) = [b for m, p, b in fake.calls if b.get("action") == "etl-bck"]
        assert tcb["value"]["id"] == "resize-224" and tcb["value"]["prefix"] == "train/"
        assert app.session.started.follow == ["etlBckX7"]

        # view an object through an ETL (inline transform: GET with etl_name)
        await pilot.press("v")
        await _fill(pilot, app, {"etl": "md5", "object": "ais://photos/README.txt"})
        await until(pilot, lambda: isinstance(app.screen, ETLPreviewDialog)
                    and app.screen.query_one(Preview).kind == "text")


async def test_read_only_refuses_etl_changes():
    """MockTransport (answers written from the v1.5.0 wire types): nothing is sent."""
    fake = EtlCluster()
    app = AISTui(ConnectionSettings(endpoint=ENDPOINT), refresh_s=3600, client=fake.client(), read_only=True)
    async with app.run_test(size=(140, 44), notifications=True) as pilot:
        screen = await _open(pilot, app)
        await until(pilot, lambda: screen.query_one("#etls", LineTable).row_count == 2)
        for key, what in (("n", "init ETL"), ("s", "stop ETL"), ("t", "start ETL"), ("D", "delete ETL"),
                          ("T", "transform")):
            await pilot.press(key)
            await until(pilot, lambda what=what: any(f"read-only mode: {what} is disabled" in m for m in _msgs(app)))
            assert _etl(app) is not None  # no dialog opened
        assert not any(m in ("PUT", "POST", "DELETE") for m, *_ in fake.calls)
