"""Local paths of a transfer: which files an upload sends under which object names
(:func:`plan_upload`) and how it reads them (:func:`local_file` checks a file and reads a small one
whole, :func:`file_chunks` streams a larger one off the event loop), and where a download writes
each object, never outside the chosen directory (:func:`safe_local_path`, :class:`DestTree`). No
network; used by :mod:`aistui.core.transfer` (which re-exports the first two) and
:mod:`aistui.core.objdata`.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob as globmod
import itertools
import os
import stat
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path, PurePosixPath

from .errors import InvalidInput
from .names import object_name_problem

__all__ = ["DestTree", "plan_upload", "safe_local_path", "local_file", "file_chunks", "open_temp", "write_all",
           "write_file"]


def plan_upload(sources: Sequence[str | Path], prefix: str = "") -> list[tuple[Path, str]]:
    """Expand files, directories (recursively) and glob patterns into ``(path, object name)``.

    A file maps to ``prefix + basename``; a directory ``d`` maps its files to
    ``prefix + d.name + "/" + relative path``. Raises :class:`InvalidInput` for a source that
    matches nothing or a name the cluster would refuse (the reason is named)."""
    out: list[tuple[Path, str]] = []
    for src in sources:
        s = str(src)
        matches = [Path(m) for m in sorted(globmod.glob(s))] if globmod.has_magic(s) else [Path(s)]
        if not matches or not all(m.exists() for m in matches):
            raise InvalidInput(f"nothing to upload at {s!r}")
        for m in matches:
            if m.is_dir():
                base = m.resolve().name
                for root, dirs, files in os.walk(m):
                    dirs.sort()
                    for fn in sorted(files):
                        p = Path(root) / fn
                        rel = p.relative_to(m).as_posix()
                        out.append((p, f"{prefix}{base}/{rel}"))
            else:
                out.append((m, f"{prefix}{m.name}"))
    for p, name in out:
        problem = object_name_problem(name)
        if problem:
            raise InvalidInput(f"cannot upload {p}: {problem}")
    return out


def _local_name(obj_name: str, strip_prefix: str, dest: Path | str) -> str:
    """``obj_name`` without ``strip_prefix``, checked lexically: a relative path of plain
    components. Raises :class:`InvalidInput` naming the object otherwise."""
    name = obj_name[len(strip_prefix):] if strip_prefix and obj_name.startswith(strip_prefix) else obj_name
    raw_parts = name.split("/")
    if (not name or PurePosixPath(name).is_absolute() or name.startswith(("/", "\\"))
            or any(p in ("..", ".", "") for p in raw_parts)):
        raise InvalidInput(f"refusing to write object {obj_name!r}: it would land outside {dest}")
    if "\x00" in name or "\\" in name and os.sep == "\\":
        raise InvalidInput(f"refusing to write object {obj_name!r}: unsafe characters for a local path")
    return name


def _inside(root: Path, p: Path) -> bool:
    return p == root or root in p.parents


def safe_local_path(dest: Path, obj_name: str, strip_prefix: str = "") -> Path:
    """Where object ``obj_name`` goes under ``dest``; never outside it.

    ``strip_prefix`` is removed from the front of the name first. Absolute names, ``..``
    components, and anything that resolves outside ``dest`` raise :class:`InvalidInput`."""
    name = _local_name(obj_name, strip_prefix, dest)
    root = dest.resolve()
    target = (root / Path(*PurePosixPath(name).parts)).resolve()
    if not _inside(root, target):
        raise InvalidInput(f"refusing to write object {obj_name!r}: it would land outside {dest}")
    return target


class DestTree:
    """Where a download writes many objects under one directory, never outside it: the
    per-object form of :func:`safe_local_path` with the resolved directories cached.

    :meth:`path` checks each name lexically and resolves each distinct parent directory once (a
    symlinked directory leading out of ``dest`` is refused); the file itself is then replaced by
    rename, which never follows a symlink at the destination. :meth:`make_parent` creates a
    parent directory once per download. Raises :class:`InvalidInput` as :func:`safe_local_path`."""

    def __init__(self, dest: Path | str):
        self.dest = Path(dest)
        self.root = self.dest.resolve()
        self._dirs: dict[str, Path] = {"": self.root}
        self._made: set[Path] = set()

    def path(self, obj_name: str, strip_prefix: str = "") -> Path:
        """The local path of ``obj_name`` (an absolute path under :attr:`root`)."""
        name = _local_name(obj_name, strip_prefix, self.dest)
        parent, _, base = name.rpartition("/")
        d = self._dirs.get(parent)
        if d is None:
            d = (self.root / Path(*PurePosixPath(parent).parts)).resolve()
            if not _inside(self.root, d):
                raise InvalidInput(f"refusing to write object {obj_name!r}: it would land outside {self.dest}")
            self._dirs[parent] = d
        return d / base

    def make_parent(self, target: Path) -> None:
        """Create ``target``'s directory (and its parents) unless this tree already did."""
        d = target.parent
        if d not in self._made:
            d.mkdir(parents=True, exist_ok=True)
            self._made.add(d)


