"""Suites for landed batches, per configured source and stream.

Two passes: the schema suite reads every batch's Parquet schema (a missing or retyped
column quarantines that batch; a new column is kept and reported), then the data suite reads
the batches that passed — keys, dates, ranges — and, for streams with a steady number of rows
per day, the volume of the latest complete day (the newest day inside a batch's window; windows
end at the last day that is over) against the trailing median.

Empty landings: unless a stream may be empty (`Stream.may_be_empty`, or the source's own
answer for a configurable type), every new batch must hold rows (the rows suite quarantines an
empty one) and a stream with no batch at all fails — except when no day of its window was over
yet (`NothingToExtract`): nothing was due, so nothing is missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from connectors import checks
from expectations.suites import Suite, all_true, at_least, between_days, gxe, not_empty, not_null

VOLUME_DROP = 0.5  # the latest day's rows below half the trailing median fail
VOLUME_DAYS = 14


def _expectation(check, start: dt.date, run: dt.date):
    """A stream's declared rule (connectors.checks) as a Great Expectations expectation."""
    if isinstance(check, checks.AtLeast):
        return at_least(check.column, check.minimum, check.where)
    if isinstance(check, checks.NotNull):
        return not_null(check.column)[0]
    if isinstance(check, checks.OneOf):
        return gxe().ExpectColumnValuesToBeInSet(column=check.column, value_set=list(check.values))
    if isinstance(check, checks.NotBefore):
        return gxe().ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=check.later, column_B=check.earlier, or_equal=True
        )
    if isinstance(check, checks.Dates):
        last = None if check.days_after_run is None else run + dt.timedelta(check.days_after_run)
        return between_days(check.column, start if check.from_start else None, last, utc=check.utc)
    raise TypeError(f"unknown check {check!r}")


def schema_suites(store, source, streams) -> list[Suite]:
    return [_schema_suite(store, source, stream) for stream in streams]


def data_suites(
    store,
    source,
    streams,
    run_date: dt.date,
    *,
    may_be_empty: Collection[str] | None = None,
    nothing_due: Collection[str] = (),
) -> list[Suite]:
    """The data, rows and volume suites of a source's streams.

    `may_be_empty`: the names of the streams the source allows to land no rows (None: each
    stream's own `may_be_empty`). `nothing_due`: the streams whose window had no day over yet
    this run, for which no batch at all is not a failure."""
    suites = []
    for stream in streams:
        empty_ok = stream.may_be_empty if may_be_empty is None else stream.name in may_be_empty
        files = _files(store, source, stream)
        # each batch is read once: batches are immutable, so the ones that passed before (and
        # were recorded as validated) need no second look — the cost follows new data, not history
        done = store.checked(source.name, stream.name)
        pending = [f for f in files if store.fingerprint(f) not in done]
        require_batch = not empty_ok and stream.name not in nothing_due
        suites.append(_data_suite(store, source, stream, run_date, files, pending, require_batch))
        if pending and not empty_ok:
            suites.append(_rows_suite(source, stream, pending))
        if stream.steady_volume and stream.cursor and files:
            suites.append(_volume_suite(store, source, stream))
    return suites


def _files(store, source, stream) -> list[str]:
    return [str(f) for f in store.batch_files(source.name, stream.name)]


def _schema_suite(store, source, stream) -> Suite:
    from connectors.landing import landed_schema

    declared = landed_schema(stream)
    strict = stream.refuse_new_columns

    def frame():
        import pandas as pd
        import pyarrow.parquet as pq

        rows = []
        for path in _files(store, source, stream):
            actual = pq.read_schema(path)
            for f in declared:
                present = f.name in actual.names
                found = actual.field(f.name).type if present else None
                rows.append(
                    {
                        "_file": path,
                        "column": f.name,
                        "expected_type": str(f.type),
                        "actual_type": None if found is None else str(found),
                        "declared": True,
                        # a column added to the stream later is absent from older batches
                        "type_ok": found.equals(f.type)
                        if found is not None
                        else f.name in stream.added_columns,
                    }
                )
            for name in set(actual.names) - set(declared.names):
                rows.append(
                    {
                        "_file": path,
                        "column": name,
                        "expected_type": None,
                        "actual_type": str(actual.field(name).type),
                        "declared": False,
                        "type_ok": True,
                    }
                )
        columns = ["_file", "column", "expected_type", "actual_type", "declared", "type_ok"]
        return pd.DataFrame(rows, columns=columns)

    def expectations():
        return [
            all_true(
                "type_ok",
                description="every declared column is present with its declared type",
            ),
            all_true(
                "declared",
                severity="critical" if strict else "warning",
                description="no column beyond the declared schema"
                + (" (personal data stays out)" if strict else " (new columns are kept)"),
            ),
        ]

    return Suite(
        name=f"landing.{source.name}.{stream.name}.schema",
        layer="landing",
        asset_key=("landing", source.name, stream.name),
        expectations=expectations,
        frame=frame,
        index_columns=["_file", "column", "expected_type", "actual_type"],
        quarantine_by_file=True,
    )


