"""scorecard.yml validation: every problem names the file, the line, the key and what is allowed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from connectors.secrets import SecretMissingError, resolve_secret
from orchestration.config import ConfigFileError, load_config
from orchestration.config.catalog import catalog_tables
from tests.conftest import AS_OF, DEMO_DIR, REPO

MINIMAL = """
timezone: Europe/Copenhagen
sources:
  - {name: team, type: manual_metrics, path: inbox, metrics: {training_hours: sum}}
objectives:
  - {id: skills, perspective: learning_growth, name: Skills}
kpis:
  - {id: training, name: Training, objective: skills, type: metric,
     metric: manual.training_hours, target: 10}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scorecard.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigFileError) as e:
        load_config(write(tmp_path, text))
    return e.value.problems


@pytest.mark.parametrize(
    "path", [REPO / "scorecard.example.yml", *sorted(DEMO_DIR.glob("*.yml"))], ids=lambda p: p.name
)
def test_shipped_configs_are_valid(path):
    config = load_config(path)
    assert config.kpis and config.objectives and config.sources


def test_demo_catalog_covers_every_kpi_type_and_direction():
    config = load_config(DEMO_DIR / "balanced_scorecard.yml")
    assert {k.type for k in config.kpis} == {"metric", "ratio", "growth", "change"}
    assert {k.direction for k in config.kpis} == {"higher_is_better", "lower_is_better", "in_range"}
    assert len(config.kpis) >= 16
    by_perspective = {}
    for k in config.kpis:
        perspective = next(o.perspective for o in config.objectives if o.id == k.objective)
        by_perspective[perspective] = by_perspective.get(perspective, 0) + 1
    assert set(by_perspective) == {"financial", "customer", "internal_process", "learning_growth"}
    assert min(by_perspective.values()) >= 3
    assert all(k.owner and k.actions for k in config.kpis)
    assert any(o.drives for o in config.objectives)
    assert any(k.weight != 1 for k in config.kpis)
    assert any(isinstance(k.target, list) and len(k.target) > 1 for k in config.kpis)
    assert {s.type for s in config.sources} == {
        "ga4",
        "facebook_page",
        "instagram",
        "linkedin_page",
        "hubspot",
        "finance_files",
        "manual_metrics",
        "google_ads",
        "meta_ads",
        "linkedin_ads",
        "fx_rates",
        "kpi_comments",
        "kpi_actions",
    }


