"""ETL screen: ETLs with their stage, object counts and bytes in and out, plus the cluster's ETL
jobs; a detail pane with the init message, object errors, per-target health and CPU/memory, and
the logs (a following ``Log``; ``/`` shows only the lines that contain a text).

``n`` inits an ETL from a spec (validated before sending), ``s``/``t``/``D`` stop, start and delete
it (each asks first), ``T`` transforms a bucket (or listed objects) into another bucket through it
(a job the jobs screen shows), ``v`` views one object through it (inline ETL). Mutations are
refused in ``--read-only``.

On a cluster without ETL (a default ``aisnode`` build answers 501; ETL also needs Kubernetes) the
screen says so once, still lists the ETL jobs it can see, and does not poll again until ``r``.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from .. import format as fmt
from ..core.errors import AISError, ETLNotAvailable, InvalidInput
from ..core.etl import COMMUNICATORS, ETLView, parse_env, spec_message, validate_etl_name
from ..core.models import Bck, ETLInfo, Job
from ..messages import LoadFailed
from ..spell import admin as spell
from ..widgets.dialogs import ConfirmDialog
from ..widgets.followlog import FollowLog
from ..widgets.form import Field, FormDialog
from ..widgets.jobstyle import STATE_STYLE, buckets_text
from ..widgets.keybar import KeyBar
from ..widgets.linetable import LineTable
from ..widgets.status import StatusBar
from .polling import Polling

ETL_COLUMNS = ("name", "stage", "job", "objects", "in", "out")
JOB_COLUMNS = ("kind", "id", "buckets", "state", "objects", "bytes", "error")
# (width, priority): at 80 columns the ETLs keep name, stage, job and objects; the ETL jobs keep
# kind, id, buckets and state (the error is cut to the room left, else dropped first)
ETL_WIDTHS = ((28, 0), (13, 0), (12, 0), (10, 0), (10, 2), (10, 3))
JOB_WIDTHS = ((13, 0), (12, 0), (34, 0), (8, 0), (10, 3), (10, 4), (40, 5))
STAGE_STYLE = {"Running": "bold green", "Initializing": "cyan", "Aborted": "yellow", "Unknown": "dim"}
NOT_AVAILABLE_HELP = ("A default aisnode build (go install .../aisnode) has no ETL and answers 501; ETL also "
                      "needs AIS deployed on Kubernetes with an ETL-enabled build. Jobs that ran ETLs still "
                      "show below. r checks again.")


class ETLScreen(Polling):
    BINDINGS = [
        Binding("r", "refresh", "Refresh", id="etl.refresh"),
        Binding("enter", "toggle_detail", "Detail", id="etl.detail"),
        Binding("n", "init", "Init", id="etl.init"),
        Binding("s", "stop", "Stop", id="etl.stop"),
        Binding("t", "start", "Start", id="etl.start"),
        Binding("D", "delete", "Delete", id="etl.delete"),
        Binding("T", "transform", "Transform", id="etl.transform"),
        Binding("v", "view_object", "View object", id="etl.view"),
        Binding("slash", "search_log", "Search log", id="etl.search"),
        Binding("p", "pause", "Pause", id="etl.pause"),
        Binding("escape", "close_detail", "Close", id="etl.close", show=False),
    ]

    DEFAULT_CSS = """
    #etl-detail { height: 1fr; border-top: solid $primary-background; display: none; }
    #etl-detail.shown { display: block; }
    #etl-info { height: auto; max-height: 14; }
    #etl-log { height: 1fr; min-height: 5; }
    """

    @dataclass
    class Loaded(Message):
        etls: list[ETLInfo] | None
        problem: str
        jobs: list[Job]

    @dataclass
    class Viewed(Message):
        view: ETLView

    def __init__(self) -> None:
        super().__init__()
        self.available: bool | None = None  # None until the first answer
        self.problem = ""
        self.etls: dict[str, ETLInfo] = {}
        self.loads = 0
        self.view: ETLView | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        yield Static("", id="etl-hint", classes="hint")
        yield LineTable([(c, c, w, p) for c, (w, p) in zip(ETL_COLUMNS, ETL_WIDTHS, strict=True)], zebra=True,
                        id="etls")
        yield Static("ETL jobs", classes="section-title")
        yield LineTable([(c, c, w, p) for c, (w, p) in zip(JOB_COLUMNS, JOB_WIDTHS, strict=True)], id="etl-jobs")
        with Vertical(id="etl-detail"):
            with VerticalScroll(id="etl-info"):
                yield Static("", id="etl-errors")
                yield Static("", id="etl-init")
            yield LineTable([("target", "target", 14), ("health", "health", 12), ("cpu", "cpu", 8),
                             ("memory", "memory", 10)], cursor=False, id="etl-targets")
            hint = Static("", id="etl-log-hint", classes="hint")
            yield hint
            yield FollowLog(hint, id="etl-log")
        yield KeyBar()

    def on_mount(self) -> None:
        for table, most in (("#etls", "40%"), ("#etl-jobs", "30%"), ("#etl-targets", 6)):
            self.query_one(table, LineTable).styles.max_height = most
        self.console.sync_status(self)
        self.query_one(StatusBar).breadcrumb = "etl"
        self.query_one("#etl-hint", Static).update("loading ETLs …")

    # ------------------------------------------------------------------ loading

    POLL_WHAT = "ETL refresh"

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.available is not False:  # a cluster without ETL is not asked again until r
            self.load()

    def can_poll(self) -> bool:
        return bool(self.available)

    @work(exclusive=True, group="etl", exit_on_error=False)
    async def load(self) -> None:
        await self.session.connected.wait()
        client = self.session.client
        etls: list[ETLInfo] | None = None
        problem = ""
        try:
            etls = await client.etl.list()
        except ETLNotAvailable as e:
            problem = str(e)
        except AISError as e:
            self.post_message(LoadFailed(e))
            return
        try:
            jobs = await client.etl.jobs()
        except AISError:
            jobs = []
        self.post_message(self.Loaded(etls, problem, jobs))
        if etls is not None and self.query_one("#etl-detail").has_class("shown"):
            name = self.query_one("#etls", LineTable).cursor_key
            if name:
                await self._fetch_view(name)

    async def _fetch_view(self, name: str) -> None:
        try:
            view = await self.session.client.etl.view(name)
        except AISError as e:
            view = ETLView(name, problems={"ETL": str(e)})
        self.post_message(self.Viewed(view))

    @work(exclusive=True, group="etl-view", exit_on_error=False)
    async def load_view(self, name: str) -> None:
        await self._fetch_view(name)

    @on(Loaded)
    def _loaded(self, msg: Loaded) -> None:
        self.loads += 1
        self.available = msg.etls is not None
        self.problem = msg.problem
        etls = msg.etls or []
        self.etls = {e.name: e for e in etls}
        self.query_one("#etls", LineTable).set_rows(
            (e.name, (e.name, Text(e.stage, style=STAGE_STYLE.get(e.stage, "")), e.xaction_id,
                      f"{e.obj_count:,}", fmt.size(e.in_bytes), fmt.size(e.out_bytes))) for e in etls)
        self.query_one("#etl-jobs", LineTable).set_rows(
            (j.id, (j.display_kind, j.id, buckets_text(j), Text(j.state, style=STATE_STYLE.get(j.state, "")),
                    f"{j.objects:,}", fmt.size(j.bytes), Text(j.error.splitlines()[0] if j.error else "", style="red")))
            for j in msg.jobs)
        hint = self.query_one("#etl-hint", Static)
        if not self.available:
            hint.update(Text.assemble((self.problem, "bold yellow"), "\n", NOT_AVAILABLE_HELP))
            hint.styles.height = "auto"
        else:
            hint.styles.height = 1
            hint.update(Text(f"{len(etls)} ETLs · {len(msg.jobs)} ETL jobs · enter details · n init · "
                             f"T transform · v view an object · " + ("paused" if self.paused else
                                                                      f"every {self.session.refresh_s:g}s")))
        self.poll_ok()

    @on(LoadFailed)
    def _load_failed(self, msg: LoadFailed) -> None:
        self.poll_failed(msg.error)

    # ------------------------------------------------------------------ detail

    def current(self) -> ETLInfo | None:
        return self.etls.get(self.query_one("#etls", LineTable).cursor_key or "")

    def action_toggle_detail(self) -> None:
        pane = self.query_one("#etl-detail")
        e = self.current()
        if pane.has_class("shown") or e is None:
            pane.remove_class("shown")
            return
        pane.add_class("shown")
        self.view = None
        self.query_one(FollowLog).reset()
        self.query_one("#etl-init", Static).update(Text(f"loading {e.name} …"))
        self.load_view(e.name)

    def on_line_table_activated(self, event: LineTable.Activated) -> None:
        if event.table.id == "etls":  # enter on the table
            self.action_toggle_detail()

    def action_close_detail(self) -> None:
        self.query_one("#etl-detail").remove_class("shown")

    def on_line_table_highlighted(self, event: LineTable.Highlighted) -> None:
        if event.table.id == "etls" and self.query_one("#etl-detail").has_class("shown"):
            e = self.current()
            if e is not None and (self.view is None or self.view.name != e.name):
                self.view = None
                self.query_one(FollowLog).reset()
                self.load_view(e.name)

    @on(Viewed)
    def _viewed(self, msg: Viewed) -> None:
        v = msg.view
        e = self.current()
        if e is None or e.name != v.name:
            return
        self.view = v
        init = Text()
        init.append(f"{v.name}", style="bold")
        init.append(f" · stage {e.stage} · job {e.xaction_id or '-'}\n")
        for part, why in v.problems.items():
            init.append(f"{part}: {why}\n", style="red")
        info = self.query_one("#etl-init", Static)
        if v.details is not None:
            info.update(Syntax(json.dumps(v.details.init_msg, indent=2), "json", word_wrap=True))
            errs = Text(f"object errors: {len(v.details.obj_errors)}\n", style="bold")
            for obj, m, code in v.details.obj_errors[:50]:
                errs.append(f"{obj}: {m} ({code})\n", style="red")
            self.query_one("#etl-errors", Static).update(Text.assemble(init, errs))
        else:
            info.update(init)
            self.query_one("#etl-errors", Static).update("")
        rows = []
        for tid in sorted(set(v.health) | set(v.metrics)):
            cpu, mem = v.metrics.get(tid, (0.0, 0.0))
            rows.append((tid, (tid, v.health.get(tid, "?"), f"{cpu:.1f}%" if tid in v.metrics else "",
                               fmt.size(mem) if tid in v.metrics else "")))
        self.query_one("#etl-targets", LineTable).set_rows(rows)
        lines = [f"[{tid}] {line}" for tid in sorted(v.logs) for line in v.logs[tid].splitlines()]
        self.query_one(FollowLog).set_lines(lines)

    def action_search_log(self) -> None:
        if not self.query_one("#etl-detail").has_class("shown"):
            self.notify("open an ETL's details (enter) to search its logs", timeout=3)
            return

        def got(values: dict[str, str] | None) -> None:
            if values is None:
                return
            self.query_one(FollowLog).set_filter(values["text"])

        self.app.push_screen(FormDialog("Search the logs", [Field("text", "Show the lines that contain",
                                                                   self.query_one(FollowLog).filter)],
                                       lambda v: v), got)

    # ------------------------------------------------------------------ actions

    def action_refresh(self) -> None:
        self.load()

    def action_init(self) -> None:
        if self.console.refuse_if_read_only("init ETL"):
            return

        def validate(v: dict[str, str]) -> dict[str, Any]:
            try:
                command = shlex.split(v["command"])
            except ValueError as e:
                raise InvalidInput(f"command: {e}") from None
            return spec_message(v["name"], v["image"], command, communicator=v["communicator"],
                                init_timeout=v["init_timeout"], obj_timeout=v["obj_timeout"],
                                env=parse_env(v["env"]))

        async def init(msg: dict[str, Any]) -> None:
            await self.session.client.etl.init(msg)  # its job lasts while the ETL runs

        def done(msg: dict[str, Any] | None) -> None:
            if msg is not None:
                self.run_call(f"init ETL {msg['name']}", init(msg), self.load, spell.etl_init(msg))

        self.app.push_screen(FormDialog("Init an ETL", [
            Field("name", "Name (lower-case letters, digits and '-')", placeholder="md5"),
            Field("image", "Container image", placeholder="aistorage/transformer_md5:latest"),
            Field("command", "Command (shell words; empty: the image's own)",
                  placeholder="uvicorn fastapi_server:fastapi_app --host 0.0.0.0 --port 8000"),
            Field("communicator", "Communicator", value="hpush://", choices=COMMUNICATORS),
            Field("init_timeout", "Init timeout", value="5m"),
            Field("obj_timeout", "Object timeout", value="45s"),
            Field("env", "Environment (NAME=VALUE, comma separated)", placeholder="FORMAT=jpeg, QUALITY=90"),
        ], validate, submit_label="Init"), done)

    def _confirm(self, verb: str, lines: list[str], call_of, cmd_of) -> None:
        e = self.current()
        if e is None or self.console.refuse_if_read_only(f"{verb.lower()} ETL"):
            return

        def done(ok: bool | None) -> None:
            if ok:
                self.run_call(f"{verb.lower()} ETL {e.name}", call_of(e.name), self.load, cmd_of(e.name))

        self.app.push_screen(ConfirmDialog(f"{verb} ETL", [f"{verb} ETL {e.name} (stage {e.stage})."] + lines,
                                           confirm_label=verb), done)

    def action_stop(self) -> None:
        self._confirm("Stop", ["Its pods stop on every target; inline and offline transforms through it fail "
                               "until it is started again."], self.session.client.etl.stop, spell.etl_stop)

    def action_start(self) -> None:
        self._confirm("Start", ["AIS starts an ETL only from the Aborted stage."], self.session.client.etl.start,
                      spell.etl_start)

    def action_delete(self) -> None:
        self._confirm("Delete", ["It is stopped and removed from the cluster; its spec is gone.",
                                 "This cannot be undone."], self.session.client.etl.delete,
                      spell.etl_delete)

    def _etl_name_field(self) -> Field:
        e = self.current()
        return Field("etl", "ETL name", e.name if e else "", "md5")

    def action_transform(self) -> None:
        if self.console.refuse_if_read_only("transform"):
            return

        def validate(v: dict[str, str]) -> tuple[str, Bck, Bck, str, list[str]]:
            name = validate_etl_name(v["etl"])
            src = Bck.parse(v["src"] if "://" in v["src"] else f"ais://{v['src']}")
            dst = Bck.parse(v["dst"] if "://" in v["dst"] else f"ais://{v['dst']}")
            names = [n for n in (x.strip() for x in v["objects"].split(",")) if n]
            return name, src, dst, v["prefix"], names

        def done(r: tuple[str, Bck, Bck, str, list[str]] | None) -> None:
            if r is None:
                return
            name, src, dst, prefix, names = r
            client = self.session.client
            if names:
                call = client.objects.transform_many(src, dst, name, names=names)
                what = f"transform {len(names)} objects of {src} → {dst} through {name}"
                cmd = spell.transform_objects(name, src, dst, names)
            else:
                call = client.buckets.transform(src, dst, name, prefix=prefix)
                what = f"transform {src}{'/' + prefix if prefix else ''} → {dst} through {name}"
                cmd = spell.transform_bucket(name, src, dst, prefix=prefix)
            self.run_call(what, call, self.load, cmd)

        self.app.push_screen(FormDialog("Offline transform", [
            self._etl_name_field(),
            Field("src", "Source bucket", placeholder="ais://images"),
            Field("dst", "Destination bucket (created if missing)", placeholder="ais://images-transformed"),
            Field("prefix", "Only objects under this prefix (bucket transform)"),
            Field("objects", "Or only these objects (comma separated)"),
        ], validate, help_text="Starts a job; the jobs screen (3) follows it.", submit_label="Transform"), done)

    def action_view_object(self) -> None:
        def validate(v: dict[str, str]) -> tuple[str, Bck, str]:
            name = validate_etl_name(v["etl"])
            uri = v["object"] if "://" in v["object"] else f"ais://{v['object']}"
            scheme, rest = uri.split("://", 1)
            bname, sep, obj = rest.partition("/")
            if rest.startswith("@"):  # ais://@remais/bucket/obj
                ns, _, tail = rest.partition("/")
                bname, sep, obj = tail.partition("/")
                bname = f"{ns}/{bname}"
            if not sep or not obj:
                raise InvalidInput("give the object as ais://bucket/object")
            return name, Bck.parse(f"{scheme}://{bname}"), obj

        def done(r: tuple[str, Bck, str] | None) -> None:
            if r is not None:
                self.console.show_etl_preview(*r)

        self.app.push_screen(FormDialog("View an object through an ETL", [
            self._etl_name_field(), Field("object", "Object", placeholder="ais://images/cat.jpg")],
            validate, submit_label="View"), done)

