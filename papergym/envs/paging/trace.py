"""Reading a user's request trace for Paging-v0 (``trace=`` or ``reset(options={"instance": ...})``).

A trace file is either one page id per line (any token: an integer, a hexadecimal address,
a file name) or a CSV file from which one column is read.  Page ids are renamed
``0, 1, 2, ...`` in order of first appearance, so the env's universe is exactly the
trace's pages and the result can be passed as ``options={"instance": pages}``.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

__all__ = ["load_trace"]


def load_trace(path: str | os.PathLike, column: str | int | None = None) -> np.ndarray:
    """The requests of the trace file at ``path`` as an int64 array of dense page ids.

    - A plain file: one page id per line; blank lines and lines starting with ``#`` are
      skipped; surrounding whitespace is ignored.
    - A CSV file (the name ends in ``.csv``, or ``column`` is given): ``column`` names the
      column, by header name (a string: the first row is then the header) or by 0-based
      index (an int: every row is data, no header); a one-column CSV needs no ``column``
      (every row is data).

    Page ids are renamed to ``0..m-1`` in order of first appearance (``m`` distinct pages).
    Raises ``ValueError`` naming ``trace`` (the env argument) for a missing or unreadable
    file, an empty trace, or an unknown column.
    """
    path = Path(os.fspath(path))
    if not path.is_file():
        raise ValueError(f"trace must be a readable file, got {str(path)!r} (no such file)")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"trace must be a readable text file, got {str(path)!r}: {exc}") from None
    is_csv = column is not None or path.suffix.lower() == ".csv"
    ids = _csv_column(text, column, path) if is_csv else _lines(text)
    if not ids:
        raise ValueError(f"trace must hold at least one request, got an empty trace {str(path)!r}")
    dense: dict[str, int] = {}
    return np.fromiter((dense.setdefault(p, len(dense)) for p in ids), dtype=np.int64,
                       count=len(ids))


def _lines(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        token = line.strip()
        if token and not token.startswith("#"):
            out.append(token)
    return out


def _csv_column(text: str, column: str | int | None, path: Path) -> list[str]:
    rows = [row for row in csv.reader(text.splitlines()) if row and any(c.strip() for c in row)]
    if not rows:
        return []
    if column is None:
        if len(rows[0]) != 1:
            raise ValueError(f"trace_column must name the column of {str(path)!r} to read "
                             f"(its first row has {len(rows[0])} columns: {rows[0]!r})")
        index = 0
    elif isinstance(column, str):
        header = [c.strip() for c in rows[0]]
        if column not in header:
            raise ValueError(f"trace_column must be a column of {str(path)!r}'s header "
                             f"{header!r}, got {column!r}")
        index, rows = header.index(column), rows[1:]
    else:
        index = int(column)
        if not 0 <= index < len(rows[0]):
            raise ValueError(f"trace_column must be a column index in [0, {len(rows[0])}) "
                             f"for {str(path)!r}, got {column!r}")
    out = []
    for n, row in enumerate(rows):
        if index >= len(row) or not row[index].strip():
            raise ValueError(f"trace {str(path)!r}: row {n + 1} has no value in column {column!r}")
        out.append(row[index].strip())
    return out