def _data_suite(
    store, source, stream, run_date: dt.date, files, pending, require_batch: bool
) -> Suite:
    from connectors.landing import SCHEMA_DIR

    # nothing new: the newest batch, cheaply; no batch at all: the empty schema file (its
    # typed columns), on which "not empty" fails with a reason where a batch was required
    paths = pending or files[-1:] or [str(store.root / SCHEMA_DIR / stream.name / "schema.parquet")]
    key = [c for c in stream.primary_key if not c.startswith("_")]

    def expectations():
        rules = [
            *not_null(*key),
            # a key twice in one batch is a broken extraction (across batches it is a restatement)
            gxe().ExpectCompoundColumnsToBeUnique(column_list=[*key, "_file"]),
        ]
        if require_batch and not files:
            rules.insert(0, not_empty("the stream has landed a batch (none, though a day was due)"))
        cursor = stream.cursor
        if cursor and stream.check_cursor_dates and _is_date(stream, cursor):
            rules.append(between_days(cursor, source.start_date, run_date))
        return rules + [_expectation(c, source.start_date, run_date) for c in stream.checks]

    return Suite(
        name=f"landing.{source.name}.{stream.name}",
        layer="landing",
        asset_key=("landing", source.name, stream.name),
        expectations=expectations,
        query="select * exclude (filename), filename as _file"
        " from read_parquet(?, filename = true, union_by_name = true)",
        params=[paths],
        index_columns=["_file", *key],
        quarantine_by_file=True,
        covers=pending,
        checked_columns_only=True,
    )


def _rows_suite(source, stream, pending: list[str]) -> Suite:
    """Every new batch holds rows: an empty one (the platform answered nothing for the window)
    is named and quarantined, so the next run extracts its days again."""

    def frame():
        import pandas as pd
        import pyarrow.parquet as pq

        rows = [{"_file": p, "rows": pq.ParquetFile(p).metadata.num_rows} for p in pending]
        frame = pd.DataFrame(rows, columns=["_file", "rows"])
        frame["has_rows"] = frame["rows"] > 0
        return frame

    return Suite(
        name=f"landing.{source.name}.{stream.name}.rows",
        layer="landing",
        asset_key=("landing", source.name, stream.name),
        expectations=lambda: [
            all_true(
                "has_rows",
                description="every new batch holds rows (for this stream an empty landing "
                "means a broken extraction; a rest_api endpoint whose quiet windows are normal "
                "says `may_be_empty: true`)",
            )
        ],
        frame=frame,
        index_columns=["_file", "rows"],
        quarantine_by_file=True,
    )


def _volume_suite(store, source, stream) -> Suite:
    files = _files(store, source, stream)
    cursor = stream.cursor
    others = [c for c in stream.primary_key if c != cursor]
    # identifiers are the stream's declared column names, never config values
    distinct = f"concat_ws('|', {', '.join(others)})" if others else "1"
    # only the days each batch declares complete (its window): a snapshot row dated after the
    # window (followers read at the run) or anything else outside it never counts as a day
    query = f"""
        with per_day as (
            select {cursor} as day, count(distinct {distinct}) as n
            from read_parquet(?, union_by_name = true)
            where _window_end is null or {cursor} between _window_start and _window_end
            group by {cursor}
        ),
        recent as (select * from per_day order by day desc limit {VOLUME_DAYS + 1}),
        latest as (select * from recent order by day desc limit 1),
        history as (
            select median(n) as median_rows from recent where day < (select day from latest)
        )
        select latest.day, latest.n as rows, history.median_rows as trailing_median,
               coalesce(latest.n >= {VOLUME_DROP} * history.median_rows, true) as volume_ok
        from latest cross join history
    """
    return Suite(
        name=f"landing.{source.name}.{stream.name}.volume",
        layer="landing",
        asset_key=("landing", source.name, stream.name),
        expectations=lambda: [
            all_true(
                "volume_ok",
                description=f"the latest complete day has at least {VOLUME_DROP:.0%} of the "
                f"rows of the median of the {VOLUME_DAYS} days before it",
            )
        ],
        query=query,
        params=[files],
        index_columns=["day", "rows", "trailing_median"],
    )


def _is_date(stream, column: str) -> bool:
    import pyarrow as pa

    return stream.schema.field(column).type == pa.date32()
