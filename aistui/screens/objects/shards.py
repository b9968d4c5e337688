"""The objects screen's ``W`` (WebDataset shards): make shards of a directory on the cluster
(:mod:`aistui.core.shards`, the multi-object archive job), watch the job in the job monitor,
verify the shards, and open the export on them with the shard style.

One worker runs the whole flow: it asks whether the cluster has dsort (the form says so), shows
the form (:func:`shard_form`), plans (one listing), asks to confirm with what will be touched
(the ``.cls`` label objects written next to the samples, the shards), then
:meth:`Session.make_shards` (the archive job ids tracked: the end toast, ``3`` follows them) and
:meth:`Session.finish_shards` (wait, verify, remove the labels). The verification's one line is a
toast; a verified run posts :class:`ShardsVerified`, whose handler opens the export.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.message import Message

from ...core.errors import AISError, InvalidInput
from ...widgets.dialogs import ConfirmDialog
from ...widgets.form import Field, FormDialog
from ...widgets.objlist import ObjectList
from ..base import AISScreen

if TYPE_CHECKING:
    from ...core.models import Bck
    from ...core.shards import ShardOptions, ShardPlan

ORDERS = ("ordered", "shuffled")
LABEL_CHOICES = ("from class folders (.cls)", "none")


def shard_form(src: Bck, prefix: str, *, dsort: bool) -> FormDialog:
    """The form: destination, size or samples per shard, order and seed, name template, labels.
    Dismisses with ``(dst Bck, dst prefix, ShardOptions)`` or None."""
    from ...core.models import Bck as _Bck
    from ...core.shards import ShardOptions, parse_size

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


@dataclass
class ShardsVerified(Message):
    """The shards of ``plan`` were made and verified: the export opens on them."""

    plan: Any  # ShardPlan


class ShardActions(AISScreen):
    """``W`` on the objects screen (:class:`~.screen.ObjectsScreen` provides ``bck``, ``prefix``)."""

    bck: Bck
    prefix: str

    def action_make_shards(self) -> None:
        """``W``: make WebDataset shards of the directory under the cursor, else of the
        directory shown (refused in read-only mode)."""
        if self.console.refuse_if_read_only("make shards"):
            return
        if any(w.node is self and w.group == "shards" and not w.is_finished for w in self.workers):
            # a second run would cancel the first (exclusive) and leave its labels behind
            self.notify("make shards: one run at a time; wait for its verification", markup=False)
            return
        name = self.query_one(ObjectList).cursor_key or ""
        self.make_shards(name if name.endswith("/") else self.prefix)

    @work(exclusive=True, group="shards", exit_on_error=False)
    async def make_shards(self, prefix: str) -> None:
        """The flow of the module docstring, for ``prefix`` of ``bck``."""
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
        what = f"make {len(p.shards)} shards in {p.dst}"
        try:
            ids = await self.session.make_shards(p)
            self.console.track_job(ids, what)
            self.notify(f"{what}: archive job {', '.join(ids)} · press 3 to follow", markup=False, timeout=6)
            v = await self.session.finish_shards(p, ids)
        except AISError as e:
            self.notify(f"{what} failed: {e}", severity="error", markup=False, timeout=10)
            return
        self.notify(v.summary(), severity="information" if v.ok else "error", markup=False, timeout=12)
        if v.ok:
            self.post_message(ShardsVerified(p))

    @on(ShardsVerified)
    def _open_export(self, msg: ShardsVerified) -> None:
        p = msg.plan
        self.console.show_export(p.dst, p.template_prefix,
                                 preset={"style": "shard", "labels": "member" if p.classes or p.layout == "flat"
                                         else "none"})
