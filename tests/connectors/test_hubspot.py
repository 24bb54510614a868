"""HubSpot connector against a local CRM v3 API: paging, search past 10,000 results, rate
limits, pipelines from metadata, and no personal data."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from connectors.base import ExtractContext, LandedState, Window
from connectors.http import RequestError, RetryPolicy
from connectors.hubspot import HubSpot, HubSpotConfig
from tests.fakes.hubspot import PIPELINES, FakeHubSpot, stamp

TOKEN = "canary-hubspot-token-0f9e8d7c"
RUN = date(2025, 4, 1)


@pytest.fixture
def crm(httpserver, monkeypatch):
    monkeypatch.setenv("HS_TEST_TOKEN", TOKEN)
    fake = FakeHubSpot(token=TOKEN, pipelines=PIPELINES)
    fake.url = fake.install(httpserver)
    return fake


def connector(fake):
    c = HubSpot(
        HubSpotConfig(
            name="crm",
            type="hubspot",
            access_token="env:HS_TEST_TOKEN",
            base_url=fake.url,
            start_date=date(2025, 1, 1),
        )
    )
    c.policy = RetryPolicy(attempts=3, backoff=0.01, jitter=0)
    return c


def extract(c, stream, state=None):
    ctx = ExtractContext(run_date=RUN, state=state or LandedState(), log=logging.getLogger("t"))
    [batch] = list(c.extract(c.stream(stream), ctx))
    return batch


def add_deal(fake, i, stage="closedwon", modified=None, amount=1000, pipeline="default"):
    created = datetime(2025, 1, 2, tzinfo=UTC) + timedelta(hours=i)
    fake.put(
        "deals",
        str(i),
        amount=amount,
        pipeline=pipeline,
        dealstage=stage,
        createdate=stamp(created),
        closedate=stamp(created + timedelta(days=10)),
        hs_lastmodifieddate=stamp(modified or created),
        dealname=f"Deal {i}",
    )


def test_first_run_lists_everything_with_cursor_paging(crm):
    for i in range(1, 251):
        add_deal(crm, i)
    rows = extract(connector(crm), "deals").records.to_pylist()
    assert sorted(int(r["deal_id"]) for r in rows) == list(range(1, 251))
    pages = [r for r in crm.requests if r["path"] == "/crm/v3/objects/deals"]
    assert [p["args"].get("after") for p in pages] == [None, "100", "200"]
    assert rows[0]["amount"] == 1000.0 and rows[0]["stage_id"] == "closedwon"


def test_incremental_runs_search_the_lookback_window_past_10000_results(crm):
    modified = datetime(2025, 3, 29, tzinfo=UTC)
    for i in range(1, 12_346):
        add_deal(crm, i, modified=modified + timedelta(seconds=i // 3))  # ties included
    add_deal(crm, 99_999, modified=datetime(2025, 3, 1, tzinfo=UTC))  # older than the window
    state = LandedState(windows=(Window(date(2025, 1, 1), date(2025, 3, 31)),))
    rows = extract(connector(crm), "deals", state).records.to_pylist()
    ids = [r["deal_id"] for r in rows]
    assert len(ids) == len(set(ids)) == 12_345  # every one, exactly once
    searches = [r["body"] for r in crm.requests if r["path"].endswith("/search")]
    first = searches[0]["filterGroups"][0]["filters"]
    assert first == [
        {
            "propertyName": "hs_lastmodifieddate",
            "operator": "GTE",
            "value": str(int(datetime(2025, 3, 28, tzinfo=UTC).timestamp() * 1000)),
        }
    ]
    assert any(len(s["filterGroups"][0]["filters"]) == 2 for s in searches)  # re-windowed
    assert max(int(s.get("after", 0)) for s in searches) < 10_000


def test_more_than_10000_changes_in_one_millisecond_is_a_clear_error(crm):
    """The search pages by a sorted property; 10,001 records sharing one value cannot be paged
    past the cap, and the run says so instead of losing records."""
    modified = datetime(2025, 3, 29, tzinfo=UTC)
    for i in range(1, 10_102):
        add_deal(crm, i, modified=modified)
    state = LandedState(windows=(Window(date(2025, 1, 1), date(2025, 3, 31)),))
    with pytest.raises(RequestError, match=r"more than 10000 deals share hs_lastmodifieddate"):
        extract(connector(crm), "deals", state)


def test_rate_limits_are_waited_out(crm):
    add_deal(crm, 1)
    crm.rate_limited = 2
    rows = extract(connector(crm), "deals").records.to_pylist()
    listings = [r for r in crm.requests if r["path"] == "/crm/v3/objects/deals"]
    assert len(rows) == 1 and len(listings) == 3


def test_won_and_lost_come_from_pipeline_metadata(crm):
    stages = extract(connector(crm), "deal_pipelines").records.to_pylist()
    flags = {(s["pipeline_id"], s["stage_id"]): (s["is_closed"], s["is_won"]) for s in stages}
    assert flags[("7613042", "7613045")] == (True, True)  # "Signed": no "won" in its name
    assert flags[("7613042", "7613046")] == (True, False)
    assert flags[("default", "contractsent")] == (False, False)


def test_open_deal_snapshot_is_as_of_yesterday(crm):
    add_deal(crm, 1, stage="contractsent", amount=500)
    add_deal(crm, 2, stage="closedwon", amount=700)
    add_deal(crm, 3, stage="7613043", amount=300, pipeline="7613042")
    batch = extract(connector(crm), "open_deal_snapshots")
    rows = batch.records.to_pylist()
    assert {(r["deal_id"], r["amount"]) for r in rows} == {("1", 500.0), ("3", 300.0)}
    assert {r["snapshot_date"] for r in rows} == {RUN - timedelta(days=1)}


def test_contacts_land_without_personal_data(crm):
    crm.put(
        "contacts",
        "1",
        email="ada@example.com",
        firstname="Ada",
        lastname="Lovelace",
        phone="+45 12 34 56 78",
        lifecyclestage="lead",
        createdate="2025-03-03T10:00:00.000Z",
        lastmodifieddate="2025-03-03T10:00:00.000Z",
    )
    batch = extract(connector(crm), "contacts")
    assert batch.records.schema.names == [
        "contact_id",
        "lifecycle_stage",
        "created_at",
        "modified_at",
        "original_source",
    ]
    text = str(batch.records.to_pylist())
    for personal in ("ada@example.com", "Ada", "Lovelace", "12 34 56 78"):
        assert personal not in text
    [call] = crm.requests
    assert "email" not in call["args"]["properties"]


def test_personal_properties_cannot_be_configured():
    with pytest.raises(ValidationError, match="identify people"):
        HubSpotConfig(
            name="crm", type="hubspot", access_token="env:X", contact_properties=["email"]
        )


def sourced_connector(fake, breakdowns=None):
    c = connector(fake)
    if breakdowns is not None:
        c = HubSpot(c.config.model_copy(update={"breakdowns": breakdowns}))
        c.policy = RetryPolicy(attempts=3, backoff=0.01, jitter=0)
    return c


def test_deals_land_their_original_source_and_else_their_contacts(crm):
    """deal_source: HubSpot's original source of the deal; a deal without one (created before
    any contact was linked) lands its associated contacts, read with the v4 batch read and
    followed past a page of associations, so staging can use the earliest contact's source."""
    add_deal(crm, 1)
    crm.put("deals", "1", **crm.objects["deals"]["1"], hs_analytics_source="PAID_SEARCH")
    add_deal(crm, 2)  # no source, three contacts over two association pages
    crm.associate("2", "902", "17", "450")
    crm.association_page = 2
    add_deal(crm, 3)  # no source, no contact
    rows = {r["deal_id"]: r for r in extract(connector(crm), "deals").records.to_pylist()}
    assert (rows["1"]["original_source"], rows["1"]["contact_ids"]) == ("PAID_SEARCH", None)
    assert (rows["2"]["original_source"], rows["2"]["contact_ids"]) == (None, ["17", "450", "902"])
    assert (rows["3"]["original_source"], rows["3"]["contact_ids"]) == (None, [])
    [listing] = [r for r in crm.requests if r["path"] == "/crm/v3/objects/deals"]
    assert "hs_analytics_source" in listing["args"]["properties"].split(",")
    reads = [r["body"] for r in crm.requests if r["path"].startswith("/crm/v4/associations")]
    # only the deals without a source are asked for; deal 2 a second time from its own cursor
    assert reads == [
        {"inputs": [{"id": "2"}, {"id": "3"}]},
        {"inputs": [{"id": "2", "after": "2"}]},
    ]


