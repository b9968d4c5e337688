"""How each console action is spelled for the command log (:mod:`aistui.cmdlog`): the ``ais``
command that does the same, or, where no single command does, the ``aistore`` Python SDK call.

The builders spell commands as the v1.5.0 ``ais`` CLI does (``cmd/cli/cli/*.go`` and the default
aliases of ``cmd/cli/config/config.go``: ``ais put``, ``ais get``, ``ais prefetch``), every name
quoted with :func:`shlex.quote`; SDK calls quote names as Python literals. Object lists go to
``--list``, which the CLI splits on commas and strips of surrounding spaces (``splitCsv``): a name
that would not survive that has no single-command equivalent, and the entry gives the SDK call
only. Tokens never enter an entry: the builders take names, and the log redacts every text added.

- :mod:`.words`: quoting names as one CLI argument or as an SDK bucket, ``--list`` and its limits;
- :mod:`.data`: buckets and objects (create, copy, evict, prefetch, props, delete, upload,
  download, rename, custom metadata, archive shards, labels);
- :mod:`.admin`: the cluster (config, node lifecycle, remote clusters), jobs (abort, LRU, storage
  cleanup, scrub), mountpaths and ETLs (init, stop, start, delete, transforms);
- :mod:`.objapi`: the rest of the object API on the objects screen (blob download, promote, add a
  file to a shard, get matching members, a chunked upload).
"""
