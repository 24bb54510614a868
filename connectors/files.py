"""Shared mechanics of file sources: find inbox files, hash them, read CSV/XLSX as text cells."""

from __future__ import annotations

import glob
import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

SUPPORTED = (".csv", ".xlsx")


class BadFileError(ValueError):
    """A file that cannot be landed; `reason` says what to fix (with line numbers)."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


def inbox_files(location: Path) -> list[Path]:
    """Files of a folder (or glob pattern), ignoring temp/hidden files, oldest first (by
    modification time, then name): they are landed in this order, and where two files cover
    the same days the one landed later wins, so the newest export must come last."""
    if location.is_dir():
        candidates = [p for p in location.iterdir() if p.is_file()]
    else:
        candidates = [Path(p) for p in glob.glob(str(location)) if Path(p).is_file()]
    return sorted(
        (
            p
            for p in candidates
            if p.suffix.lower() in SUPPORTED and not p.name.startswith((".", "~$"))
        ),
        key=lambda p: (p.stat().st_mtime_ns, p.name),
    )


def content_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class RawTable:
    """Cells under the detected header row; `line_of(i)` is the file line (or sheet row)."""

    frame: pd.DataFrame
    first_line: int

    def line_of(self, index: int) -> int:
        return self.first_line + index


def read_cells(
    path: Path, *, required: list[str], delimiter: str = ",", encoding: str = "utf-8-sig"
) -> RawTable:
    """Read a CSV or XLSX file and locate the header row that holds every required column.

    Exports often carry a title or a report date above the header, so the header is searched
    for instead of assumed to be the first row.
    """
    try:
        if path.suffix.lower() == ".xlsx":
            grid = pd.read_excel(path, header=None, dtype=object, engine="openpyxl")
        else:
            text = path.read_bytes().decode(encoding).lstrip("\ufeff")
            if not text.strip():
                raise BadFileError(path, "the file is empty")
            grid = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                header=None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                engine="python",
            )
    except UnicodeDecodeError as e:
        raise BadFileError(path, f"cannot be decoded as {encoding} ({e.reason})") from e
    except (ValueError, pd.errors.ParserError) as e:
        raise BadFileError(path, f"cannot be read as a table: {e}") from e
    if grid.empty:
        raise BadFileError(path, "the file is empty")
    wanted = {c.strip().lower() for c in required}
    for i in range(min(len(grid), 50)):
        cells = [_text(v) for v in grid.iloc[i].tolist()]
        if wanted <= {c.lower() for c in cells}:
            body = grid.iloc[i + 1 :].copy()
            body.columns = cells
            body = body.reset_index(drop=True)
            blank = body.apply(lambda r: all(_text(v) == "" for v in r), axis=1)
            keep = ~blank
            table = RawTable(body[keep], first_line=i + 2)
            if table.frame.empty:
                raise BadFileError(path, "the file has a header but no data rows")
            return table
    raise BadFileError(
        path,
        f"no header row with the mapped columns {sorted(required)} in the first 50 rows",
    )


def _text(v: object) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    return str(v).strip()


def cell(row: pd.Series, column: str) -> object:
    """A cell by case-insensitive column name."""
    for name in row.index:
        if str(name).strip().lower() == column.strip().lower():
            return row[name]
    raise KeyError(column)


def parse_number(value: object, *, decimal: str, thousands: str | None) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if pd.isna(value):
            raise ValueError("empty")
        return float(value)
    text = _text(value).replace("\u00a0", "").replace(" ", "")
    if not text:
        raise ValueError("empty")
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    if thousands:
        text = text.replace(thousands, "")
    if decimal != ".":
        if "." in text:
            raise ValueError(f"unexpected '.' in {value!r} (decimal separator is {decimal!r})")
        text = text.replace(decimal, ".")
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return -number if negative else number


def parse_date(value: object, *, date_format: str):
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    text = _text(value)
    if not text:
        raise ValueError("empty")
    return dt.datetime.strptime(text, date_format).date()


def describe_errors(errors: list[tuple[int, str]], limit: int = 20) -> str:
    shown = "; ".join(f"line {line}: {msg}" for line, msg in errors[:limit])
    more = f" (and {len(errors) - limit} more)" if len(errors) > limit else ""
    return f"{len(errors)} bad row(s): {shown}{more}"
