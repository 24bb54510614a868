"""KPI comments — owners explain their numbers in a CSV/XLSX sheet (kpi, period, author, text).

Each row is one person's comment on one KPI in one period (a day, ISO week, month, quarter or
year). A later sheet's comment by the same author on the same KPI and period replaces the
earlier one (decision 60); nothing here is a metric, so the scorecard's numbers never change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pyarrow as pa

from connectors import register
from connectors.base import ExtractContext, Stream, Window
from connectors.checks import Dates, NotBefore, NotNull, OneOf
from connectors.files import Columns, FileSource, read_cells
from connectors.kpi_sheets import (
    GRAINS,
    KpiSheetConfig,
    kpi_column,
    no_repeated_keys,
    optional_dates,
    period_columns,
    required_text,
)


class KpiCommentsConfig(KpiSheetConfig):
    type: Literal["kpi_comments"] = "kpi_comments"


COMMENTS = Stream(
    name="comments",
    schema=pa.schema(
        [
            pa.field("line_number", pa.int64()),
            pa.field("kpi", pa.string()),
            pa.field("grain", pa.string()),
            pa.field("period_start", pa.date32()),
            pa.field("period_end", pa.date32()),
            pa.field("author", pa.string()),
            pa.field("text", pa.string()),
            pa.field("written_on", pa.date32()),
        ]
    ),
    primary_key=("_file_hash", "line_number"),
    # the period commented on: it has begun by the run date, and not before the source's start
    cursor="period_start",
    description="One row per comment of a sheet (KPI, period, author, text); the newest "
    "sheet's comment by an author on a KPI and period speaks for it.",
    # an empty inbox is normal: nobody has commented yet
    may_be_empty=True,
    checks=(
        NotNull("kpi"),
        NotNull("grain"),
        OneOf("grain", GRAINS),
        NotNull("period_end"),
        NotBefore("period_end", "period_start"),
        NotNull("author"),
        NotNull("text"),
        # a comment cannot have been written after the run
        Dates("written_on", days_after_run=0),
    ),
)


@register
class KpiComments(FileSource):
    type = "kpi_comments"
    config_model = KpiCommentsConfig
    streams = (COMMENTS,)

    def parse(self, path: Path) -> pa.Table:
        return parse_comments(path, self.config)

    def coverage(self, path: Path, table: pa.Table, ctx: ExtractContext) -> Window | None:
        """The periods commented on, up to the run date (a running quarter's comment speaks
        for the days so far)."""
        import pyarrow.compute as pc

        if not table.num_rows:
            return None
        start = pc.min(table.column("period_start")).as_py()
        end = min(pc.max(table.column("period_end")).as_py(), ctx.run_date)
        return Window(start, max(start, end))

    def write_demo_files(self, ctx: ExtractContext) -> None:
        from connectors.demo.kpi_sheets import write_comment_sheets

        write_comment_sheets(self.inbox(), self.config, ctx.run_date)


def parse_comments(path: Path, config: KpiCommentsConfig) -> pa.Table:
    """Every comment of a sheet, or the file refused with each bad line's problem."""
    raw = read_cells(
        path,
        required=["kpi", "period", "author", "text"],
        delimiter=config.delimiter,
        encoding=config.encoding,
    )
    parsed = Columns(raw)
    kpis = kpi_column(parsed, config)
    grains, starts, ends = period_columns(parsed, "period", config.date_format)
    authors = required_text(parsed, "author")
    texts = required_text(parsed, "text")
    written = (
        optional_dates(parsed, "date", config.date_format)
        if raw.has("date")
        else [None] * len(kpis)
    )
    no_repeated_keys(
        parsed,
        [kpis.to_numpy(), grains, starts, authors.to_numpy()],
        "a comment by the same author on the same KPI and period",
    )
    return parsed.table(
        COMMENTS.schema,
        {
            "kpi": kpis.to_numpy(),
            "grain": grains,
            "period_start": starts,
            "period_end": ends,
            "author": authors.to_numpy(),
            "text": texts.to_numpy(),
            "written_on": written,
        },
    )
