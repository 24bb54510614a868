"""Read what messages say from the serving file (the published tables only), formatted the way
the page formats it."""

from __future__ import annotations

from datetime import date

import duckdb

from orchestration.delivery.messages import Item
from orchestration.publish import SCHEMA
from orchestration.report.formats import plain


def period_label(grain: str, start: date) -> str:
    if grain == "month":
        return f"{start:%B %Y}"
    if grain == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if grain == "year":
        return str(start.year)
    if grain == "week":
        return f"week of {start.isoformat()}"
    return start.isoformat()


class Served:
    """One read-only look at the serving file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, currency: str):
        self.con = con
        self.currency = currency
        self.kpis = {
            row["kpi_id"]: row
            for row in self.rows(
                f"select kpi_id, name, perspective, unit, decimals, currency, direction, owner,"
                f" actions, position from {SCHEMA}.kpis order by position"
            )
        }
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ?", [SCHEMA]
            ).fetchall()
        }
        self.has_comments = "kpi_comments" in tables
        self.has_actions = "kpi_actions" in tables

    def rows(self, query: str, params: list | None = None) -> list[dict]:
        cursor = self.con.execute(query, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

    def value(self, kpi_id: str, value) -> str:
        kpi = self.kpis[kpi_id]
        return plain(
            {"decimals": kpi["decimals"], "unit": kpi["unit"], "currency": kpi["currency"]},
            value,
            {"meta": {"currency": self.currency}},
        )

    def target(self, kpi_id: str, row: dict) -> str:
        if self.kpis[kpi_id]["direction"] == "in_range" and row.get("target_low") is not None:
            low, high = (
                self.value(kpi_id, row["target_low"]),
                self.value(kpi_id, row["target_high"]),
            )
            return f"{low} – {high}"
        return self.value(kpi_id, row.get("target"))

    def comments(self, kpi_id: str, grain: str, period_start) -> tuple[str, ...]:
        if not self.has_comments:
            return ()
        return tuple(
            f"{r['author']}: {r['text']}"
            for r in self.rows(
                f"select author, text from {SCHEMA}.kpi_comments"
                " where kpi_id = ? and grain = ? and period_start = ? order by author",
                [kpi_id, grain, period_start],
            )
        )

    def open_actions(self, kpi_id: str) -> tuple[str, ...]:
        if not self.has_actions:
            return ()
        return tuple(
            f"{r['action']} ({r['owner']}, due {r['due_date']}"
            + (", overdue)" if r["is_overdue"] else ")")
            for r in self.rows(
                f"select action, owner, due_date, is_overdue from {SCHEMA}.kpi_actions"
                " where kpi_id = ? and is_open order by due_date, action",
                [kpi_id],
            )
        )

    def item(self, row: dict, *, previous_status=None, note: str = "") -> Item:
        kpi = self.kpis[row["kpi_id"]]
        return Item(
            kpi_id=row["kpi_id"],
            name=kpi["name"],
            period=period_label(row["grain"], row["period_start"]),
            status=row["status"],
            value=self.value(row["kpi_id"], row["value"]),
            target=self.target(row["kpi_id"], row),
            owner=kpi["owner"],
            previous_status=previous_status,
            note=note,
            actions=tuple(kpi["actions"] or ()),
            open_actions=self.open_actions(row["kpi_id"]),
            comments=self.comments(row["kpi_id"], row["grain"], row["period_start"]),
        )


def open_served(config) -> tuple[duckdb.DuckDBPyConnection, Served]:
    con = duckdb.connect(str(config.publish.duckdb), read_only=True)
    return con, Served(con, config.currency)
