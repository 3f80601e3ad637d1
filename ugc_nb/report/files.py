"""Where output goes: tried before the work that produces it, so a run never ends on "cannot write".

One rule for every file the tool writes on request (``summary -o``, ``report -o``, ``journal --csv``,
``delete``/``retry --output``, :func:`~ugc_nb.report.render_report`), :func:`output_file`: the file
is written exactly where it is named, in the format its extension names (a name without one of
the command's extensions is an error, never a silent ``.png`` added); a folder is an error; a
missing parent folder is created; whether it can be written is tried before any work. A write that
fails afterwards (a full disk) is one line naming the file (:func:`write_output`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["check_writable_file", "check_writable_dir", "output_file", "write_output", "OutputError"]


class OutputError(OSError):
    """A requested file could not be written after the work was done (a full disk): one line naming it."""


def check_writable_dir(folder: str | os.PathLike[str], what: str = "the folder") -> Path:
    """Create ``folder`` if needed and write a scratch file in it; a ValueError naming ``what`` if that fails."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{what} {folder} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
    except OSError as exc:
        raise ValueError(f"{what} {folder} cannot be written ({exc.strerror or exc})") from None
    return path


def check_writable_file(file: str | os.PathLike[str], what: str = "the output") -> Path:
    """``file`` can be written: not a folder, its folder exists (or is made) and takes a file; an existing file
    opens for writing (it is not truncated here). A ValueError naming ``what`` otherwise."""
    path = Path(file)
    if path.is_dir():
        raise ValueError(f"{what} {file} is a folder; name a file in it")
    check_writable_dir(path.parent, f"{what} {file}: the folder")
    if path.exists():
        try:
            path.open("ab").close()
        except OSError as exc:
            raise ValueError(f"{what} {file} cannot be written ({exc.strerror or exc})") from None
    return path


def output_file(name: str | os.PathLike[str], option: str, extensions: tuple[str, ...]) -> Path:
    """The file ``option`` names, checked before any work: not a folder, one of ``extensions`` (the format follows it),
    its folder made if missing and writable. A one-line ValueError otherwise."""
    text = os.fspath(name)
    if not str(text).strip():
        raise ValueError(f"{option} is empty: name a file (e.g. output{extensions[0]})")
    path = Path(text)
    if path.is_dir() or str(text).endswith(("/", os.sep)):
        what = "is a folder" if path.is_dir() else "ends in /, so it names a folder"
        raise ValueError(f"{option} {name} {what}; name a file in it (e.g. {path / ('output' + extensions[0])})")
    if path.suffix.lower() not in extensions:
        choices = f"{', '.join(extensions[:-1])} or {extensions[-1]}" if len(extensions) > 1 else extensions[0]
        raise ValueError(f"{option} {name}: name the file with {choices} (the format follows the extension)")
    return check_writable_file(path, option)


def write_output(path: Path, write: Callable[[Path], object], what: str, *, keep: str = "") -> Path:
    """``write(path)``; a failure (a full disk, the folder gone) is an :class:`OutputError` naming ``what`` and the file,
    with ``keep`` (where the result is kept all the same, e.g. the journal) after it."""
    try:
        write(path)
    except OSError as exc:
        raise OutputError(f"could not write {what} to {path}: {exc.strerror or exc}{keep}") from None
    return path
