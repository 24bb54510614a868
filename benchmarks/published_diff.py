"""Compare two published scorecards table by table: are their published values the same?

    .venv/bin/python benchmarks/published_diff.py BEFORE.duckdb AFTER.duckdb

For every table of schema `scorecard` in either file: its columns, its row count, and its rows
(as a multiset, all columns) — `publish_log` by its row counts only, since run ids and times
differ by nature. Prints one line per table and `identical=<true|false>` last; exits 1 when a
table differs. Used to show that a restructuring changed no published value.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

SCHEMA = "scorecard"


def compare(before: Path, after: Path) -> list[tuple[str, str]]:
    """(table, verdict) for every table; the verdict is `identical` or what differs."""
    out = []
    with duckdb.connect() as con:
        con.execute("attach ? as b (read_only)", [str(before)])
        con.execute("attach ? as a (read_only)", [str(after)])
        names_b, names_a = set(tables_in(con, "b")), set(tables_in(con, "a"))
        for name in sorted(names_b | names_a):
            if name not in names_a or name not in names_b:
                out.append((name, f"only in {'before' if name in names_b else 'after'}"))
                continue
            cols_b = columns(con, "b", name)
            cols_a = columns(con, "a", name)
            if cols_b != cols_a:
                out.append((name, f"columns differ: {cols_b} / {cols_a}"))
                continue
            if name == "publish_log":
                query = (
                    f"select rows from {{}}.{SCHEMA}.publish_log order by published_at desc limit 1"
                )
                rows_b = con.execute(query.format("b")).fetchall()
                rows_a = con.execute(query.format("a")).fetchall()
                verdict = "identical (row counts)" if rows_b == rows_a else f"{rows_b} / {rows_a}"
                out.append((name, verdict))
                continue
            # when a status change was first published is the publish's moment, not data
            rows = "* exclude (first_published_at)" if name == "status_changes" else "*"
            count_b = con.execute(f"select count(*) from b.{SCHEMA}.{name}").fetchone()[0]
            count_a = con.execute(f"select count(*) from a.{SCHEMA}.{name}").fetchone()[0]
            missing = con.execute(
                f"select count(*) from (select {rows} from b.{SCHEMA}.{name}"
                f" except all select {rows} from a.{SCHEMA}.{name})"
            ).fetchone()[0]
            extra = con.execute(
                f"select count(*) from (select {rows} from a.{SCHEMA}.{name}"
                f" except all select {rows} from b.{SCHEMA}.{name})"
            ).fetchone()[0]
            if missing == extra == 0 and count_a == count_b:
                out.append((name, f"identical ({count_a} rows)"))
            else:
                out.append(
                    (name, f"{count_b} -> {count_a} rows; {missing} gone, {extra} new or changed")
                )
    return out


def tables_in(con, catalog: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables"
            " where table_catalog = ? and table_schema = ? order by table_name",
            [catalog, SCHEMA],
        ).fetchall()
    ]


def columns(con, catalog: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_catalog = ? and table_schema = ? and table_name = ?"
        " order by ordinal_position",
        [catalog, SCHEMA, table],
    ).fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    verdicts = compare(args.before, args.after)
    for name, verdict in verdicts:
        print(f"{name:22s} {verdict}")
    same = all(v.startswith("identical") for _, v in verdicts)
    print(f"identical={str(same).lower()}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
