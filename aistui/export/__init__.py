"""PyTorch export: loader code generation (:mod:`.snippet`, over :mod:`.spec`, :mod:`.render`
and :mod:`.render_loader`), its dry-run (:mod:`.dryrun`, with :mod:`.figures` and :mod:`.schema`) and class discovery
(:mod:`.discover`). This package's ``__init__`` holds only the option tables, so
that ``aistui --help`` builds its parser without importing the generator or the core models."""

#: style -> (what the user picks from, one line on when to use it)
STYLES: dict[str, tuple[str, str]] = {
    "iter": ("AISIterDataset", "streams objects; lists lazily in each worker"),
    "map": ("AISMapDataset", "indexable: shuffle, DistributedSampler; lists everything up front"),
    "shard": ("AISShardReader", "WebDataset tar shards: one GET per shard, many samples"),
    "batch": ("AISBatchIterDataset", "get-batch: many objects per request (fewer round trips)"),
    "plain": ("plain Dataset+Client", "no plugin: a plain map-style Dataset over the SDK"),
    "pipe": ("pipelined get-batch", "K get-batch requests in flight per worker, in order (fastest per-object)"),
}

#: label source -> description
LABELS: dict[str, str] = {
    "none": "no labels",
    "folder": "the class folder in the object name (train/<class>/x.png)",
    "mapping": "a JSON mapping file {name or key: label} (ais://bucket/file or a local path)",
    "member": "a member of each shard sample (e.g. its .cls file)",
}

#: class weighting -> description (the weights come from the balance view, B on the objects screen)
WEIGHTINGS: dict[str, str] = {
    "none": "no class weights",
    "loss": "loss_weights(): per-label weights for CrossEntropyLoss(weight=...)",
    "sampler": "make_sampler(labels): a WeightedRandomSampler drawing the classes evenly",
}

#: how the ranks of a DDP dry-run start (``multiprocessing`` start methods; ``--start-method``)
START_METHODS: tuple[str, ...] = ("fork", "spawn", "forkserver")
