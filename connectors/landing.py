"""The landing zone: immutable Parquet batches, one file per extracted batch.

Layout: `<landing>/<source>/<stream>/<extracted_at>_<batch_id>.parquet`. Files are written to a
temporary name and renamed, so a reader never sees half a batch; nothing ever edits a landed file.
State (what was extracted up to which day, which files were seen) is derived from landing itself
rather than kept beside it, so it can never disagree with the data.
"""

from __future__ import annotations

import shutil
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from connectors.atomic import replacing, write_text
from connectors.base import Batch, LandedState, Stream, Window

METADATA_FIELDS = (
    pa.field("_source", pa.string(), nullable=False),
    pa.field("_stream", pa.string(), nullable=False),
    pa.field("_batch_id", pa.string(), nullable=False),
    pa.field("_extracted_at", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("_window_start", pa.date32()),
    pa.field("_window_end", pa.date32()),
    pa.field("_file_name", pa.string()),
    pa.field("_file_hash", pa.string()),
)
SCHEMA_DIR = "_schema"
QUARANTINE_DIR = "_quarantine"
# which batches passed their raw expectations: batches are immutable, so once is enough
VALIDATED_DIR = "_validated"
# which batches repeat the batch they replace (a lookback re-extraction that found nothing new)
REPEATS_DIR = "_repeats"
# what a re-extraction may change without changing the data
LOAD_STAMP = ("_batch_id", "_extracted_at")
WINDOW = ("_window_start", "_window_end")

_clock_lock = threading.Lock()
_last_stamp: datetime | None = None


def _extraction_stamp() -> datetime:
    """A UTC timestamp strictly later than the previous one from this process.

    Staging keeps the newest version of each key by `_extracted_at`; two batches landed in
    the same microsecond must still have an order.
    """
    global _last_stamp
    with _clock_lock:
        now = datetime.now(UTC)
        if _last_stamp is not None and now <= _last_stamp:
            now = _last_stamp + timedelta(microseconds=1)
        _last_stamp = now
        return now


def batch_file_name(extracted_at: datetime, batch_id: str) -> str:
    """A batch's file name: its extraction stamp (UTC, to the microsecond, so names sort in
    landing order) and its id. `scorecard explain` finds a published batch's file by it."""
    stamp = extracted_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}_{batch_id}.parquet"


def landed_schema(stream: Stream) -> pa.Schema:
    return pa.schema(list(stream.schema) + list(METADATA_FIELDS))


class LandingStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def stream_dir(self, source: str, stream: str) -> Path:
        return self.root / source / stream

    def stream_glob(self, stream: str) -> str:
        """Every batch of a stream across all sources (plus its typed, empty schema file)."""
        return str(self.root / "*" / stream / "*.parquet")

    def ensure_schema_file(self, stream: Stream) -> Path:
        """Write a zero-row file with the stream's full schema.

        dbt reads each stream with one glob over all sources. With this file the glob always
        matches and every column has its declared type even before a source has landed
        anything — an unconfigured source type stages as an empty, typed table.
        """
        path = self.root / SCHEMA_DIR / stream.name / "schema.parquet"
        schema = landed_schema(stream)
        if path.exists():
            try:
                if pq.read_schema(path).equals(schema, check_metadata=False):
                    return path
            except (pa.ArrowInvalid, OSError):
                pass
        _write_atomic(schema.empty_table(), path)
        return path

    def write(self, source: str, stream: Stream, batch: Batch) -> tuple[Path, int]:
        """Land one batch; returns its path and row count."""
        extracted_at = _extraction_stamp()
        batch_id = uuid.uuid4().hex[:12]
        records = conform(batch.records, stream.schema)
        n = records.num_rows
        meta = {
            "_source": pa.array([source] * n, pa.string()),
            "_stream": pa.array([stream.name] * n, pa.string()),
            "_batch_id": pa.array([batch_id] * n, pa.string()),
            "_extracted_at": pa.array([extracted_at] * n, pa.timestamp("us", tz="UTC")),
            "_window_start": pa.array(
                [batch.window.start if batch.window else None] * n, pa.date32()
            ),
            "_window_end": pa.array([batch.window.end if batch.window else None] * n, pa.date32()),
            "_file_name": pa.array([batch.file_name] * n, pa.string()),
            "_file_hash": pa.array([batch.file_hash] * n, pa.string()),
        }
        table = pa.Table.from_arrays(
            [*records.columns, *meta.values()],
            schema=pa.schema([*records.schema, *METADATA_FIELDS]),
        )
        path = self.batch_path(source, stream.name, extracted_at, batch_id)
        older = self.batch_files(source, stream.name)
        _write_atomic(table, path)
        before = redundant(path, older, cursor=stream.cursor)
        if before is not None:
            self._note_repeat(source, stream.name, path, before)
        return path, n

    def _note_repeat(self, source: str, stream: str, path: Path, before: Path) -> None:
        record = self.root / REPEATS_DIR / source / f"{stream}.txt"
        lines = record.read_text(encoding="utf-8").splitlines() if record.exists() else []
        lines.append(f"{self.fingerprint(path)} {self.fingerprint(before)}")
        write_text(record, "\n".join(lines) + "\n")

    def repeats(self, source: str, stream: str) -> dict[str, str]:
        """Batches that repeat the batch they replace, as recorded when they landed: the
        fingerprint of each -> the fingerprint of the batch it repeats (decision 29)."""
        record = self.root / REPEATS_DIR / source / f"{stream}.txt"
        if not record.exists():
            return {}
        pairs = (line.split(" ") for line in record.read_text(encoding="utf-8").splitlines())
        return dict(pair for pair in pairs if len(pair) == 2)

    def checked(self, source: str, stream: str) -> set[str]:
        """Fingerprints of the present batches the landing gate need not read: those that
        passed it, and those that repeat a checked batch still present (same rows, so the same
        expectations hold). A question only: nothing is written."""
        done = self.validated(source, stream)
        present = [self.fingerprint(p) for p in self.batch_files(source, stream)]
        checked = {f for f in present if f in done}
        repeated = self.repeats(source, stream)
        for fingerprint in present:  # landing order: a repeat's batch is older than itself
            if repeated.get(fingerprint) in checked:
                checked.add(fingerprint)
        return checked

    def batch_path(self, source: str, stream: str, extracted_at: datetime, batch_id: str) -> Path:
        """Where a batch landed: `<source>/<stream>/<extracted_at>_<batch_id>.parquet`."""
        return self.stream_dir(source, stream) / batch_file_name(extracted_at, batch_id)

    def batch_files(self, source: str, stream: str) -> list[Path]:
        return sorted(self.stream_dir(source, stream).glob("*.parquet"))

    def validated(self, source: str, stream: str) -> set[str]:
        """Batch files that passed their raw expectations, as `name:size:mtime` fingerprints:
        a file changed after it was validated (it should never be) no longer matches."""
        path = self.root / VALIDATED_DIR / source / f"{stream}.txt"
        return set(path.read_text(encoding="utf-8").split()) if path.exists() else set()

    @staticmethod
    def fingerprint(path: Path | str) -> str:
        stat = Path(path).stat()
        return f"{Path(path).name}:{stat.st_size}:{stat.st_mtime_ns}"

    def mark_validated(self, source: str, stream: str, files: list[str]) -> None:
        present = {self.fingerprint(p) for p in self.batch_files(source, stream)}
        known = {self.fingerprint(f) for f in files if Path(f).exists()}
        lines = sorted((known | self.validated(source, stream)) & present)
        write_text(self.root / VALIDATED_DIR / source / f"{stream}.txt", "\n".join(lines) + "\n")

    def state(self, source: str, stream: str) -> LandedState:
        files = self.batch_files(source, stream)
        if not files:
            return LandedState()
        with duckdb.connect() as con:
            rows = con.execute(
                "select distinct _window_start, _window_end, _file_hash"
                " from read_parquet(?, union_by_name = true)",
                [[str(f) for f in files]],
            ).fetchall()
        return LandedState(
            windows=tuple(Window(a, b) for a, b, _ in rows if a is not None and b is not None),
            file_hashes=frozenset(h for *_, h in rows if h is not None),
        )

    def quarantine(self, path: Path, reason: str) -> Path:
        """Move a landed file out of the read path, with a reason file; never delete it."""
        path = Path(path)
        rel = path.relative_to(self.root)
        target = self.root / QUARANTINE_DIR / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), target)
        target.with_name(target.name + ".reason.txt").write_text(
            f"quarantined_at: {datetime.now(UTC).isoformat()}\n{reason}\n", encoding="utf-8"
        )
        return target

    def quarantine_input(self, path: Path, source: str, stream: str, reason: str) -> Path:
        """Move an input file that cannot be landed (a bad export) next to quarantined batches."""
        path = Path(path)
        target = self.root / QUARANTINE_DIR / source / stream / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), target)
        target.with_name(target.name + ".reason.txt").write_text(
            f"quarantined_at: {datetime.now(UTC).isoformat()}\nsource file: {path}\n{reason}\n",
            encoding="utf-8",
        )
        return target

    def quarantined(self) -> list[Path]:
        root = self.root / QUARANTINE_DIR
        return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".txt"))


