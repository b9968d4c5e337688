"""The objects screen's ``W`` (WebDataset shards): make shards of a directory on the cluster
(:mod:`aistui.core.shards`, the multi-object archive job), watch the job in the job monitor,
verify the shards, and open the export on them with the shard style.

The screen's worker asks whether the cluster has dsort (the form says so), shows the form
(:func:`shard_form`), plans (one listing) and asks to confirm with what will be touched (the
``.cls`` label objects written next to the samples, the shards). The run itself
(:func:`run_shards`) is an app worker, so that leaving the objects screen does not cancel it
between writing the labels and removing them: :meth:`Session.make_shards` (the archive job ids
tracked: the end toast, ``3`` follows them), :meth:`Session.finish_shards` (wait, verify, remove
the labels), the verification's one line as a toast, then the export on the shards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from ...core.errors import AISError, InvalidInput
from ...widgets.dialogs import ConfirmDialog
from ...widgets.form import Field, FormDialog
from ...widgets.objlist import ObjectList
from ..base import AISScreen

if TYPE_CHECKING:
    from textual.app import App

    from ...core.models import Bck
    from ...core.shardplan import ShardOptions, ShardPlan
    from ...shell import Console

SHARDS_GROUP = "shards"  #: the app worker group of a run (one at a time)
ORDERS = ("ordered", "shuffled")
LABEL_CHOICES = ("from class folders (.cls)", "none")


def shard_form(src: Bck, prefix: str, *, dsort: bool) -> FormDialog:
    """The form: destination, size or samples per shard, order and seed, name template, labels.
    Dismisses with ``(dst Bck, dst prefix, ShardOptions)`` or None."""
    from ...core.models import Bck as _Bck
    from ...core.shardplan import ShardOptions, parse_size

    stem = prefix.rstrip("/").rsplit("/", 1)[-1] or src.name
    fields = [
        Field("dst", "destination bucket[/prefix/]", f"ais://{src.name}-shards"),
        Field("per", "shard size (128MiB) or samples per shard (a plain number)", "128MiB"),
        Field("order", "order", ORDERS[0], choices=ORDERS),
        Field("seed", "seed (shuffled)", "0"),
        Field("template", "shard names", f"{stem}-{{000000..999999}}.tar"),
        Field("labels", "labels", LABEL_CHOICES[0], choices=LABEL_CHOICES),
    ]

    def validate(v: dict[str, str]) -> tuple[Bck, str, ShardOptions]:
        uri = v["dst"] if "://" in v["dst"] else f"ais://{v['dst']}"
        bucket, _, dst_prefix = uri.partition("://")[2].partition("/")
        dst = _Bck.parse(uri.split("://")[0] + "://" + bucket)
        if dst_prefix and not dst_prefix.endswith("/"):
            dst_prefix += "/"
        per = v["per"]
        size, count = (0, int(per)) if per.isdigit() else (parse_size(per), 0)
        try:
            seed = int(v["seed"] or "0")
        except ValueError:
            raise InvalidInput(f"the seed is a number, not {v['seed']!r}") from None
        opts = ShardOptions(size=size, count=count, shuffle=v["order"] == "shuffled", seed=seed,
                            template=v["template"], labels=v["labels"] == LABEL_CHOICES[0])
        opts.check()
        return dst, dst_prefix, opts

    how = ("This cluster has dsort, but the archive job is used." if dsort else
           "This cluster has no dsort (aisnode built without the dsort tag): the archive job is used.")
    title = f"Make shards of {src}/{prefix} · archive job{'' if dsort else ', no dsort here'}"
    return FormDialog(title, fields, validate, submit_label="Plan",
                      help_text=f"{how} Class folders become .cls members: tiny .cls objects are written "
                                "next to the samples first and removed after the verification.")


def plan_text(p: ShardPlan) -> list[str]:
    """The confirm dialog's lines: what will be written where."""
    o = p.options
    cut = f"{o.count:,} samples a shard" if o.count else f"~{o.size:,} bytes a shard"
    lines = [f"{p.samples:,} samples ({p.objects:,} objects, {p.bytes:,} bytes, {p.layout}) → "
             f"{len(p.shards):,} shards in {p.dst}/{p.dst_prefix} ({cut}, "
             f"{'shuffled, seed ' + str(o.seed) if o.shuffle else 'in name order'})",
             f"first: {p.shards[0].name}, last: {p.shards[-1].name}"]
    if p.labels:
        lines.append(f"writes {len(p.labels):,} .cls objects next to the samples in {p.src}/{p.prefix} "
                     "(removed after the verification)")
    clashes = p.base_clashes(1)
    if clashes:
        lines.append(f"note: samples share a base name within a shard ({clashes[0]}): the SDK's AISShardReader "
                     "groups members by base name and would merge them")
    return lines


