"""aistui.playground: a real local AIS cluster and demo data, for ``aistui playground``, the tests
and the benchmarks.

* :mod:`aistui.playground.cluster`: the local-cluster harness (``LocalCluster``), started from
  the ``aisnode`` binary; its node processes are :mod:`aistui.playground.nodes` and their config
  files :mod:`aistui.playground.nodeconf`; the main cluster with ``@remais`` attached
  (``start_pair``) is :mod:`aistui.playground.pair`;
* :mod:`aistui.playground.demo`: demo data derived from scikit-learn's bundled images, uploaded
  through :mod:`aistui.core`.

It builds on :mod:`aistui.core`; the core never imports it (an import-linter contract).
"""
