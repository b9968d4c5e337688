"""The usage map's cluster mode and its actions on a directory, on the real local cluster: ``m``
switches to one summary job per directory and the table agrees with the exact listing; going
back up shows the kept map without listing again; drilling down in exact mode shows the map the
top's listing already counted; ``c`` copies a directory to another bucket; ``x`` deletes one
after a confirm (a job through the session, logged as ``ais object rm BUCKET --prefix P``) and
the map is computed again; ``E``/``f`` say an ais bucket has nothing to evict or prefetch; on a
@remais bucket ``E`` evicts a directory (asks first) and ``f`` prefetches it back, the cached
share following. The read-only refusals are in tests/ui/test_read_only.py."""

from __future__ import annotations

from textual.widgets import Input

from aistui.app import AISTui
from aistui.core import AISClient, Bck, ConnectionSettings
from aistui.screens.usage import LOOSE_KEY, UsageScreen
from aistui.widgets.dialogs import ConfirmDialog, PromptDialog
from aistui.widgets.linetable import LineTable
from tests.integration.test_usage import TREE, fill
from tests.util import shown, until


def _cells(table: LineTable, column: str) -> dict[str, str]:
    return {k: table.get_cell(k, column).strip() for k in table.keys}


async def test_cluster_mode_and_delete_a_directory(ais, client: AISClient, bucket: Bck):
    await fill(client, bucket, TREE)
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await until(pilot, lambda: app.health == "ok")
        app.show_usage(bucket)
        await shown(pilot, app, UsageScreen)
        screen = app.screen
        assert isinstance(screen, UsageScreen)
        table = screen.query_one(LineTable)
        hint = screen.query_one("#usage-hint")
        await until(pilot, lambda: screen.snapshot is not None and screen.snapshot.done)
        exact = (_cells(table, "objects"), _cells(table, "size"))
        await pilot.press("m")  # cluster mode: a summary job per directory and one for the prefix
        await until(pilot, lambda: screen.snapshot is not None and screen.snapshot.done
                    and screen.snapshot.mode == "cluster")
        assert (_cells(table, "objects"), _cells(table, "size")) == exact
        assert "cluster: 3 summary jobs (summary-bck): 14 objects" in str(hint.content)
        # drill down and back up: the top's map is kept, not computed again
        table.move_cursor(row=table.get_row_index("a/"))
        await pilot.press("enter")
        await until(pilot, lambda: screen.prefix == "a/" and screen.snapshot is not None and screen.snapshot.done)
        assert _cells(table, "objects") == {LOOSE_KEY: "5", "b/": "3"}
        runs = screen._run
        await pilot.press("backspace")
        await until(pilot, lambda: screen.prefix == "" and screen.snapshot is not None)
        assert screen.snapshot.done and screen._run == runs + 1 and table.keys == ["a/", "c/", LOOSE_KEY]
        await pilot.press("m")  # exact again
        await until(pilot, lambda: screen.snapshot is not None and screen.snapshot.done
                    and screen.snapshot.mode == "exact")
        top = screen.snapshot
        assert top.below is not None
        table.move_cursor(row=table.get_row_index("a/"))
        await pilot.press("enter")  # the top's listing already counted a/'s children: no new one
        await until(pilot, lambda: screen.prefix == "a/")
        assert screen.snapshot is top.below["a/"] and _cells(table, "objects") == {LOOSE_KEY: "5", "b/": "3"}
        await pilot.press("backspace")
        await until(pilot, lambda: screen.prefix == "" and screen.snapshot is top)
        # E / f on an ais bucket: nothing to evict or prefetch
        await pilot.press("E")
        await until(pilot, lambda: any("not a remote bucket" in n.message for n in app._notifications))
        # c on c/: copied to another bucket (created), names kept
        dst = Bck.parse(f"ais://{bucket.name}-copy")
        try:
            table.move_cursor(row=table.get_row_index("c/"))
            await pilot.press("c")
            await until(pilot, lambda: isinstance(app.screen, PromptDialog))
            app.screen.query_one(Input).value = str(dst)
            await pilot.press("enter")
            await shown(pilot, app, UsageScreen)
            await until(pilot, lambda: any(e.cli == f"ais bucket cp {bucket} {dst} --prefix c/" and e.ok
                                           for e in app.session.cmdlog))
            await until(pilot, lambda: screen.snapshot is not None and screen.snapshot.done, tries=1200)
            copied = {e.name for e in await client.objects.list_all(dst)}
            assert copied == {f"c/d/e/{i}" for i in range(4)}
        finally:
            await client.buckets.destroy(dst, missing_ok=True)
        # x on c/: the confirm names it, then the job deletes it and the map is computed again
        table.move_cursor(row=table.get_row_index("c/"))
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert f"every object under {bucket}/c/ (4 objects, 28 B when counted)" in app.screen.lines[0]
        await pilot.click("#confirm")
        await shown(pilot, app, UsageScreen)
        await until(pilot, lambda: screen.snapshot is not None and screen.snapshot.done
                    and table.keys == ["a/", LOOSE_KEY], tries=1200)
        names = {e.name for e in await client.objects.list_all(bucket)}
        assert not any(n.startswith("c/") for n in names) and "a/1" in names
        assert any(e.cli == f"ais object rm {bucket} --prefix c/" for e in app.session.cmdlog)


async def test_evict_then_prefetch_a_directory_of_a_remote_bucket(ais, client: AISClient, remote_bucket: Bck):
    await fill(client, remote_bucket, TREE)
    app = AISTui(ConnectionSettings(endpoint=ais.endpoint), refresh_s=60)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await until(pilot, lambda: app.health == "ok")
        app.jump(f"du {remote_bucket}/")
        await shown(pilot, app, UsageScreen)
        screen = app.screen
        assert isinstance(screen, UsageScreen)
        table = screen.query_one(LineTable)

        def cached(key: str) -> str:
            return " ".join(table.get_cell(key, "cached").split())

        await until(pilot, lambda: screen.snapshot is not None and screen.snapshot.done and "a/" in table.keys)
        assert cached("a/") == "100% 1.5 KiB"
        first = screen.snapshot
        table.move_cursor(row=table.get_row_index("a/"))
        await pilot.press("E")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.click("#confirm")
        await shown(pilot, app, UsageScreen)
        await until(pilot, lambda: screen.snapshot is not first and screen.snapshot is not None
                    and screen.snapshot.done and cached("a/") == "0% 0 B", tries=1200)
        assert cached("c/") == "100% 28 B"  # the other directory is untouched
        second = screen.snapshot
        table.move_cursor(row=table.get_row_index("a/"))
        await pilot.press("f")  # prefetch: no confirm (it only reads from the backend)
        await until(pilot, lambda: screen.snapshot is not second and screen.snapshot is not None
                    and screen.snapshot.done and cached("a/") == "100% 1.5 KiB", tries=1200)
        clis = [e.cli for e in app.session.cmdlog]
        assert f"ais bucket evict {remote_bucket} --prefix a/" in clis
        assert f"ais prefetch {remote_bucket} --prefix a/" in clis
