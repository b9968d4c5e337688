"""The cluster screen (``1``, the first frame): a package of the screen (:mod:`.screen`: nodes,
rates, remote clusters, polled) and its membership actions (:mod:`.membership`: maintenance,
decommission, shutdown, attach and detach remote clusters)."""

from .screen import ClusterScreen

__all__ = ["ClusterScreen"]