class ShardActions(AISScreen):
    """``W`` on the objects screen (:class:`~.screen.ObjectsScreen` provides ``bck``, ``prefix``)."""

    bck: Bck
    prefix: str

    def action_make_shards(self) -> None:
        """``W``: make WebDataset shards of the directory under the cursor, else of the
        directory shown (refused in read-only mode; one run at a time)."""
        if self.console.refuse_if_read_only("make shards"):
            return
        if any(w.group == SHARDS_GROUP and not w.is_finished for w in self.app.workers):
            # a second run would cancel the first (exclusive) and leave its labels behind
            self.notify("make shards: one run at a time; wait for its verification", markup=False)
            return
        name = self.query_one(ObjectList).cursor_key or ""
        self.ask_shards(name if name.endswith("/") else self.prefix)

    @work(exclusive=True, group="shards-form", exit_on_error=False)
    async def ask_shards(self, prefix: str) -> None:
        """The form, the plan and the confirm for ``prefix`` of ``bck``; then the run starts as
        an app worker (:func:`run_shards`)."""
        from ...core import shards as sh

        client = self.session.client
        try:
            dsort = await sh.dsort_available(client)
        except AISError:
            dsort = False
        choice = await self.app.push_screen_wait(shard_form(self.bck, prefix, dsort=dsort))
        if choice is None:
            return
        dst, dst_prefix, opts = choice
        try:
            p = await sh.plan(client, self.bck, prefix, dst, opts, dst_prefix=dst_prefix)
        except AISError as e:
            self.notify(f"make shards: {e}", severity="error", markup=False, timeout=10)
            return
        if not await self.app.push_screen_wait(ConfirmDialog("Make shards?", plan_text(p),
                                                             confirm_label="Make shards")):
            return
        self.app.run_worker(run_shards(self.app, self.console, p), group=SHARDS_GROUP, exclusive=True,
                            exit_on_error=False, description=f"make shards in {p.dst}")


async def run_shards(app: App[object], shell: Console, p: ShardPlan) -> None:
    """Make, wait, verify (:meth:`Session.make_shards`, :meth:`Session.finish_shards`), toast the
    verification and open the export on the shards. It runs as an APP worker, not the objects
    screen's: leaving that screen must not cancel a run between writing the labels and removing
    them; so it talks to the shell (``app.notify``, ``shell.show_export``), not to a screen."""
    what = f"make {len(p.shards)} shards in {p.dst}"
    try:
        ids = await shell.session.make_shards(p)
        shell.track_job(ids, what)
        app.notify(f"{what}: archive job {', '.join(ids)} · press 3 to follow", markup=False, timeout=6)
        v = await shell.session.finish_shards(p, ids)
    except AISError as e:
        app.notify(f"{what} failed: {e}", severity="error", markup=False, timeout=10)
        return
    app.notify(v.summary(), severity="information" if v.ok else "error", markup=False, timeout=12)
    if v.ok:
        shell.show_export(p.dst, p.template_prefix,
                          preset={"style": "shard", "labels": "member" if p.classes or p.layout == "flat" else "none"})