def conform(records: pa.Table, schema: pa.Schema) -> pa.Table:
    """Declared columns first, cast to their declared types; anything else kept as it came.

    A batch is landed as extracted, drift included: the landing schema suite then quarantines a
    batch missing a declared column (or carrying one of the wrong type) and reports — but keeps —
    a new column, so nothing a platform sends is silently thrown away.
    """
    columns, fields = [], []
    for field in schema:
        if field.name not in records.column_names:
            continue
        column = records.column(field.name)
        try:
            column = column.cast(field.type)
            fields.append(field)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            fields.append(pa.field(field.name, column.type))
        columns.append(column)
    for name in records.column_names:
        if name not in schema.names:
            columns.append(records.column(name))
            fields.append(records.schema.field(name))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _write_atomic(table: pa.Table, path: Path) -> None:
    with replacing(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


# --- repeats: a re-extraction that holds nothing new (decision 29) ------------------------


def batch_window(path: Path) -> tuple[str, str] | None:
    """A batch's extraction window from its Parquet footer (no rows read); None for file
    batches, empty batches and batches without window statistics."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    names = meta.schema.names
    if meta.num_rows == 0 or "_window_start" not in names or "_window_end" not in names:
        return None
    bounds = []
    for column, pick in (("_window_start", min), ("_window_end", max)):
        index = names.index(column)
        values = []
        for group in range(meta.num_row_groups):
            stats = meta.row_group(group).column(index).statistics
            if stats is None or not stats.has_min_max:
                return None
            values.append(stats.min if pick is min else stats.max)
        bounds.append(str(pick(values)))
    return bounds[0], bounds[1]


def _data_shape(path: Path):
    """A batch's schema without its load stamps and window (those are compared separately),
    and its row count, from one read of the file's footer."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    schema = meta.schema.to_arrow_schema().remove_metadata()
    data = pa.schema([f for f in schema if f.name not in (*LOAD_STAMP, *WINDOW)])
    return data, meta.num_rows


def _empty_after_empty(path: Path, before: Path) -> bool:
    """An empty batch after an empty batch of the same shape (a stream the source does not
    use, like GA4 breakdowns without `breakdowns:`, or a quiet night of a stream that may be
    empty): no row of any table changes. Never an empty batch after one with rows — the
    landing gate must still judge that one."""
    try:
        (schema, rows), (earlier_schema, earlier) = _data_shape(path), _data_shape(before)
    except Exception:  # unreadable: not a repeat
        return False
    return rows == 0 and earlier == 0 and schema == earlier_schema


def repeats(path: Path, before: Path) -> bool:
    """`path` holds only rows `before` holds as they are, load stamps aside.

    Same window: exactly the same rows. A shorter window ending on the same day (the night's
    run extracted from the previous run's end, a second run that night from its own lookback):
    every row it holds is a row of `before`. Row order does not matter. DuckDB compares the
    files, because `before` may be a backfill of millions of rows (a set of Python tuples took
    39 s and 5 GB for 6.5 million); set operations treat NULLs as equal, as rows should."""
    if _empty_after_empty(path, before):
        return True
    mine, theirs = batch_window(path), batch_window(before)
    # the windows alone decide most cases: never read a batch that cannot be repeated
    if mine is None or theirs is None or not (theirs[0] <= mine[0] and mine[1] == theirs[1]):
        return False
    import duckdb

    try:
        (schema, rows), (earlier_schema, earlier) = _data_shape(path), _data_shape(before)
        if not schema.names or schema != earlier_schema:
            return False
        if mine == theirs and rows != earlier:
            return False
        # same window and as many rows: nothing left over, counted with multiplicity, is equal
        leftover = "except all" if mine == theirs else "except"
        columns = ", ".join('"' + n.replace('"', '""') + '"' for n in schema.names)
        with duckdb.connect() as con:
            left = con.execute(
                f"select count(*) from (select {columns} from read_parquet(?) {leftover}"
                f" select {columns} from read_parquet(?))",
                [str(path), str(before)],
            ).fetchone()[0]
        return left == 0
    except Exception:  # unreadable or differently typed: not a repeat
        return False


def predecessor(path: Path, older: list[Path], *, cursor: str | None) -> Path | None:
    """The batch whose rows `path` would replace: the newest earlier batch of the stream whose
    window overlaps it (any earlier batch when the stream has no date cursor or `path` no
    window). Batch names start with their extraction time, so name order is time order."""
    mine = batch_window(path)
    for candidate in sorted(older, reverse=True):
        if cursor is None or mine is None:
            return candidate
        theirs = batch_window(candidate)
        if theirs is None or (theirs[0] <= mine[1] and mine[0] <= theirs[1]):
            return candidate
    return None


def redundant(path: Path, older: list[Path], *, cursor: str | None) -> Path | None:
    """The earlier batch `path` repeats (see `repeats`), else None.

    Staging keeps the newest version of each key, and a key's versions sit in batches whose
    window holds its cursor date: so when a batch repeats the newest batch overlapping its
    window, the newest version of every key stays what it was, and so does every table."""
    before = predecessor(path, older, cursor=cursor)
    return before if before is not None and repeats(path, before) else None
