"""What the dry-run needs that a plain ``pip install aistui`` does not bring.

The dry-run's children (:mod:`aistui.export.harness`, :mod:`aistui.export.reference`) and the
generated code import torch, the aistore SDK and, depending on the style and options, a few more
packages. They run on the console's own interpreter (``sys.executable``, same environment), so
:func:`missing_for_dry_run` asks that interpreter's import system with
:func:`importlib.util.find_spec` on top-level names: nothing is imported, torch least of all.
Generating, copying and saving code never check this (they need none of it).
"""

from __future__ import annotations

import importlib.util

__all__ = ["INSTALL_HINT", "missing_for_dry_run", "dry_run_message", "check_dry_run", "check_tune"]

INSTALL_HINT = "pip install 'aistui[torch]'"

#: top-level module -> what the user is told is missing (all of them come with ``aistui[torch]``)
WHAT = {
    "torch": "torch",
    "aistore": "the aistore SDK",
    "alive_progress": "alive-progress",  # aistore.pytorch imports it
    "numpy": "numpy",
    "PIL": "Pillow",
}

#: the styles whose code imports ``aistore.pytorch`` (``plain`` and ``pipe`` use the SDK only)
PLUGIN_STYLES = ("iter", "map", "shard", "batch")


def needed_modules(style: str, *, decode: bool = False) -> list[str]:
    """The top-level modules the dry-run of a ``style`` loader imports: ``torch`` and ``aistore``
    always (the harness and the code), ``alive_progress`` for the plugin styles
    (:data:`PLUGIN_STYLES`, imported by ``aistore.pytorch``), ``numpy`` and ``PIL`` when
    decoding (the code and the decode reference). Returns them in that order; raises nothing."""
    mods = ["torch", "aistore"]
    if style in PLUGIN_STYLES:
        mods.append("alive_progress")
    if decode:
        mods += ["numpy", "PIL"]
    return mods


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:  # a finder refused it
        return False
    except ValueError:  # in sys.modules without a __spec__ (e.g. run as __main__): it is there
        return True


def missing_for_dry_run(style: str, *, decode: bool = False) -> list[str]:
    """What the dry-run of a ``style`` loader (``decode``: images decoded) needs and this
    interpreter cannot import, as the user is told it (``"torch"``, ``"the aistore SDK"``, ...),
    in :func:`needed_modules` order; an empty list when everything is there. Looks modules up
    with :func:`importlib.util.find_spec` (imports nothing); raises nothing."""
    return [WHAT[m] for m in needed_modules(style, decode=decode) if not _importable(m)]


def dry_run_message(missing: list[str], what_needs: str = "the dry-run") -> str:
    """One line naming ``missing`` (as :func:`missing_for_dry_run` returns it) and how to add
    it, e.g. ``the dry-run needs torch and the aistore SDK: pip install 'aistui[torch]'``.
    Returns ``""`` for an empty list; raises nothing."""
    if not missing:
        return ""
    what = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
    return f"{what_needs} needs {what}: {INSTALL_HINT}"


def check_dry_run(style: str, *, decode: bool = False) -> str:
    """:func:`dry_run_message` of :func:`missing_for_dry_run`: ``""`` when the dry-run can start,
    else the one-line message to show instead of starting it. Raises nothing."""
    return dry_run_message(missing_for_dry_run(style, decode=decode))


def check_tune(styles: list[str], *, decode: bool = False) -> str:
    """The tuner's check (:mod:`aistui.export.tune` runs the dry-run harness for every style in
    ``styles``): ``""`` when it can start, else one line such as ``the tuner needs torch:
    pip install 'aistui[torch]'`` naming everything any of the styles lacks, in
    :func:`needed_modules` order. Imports nothing; raises nothing."""
    missing: list[str] = []
    for style in styles or ["iter"]:
        for m in missing_for_dry_run(style, decode=decode):
            if m not in missing:
                missing.append(m)
    return dry_run_message(missing, "the tuner")
