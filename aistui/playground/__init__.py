"""aistui.playground: a real local AIS cluster and demo data, for ``aistui playground``, the tests
and the benchmarks.

* :mod:`aistui.playground.cluster`: the local-cluster harness (``LocalCluster``, ``start_pair``),
  started from the ``aisnode`` binary;
* :mod:`aistui.playground.demo`: demo data derived from scikit-learn's bundled images, uploaded
  through :mod:`aistui.core`.

It builds on :mod:`aistui.core`; the core never imports it (an import-linter contract).
"""
