"""File sources, written once: the inbox walk, the content hash, reading CSV/XLSX into cells,
and parsing whole columns at a time with the per-line problems a row loop would report.

`FileSource` is the base of every connector whose data arrives as exported files (finance
exports, manual sheets, generated file connectors): it lands each new file once, as one batch,
and hands a file that cannot be landed back as a `BadFileError`, which orchestration
quarantines. A subclass says how to parse one file (`parse`) and, optionally, which days a file
covers (`coverage`) and how to write its demo files (`write_demo_files`).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import glob
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from connectors.base import Batch, Connector, ExtractContext, Stream, Window

SUPPORTED = (".csv", ".xlsx")
HEADER_SEARCH_ROWS = 50  # exports may carry a title or a report date above the header


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


class FileSource(Connector):
    """A connector whose data arrives as files (CSV/XLSX) dropped into an inbox folder.

    Each new file lands once (by content hash, under any name) as one batch whose window is
    the days the file covers; a file that cannot be parsed is yielded as a `BadFileError`.
    """

    reads_files = True

    def inbox(self) -> Path:
        return Path(self.config.path)

    def parse(self, path: Path) -> pa.Table:
        """Every line of one file in the stream's schema, or a BadFileError naming each bad
        line (use `read_cells` and `Columns`)."""
        raise NotImplementedError

    def coverage(self, path: Path, table: pa.Table, ctx: ExtractContext) -> Window | None:
        """The days a file speaks for: its first to its last day (the stream's cursor)."""
        import pyarrow.compute as pc

        days = table.column(self.streams[0].cursor)
        if not len(days):
            return None
        bounds = pc.min_max(days)
        return Window(bounds["min"].as_py(), bounds["max"].as_py())

    def extract(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch | BadFileError]:
        for path in inbox_files(self.inbox()):
            digest = content_hash(path)
            if digest in ctx.state.file_hashes:
                ctx.log.info("%s: already landed (same content), skipped", path.name)
                continue
            try:
                table = self.parse(path)
                window = self.coverage(path, table, ctx)
            except BadFileError as e:
                yield e
                continue
            yield Batch(table, window, path.name, digest)

    def write_demo_files(self, ctx: ExtractContext) -> None:
        """Write the demo's export files into the inbox (what a user would drop there)."""
        raise NotImplementedError(f"no demo files for source type {self.type!r}")

    def demo(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch | BadFileError]:
        # demo files go through the real parser, as a user's files do
        self.write_demo_files(ctx)
        yield from self.extract(stream, ctx)


@dataclass
class RawTable:
    """Cells under the detected header row; data row i is on line `first_line + index[i]`
    (blank rows are dropped, their lines skipped)."""

    frame: pd.DataFrame
    first_line: int
    path: Path

    def lines(self) -> np.ndarray:
        return self.first_line + self.frame.index.to_numpy()

    def column(self, name: str) -> pd.Series:
        """A column by case-insensitive header name."""
        wanted = name.strip().lower()
        for i, header in enumerate(self.frame.columns):
            if str(header).strip().lower() == wanted:
                return self.frame.iloc[:, i]
        raise KeyError(name)

    def has(self, name: str) -> bool:
        try:
            self.column(name)
        except KeyError:
            return False
        return True


def read_cells(
    path: Path, *, required: list[str], delimiter: str = ",", encoding: str = "utf-8-sig"
) -> RawTable:
    """Read a CSV or XLSX file and locate the header row that holds every required column.

    Exports often carry a title or a report date above the header, so the header is searched
    for in the first rows instead of assumed to be the first. CSV cells stay text; XLSX cells
    keep their types (real dates and numbers).
    """
    wanted = {c.strip().lower() for c in required}
    try:
        if path.suffix.lower() == ".xlsx":
            frame, first_line = _xlsx(path, wanted)
        else:
            frame, first_line = _csv(path, wanted, delimiter, encoding)
    except UnicodeDecodeError as e:
        raise BadFileError(path, f"cannot be decoded as {encoding} ({e.reason})") from e
    except (ValueError, pd.errors.ParserError, csv.Error) as e:
        if isinstance(e, BadFileError):
            raise
        raise BadFileError(path, f"cannot be read as a table: {e}") from e
    if frame is None:
        raise BadFileError(
            path,
            f"no header row with the mapped columns {sorted(required)} in the first "
            f"{HEADER_SEARCH_ROWS} rows",
        )
    frame = frame[~_blank(frame)]
    if frame.empty:
        raise BadFileError(path, "the file has a header but no data rows")
    return RawTable(frame, first_line, path)


def _csv(path: Path, wanted: set[str], delimiter: str, encoding: str):
    text = path.read_bytes().decode(encoding).lstrip("\ufeff")
    if not text.strip():
        raise BadFileError(path, "the file is empty")
    head = list(csv.reader(io.StringIO("\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])),
                           delimiter=delimiter))  # fmt: skip
    for i, cells in enumerate(head):
        if wanted <= {c.strip().lower() for c in cells}:
            frame = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                skiprows=i,
                header=0,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                engine="c",
            )
            frame.columns = [str(c).strip() for c in frame.columns]
            return frame, i + 2
    return None, 0


def _xlsx(path: Path, wanted: set[str]):
    grid = pd.read_excel(path, header=None, dtype=object, engine="openpyxl")
    if grid.empty:
        raise BadFileError(path, "the file is empty")
    for i in range(min(len(grid), HEADER_SEARCH_ROWS)):
        cells = [_text(v) for v in grid.iloc[i].tolist()]
        if wanted <= {c.lower() for c in cells}:
            body = grid.iloc[i + 1 :].copy()
            body.columns = cells
            return body.reset_index(drop=True), i + 2
    return None, 0


def _blank(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty (or only spaces)."""
    blank = np.ones(len(frame), dtype=bool)
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        blank &= column.isna().to_numpy() | (column.astype(str).str.strip() == "").to_numpy()
    return blank


def _text(v: object) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    return str(v).strip()


class Columns:
    """Parse a sheet's columns whole, reporting problems per line as a row loop would: each
    row's first problem, in the order the columns are parsed, with its line and value."""

    def __init__(self, raw: RawTable):
        self.raw = raw
        self.lines = raw.lines()
        self.failed = np.zeros(len(raw.frame), dtype=bool)
        self.errors: list[tuple[int, str]] = []

    def flag(self, bad: np.ndarray, values: pd.Series, describe: Callable[[Any], str]) -> None:
        """Record `describe(value)` for the rows where `bad`, unless a row already has a
        problem (only those rows' messages are made: clean files cost nothing here)."""
        new = np.asarray(bad) & ~self.failed
        lines, bad_values = self.lines[new].tolist(), values.to_numpy()[new].tolist()
        self.errors += [(line, describe(v)) for line, v in zip(lines, bad_values, strict=True)]
        self.failed |= np.asarray(bad)

    def dates(self, name: str, date_format: str, label: str = "date") -> np.ndarray:
        """Days (`datetime64[D]`) of a column of dates: date cells as they are, text in
        `date_format` (strptime directives)."""
        values = self.raw.column(name)
        parsed = parse_dates(values, date_format)
        self.flag(
            pd.isna(parsed), values, lambda v: f"{label} {v!r} does not match {date_format!r}"
        )
        return parsed.astype("datetime64[D]")

    def numbers(self, name: str, *, decimal: str, thousands: str | None, label: str) -> np.ndarray:
        values = self.raw.column(name)
        parsed = parse_numbers(values, decimal=decimal, thousands=thousands)
        self.flag(np.isnan(parsed), values, lambda v: f"{label} {v!r} is not a number")
        return parsed

    def texts(self, name: str) -> pd.Series:
        """A column as stripped text; empty cells as empty strings."""
        values = self.raw.column(name)
        return values.astype(object).where(~values.isna(), "").astype(str).str.strip()

    def require(self, ok: np.ndarray, values: pd.Series, describe: Callable[[Any], str]) -> None:
        """A rule on a parsed column: rows where `ok` is False get `describe(value)`."""
        self.flag(~np.asarray(ok), values, describe)

    def table(self, schema: pa.Schema, columns: dict[str, Any]) -> pa.Table:
        """The rows as a table in `schema`, or the file refused with every problem's line."""
        if self.errors:
            raise BadFileError(self.raw.path, describe_errors(sorted(self.errors)))
        arrays = {"line_number": self.lines, **columns}
        return pa.table(
            {f.name: pa.array(np.asarray(arrays[f.name]), type=f.type) for f in schema},
            schema=schema,
        )


def _all_text(values: pd.Series) -> bool:
    return pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")


def parse_dates(values: pd.Series, date_format: str) -> np.ndarray:
    """`datetime64[ns]` of a column (NaT where a value is empty or does not match)."""
    if _all_text(values):
        return pd.to_datetime(values.str.strip(), format=date_format, errors="coerce").to_numpy()
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    for i, v in enumerate(values):
        if isinstance(v, dt.datetime | dt.date):
            out[i] = np.datetime64(pd.Timestamp(v).normalize())
        elif isinstance(v, str) and v.strip():
            with contextlib.suppress(ValueError):
                out[i] = np.datetime64(dt.datetime.strptime(v.strip(), date_format))
    return out


def parse_numbers(values: pd.Series, *, decimal: str, thousands: str | None) -> np.ndarray:
    """float64 of a column of amounts (NaN where a value is empty or not a number): text like
    `-12.345,67`, `(1.000,00)` or `1,234.56` read with the given separators."""
    if not _all_text(values):
        return np.array([_one_number(v, decimal, thousands) for v in values], dtype="float64")
    text = values.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    negative = (text.str.startswith("(") & text.str.endswith(")")).to_numpy()
    text = text.where(~negative, text.str.slice(1, -1))
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    stray_point = np.zeros(len(text), dtype=bool)
    if decimal != ".":
        stray_point = text.str.contains(".", regex=False).to_numpy()
        text = text.str.replace(decimal, ".", regex=False)
    number = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64")
    number = np.where(negative, -number, number)
    number[stray_point | ~np.isfinite(number)] = np.nan
    return number


def _one_number(v: object, decimal: str, thousands: str | None) -> float:
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v) if np.isfinite(v) else np.nan
    if not isinstance(v, str):
        return np.nan
    return float(parse_numbers(pd.Series([v]), decimal=decimal, thousands=thousands)[0])


def describe_errors(errors: list[tuple[int, str]], limit: int = 20) -> str:
    shown = "; ".join(f"line {line}: {msg}" for line, msg in errors[:limit])
    more = f" (and {len(errors) - limit} more)" if len(errors) > limit else ""
    return f"{len(errors)} bad row(s): {shown}{more}"
