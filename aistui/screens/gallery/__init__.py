"""The thumbnail gallery (``i`` on the objects screen, ``:gallery ais://bucket/dir/``): a grid of
the images under one virtual directory (recursively: ``train/`` shows ``train/cat/…`` and
``train/dog/…``, each labelled with its path below the directory, so a class folder reads as
the label), or of one shard's members, as many as fit.

One screenful is ONE get-batch request (``GET /v1/ml/moss``, :meth:`aistui.core.batch.BatchAPI.iter_batch`;
a shard's members by ``archpath``): objects whose name is not an image's, or larger than
:data:`~aistui.widgets.thumbs.THUMB_CAP`, are not asked for and show a placeholder. Each answer
is decoded and shrunk with Pillow on a thread (:func:`~aistui.widgets.thumbs.make_thumb`), so the
event loop only draws the small result. A cluster that does not serve get-batch (501/405) gets
one GET per thumbnail instead, 8 at a time, and the hint says so.

Keys: arrows or ``hjkl`` move, ``pgup``/``pgdn`` turn the page, ``space`` selects, ``a`` selects
the whole page, ``enter`` opens the full preview, ``d`` downloads, ``c`` copies to a bucket,
``x`` deletes (after a confirm; refused in read-only), ``e`` exports the selection, ``esc`` back.

The package: the screen (:mod:`.screen`: paging, the grid, the cursor), what it reads from the
cluster (:mod:`.fetch`: the names, a page's thumbnails in one get-batch), the actions on the
chosen thumbnails (:mod:`.actions`) and the full preview (:mod:`.preview`).
"""

from .screen import GalleryScreen

__all__ = ["GalleryScreen"]
