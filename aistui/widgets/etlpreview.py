"""One object as an ETL returns it, in a dialog (the ETL and objects screens open it)."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from ..core.errors import AISError
from ..core.models import Bck
from ..shell import console
from .preview import IMAGE_CAP, TEXT_CAP, Preview, kind_of


class ETLPreviewDialog(ModalScreen[None]):
    """One object as an ETL returns it (inline transform: GET with ``etl_name``), shown in the
    object preview; ``esc`` closes."""

    DEFAULT_CSS = """
    ETLPreviewDialog { align: center middle; }
    ETLPreviewDialog > Vertical { width: 90%; height: 80%; border: heavy $accent; background: $surface; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "close", "Close", id="etlpreview.close")]

    def __init__(self, etl_name: str, bck: Bck, obj: str, protocol: str):
        super().__init__()
        self.etl_name, self.bck, self.obj, self.protocol = etl_name, bck, obj, protocol

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"{self.bck.uname(self.obj)} through ETL {self.etl_name}"), classes="dialog-title")
            yield Preview(protocol=self.protocol, id="etl-preview")

    def on_mount(self) -> None:
        self.query_one(Preview).show_loading(self.obj)
        self.fetch()

    @work(exclusive=True, group="etl-preview", exit_on_error=False)
    async def fetch(self) -> None:
        preview = self.query_one(Preview)
        cap = IMAGE_CAP if kind_of(self.obj) == "image" else TEXT_CAP
        try:
            data = await console(self).session.client.objects.get(self.bck, self.obj, max_bytes=cap + 1,
                                                     etl_name=self.etl_name)
        except AISError as e:
            preview.show_error(self.obj, str(e))
            return
        preview.show_bytes(self.obj, data[:cap], total=len(data), capped=len(data) > cap)

    def action_close(self) -> None:
        self.dismiss(None)