# ------------------------------------------------------------------ writing a downloaded file

_tmp_seq = itertools.count()


def open_temp(target: Path) -> tuple[int, str]:
    """A new, empty temporary file beside ``target`` (``.NAME.PID-N.part``, created exclusively,
    mode 0666 less the umask, like a file written in place): ``(fd, path)``. Cheaper than
    :func:`tempfile.mkstemp` (no random names), which matters at thousands of small objects/s."""
    while True:
        tmp = os.path.join(target.parent, f".{target.name[:40]}.{os.getpid()}-{next(_tmp_seq)}.part")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666), tmp
        except FileExistsError:
            continue


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to the file descriptor ``fd`` (``os.write`` may write less)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def write_file(target: Path, data: bytes) -> None:
    """Write ``data`` as ``target`` through a new temporary file beside it (:func:`open_temp`),
    renamed into place: no partial file remains, and an existing symlink at ``target`` is
    replaced, not followed. Raises ``OSError`` from the filesystem."""
    fd, tmp = open_temp(target)
    try:
        try:
            write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, target)
        tmp = ""
    finally:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


# ------------------------------------------------------------------ the files an upload reads

def local_file(src: Path | str, *, small: int = -1) -> tuple[Path, int, bytes | None]:
    """``(path, size in bytes, contents)`` of a local file to upload, checked before anything is
    sent; ``contents`` is the whole file when it is at most ``small`` bytes (read with the same
    open that checks it can be read), else None.

    Raises :class:`InvalidInput` (also a ``ValueError``) naming the path and the reason: it does
    not exist, it is a directory, it is not a regular file (a FIFO or a device has no size to
    send and may never end), it cannot be opened for reading, or it changed size while read."""
    fpath = Path(src)
    try:
        st = os.stat(fpath)
        if stat.S_ISDIR(st.st_mode):
            raise InvalidInput(f"cannot upload {fpath}: it is a directory, not a file "
                               "(directories go through transfer.plan_upload and transfer.upload)")
        if not stat.S_ISREG(st.st_mode):
            raise InvalidInput(f"cannot upload {fpath}: not a regular file (a FIFO, socket or device)")
        with open(fpath, "rb") as f:
            data = f.read() if st.st_size <= small else None
    except FileNotFoundError:
        raise InvalidInput(f"cannot upload {fpath}: no such file") from None
    except OSError as e:
        raise InvalidInput(f"cannot upload {fpath}: {(e.strerror or str(e)).lower()}") from None
    if data is not None and len(data) != st.st_size:
        raise InvalidInput(f"{fpath} changed while it was being uploaded")
    return fpath, st.st_size, data


async def file_chunks(path: Path, offset: int, length: int, chunk_size: int,
                      progress: Callable[[int], None] | None) -> AsyncIterator[bytes]:
    """Read ``length`` bytes of ``path`` from ``offset`` in chunks of ``chunk_size`` bytes (the last
    shorter), off the event loop; ``progress(nbytes)`` after each. Raises :class:`InvalidInput`
    when the file shrank."""
    loop = asyncio.get_running_loop()
    f = await loop.run_in_executor(None, open, path, "rb")
    try:
        if offset:
            f.seek(offset)
        left = length
        while left > 0:
            chunk = await loop.run_in_executor(None, f.read, min(chunk_size, left))
            if not chunk:
                raise InvalidInput(f"{path} shrank while it was being uploaded")
            left -= len(chunk)
            if progress:
                progress(len(chunk))
            yield chunk
    finally:
        f.close()
