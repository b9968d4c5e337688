"""The gallery's full preview (``enter``): one object, or one shard member, over the grid, in
the objects screen's :class:`~aistui.widgets.preview.Preview`."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen

from ...core.errors import AISError
from ...core.models import Bck
from ...widgets.preview import IMAGE_CAP, TEXT_CAP, Preview, kind_of


class FullPreview(ModalScreen[None]):
    """The full preview of one object (or shard member) over the gallery: the objects screen's
    :class:`~aistui.widgets.preview.Preview`, its bytes read capped (``IMAGE_CAP``/``TEXT_CAP``);
    ``esc`` closes."""

    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="gallery_preview.close")]
    DEFAULT_CSS = """
    FullPreview { align: center middle; }
    FullPreview > Vertical { width: 90%; height: 90%; border: round $primary; background: $surface; }
    """

    def __init__(self, bck: Bck, name: str, size: int, shard: str, protocol: str):
        super().__init__()
        self.bck, self.name_, self.size_, self.shard, self.protocol = bck, name, size, shard, protocol

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Preview(self.protocol, id="full-preview")

    def on_mount(self) -> None:
        self.query_one(Preview).show_loading(self.name_)
        self.load()

    @work(exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        from ...shell import console

        client = console(self).session.client
        preview = self.query_one(Preview)
        cap = IMAGE_CAP if kind_of(self.name_) == "image" else TEXT_CAP
        try:
            if self.shard:
                data = b""
                async for chunk in client.objects.iter_get(self.bck, self.shard, archpath=self.name_):
                    data += chunk
                    if len(data) >= cap:
                        break
                total = max(self.size_, len(data))
            else:
                data = await client.objects.get(self.bck, self.name_, max_bytes=cap) if self.size_ else b""
                total = self.size_
            preview.show_bytes(self.name_, data[:cap], total=total, capped=total > len(data[:cap]))
        except AISError as e:
            preview.show_error(self.name_, str(e))

    def action_close(self) -> None:
        self.dismiss(None)
