"""The export screen (``e`` on the objects screen, ``:export``): PyTorch loader code for a
bucket, prefix or selection, and its dry-run. A package of the screen (:mod:`.screen`: the code,
copy and save), its form (:mod:`.form`: the fields and the one mapping from them to an
:class:`~aistui.export.spec.ExportSpec`), the runs (:mod:`.runs`: the dry-run ``r``, the live
dry-run ``l``, the tuner ``T``) and the results' table rows, chart and plot series
(:mod:`.results`). Nothing here imports torch or aistore."""

from .screen import ExportScreen

__all__ = ["ExportScreen"]
