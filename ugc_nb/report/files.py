"""Where output goes: tried before the work that produces it, so a run never ends on "cannot write".

Used by :func:`~ugc_nb.report.render_report` (before a kernel starts), the scheduled cleanup
(before a task is read) and ``ugc-nb delete --output`` (before a task is sent).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["check_writable_file", "check_writable_dir"]


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
