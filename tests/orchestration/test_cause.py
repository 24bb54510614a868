"""The one line a failed run starts with when one source alone failed it."""

from __future__ import annotations

from datetime import date

from orchestration.cause import single_source_cause

RUN = date(2026, 11, 6)
VOLUME = {
    "suite": "landing.linkedin.organization_statistics.volume",
    "failed": [
        {
            "expectation": "expect_column_values_to_be_in_set",
            "column": "volume_ok",
            "description": "the latest complete day has at least 50% of the rows of the median "
            "of the 14 days before it",
            "unexpected_count": 1,
            "examples": [
                {"volume_ok": False, "day": "2026-11-05", "rows": 2, "trailing_median": 8.0}
            ],
        }
    ],
}


def landing(source, *failures):
    return {"source": source, "failures": list(failures)}


def test_a_landing_check_of_one_source_names_source_day_reason_and_check():
    cause = single_source_cause(
        [landing("linkedin", VOLUME), landing("facebook")],
        [],
        [],
        {"land_linkedin": "blocking check failed"},
        RUN,
    )
    assert cause == (
        "source linkedin, 2026-11-05: the latest complete day has at least 50% of the rows of "
        "the median of the 14 days before it — not met (rows 2, trailing_median 8.0); "
        "check landing.linkedin.organization_statistics.volume"
    )


def test_a_row_check_names_the_rows_day_and_how_many_rows_break_it():
    failure = {
        "suite": "landing.facebook.page_insights",
        "failed": [
            {
                "expectation": "expect_column_values_to_be_between",
                "column": "value",
                "unexpected_count": 3,
                "examples": [
                    {
                        "_file": "/x/y.parquet",
                        "account_id": "555",
                        "date": "2026-11-01",
                        "metric": "page_media_view",
                        "value": -4.0,
                    }
                ],
            }
        ],
    }
    cause = single_source_cause([landing("facebook", failure)], [], [], {}, RUN)
    assert cause == (
        "source facebook, 2026-11-01: expect_column_values_to_be_between on value — not met "
        "(account_id 555, metric page_media_view); 3 row(s) break it; "
        "check landing.facebook.page_insights"
    )


def test_an_extraction_error_names_the_source_and_the_run_date():
    error = {"step": "land_website", "message": "AuthError: source website: GA4 refused access"}
    cause = single_source_cause([], [error], [], {"land_website": "AuthError"}, RUN)
    assert cause == "source website, 2026-11-06: AuthError: source website: GA4 refused access"


def test_no_single_cause_when_two_sources_or_a_warehouse_gate_failed():
    two = [landing("linkedin", VOLUME), landing("facebook", VOLUME)]
    assert single_source_cause(two, [], [], {}, RUN) is None
    gate = [{"failures": [{"suite": "metrics.completeness", "failed": []}]}]
    assert single_source_cause([landing("linkedin", VOLUME)], [], gate, {}, RUN) is None
    other_step = {"land_linkedin": "x", "dbt_build": "y"}
    assert single_source_cause([landing("linkedin", VOLUME)], [], [], other_step, RUN) is None
