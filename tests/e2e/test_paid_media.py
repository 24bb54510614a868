"""`scorecard run` with Google Ads, Meta Ads, LinkedIn Ads and the ECB's rates pointed at local
servers that speak each platform's wire format: accounts in USD, EUR and DKK converted to a DKK
scorecard over Easter 2026 (Good Friday 3 April and Easter Monday 6 April have no rate), with
ads.* metrics and cost-per-acquisition and ROAS KPIs checked against hand-computed values; in the
same run a GA4 property reporting in euro and HubSpot deals in euro convert too. An account in a
currency the rates source does not publish fails the gate and publishes nothing.
Both OAuth sources start without an access token: they renew one through the token endpoint."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import duckdb
import pytest

from tests.conftest import run_cli, run_local
from tests.fakes.ecb import FakeEcb
from tests.fakes.google_ads import FakeAccount, FakeGoogleAds
from tests.fakes.linkedin_ads import FakeCampaign, FakeLinkedInAds
from tests.fakes.meta_ads import FakeAdAccount, FakeMetaAds, spend_day
from tests.fakes.oauth import FakeTokenEndpoint

pytestmark = pytest.mark.slow
AS_OF = date(2026, 4, 10)
NIGHT = datetime(2026, 4, 10, tzinfo=ZoneInfo("Europe/Copenhagen"))
TOKENS = {
    "GADS_DEV_E2E": "canary-gads-developer-1a2b3c",
    "GADS_CLIENT_E2E": "canary-gads-client-4d5e6f",
    "GADS_SECRET_E2E": "canary-gads-secret-7a8b9c",
    "GADS_REFRESH_E2E": "canary-gads-refresh-0d1e2f",
    "META_E2E": "canary-meta-token-3a4b5c",
    "LI_CLIENT_E2E": "canary-li-client-6d7e8f",
    "LI_SECRET_E2E": "canary-li-secret-9a0b1c",
    "LI_REFRESH_E2E": "canary-li-refresh-2d3e4f",
    "GA4_E2E": "canary-ga4-token-5e6f7a",
    "HS_E2E": "canary-hs-token-8b9c0d",
}

CONFIG = """
timezone: Europe/Copenhagen
currency: DKK
sources:
  - name: google
    type: google_ads
    customer_ids: ["1111111111"]
    developer_token: env:GADS_DEV_E2E
    oauth: {{client_id: env:GADS_CLIENT_E2E, client_secret: env:GADS_SECRET_E2E,
             refresh_token: env:GADS_REFRESH_E2E, token_url: "{url}/google/token"}}
    base_url: {url}
    start_date: 2026-03-30
  - {{name: meta, type: meta_ads, ad_account_ids: ["{meta_account}"], access_token: env:META_E2E,
     base_url: {url}, start_date: 2026-03-30}}
  - name: linkedin
    type: linkedin_ads
    ad_account_ids: ["3333"]
    oauth: {{client_id: env:LI_CLIENT_E2E, client_secret: env:LI_SECRET_E2E,
             refresh_token: env:LI_REFRESH_E2E, token_url: "{url}/oauth/v2/accessToken"}}
    base_url: {url}
    start_date: 2026-03-30
  - {{name: rates, type: fx_rates, currencies: [USD, DKK], base_url: {url}, start_date: 2026-03-25}}
  - {{name: website, type: ga4, property_ids: ["111"], access_token: env:GA4_E2E, api_endpoint: {url},
     start_date: 2026-03-30}}
  - {{name: crm, type: hubspot, access_token: env:HS_E2E, base_url: {url}, start_date: 2026-03-30}}
objectives:
  - {{id: pay_back, perspective: financial, name: Make paid media pay}}
  - {{id: reach, perspective: customer, name: Reach buyers, drives: [pay_back]}}
kpis:
  - {{id: cost_per_acquisition, name: Cost per acquisition, objective: pay_back, type: ratio,
     numerator: ads.spend, denominator: ads.conversions, unit: currency,
     direction: lower_is_better, target: 150, breakdowns: [platform]}}
  - {{id: return_on_ad_spend, name: Return on ad spend, objective: pay_back, type: ratio,
     numerator: ads.conversion_value, denominator: ads.spend, target: 4}}
  - {{id: paid_social_share, name: Paid social share of spend, objective: reach, type: ratio,
     numerator: ads.spend, denominator: ads.spend, filter: {{channel: Paid Social}},
     filter_applies_to: numerator, scale: 100, unit: percent, direction: in_range, target: [30, 70]}}
  - {{id: web_revenue, name: Web revenue, objective: pay_back, type: metric, metric: web.revenue,
     unit: currency, target: 1000}}
  - {{id: won_revenue, name: Won revenue, objective: pay_back, type: metric, metric: crm.won_revenue,
     unit: currency, target: 1000}}
