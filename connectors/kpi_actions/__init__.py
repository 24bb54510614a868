"""KPI actions — what owners are doing about a KPI, from a CSV/XLSX sheet (kpi, action, owner,
due, status).

An action is known by its KPI and its text: a later sheet naming the same KPI and action
replaces its owner, due date and status (decision 60), so a sheet saved again with a status
moved to `done` closes the action. These are the team's tracked actions; a KPI's `actions:` in
the config stay its standing playbook.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import pyarrow as pa

from connectors import register
from connectors.base import ExtractContext, Stream, Window
from connectors.checks import NotNull, OneOf
from connectors.files import Columns, FileSource, read_cells
from connectors.kpi_sheets import KpiSheetConfig, kpi_column, no_repeated_keys, required_text

STATUSES = ("open", "in_progress", "done", "dropped")
OPEN_STATUSES = ("open", "in_progress")


class KpiActionsConfig(KpiSheetConfig):
    type: Literal["kpi_actions"] = "kpi_actions"


ACTIONS = Stream(
    name="actions",
    schema=pa.schema(
        [
            pa.field("line_number", pa.int64()),
            pa.field("kpi", pa.string()),
            pa.field("action", pa.string()),
            pa.field("owner", pa.string()),
            pa.field("due", pa.date32()),
            pa.field("status", pa.string()),
        ]
    ),
    primary_key=("_file_hash", "line_number"),
    # due dates lie ahead as often as behind: no range to check them against
    cursor="due",
    check_cursor_dates=False,
    description="One row per action of a sheet (KPI, action, owner, due date, status); the "
    "newest sheet naming a KPI's action speaks for it.",
    may_be_empty=True,  # an empty inbox is normal: no actions tracked yet
    checks=(
        NotNull("kpi"),
        NotNull("action"),
        NotNull("owner"),
        NotNull("due"),
        NotNull("status"),
        OneOf("status", STATUSES),
    ),
)


@register
class KpiActions(FileSource):
    type = "kpi_actions"
    config_model = KpiActionsConfig
    streams = (ACTIONS,)

    def parse(self, path: Path) -> pa.Table:
        return parse_actions(path, self.config)

    def coverage(self, path: Path, table: pa.Table, ctx: ExtractContext) -> Window | None:
        """An action list speaks for the day it was landed (its due dates are plans, not the
        days it covers): the source's freshness is the age of its newest sheet."""
        return Window(ctx.run_date, ctx.run_date)

    def write_demo_files(self, ctx: ExtractContext) -> None:
        from connectors.demo.kpi_sheets import write_action_sheets

        write_action_sheets(self.inbox(), self.config, ctx.run_date)


def status_of(value: str) -> str:
    """`In progress`, `in-progress` and `IN_PROGRESS` are one status."""
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


def parse_actions(path: Path, config: KpiActionsConfig) -> pa.Table:
    """Every action of a sheet, or the file refused with each bad line's problem."""
    raw = read_cells(
        path,
        required=["kpi", "action", "owner", "due", "status"],
        delimiter=config.delimiter,
        encoding=config.encoding,
    )
    parsed = Columns(raw)
    kpis = kpi_column(parsed, config)
    actions = required_text(parsed, "action")
    owners = required_text(parsed, "owner")
    due = parsed.dates("due", config.date_format, label="due")
    typed = parsed.texts("status")
    statuses = typed.map(status_of)
    parsed.require(
        statuses.isin(STATUSES).to_numpy(),
        typed,
        lambda s: (
            "status is empty" if not s else f"status {s!r} is not one of {', '.join(STATUSES)}"
        ),
    )
    no_repeated_keys(parsed, [kpis.to_numpy(), actions.to_numpy()], "the same KPI and action")
    return parsed.table(
        ACTIONS.schema,
        {
            "kpi": kpis.to_numpy(),
            "action": actions.to_numpy(),
            "owner": owners.to_numpy(),
            "due": due,
            "status": statuses.to_numpy(),
        },
    )