def test_contacts_land_their_original_source(crm):
    crm.put(
        "contacts",
        "7",
        email="bo@example.com",
        hs_analytics_source="ORGANIC_SEARCH",
        createdate="2025-03-03T10:00:00.000Z",
        lastmodifieddate="2025-03-03T10:00:00.000Z",
    )
    [row] = extract(connector(crm), "contacts").records.to_pylist()
    assert row["original_source"] == "ORGANIC_SEARCH"
    assert "bo@example.com" not in str(row)


def test_without_deal_source_nothing_more_is_asked(crm):
    """breakdowns: [pipeline] extracts no source: no extra property, no association calls."""
    add_deal(crm, 1)
    c = sourced_connector(crm, breakdowns=["pipeline"])
    [row] = extract(c, "deals").records.to_pylist()
    assert (row["original_source"], row["contact_ids"]) == (None, None)
    [call] = crm.requests
    assert "hs_analytics_source" not in call["args"]["properties"]


def test_breakdowns_leads_by_source_only_deals_by_source_and_pipeline(crm):
    everything = connector(crm).breakdowns()
    assert everything["crm.leads_created"] == ("deal_source",)
    assert everything["crm.won_revenue"] == ("deal_source", "pipeline")
    assert everything["crm.pipeline_value"] == ("deal_source", "pipeline")
    pipelines_only = sourced_connector(crm, breakdowns=["pipeline"]).breakdowns()
    assert "crm.leads_created" not in pipelines_only
    assert pipelines_only["crm.deals_won"] == ("pipeline",)
    assert sourced_connector(crm, breakdowns=[]).breakdowns() == {}
