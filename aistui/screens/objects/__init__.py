"""The objects screen: a package of the listing screen (:mod:`.screen`) and its actions
(:mod:`.actions`); the inspector is a widget (:mod:`aistui.widgets.inspector`)."""

from .screen import ObjectsScreen

__all__ = ["ObjectsScreen"]