"""

# The fake ECB publishes level + day-of-month / 1000 on TARGET business days (USD 1.1, DKK 7.46)
USD = {date(2026, 3, 31): 1.131, date(2026, 4, 2): 1.102}
DKK = {date(2026, 3, 31): 7.491, date(2026, 4, 2): 7.462}
# hand-computed amounts in DKK: each day converts with its own rate or the latest earlier one
GOOGLE_MAR31 = 20 * DKK[date(2026, 3, 31)] / USD[date(2026, 3, 31)]  # 20.00 USD, a Tuesday
GOOGLE_APR4 = 12.34 * DKK[date(2026, 4, 2)] / USD[date(2026, 4, 2)]  # a Saturday: Thursday's
META_MAR31 = 30 * DKK[date(2026, 3, 31)]  # 30.00 EUR
META_APR6 = 45.5 * DKK[date(2026, 4, 2)]  # Easter Monday: Thursday's rate (Good Friday none)
LINKEDIN_APR2 = 100.0  # already DKK
GOOGLE_VALUE_APR4 = 61.7 * DKK[date(2026, 4, 2)] / USD[date(2026, 4, 2)]
META_VALUE_APR6 = 120 * DKK[date(2026, 4, 2)]


def platforms(httpserver, meta_currency: str = "EUR"):
    google_token = FakeTokenEndpoint(
        TOKENS["GADS_CLIENT_E2E"],
        TOKENS["GADS_SECRET_E2E"],
        TOKENS["GADS_REFRESH_E2E"],
        path="/google/token",
    )
    google_token.install(httpserver)
    google = FakeGoogleAds(
        developer_token=TOKENS["GADS_DEV_E2E"], now=NIGHT, token_endpoint=google_token
    )
    account = google.add(FakeAccount("1111111111", "USD", "America/New_York", "Nordlys US"))
    account.campaigns["101"] = "search"
    account.days[("101", date(2026, 3, 31))] = {
        "cost_micros": 20_000_000,
        "impressions": 1000,
        "clicks": 40,
        "conversions": 2.0,
        "conversions_value": 150.0,
    }
    account.days[("101", date(2026, 4, 4))] = {
        "cost_micros": 12_340_000,
        "impressions": 600,
        "clicks": 10,
        "conversions": 1.5,
        "conversions_value": 61.7,
    }
    url = google.install(httpserver)
    meta = FakeMetaAds(token=TOKENS["META_E2E"], now=NIGHT)
    meta.accounts["2222"] = FakeAdAccount("2222", meta_currency, "Europe/Berlin", "Nordlys EU")
    meta.add(
        "2222",
        "201",
        "prospecting",
        date(2026, 3, 31),
        spend_day(
            "30.00", 3000, 30, actions={"omni_purchase": "1"}, values={"omni_purchase": "90.00"}
        ),
    )
    meta.add(
        "2222",
        "201",
        "prospecting",
        date(2026, 4, 6),
        spend_day(
            "45.50",
            4000,
            35,
            actions={"omni_purchase": "2", "link_click": "35"},
            values={"omni_purchase": "120.00"},
        ),
    )
    meta.install(httpserver)
    li_token = FakeTokenEndpoint(
        TOKENS["LI_CLIENT_E2E"],
        TOKENS["LI_SECRET_E2E"],
        TOKENS["LI_REFRESH_E2E"],
        path="/oauth/v2/accessToken",
        refresh_token_expires_in=300 * 86400,
    )
    li_token.install(httpserver)
    linkedin = FakeLinkedInAds(now=NIGHT, token=None, oauth=li_token)
    li_account = linkedin.account("3333", "DKK", "Nordlys DK")
    li_account.campaigns.append(FakeCampaign("301", "b2b_leads"))
    li_account.days[("301", date(2026, 4, 2))] = {
        "costInLocalCurrency": "100.00",
        "impressions": 5000,
        "clicks": 25,
        "externalWebsiteConversions": 1,
        "conversionValueInLocalCurrency": "400.00",
    }
    linkedin.install(httpserver)
    other_money(httpserver)
    ecb = FakeEcb(now=NIGHT)
    ecb.install(httpserver)  # last: it answers every other path
    return url, google_token, li_token


def run(tmp_path, httpserver, meta_currency="EUR", meta_account="2222"):
    url, google_token, li_token = platforms(httpserver, meta_currency)
    (tmp_path / "scorecard.yml").write_text(CONFIG.format(url=url, meta_account=meta_account))
    result = run_local(tmp_path, AS_OF.isoformat(), TOKENS)
    return result, google_token, li_token


def test_ad_platforms_ga4_and_hubspot_in_three_currencies_make_one_dkk_scorecard(
    tmp_path, httpserver
):
    result, google_token, li_token = run(tmp_path, httpserver)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # both OAuth sources fetched their token from the token endpoint, with the right grant
    for endpoint, client in ((google_token, "GADS_CLIENT_E2E"), (li_token, "LI_CLIENT_E2E")):
        assert endpoint.issued, "no access token was renewed"
        form = endpoint.requests[0]["form"]
        assert form["grant_type"] == "refresh_token" and form["client_id"] == TOKENS[client]

    serving = tmp_path / "data/serving.duckdb"
    with duckdb.connect(str(serving), read_only=True) as con:
        day = dict(
            con.execute(
                "select period_start, value from scorecard.metric_values"
                " where metric_id = 'ads.spend' and grain = 'day'"
            ).fetchall()
        )
        month = {
            (m, p): v
            for m, p, v in con.execute(
                "select metric_id, period_start, value from scorecard.metric_values"
                " where metric_id like 'ads.%' and grain = 'month'"
            ).fetchall()
        }
        kpis = {
            (k, p): v
            for k, p, v in con.execute(
                "select kpi_id, period_start, value from scorecard.kpi_values where grain = 'month'"
            ).fetchall()
        }
        by_platform = dict(
            con.execute(
                "select member, value from scorecard.kpi_breakdowns where kpi_id ="
                " 'cost_per_acquisition' and grain = 'month' and period_start = '2026-04-01'"
                " and dimension = 'platform'"
            ).fetchall()
        )
    # a weekend and a holiday take the latest earlier rate; DKK converts at 1
    assert day[date(2026, 4, 4)] == pytest.approx(GOOGLE_APR4, rel=1e-12)
    assert day[date(2026, 4, 6)] == pytest.approx(META_APR6, rel=1e-12)
    assert day[date(2026, 4, 2)] == pytest.approx(LINKEDIN_APR2, rel=1e-12)
    assert day[date(2026, 3, 31)] == pytest.approx(GOOGLE_MAR31 + META_MAR31, rel=1e-12)
    april = GOOGLE_APR4 + META_APR6 + LINKEDIN_APR2
    april_value = GOOGLE_VALUE_APR4 + META_VALUE_APR6 + 400
    assert month[("ads.spend", date(2026, 4, 1))] == pytest.approx(april, rel=1e-12)
    assert month[("ads.conversions", date(2026, 4, 1))] == 4.5  # 1.5 + 2 (not link clicks) + 1
    assert month[("ads.clicks", date(2026, 4, 1))] == 10 + 35 + 25
    assert month[("ads.impressions", date(2026, 4, 1))] == 600 + 4000 + 5000
    assert month[("ads.conversion_value", date(2026, 4, 1))] == pytest.approx(april_value)
    # the KPIs: ratios of the converted totals
    assert kpis[("cost_per_acquisition", date(2026, 4, 1))] == pytest.approx(april / 4.5)
    assert kpis[("cost_per_acquisition", date(2026, 3, 1))] == pytest.approx(
        (GOOGLE_MAR31 + META_MAR31) / 3
    )
    assert kpis[("return_on_ad_spend", date(2026, 4, 1))] == pytest.approx(april_value / april)
    assert kpis[("paid_social_share", date(2026, 4, 1))] == pytest.approx(
        100 * (META_APR6 + LINKEDIN_APR2) / april
    )
    assert by_platform == pytest.approx(
        {"google_ads": GOOGLE_APR4 / 1.5, "meta_ads": META_APR6 / 2, "linkedin_ads": 100.0}
    )
    # GA4 revenue and HubSpot deals in euro are converted the same way
    ga4_and_hubspot_money_is_converted_too(serving)
    # exact landing: the micros and Meta's decimal strings are decimals, not floats
    landed = duckdb.sql(
        f"select spend from read_parquet('{tmp_path}/data/landing/google/campaign_metrics/*.parquet')"
        " order by spend"
    ).fetchall()
    assert [r[0] for r in landed] == [Decimal("12.340000"), Decimal("20.000000")]
    # `scorecard explain` traces April's cost per acquisition to the landed batches: one per
    # ad source, each a file that is still in landing, with its accounts and converted values
    explained = run_cli(
        "explain", "cost_per_acquisition", "--period", "2026-04-01", "--json", cwd=tmp_path
    )
    assert explained.returncode == 0, explained.stderr
    document = json.loads(explained.stdout)
    batches = {b["source_name"]: b for b in document["batches"]}
    assert set(batches) == {"google", "meta", "linkedin"}
    assert batches["google"]["stream"] == "campaign_metrics" and batches["google"]["exists"]
    assert batches["meta"]["accounts"] == ["2222"]
    spend = next(m for m in document["metrics"] if m["role"] == "numerator")
    shares = {s["source_name"]: s["value"] for s in spend["sources"]}
    assert shares == pytest.approx({"google": GOOGLE_APR4, "meta": META_APR6, "linkedin": 100.0})
    # what each source's credentials are, and the LinkedIn refresh token's expiry, reach
    # `scorecard status`
    status = run_cli("status", "--json", cwd=tmp_path)
    tokens = {t["source"]: t for t in json.loads(status.stdout)["tokens"]}
    assert tokens["linkedin"]["renews_itself"] and 299 < tokens["linkedin"]["days_left"] <= 300
    assert tokens["google"]["renews_itself"] and tokens["google"]["expires_at"] is None
    assert tokens["meta"]["kind"] == "long-lived token" and not tokens["meta"]["renews_itself"]
    # no secret anywhere: output, logs, landing, warehouse, serving
    files = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    issued = google_token.issued + li_token.issued
    for token in [*TOKENS.values(), *issued]:
        assert token not in result.stdout + result.stderr
        assert not any(token.encode() in content for content in files), token


def test_an_amount_without_a_rate_fails_the_gate_and_publishes_nothing(tmp_path, httpserver):
    # the Meta account bills in SEK, which the rates source was not asked for
    result, _, _ = run(tmp_path, httpserver, meta_currency="SEK")
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "metrics.currency_rates" in output
    assert "SEK" in output and "2026-04-06" in output
    assert not (tmp_path / "data/serving.duckdb").exists()


# the DKK rate in force on each April day (Good Friday to Easter Monday: Thursday's)
DKK_IN_FORCE = {1: 7.461, 2: 7.462, 3: 7.462, 4: 7.462, 5: 7.462, 6: 7.462, 7: 7.467}
DKK_IN_FORCE |= {8: 7.468, 9: 7.469}


def other_money(httpserver) -> None:
    """A GA4 property reporting in euro, and HubSpot deals in euro and in the portal's currency:
    the other money the scorecard converts (one run with the ads, to spare a pipeline run)."""
    from tests.fakes.ga4 import FakeGA4, daily_data
    from tests.fakes.hubspot import PIPELINES, FakeHubSpot, stamp

    ga4 = FakeGA4(token=TOKENS["GA4_E2E"], currency="EUR")
    ga4.data = {"111": daily_data(date(2026, 3, 30), date(2026, 4, 9), base=100)}
    ga4.install(httpserver)
    crm = FakeHubSpot(token=TOKENS["HS_E2E"], pipelines=PIPELINES)
    noon = lambda d: datetime(2026, d.month, d.day, 12, tzinfo=ZoneInfo("UTC"))  # noqa: E731
    for n in range(11):  # a lead a day: the CRM's extracted days
        day = date(2026, 3, 30) + (date(2026, 4, 1) - date(2026, 3, 31)) * n
        crm.put("contacts", str(n + 1), lifecyclestage="lead", createdate=stamp(noon(day)))
        crm.objects["contacts"][str(n + 1)]["lastmodifieddate"] = stamp(noon(day))
    for deal, closed, amount, currency in (
        ("901", date(2026, 4, 4), 1000, "EUR"),  # won on a Saturday, in euro
        ("902", date(2026, 4, 2), 500, None),  # the portal's own currency: the reporting one
    ):
        crm.put(
            "deals",
            deal,
            amount=amount,
            pipeline="default",
            dealstage="closedwon",
            createdate=stamp(noon(date(2026, 3, 30))),
            closedate=stamp(noon(closed)),
            hs_lastmodifieddate=stamp(noon(closed)),
            deal_currency_code=currency,
        )
    crm.install(httpserver)


def ga4_and_hubspot_money_is_converted_too(serving) -> None:
    with duckdb.connect(str(serving), read_only=True) as con:
        april = dict(
            con.execute(
                "select metric_id, value from scorecard.metric_values where grain = 'month'"
                " and period_start = '2026-04-01' and metric_id in ('web.revenue', 'crm.won_revenue')"
            ).fetchall()
        )
    # GA4 revenue of 30 March + i is 10 x (i mod 3) euro: 1 April is i = 2
    revenue = sum(10 * ((day + 1) % 3) * rate for day, rate in DKK_IN_FORCE.items())
    assert april["web.revenue"] == pytest.approx(revenue, rel=1e-12)
    assert april["crm.won_revenue"] == pytest.approx(1000 * 7.462 + 500, rel=1e-12)
