"""Empty landings through the real connectors, extraction and landing gate, against local
stand-ins of the platforms: a stream that may be empty passes with no rows, one where empty
means broken fails (its empty batch named and quarantined), and a source whose first day is not
over yet lands nothing without failing."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest

from connectors import connector_for
from connectors.ga4 import GA4Config
from connectors.hubspot import HubSpotConfig
from connectors.landing import LandingStore
from connectors.rest_api.config import RestApiConfig
from orchestration.assets.landing import gate_landing
from orchestration.extract import extract_source
from tests.fakes.ga4 import FakeGA4, daily_data
from tests.fakes.hubspot import PIPELINES, FakeHubSpot, stamp
from tests.fakes.rest_api import FakeApi

LOG = logging.getLogger("t")
TOKEN = "canary-empty-token-3c4d5e6f"
RUN = date(2025, 3, 1)
# the nightly run: 02:00 in Copenhagen (the GA4 property's zone), where 28 February is over
NIGHTLY = datetime(2025, 3, 1, 2, tzinfo=ZoneInfo("Europe/Copenhagen"))


def land_and_gate(config, store, run_date=RUN, moment=None):
    """What the landing asset does for one source: extract every stream, then gate it."""
    results = extract_source(config, store, run_date=run_date, moment=moment, log=LOG)
    streams = connector_for(config.type).streams
    gate, quarantined = gate_landing(store, config, streams, results, run_date, LOG)
    return results, gate, quarantined


def failing(gate) -> set[str]:
    return {r.suite.name for r in gate.failures()}


def landed_rows(store, source, stream) -> list[int]:
    return [pq.ParquetFile(f).metadata.num_rows for f in store.batch_files(source, stream)]


@pytest.fixture
def env(monkeypatch):
    for name in ("EMPTY_GA4", "EMPTY_HS", "EMPTY_SHOP"):
        monkeypatch.setenv(name, TOKEN)


def ga4_config(url, start_date=date(2025, 2, 15)):
    return GA4Config(
        name="website",
        property_ids=["111"],
        access_token="env:EMPTY_GA4",
        api_endpoint=url,
        start_date=start_date,
    )


def test_no_open_deals_tonight_passes_and_no_pipeline_fails(env, httpserver, tmp_path):
    crm = FakeHubSpot(token=TOKEN, pipelines=PIPELINES)
    created = stamp(datetime(2025, 2, 27, 9, tzinfo=UTC))
    # every deal is closed: tonight's open-deal snapshot has no rows
    crm.put("deals", "1", amount=900, pipeline="default", dealstage="closedwon",
            createdate=created, closedate=created, hs_lastmodifieddate=created)  # fmt: skip
    crm.put("contacts", "1", lifecyclestage="lead", createdate=created, lastmodifieddate=created)
    hubspot = HubSpotConfig(
        name="crm", access_token="env:EMPTY_HS", base_url=crm.install(httpserver),
        start_date=date(2025, 1, 1),
    )  # fmt: skip
    store = LandingStore(tmp_path)

    _, gate, quarantined = land_and_gate(hubspot, store)
    assert landed_rows(store, "crm", "open_deal_snapshots") == [0]
    assert gate.success and not quarantined

    # every portal has its default pipeline: an answer without one is a broken answer
    crm.pipelines = []
    _, gate, quarantined = land_and_gate(hubspot, store, RUN + timedelta(days=1))
    assert failing(gate) == {"landing.crm.deal_pipelines.rows"}
    [empty] = quarantined
    assert "/_quarantine/crm/deal_pipelines/" in empty
    # the first night's stages stay, the only batch left
    assert landed_rows(store, "crm", "deal_pipelines") == [sum(len(p["stages"]) for p in PIPELINES)]


def test_a_source_whose_first_day_is_not_over_lands_nothing_and_passes(env, httpserver, tmp_path):
    ga4 = FakeGA4(token=TOKEN, now=NIGHTLY, data={"111": daily_data(RUN, RUN, base=100)})
    config = ga4_config(ga4.install(httpserver), start_date=RUN)  # added today
    store = LandingStore(tmp_path)

    results, gate, _ = land_and_gate(config, store, moment=NIGHTLY)
    assert {n: (r.files, r.nothing_due) for n, r in results.items()} == {
        "daily_metrics": ([], True),
        "period_totals": ([], True),
        "daily_breakdowns": ([], True),
        "period_breakdowns": ([], True),
        "property_quota": ([], True),
    }
    assert gate.success, [r.summary() for r in gate.failures()]

    # the night after, the first day is over: it lands
    ga4.now = NIGHTLY + timedelta(days=1)
    results, gate, _ = land_and_gate(config, store, RUN + timedelta(days=1), ga4.now)
    assert not any(r.nothing_due for r in results.values())
    assert gate.success and landed_rows(store, "website", "daily_metrics") == [5]


def shop_config(url: str, endpoints: list[dict]) -> RestApiConfig:
    return RestApiConfig.model_validate(
        {
            "name": "shop",
            "type": "rest_api",
            "base_url": url,
            "auth": {"type": "query", "name": "api_key", "value": "env:EMPTY_SHOP"},
            "start_date": "2025-02-01",
            "endpoints": endpoints,
        },
        context={"timezone": "Europe/Copenhagen"},
    )


def shop_endpoint(name: str, **keys) -> dict:
    return {
        "name": name,
        "path": f"v1/{name}",
        "records_path": "data",
        "primary_key": ["id"],
        "date_field": "day",
        "metrics": [{"metric": f"shop.{name}"}],
        **keys,
    }


def test_a_rest_api_endpoint_says_whether_a_window_without_records_is_normal(
    env, httpserver, tmp_path
):
    api = FakeApi(auth=("query", "api_key", TOKEN))
    url = api.install(httpserver)
    api.add("v1/orders", "none", [{"id": 1, "day": "2025-02-20"}])
    api.add("v1/refunds", "none", [])  # quiet, and declared so
    api.add("v1/signups", "none", [])  # quiet, though it never should be
    store = LandingStore(tmp_path)

    refunds = shop_endpoint("refunds", may_be_empty=True)
    _, gate, _ = land_and_gate(shop_config(url, [shop_endpoint("orders"), refunds]), store)
    assert gate.success
    assert landed_rows(store, "shop", "api_metric_records") == [1]  # refunds landed nothing

    endpoints = [shop_endpoint("orders"), refunds, shop_endpoint("signups")]
    _, gate, quarantined = land_and_gate(shop_config(url, endpoints), store)
    assert failing(gate) == {"landing.shop.api_metric_records.rows"}
    [empty] = quarantined
    assert pq.ParquetFile(empty).metadata.num_rows == 0

    # every endpoint may be quiet: a source that has never landed a row is not broken
    quiet = LandingStore(tmp_path / "quiet")
    _, gate, _ = land_and_gate(shop_config(url, [refunds]), quiet)
    assert gate.success and quiet.batch_files("shop", "api_metric_records") == []