def test_relative_paths_resolve_against_the_config_file(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    assert config.sources[0].path == tmp_path / "inbox"
    assert config.paths.warehouse == tmp_path / "data/warehouse.duckdb"
    assert config.publish.duckdb == tmp_path / "data/serving.duckdb"


def test_errors_name_file_line_key_and_allowed_values(tmp_path):
    found = problems(
        tmp_path,
        MINIMAL.replace("Europe/Copenhagen", "Europe/Copenhgen").replace(
            "type: metric,", "type: metric, direction: up,"
        ),
    )
    path = tmp_path / "scorecard.yml"
    assert f"{path}:2: timezone: 'Europe/Copenhgen' is not an IANA time zone" in found[0]
    direction = next(p for p in found if "direction" in p)
    assert direction.startswith(f"{path}:8: kpis[0] (training).direction: 'up' is not allowed")
    assert "'higher_is_better', 'lower_is_better' or 'in_range'" in direction


def test_unknown_source_type_lists_the_known_types(tmp_path):
    found = problems(tmp_path, MINIMAL.replace("type: manual_metrics", "type: manual_metric"))
    assert "sources[0] (team): unknown source type 'manual_metric'" in found[0]
    assert "manual_metrics" in found[0] and "ga4" in found[0]


def test_unknown_key_lists_the_allowed_keys(tmp_path):
    found = problems(tmp_path, MINIMAL.replace("metrics: {", "colour: red, metrics: {"))
    assert "sources[0] (team).colour: 'colour' is not a known key here; allowed keys:" in found[0]
    assert "metrics" in found[0]


def test_cross_references_are_checked(tmp_path):
    found = problems(
        tmp_path,
        MINIMAL.replace("perspective: learning_growth", "perspective: learning").replace(
            "manual.training_hours", "manual.training_hour"
        ),
    )
    text = "\n".join(found)
    assert (
        ":6: objectives[0].perspective: 'learning' is not a perspective of balanced_scorecard"
        in text
    )
    assert "allowed: financial, customer, internal_process, learning_growth" in text
    assert ":9: kpis[0] (training).metric: unknown metric 'manual.training_hour'" in text
    assert "manual.training_hours" in text  # what the sources provide


def test_secrets_must_be_environment_references(tmp_path):
    found = problems(
        tmp_path, "sources:\n  - {name: crm, type: hubspot, access_token: pat-na1-literal-secret}\n"
    )
    assert any("access_token is a secret and must be written as env:NAME" in p for p in found)
    assert not any("pat-na1-literal-secret" in p for p in found)  # never echo a secret


def test_missing_secret_names_the_variable(monkeypatch):
    monkeypatch.delenv("SCORECARD_TEST_TOKEN", raising=False)
    with pytest.raises(SecretMissingError, match="SCORECARD_TEST_TOKEN, which is not set"):
        resolve_secret("env:SCORECARD_TEST_TOKEN", key="sources[0].access_token")
    monkeypatch.setenv("SCORECARD_TEST_TOKEN", "s3cret")
    assert resolve_secret("env:SCORECARD_TEST_TOKEN", key="x") == "s3cret"


def test_serving_file_may_not_be_named_like_its_schema(tmp_path):
    found = problems(tmp_path, MINIMAL + "publish: {duckdb: out/scorecard.duckdb}\n")
    assert "publish.duckdb: the serving file may not be named scorecard.duckdb" in found[0]


def test_in_range_needs_low_high_targets(tmp_path):
    found = problems(tmp_path, MINIMAL.replace("target: 10}", "direction: in_range, target: 10}"))
    assert "in_range targets are [low, high]" in found[0]


def test_framework_switch_and_custom_perspectives(tmp_path):
    social = load_config(
        write(
            tmp_path,
            MINIMAL.replace("learning_growth", "organisation")
            + "framework: social_media_scorecard\n",
        )
    )
    assert [p.id for p in social.perspective_list()] == [
        "customer",
        "organisation",
        "social_media",
        "financial",
    ]
    custom = load_config(
        write(
            tmp_path,
            MINIMAL.replace("learning_growth", "people") + "perspectives: [growth, people]\n",
        )
    )
    assert custom.framework == "custom"
    assert [p.id for p in custom.perspective_list()] == ["growth", "people"]


def test_targets_become_rows_per_entry_and_grain():
    config = load_config(DEMO_DIR / "balanced_scorecard.yml")
    tables = catalog_tables(config, run_id="t", run_date=AS_OF)
    targets = [r for r in tables["kpi_targets"].to_pylist() if r["kpi_id"] == "follower_growth"]
    assert {(r["effective_from"].isoformat(), r["grain"], r["target"]) for r in targets} == {
        ("2024-01-01", "year", 20.0),
        ("2026-01-01", "year", 25.0),
        ("2026-01-01", "quarter", 6.0),
    }
    engaged = [r for r in tables["kpi_targets"].to_pylist() if r["kpi_id"] == "engaged_share"]
    assert len(engaged) == 5 and all(
        (r["target_low"], r["target_high"]) == (55, 65) for r in engaged
    )
    # config reaches SQL only as data: the KPI definitions are table rows
    kpi = next(r for r in tables["kpis"].to_pylist() if r["kpi_id"] == "romi")
    assert (kpi["numerator_metric_id"], kpi["scale"], kpi["value_offset"]) == (
        "finance.revenue",
        100.0,
        -100.0,
    )


@pytest.mark.parametrize("weight", ["0", "-1"])
def test_weights_must_be_positive(tmp_path, weight):
    found = problems(tmp_path, MINIMAL.replace("target: 10}", f"target: 10, weight: {weight}}}"))
    assert "kpis[0] (training).weight" in found[0] and "greater than 0" in found[0]


def test_phasing_is_set_for_the_scorecard_and_overridden_per_kpi(tmp_path):
    text = MINIMAL + textwrap.dedent(
        """\
          - {id: hours_ly, name: Hours, objective: skills, type: metric,
             metric: manual.training_hours, target: 10, phasing: even}
        phasing: last_year
        """
    )
    config = load_config(write(tmp_path, text))
    kpis = {
        r["kpi_id"]: r
        for r in catalog_tables(config, run_id="t", run_date=AS_OF)["kpis"].to_pylist()
    }
    assert (kpis["training"]["phasing"], kpis["hours_ly"]["phasing"]) == ("last_year", "even")
    found = problems(tmp_path, MINIMAL.replace("target: 10}", "target: 10, phasing: weekly}"))
    assert "kpis[0] (training).phasing: 'weekly' is not allowed" in found[0]
    assert "'even' or 'last_year'" in found[0]


def test_a_kpi_breakdown_needs_a_dimension_every_source_of_its_metrics_offers(tmp_path):
    social = """
    sources:
      - {name: fb, type: facebook_page, page_id: "1", access_token: env:FB_TOKEN}
      - {name: team, type: manual_metrics, path: inbox, metrics: {posts_planned: sum}}
    objectives:
      - {id: reach, perspective: customer, name: Reach}
    kpis:
      - {id: rate, name: Rate, objective: reach, type: ratio, numerator: social.engagements,
         denominator: social.impressions, breakdowns: [platform]}
    """
    config = load_config(write(tmp_path, social))
    tables = catalog_tables(config, run_id="t", run_date=AS_OF)
    assert tables["kpi_breakdowns"].to_pylist() == [{"kpi_id": "rate", "dimension": "platform"}]
    found = problems(
        tmp_path,
        social.replace("denominator: social.impressions", "denominator: manual.posts_planned"),
    )
    assert (
        "kpis[0] (rate).breakdowns: no source breaks manual.posts_planned down by 'platform'"
        in found[0]
    )
    assert "dimensions all its metrics have: (none)" in found[0]


def test_a_filter_names_one_member_of_a_dimension_its_metrics_have(tmp_path):
    text = """
    sources:
      - {name: fb, type: facebook_page, page_id: "1", access_token: env:FB_TOKEN}
      - {name: team, type: manual_metrics, path: inbox, metrics: {posts_planned: sum}}
    objectives:
      - {id: reach, perspective: customer, name: Reach}
    kpis:
      - {id: rate, name: Rate, objective: reach, type: ratio, numerator: social.engagements,
         denominator: social.impressions, filter: {platform: facebook}}
    """
    config = load_config(write(tmp_path, text))
    kpi = catalog_tables(config, run_id="t", run_date=AS_OF)["kpis"].to_pylist()[0]
    assert (kpi["filter_dimension"], kpi["filter_member"]) == ("platform", "facebook")
    two = problems(tmp_path, text.replace("{platform: facebook}", "{platform: a, channel: b}"))
    assert "kpis[0] (rate).filter: name one dimension and its member" in two[0]
    lacking = problems(tmp_path, text.replace("social.impressions", "manual.posts_planned"))
    assert (
        "kpis[0] (rate).filter: no source breaks manual.posts_planned down by 'platform'"
        in (lacking[0])
    )


CRM_AND_LEDGER = """
sources:
  - {name: crm, type: hubspot, access_token: env:HS_TOKEN}
  - name: ledger
    type: finance_files
    path: inbox
    columns: {date: Dato, account: Konto, amount: Beløb}
    accounts: {revenue: ["1000-1999"], spend: {ads: ["2700-2739"], agency: ["2740-2799"]}}
objectives:
  - {id: sales, perspective: financial, name: Sales}
kpis:
  - {id: leads, name: Leads, objective: sales, type: metric, metric: crm.leads_created,
     target: 10, breakdowns: [deal_source]}
  - {id: won, name: Won, objective: sales, type: metric, metric: crm.won_revenue,
     target: 10, breakdowns: [deal_source, pipeline]}
  - {id: spend, name: Spend, objective: sales, type: metric, metric: finance.spend,
     target: 10, breakdowns: [account_category]}
"""


def test_a_source_extracts_only_dimensions_its_type_offers(tmp_path):
    crm = CRM_AND_LEDGER.replace("env:HS_TOKEN}", "env:HS_TOKEN, breakdowns: [channel]}")
    found = problems(tmp_path, crm.replace("Beløb}\n", "Beløb}\n    breakdowns: [platform]\n"))
    assert any(
        "sources[0] (crm).breakdowns: a hubspot source has no dimension 'channel'; "
        "it offers: deal_source, pipeline" in p
        for p in found
    ), found
    assert any(
        "sources[1] (ledger).breakdowns: a finance_files source has no dimension 'platform'; "
        "it offers: account_category" in p
        for p in found
    ), found


def test_leads_have_no_pipeline_and_the_ledger_breaks_down_by_account_category(tmp_path):
    config = load_config(write(tmp_path, CRM_AND_LEDGER))
    dimensions = {
        (r["metric_id"], r["dimension"])
        for r in catalog_tables(config, run_id="t", run_date=AS_OF)["metric_dimensions"].to_pylist()
    }
    assert ("crm.leads_created", "deal_source") in dimensions
    assert ("crm.leads_created", "pipeline") not in dimensions  # a contact is in no pipeline
    assert {("crm.won_revenue", "pipeline"), ("finance.spend", "account_category")} <= dimensions
    found = problems(tmp_path, CRM_AND_LEDGER.replace("[deal_source]}", "[pipeline]}"))
    assert (
        "kpis[0] (leads).breakdowns: no source breaks crm.leads_created down by 'pipeline'"
        in (found[0])
    )
    assert "dimensions all its metrics have: deal_source" in found[0]


def test_a_rest_api_source_offers_the_dimensions_its_endpoints_declare(tmp_path):
    text = """
    sources:
      - name: shop
        type: rest_api
        base_url: https://api.example.com
        breakdowns: [channel]
        endpoints:
          - name: orders
            path: v1/orders
            primary_key: [id]
            date_field: created_at
            dimensions: {channel: source.channel}
            metrics: [{metric: shop.orders}]
    objectives:
      - {id: sales, perspective: financial, name: Sales}
    kpis:
      - {id: orders, name: Orders, objective: sales, type: metric, metric: shop.orders,
         target: 10, breakdowns: [channel]}
    """
    config = load_config(write(tmp_path, text))
    dimensions = catalog_tables(config, run_id="t", run_date=AS_OF)["metric_dimensions"]
    assert dimensions.to_pylist() == [{"metric_id": "shop.orders", "dimension": "channel"}]
    found = problems(tmp_path, text.replace("breakdowns: [channel]\n", "breakdowns: [country]\n"))
    assert any(
        "sources[0] (shop).breakdowns: a rest_api source has no dimension 'country'; "
        "it offers: channel" in p
        for p in found
    ), found
    name = problems(tmp_path, text.replace("{channel: source.channel}", "{Channel: source.x}"))
    assert any("dimension 'Channel' must use lower-case letters" in p for p in name), name
    path = problems(tmp_path, text.replace("{channel: source.channel}", "{channel: source..x}"))
    assert any(
        "endpoints[0].dimensions: dimensions.channel 'source..x' is not a field path" in p
        for p in path
    ), path


def test_a_rates_source_must_publish_the_reporting_currency(tmp_path):
    text = MINIMAL.replace(
        "sources:\n", "sources:\n  - {name: rates, type: fx_rates, currencies: [USD]}\n", 1
    )
    assert "sources:\n  - {name: rates" in text
    found = problems(tmp_path, "currency: DKK\n" + text)
    assert any("(rates).currencies: add the reporting currency DKK" in p for p in found), found
    # EUR needs no rate of its own, and a source publishing every currency names none
    load_config(write(tmp_path, "currency: EUR\n" + text))
    load_config(write(tmp_path, "currency: DKK\n" + text.replace("currencies: [USD]", "")))


def test_each_kpi_is_provisional_within_the_lookback_of_its_own_sources():
    from orchestration.config.catalog import kpi_provisional_days

    config = load_config(DEMO_DIR / "balanced_scorecard.yml")
    days = kpi_provisional_days(config)
    assert config.provisional_days == 30  # the ad sources' lookback: conversions restate
    assert days["cost_per_acquisition"] == days["paid_social_spend_share"] == 30
    assert days["revenue"] == 3  # the ledger's default lookback
    assert days["web_conversion_rate"] == 3  # GA4's configured lookback_days: 3
