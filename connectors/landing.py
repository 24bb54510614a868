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
        name = f"{extracted_at.strftime('%Y%m%dT%H%M%S%fZ')}_{batch_id}.parquet"
        path = self.stream_dir(source, stream.name) / name
        _write_atomic(table, path)
        return path, n

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
