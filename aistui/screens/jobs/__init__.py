"""The job monitor (``3``, ``:jobs``): a package of the screen (:mod:`.screen`: the table of jobs
merged across targets, polled, filtered, sorted; abort), its detail pane (:mod:`.detail`) and
housekeeping (:mod:`.housekeeping`: LRU, storage cleanup, scrub, and their reports)."""

from .screen import JobsScreen

__all__ = ["JobsScreen"]
