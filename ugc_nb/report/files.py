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

__all__ = ["check_writable_file", "check_writable_dir", "output_file", "write_output", "OutputError", "names_folder"]


class OutputError(OSError):
    """A requested file could not be written after the work was done (a full disk): one line naming it."""


def check_writable_dir(folder: str | os.PathLike[str], what: str = "the folder", *, make: bool = True) -> Path:
    """``folder`` can take a file: made if needed (``make``) and a scratch file written in it; or, with ``make=False``,
    the nearest folder that exists can take the missing ones (nothing is made: a command that then fails leaves no
    empty folders). A ValueError naming ``what`` if not."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{what} {folder} is a file, not a folder")
    if not make and not path.exists():
        base = next((p for p in path.absolute().parents if p.exists()), Path("/"))
        if not base.is_dir():
            raise ValueError(f"{what} {folder}: {base} is a file, not a folder")
        if not os.access(base, os.W_OK | os.X_OK):
            raise ValueError(f"{what} {folder} cannot be made: {base} cannot be written")
        return path
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
    if path.is_symlink() and not path.exists():
        raise ValueError(f"{what} {file} is a link to nothing ({os.readlink(path)}); name a file")
    check_writable_dir(path.parent, f"{what} {file}: the folder", make=False)
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
    if path.is_dir() or names_folder(str(text)):
        what = "is a folder" if path.is_dir() else "ends in /, so it names a folder"
        raise ValueError(f"{option} {name} {what}; name a file in it (e.g. {path / ('output' + extensions[0])})")
    if path.suffix.lower() not in extensions:
        choices = f"{', '.join(extensions[:-1])} or {extensions[-1]}" if len(extensions) > 1 else extensions[0]
        raise ValueError(f"{option} {name}: name the file with {choices} (the format follows the extension)")
    return check_writable_file(path, option)


def names_folder(text: str) -> bool:
    """True for a name that can only mean a folder: ending in ``/``, ``/.`` or ``/..`` (pathlib would drop that ending)."""
    return text.endswith(("/", os.sep)) or os.path.basename(text) in (".", "..")


def write_output(path: Path, write: Callable[[Path], object], what: str, *, keep: str = "") -> Path:
    """``write(path)`` (its missing folders made first); a failure (a full disk, the folder gone) is an
    :class:`OutputError` naming ``what`` and the file, with ``keep`` (where the result is kept all the same, e.g. the
    journal) after it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)
    except OSError as exc:
        raise OutputError(f"could not write {what} to {path}: {exc.strerror or exc}{keep}") from None
    return path
