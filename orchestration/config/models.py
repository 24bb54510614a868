"""The ★ `scorecard.yml` contract as pydantic models (DESIGN §3)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from connectors import registry
from connectors.base import ConfigPath, TimeZone, identifier_type
from connectors.periods import GRAINS
from connectors.secrets import EnvRef
from orchestration.config.delivery import (
    Alerts,
    Channel,
    Digest,
    Person,
    Smtp,
    delivery_problems,
    is_cron,
)
from orchestration.config.engine import DuckDBEngine, SparkEngine, parse_engine

Grain = Literal[GRAINS]
METRIC_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")

FRAMEWORKS: dict[str, list[tuple[str, str]]] = {
    "balanced_scorecard": [
        ("financial", "Financial"),
        ("customer", "Customer"),
        ("internal_process", "Internal process"),
        ("learning_growth", "Learning & growth"),
    ],
    "social_media_scorecard": [
        ("customer", "Customer"),
        ("organisation", "Organisation"),
        ("social_media", "Social media"),
        ("financial", "Financial"),
    ],
}


PerspectiveId = identifier_type("perspective id")
ObjectiveId = identifier_type("objective id")
KpiId = identifier_type("KPI id")
Dimension = identifier_type("dimension")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paths(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
    landing: ConfigPath = Field(
        default=Path("data/landing"), description="Immutable landed batches."
    )
    warehouse: ConfigPath = Field(
        default=Path("data/warehouse.duckdb"), description="Working warehouse (dbt builds here)."
    )
    artifacts: ConfigPath | None = Field(
        default=None,
        description="Run artefacts: config snapshot for dbt, gate reports, run log "
        "(default: an `artifacts` folder next to the warehouse).",
    )

    @property
    def artifacts_dir(self) -> Path:
        return self.artifacts or self.warehouse.parent / "artifacts"


class Publish(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
    duckdb: ConfigPath = Field(
        default=Path("data/serving.duckdb"), description="★ The serving file BI tools read."
    )
    parquet: ConfigPath | None = Field(
        default=None, description="Folder for one Parquet file per table."
    )
    postgres: EnvRef | None = Field(default=None, description="env:NAME of a PostgreSQL URL.")
    live: ConfigPath | None = Field(
        default=None,
        description="A DuckDB file of views over the newest published Parquet, for BI servers "
        "that keep one connection open (Metabase, Superset): each query reads the newest "
        "scorecard, where a connection to the serving file keeps reading the file it opened.",
    )

    @field_validator("duckdb", "live")
    @classmethod
    def _not_schema_name(cls, v: Path | None) -> Path | None:
        if v is not None and v.stem.lower() == "scorecard":
            raise ValueError(
                f"the serving file may not be named {v.name}: DuckDB would find catalog and "
                "schema `scorecard` ambiguous; choose another name, e.g. serving.duckdb"
            )
        return v


class Schedule(_Model):
    cron: str = Field(default="0 2 * * *", description="When the nightly refresh runs.")
    timezone: str | None = Field(default=None, description="Default: the top-level timezone.")

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str) -> str:
        if not is_cron(v):
            raise ValueError(f"'{v}' is not a cron expression (five fields, e.g. '0 2 * * *')")
        return v


class Sensors(_Model):
    inbox_interval_seconds: int = Field(
        default=60, ge=10, description="How often the inbox sensor looks for new files."
    )


class Report(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
    path: ConfigPath | None = Field(
        default=None,
        description="The HTML scorecard written after each publish "
        "(default: scorecard.html next to the serving file).",
    )
    locale: str = Field(
        default="en-GB",
        description="BCP 47 locale for numbers, currency and dates in the report (da-DK, en-US).",
    )
    url: str | None = Field(
        default=None,
        description="Where readers open the published page (an intranet or BI link); alerts "
        "and digests link to it.",
    )
    chromium: str | None = Field(
        default=None,
        description="Chromium binary that renders the PDF (default: $SCORECARD_CHROMIUM, "
        "else chromium on PATH).",
    )

    @field_validator("url")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"https?://\S+", v):
            raise ValueError(f"'{v}' is not an http(s) URL")
        return v

    @field_validator("locale")
    @classmethod
    def _locale(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", v):
            raise ValueError(f"'{v}' is not a BCP 47 locale like en-GB, da-DK or de-DE")
        return v


class Perspective(_Model):
    id: PerspectiveId
    name: str


class Objective(_Model):
    id: ObjectiveId
    perspective: str
    name: str
    description: str = ""
    drives: list[str] = Field(default_factory=list, description="Objective ids this one drives.")


# even: a running period's target accrues evenly per day; last_year: as the metric accrued over
# the same days of the same period a year before (seasonal months, a quiet Christmas week)
Phasing = Literal["even", "last_year"]

Number = float
Range = Annotated[list[float], Field(min_length=2, max_length=2)]
GrainTarget = Number | Range


class GrainTargets(_Model):
    """A target per grain; grains not named have no target (nothing is derived)."""

    day: GrainTarget | None = None
    week: GrainTarget | None = None
    month: GrainTarget | None = None
    quarter: GrainTarget | None = None
    year: GrainTarget | None = None

    def grains(self) -> dict[str, GrainTarget]:
        return {g: getattr(self, g) for g in GRAINS if getattr(self, g) is not None}


class DatedTarget(GrainTargets):
    """Grain targets that apply from a date on (the latest `from` <= a period's start)."""

    from_: date = Field(alias="from")


class KPI(_Model):
    id: KpiId
    name: str
    description: str = ""
    objective: str
    type: Literal["metric", "ratio", "growth", "change"]
    metric: str | None = Field(default=None, description="For metric, growth and change KPIs.")
    numerator: str | None = Field(default=None, description="For ratio KPIs.")
    denominator: str | None = Field(default=None, description="For ratio KPIs.")
    scale: float = Field(default=1.0, description="Multiplier applied to the raw value.")
    offset: float = Field(default=0.0, description="Added after scaling (ROMI: -1).")
    unit: Literal["number", "currency", "percent", "days"] = "number"
    direction: Literal["higher_is_better", "lower_is_better", "in_range"] = "higher_is_better"
    target: Number | Range | GrainTargets | list[DatedTarget] | None = None
    amber_from: float = Field(default=0.9, gt=0, le=1)
    weight: float = Field(
        default=1.0,
        gt=0,
        description="Share of the KPI in its objective's and perspective's score (> 0; a KPI that "
        "should not count is better removed than weighted 0).",
    )
    phasing: Phasing | None = Field(
        default=None,
        description="How a running period's target is spread over its days (DESIGN §5a); "
        "default: the scorecard's `phasing`.",
    )
    breakdowns: list[Dimension] = Field(
        default_factory=list,
        description="Dimensions the KPI is also published by (scorecard.kpi_breakdowns), each "
        "offered by the sources of all its metrics: platform, channel, campaign, ...",
    )
    filter: dict[Dimension, str] | None = Field(
        default=None,
        description="Measure one member of a dimension only, e.g. {platform: instagram}: the "
        "KPI is computed on that member's metrics (DESIGN §5a).",
    )
    filter_applies_to: Literal["kpi", "numerator"] = Field(
        default="kpi",
        description="`numerator`: a ratio KPI's filter narrows only its numerator, so it "
        "measures the member's share of the total (paid social's share of ad spend: "
        "ads.spend filtered to {channel: Paid Social} over all ads.spend).",
    )
    owner: str | None = None
    actions: list[str] = Field(default_factory=list)
    decimals: int | None = Field(
        default=None, ge=0, le=6, description="Digits after the decimal point in the report."
    )
    valid_range: Range | None = Field(
        default=None, description="Values outside [low, high] mean broken data: the gate fails."
    )

    @field_validator("metric", "numerator", "denominator")
    @classmethod
    def _metric_id(cls, v: str | None) -> str | None:
        if v is not None and not METRIC_ID.match(v):
            raise ValueError(f"'{v}' is not a metric id like web.sessions or manual.training_hours")
        return v

    @model_validator(mode="after")
    def _shape(self):
        if self.type == "ratio":
            if not (self.numerator and self.denominator) or self.metric:
                raise ValueError("a ratio KPI names numerator and denominator (and no metric)")
        elif not self.metric or self.numerator or self.denominator:
            raise ValueError(f"a {self.type} KPI names one metric (and no numerator/denominator)")
        ranged = self.direction == "in_range"
        for grain, value in self.target_entries_flat():
            if ranged and not isinstance(value, list):
                raise ValueError(f"in_range targets are [low, high]; {grain} target is {value}")
            if not ranged and isinstance(value, list):
                raise ValueError(
                    f"a [low, high] target needs direction: in_range ({grain} target is {value})"
                )
            if isinstance(value, list) and value[0] > value[1]:
                raise ValueError(f"range {value}: low must not exceed high")
        if (
            isinstance(self.target, list)
            and self.target
            and isinstance(self.target[0], DatedTarget)
        ):
            froms = [t.from_ for t in self.target]
            if len(set(froms)) != len(froms):
                raise ValueError("effective-dated targets have two entries with the same `from`")
            for t in self.target:
                if not t.grains():
                    raise ValueError(f"target entry from {t.from_} names no grain")
        return self

    def has_dated_targets(self) -> bool:
        t = self.target
        return isinstance(t, list) and bool(t) and isinstance(t[0], DatedTarget)

    def target_entries(self) -> list[tuple[date, dict[str, Any]]]:
        """Targets as (effective from, {grain: value}) entries (DESIGN §5)."""
        t = self.target
        epoch = date(1900, 1, 1)
        if t is None:
            return []
        if isinstance(t, GrainTargets):
            return [(epoch, t.grains())]
        if isinstance(t, list) and t and isinstance(t[0], DatedTarget):
            return [(e.from_, e.grains()) for e in sorted(t, key=lambda e: e.from_)]
        # a number, or an in_range [low, high], applies to every grain
        return [(epoch, dict.fromkeys(GRAINS, t))]

    def target_entries_flat(self):
        for _, grains in self.target_entries():
            yield from grains.items()

    def metric_ids(self) -> list[str]:
        return [m for m in (self.metric, self.numerator, self.denominator) if m]


# The source model is chosen by `type` among every registered connector's config model.
SourceConfigUnion = Annotated[
    Union[tuple(c.config_model for c in registry().values())],  # noqa: UP007
    Field(discriminator="type"),
]


class ScorecardConfig(_Model):
    timezone: TimeZone = Field(default="UTC", description="Business time zone: period boundaries.")
    currency: str = Field(default="EUR", description="Reporting currency (ISO 4217).")
    phasing: Phasing = Field(
        default="even",
        description="How a running period's target of a summed KPI is spread over its days "
        "(even, or last_year's shape); a KPI's own `phasing` wins.",
    )
    organisation: str = Field(default="", description="Shown in reports.")
    mission: str = ""
    # defaults are validated too, so default paths also resolve against the config's folder
    paths: Paths = Field(default_factory=dict, validate_default=True)
    engine: Annotated[
        Annotated[DuckDBEngine | SparkEngine, Field(discriminator="type")],
        BeforeValidator(parse_engine),
    ] = Field(
        default_factory=DuckDBEngine,
        description="What runs the dbt project: duckdb (default) or spark (docs/engines.md).",
    )
    publish: Publish = Field(default_factory=dict, validate_default=True)
    schedule: Schedule = Field(default_factory=Schedule)
    alerts: Alerts = Field(default_factory=Alerts)
    channels: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], Channel] = Field(
        default_factory=dict, description="Named Slack, Teams and e-mail channels."
    )
    people: dict[str, Person] = Field(
        default_factory=dict, description="KPI owners (as named in `owner:`) and their addresses."
    )
    smtp: Smtp | None = None
    deliver: list[Digest] = Field(default_factory=list, description="Scheduled digests.")
    sensors: Sensors = Field(default_factory=Sensors)
    report: Report = Field(default_factory=dict, validate_default=True)
    sources: list[SourceConfigUnion] = Field(default_factory=list)
    framework: Literal["balanced_scorecard", "social_media_scorecard", "custom"] = (
        "balanced_scorecard"
    )
    perspectives: list[Perspective | str] | None = Field(
        default=None, description="Custom perspective list (ids, or {id, name})."
    )
    objectives: list[Objective] = Field(default_factory=list)
    kpis: list[KPI] = Field(default_factory=list)

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", v):
            raise ValueError(f"'{v}' is not a three-letter ISO 4217 code like DKK or EUR")
        return v

    @model_validator(mode="after")
    def _catalog(self):
        """Cross-references; every problem is reported as `<key path>: <what is wrong>`."""
        problems: list[str] = []
        names = [s.name for s in self.sources]
        for i, n in enumerate(names):
            if names.index(n) != i:
                problems.append(f"sources[{i}].name: source name '{n}' is used twice")
        from connectors import connector_for

        for i, source in enumerate(self.sources):
            offered = connector_for(source.type)(source).offered_dimensions()
            for d in source.breakdowns or ():
                if d not in offered:
                    problems.append(
                        f"sources[{i}].breakdowns: a {source.type} source has no dimension "
                        f"'{d}'; it offers: {', '.join(offered) or '(none)'}"
                    )
            # cross rates go through the euro: the reporting currency's own rate is needed
            listed = getattr(source, "currencies", None) if source.type == "fx_rates" else None
            if listed is not None and self.currency != "EUR" and self.currency not in listed:
                problems.append(
                    f"sources[{i}].currencies: add the reporting currency {self.currency}; "
                    "amounts convert through the euro, so its rate is needed too"
                )
        if self.perspectives is not None and self.framework != "custom":
            if "framework" in self.model_fields_set:
                problems.append("framework: set `framework: custom` with a `perspectives` list")
            else:
                object.__setattr__(self, "framework", "custom")
        if self.framework == "custom" and not self.perspectives:
            problems.append("framework: `custom` needs a `perspectives` list")
        perspective_ids = [p.id for p in self.perspective_list()]
        if len(set(perspective_ids)) != len(perspective_ids):
            problems.append("perspectives: perspective ids must be unique")
        objective_ids = [o.id for o in self.objectives]
        for i, o in enumerate(self.objectives):
            if objective_ids.index(o.id) != i:
                problems.append(f"objectives[{i}].id: objective id '{o.id}' is used twice")
            if o.perspective not in perspective_ids:
                problems.append(
                    f"objectives[{i}].perspective: '{o.perspective}' is not a perspective of "
                    f"{self.framework}; allowed: {', '.join(perspective_ids)}"
                )
            for d in o.drives:
                if d not in objective_ids or d == o.id:
                    problems.append(
                        f"objectives[{i}].drives: '{d}' is not another objective; "
                        f"objectives: {', '.join(objective_ids)}"
                    )
        from orchestration.config.catalog import known_metrics, metric_dimensions

        metrics = known_metrics(self)
        dimensions = metric_dimensions(self)
        kpi_ids = [k.id for k in self.kpis]
        for i, k in enumerate(self.kpis):
            if kpi_ids.index(k.id) != i:
                problems.append(f"kpis[{i}].id: KPI id '{k.id}' is used twice")
            if k.objective not in objective_ids:
                problems.append(
                    f"kpis[{i}].objective: '{k.objective}' is not defined; "
                    f"objectives: {', '.join(objective_ids) or '(none)'}"
                )
            for key in ("metric", "numerator", "denominator"):
                m = getattr(k, key)
                if m is not None and m not in metrics:
                    problems.append(
                        f"kpis[{i}].{key}: unknown metric '{m}'; the configured sources provide "
                        f"{', '.join(sorted(metrics)) or 'no metrics'}"
                    )
            if k.filter is not None and len(k.filter) != 1:
                problems.append(
                    f"kpis[{i}].filter: name one dimension and its member, like "
                    f"{{platform: instagram}} (got {len(k.filter)})"
                )
            if k.filter_applies_to == "numerator" and (k.type != "ratio" or not k.filter):
                problems.append(
                    f"kpis[{i}].filter_applies_to: 'numerator' needs a ratio KPI with a "
                    "filter (the member's share of the total)"
                )
            if k.filter and k.breakdowns:
                problems.append(
                    f"kpis[{i}].filter: a filtered KPI measures one member; it cannot also "
                    "list breakdowns"
                )
            for d in [*k.breakdowns, *(k.filter or {})]:
                lacking = [m for m in k.metric_ids() if d not in dimensions.get(m, ())]
                if lacking:
                    offered = sorted(
                        set.intersection(*(set(dimensions.get(m, ())) for m in k.metric_ids()))
                    )
                    key = "breakdowns" if d in k.breakdowns else "filter"
                    problems.append(
                        f"kpis[{i}].{key}: no source breaks {', '.join(lacking)} down by "
                        f"'{d}'; dimensions all its metrics have: {', '.join(offered) or '(none)'}"
                    )
        problems += delivery_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def perspective_list(self) -> list[Perspective]:
        if self.perspectives is None:
            return [Perspective(id=i, name=n) for i, n in FRAMEWORKS[self.framework]]
        return [
            p if isinstance(p, Perspective) else Perspective(id=p, name=p.replace("_", " ").title())
            for p in self.perspectives
        ]

    def source(self, name: str):
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)

    @property
    def report_path(self) -> Path:
        return self.report.path or self.publish.duckdb.with_name("scorecard.html")

    @property
    def provisional_days(self) -> int:
        """The largest lookback: periods ending within it may still change."""
        return max((s.lookback_days for s in self.sources), default=0)
