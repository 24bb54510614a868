"""The scorecard as a page: one self-contained HTML file rendered from the published tables."""

from orchestration.report.data import NothingPublished, report_data
from orchestration.report.render import render_report, write_report

__all__ = ["NothingPublished", "render_report", "report_data", "write_report"]
