"""What every connector is made of: a config model, declared streams, and `extract`.

Connectors are plain Python (no Dagster import) so they can be used and tested on their own.
A connector type registers itself with `@register`; orchestration builds assets from the
registry, so adding a connector never needs an edit outside `connectors/` and `dbt_project/`.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from connectors.checks import AtLeast, Check, Presence, Reconciliation
from connectors.secrets import EnvRef

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def identifier(value: str, what: str = "name") -> str:
    """Validator body for names that become part of table, asset and metric names."""
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise ValueError(
            f"{what} '{value}' must use lower-case letters, digits and _, starting with a letter"
        )
    return value


def identifier_type(what: str):
    """A config field type for an identifier (`^[a-z][a-z0-9_]*$`), named in its errors."""
    return Annotated[str, AfterValidator(functools.partial(identifier, what=what))]


def time_zone(value: str) -> str:
    """Validator body for every time-zone key: an IANA name Python knows."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{value}' is not an IANA time zone like Europe/Copenhagen") from None
    return value


# an IANA time-zone name, and a path relative to the config file's folder
TimeZone = Annotated[str, AfterValidator(time_zone)]
ConfigPath = Annotated[Path, BeforeValidator(lambda v, info: resolve_path(v, info.context))]
SourceName = identifier_type("source name")
DimensionName = identifier_type("dimension")


class SourceConfig(BaseModel):
    """Keys every source takes. Connector types subclass this with their own keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: SourceName = Field(
        description="Unique source name; becomes part of table and asset names."
    )
    type: str
    start_date: date = Field(
        default=date(2024, 1, 1), description="First day to extract on a first run."
    )
    lookback_days: int = Field(
        default=3, ge=0, le=90, description="Days re-extracted every run (restated data)."
    )
    freshness_hours: float = Field(
        default=36,
        gt=0,
        description="Landing must have run within this many hours (Dagster freshness policy "
        "on its landing assets); also the default limit on the data's lag (max_lag_days).",
    )
    max_lag_days: int | None = Field(
        default=None,
        ge=0,
        le=400,
        description="The source is stale when its newest day of data is more than this many "
        "days before the run date (the `data_freshness` check warns; `scorecard status` shows "
        "the lag). Default: 1 + freshness_hours in whole days (3), 45 for file sources; a "
        "source whose streams may all land nothing (ads, comment and action sheets) is checked "
        "only when this is set.",
    )
    owner: str | None = Field(
        default=None,
        description="Who answers for this source: an e-mail address or a team name (the Dagster "
        "owner of its landing assets; a team name becomes `team:<name>`).",
    )
    metric_map: dict[str, list[str]] | None = Field(
        default=None,
        description="Vendor-neutral metric name -> source metric names summed into it; "
        "overrides the connector's defaults (platforms rename and retire metrics).",
    )
    breakdowns: list[DimensionName] | None = Field(
        default=None,
        description="Dimensions this source extracts its metrics by (DESIGN §5a: channel, "
        "campaign, platform, ...), from those its type offers; default: the type's defaults. "
        "[] extracts totals only.",
    )


class ApiSourceConfig(SourceConfig):
    """Keys every HTTP API source takes."""

    base_url: str | None = Field(
        default=None, description="Override of the platform's API address (proxy, local stand-in)."
    )


@dataclass(frozen=True)
class Window:
    """An inclusive range of local dates."""

    start: date
    end: date

    def days(self) -> Iterator[date]:
        d = self.start
        while d <= self.end:
            yield d
            d += timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


@dataclass(frozen=True)
class OptionalPart:
    """What an optional part of a source needs (`Stream.optional`, `ExtractContext.optional`):
    without it the platform refuses that part — "you may not read this" (403, Meta's
    permission codes, LinkedIn's ACCESS_DENIED) or "not there" (404) — and the rest of the
    source still lands; the part lands nothing this run and is reported once.

    `permission`: what to grant, as the platform names it (pages_read_user_content);
    `metrics`: the source metrics (metric_map names) that show no data without it;
    `shows`: what else goes without it, for the warning (the posts table)."""

    permission: str
    metrics: tuple[str, ...] = ()
    shows: str = ""


@dataclass(frozen=True)
class Refusal:
    """An optional part the platform refused this run (see `OptionalPart`)."""

    source: str
    stream: str
    part: str  # "stream": the whole stream; else the source metric left out of it
    permission: str
    metrics: tuple[str, ...]  # the source metrics that get no data
    shows: str
    error: str

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "stream": self.stream,
            "part": self.part,
            "permission": self.permission,
            "metrics": list(self.metrics),
            "shows": self.shows,
            "error": self.error,
        }


@dataclass(frozen=True)
class Stream:
    """A declared stream: what it lands, its key and how it is read incrementally."""

    name: str
    schema: pa.Schema
    primary_key: tuple[str, ...]
    cursor: str | None = None  # the local-date column windows are cut on
    description: str = ""
    page_size: int | None = None  # records per API page, where the API pages
    lookback_days: int | None = None  # None: the source's lookback_days
    steady_volume: bool = False  # about the same number of rows every day (a drop is news)
    # True: a run may legitimately land no rows (no open deals tonight, no record changed in
    # the window), so the landing gate does not require rows. False (the default): an empty
    # landing means the extraction is broken (a lost permission, a wrong id) and fails the gate
    # rather than publishing a scorecard with a silent hole.
    may_be_empty: bool = False
    # what its landed rows must hold beyond schema, key, cursor dates and rows (may_be_empty)
    checks: tuple[Check, ...] = ()
    check_cursor_dates: bool = True  # False: the cursor is not a day to range-check
    refuse_new_columns: bool = False  # a column beyond the schema fails (personal data stays out)
    # declared columns added after batches were landed without them (nullable): such a batch
    # is read with nulls there (dbt unions by name) instead of failing the schema suite
    added_columns: tuple[str, ...] = ()
    # how its staged rows add up to the published sum metrics (None: not reconciled)
    reconciliation: Reconciliation | None = None
    # where completeness finds a row per account and complete day (None: not checked)
    presence: Presence | None = None
    # an optional stream (posts, whose permission a token may lack): the platform refusing it
    # (403 / its permission error, 404) lands the rest of the source and this stream nothing,
    # with a warning naming the permission. None: any refusal fails the source.
    optional: OptionalPart | None = None


@dataclass
class Batch:
    """Records extracted in one go, with the window (or file) they cover."""

    records: pa.Table
    window: Window | None = None
    file_name: str | None = None
    file_hash: str | None = None


@dataclass
class LandedState:
    """What landing already holds for one source stream (derived from landing itself)."""

    windows: tuple[Window, ...] = ()  # the windows of the landed batches
    file_hashes: frozenset[str] = frozenset()

    @property
    def last_window_end(self) -> date | None:
        return max((w.end for w in self.windows), default=None)

    def first_gap(self, start: date) -> date | None:
        """The first day from `start` that no landed window covers (None: covered to the end).

        A quarantined batch leaves a gap; extraction restarts there, so removing a bad batch
        never silently loses the days it held.
        """
        day = start
        for w in sorted(self.windows, key=lambda w: w.start):
            if w.start > day:
                return day
            day = max(day, w.end + timedelta(days=1))
        return day


class NothingToExtract(Exception):
    """No day of a source's window is over yet (a source whose start_date is today):
    the stream lands nothing this run and the next run extracts it. Nothing was due, so the
    landing gate does not count the missing batch as an empty landing."""


@dataclass
class ExtractContext:
    run_date: date
    state: LandedState = field(default_factory=LandedState)
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("connectors"))
    stream: Stream | None = None
    override: Window | None = None  # a backfill: extract exactly this range
    # the run's instant (aware); None: the run date has just begun everywhere, so the day
    # before it is over in every time zone (what unit tests and the demo assume)
    moment: datetime | None = None
    source: str = ""  # the source's name, for refusals
    # optional parts the platform refused this run (OptionalPart): reported, not failed
    refusals: list[Refusal] = field(default_factory=list)

    @contextmanager
    def optional(self, part: str, need: OptionalPart) -> Iterator[None]:
        """Run the block that reads an optional part of a stream (a metric the token may lack
        the permission for): when the platform refuses it (`connectors.http.is_refusal`), the
        rest of the block is skipped, the refusal is recorded and the stream goes on without
        that part; anything else (401, 5xx, a bad request) still fails.

            with ctx.optional(POSTS, self.optional_metrics[POSTS]):
                values += posts_per_day(client.edge(...), window, "created_time")
        """
        from connectors.http import SourceError, is_refusal

        try:
            yield
        except SourceError as e:
            if not is_refusal(e):
                raise
            self.refuse(part, need, e)

    def refuse(self, part: str, need: OptionalPart, error: Exception) -> None:
        """Record that the platform refused an optional part (`part` "stream": the stream)."""
        stream = self.stream.name if self.stream else ""
        prefix = f"source {self.source}: "
        message = str(error).removeprefix(prefix)
        self.refusals.append(
            Refusal(self.source, stream, part, need.permission, need.metrics, need.shows, message)
        )

    def last_complete_day(self, zone: str | None) -> date:
        """The last day a source can be extracted for — the one rule for where windows end.

        A source whose days settle at midnight in `zone` (Meta: Pacific, LinkedIn: UTC, GA4: the
        property's zone) has final numbers only for days that are over there at the run's
        moment; the day still running is never extracted, so no partial day is ever landed.
        Never after the run date. `zone` None: a source read as its records stand (a CRM),
        whose window runs to the run date itself.
        """
        if zone is None:
            return self.run_date
        if self.moment is None:
            return self.run_date - timedelta(days=1)
        local_today = self.moment.astimezone(ZoneInfo(zone)).date()
        return min(self.run_date, local_today - timedelta(days=1))

    @property
    def snapshot_day(self) -> date:
        """The day a snapshot read at the run belongs to (followers, open deals): the count as
        the previous day (business time zone) ended."""
        return self.run_date - timedelta(days=1)

    def window_for(
        self,
        config: SourceConfig,
        *,
        lookback_days: int | None = None,
        zone: str | None = None,
    ) -> Window:
        """`[last_window_end - lookback, last complete day in zone]`, from start_date on a first
        run, and from the first uncovered day when landing has a gap (a quarantined batch); a
        backfill asks for its own range (never before start_date, never after the last
        complete day). Raises NothingToExtract when no day of it is over yet.

        The lookback is `lookback_days` when given, else the stream's, else the source's."""
        end = self.last_complete_day(zone)
        if self.override is not None:
            start = max(self.override.start, config.start_date)
            end = min(self.override.end, end)
        else:
            last_end = self.state.last_window_end
            if last_end is None:
                start = config.start_date
            else:
                declared = self.stream.lookback_days if self.stream else None
                declared = lookback_days if lookback_days is not None else declared
                lookback = config.lookback_days if declared is None else declared
                start = max(config.start_date, last_end - timedelta(days=lookback))
                start = min(start, self.state.first_gap(config.start_date) or start)
        if start > end:
            raise NothingToExtract(
                f"{config.name}: no day from {start} is over yet (last complete day {end}); "
                "nothing to extract this run"
            )
        return Window(start, end)


class Connector:
    """Base class: subclasses declare `type`, `config_model`, `streams` and implement `extract`."""

    type: ClassVar[str]
    config_model: ClassVar[type[SourceConfig]]
    streams: ClassVar[tuple[Stream, ...]]
    # neutral metric name -> source metric names whose values are added into it
    default_metric_map: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    # domain the mapped metrics belong to (web.*, social.*) — None for sources mapped in SQL
    metric_domain: ClassVar[str | None] = None
    reads_files: ClassVar[bool] = False
    # the dbt model turning this type's staged data into metric rows (metric_id, metric_date, part,
    # value); int_metrics__daily adds up every declared one (dbt var scorecard_metric_models)
    metrics_model: ClassVar[str | None] = None
    # dimensions this type breaks its metrics down by (DESIGN §5a: channel, platform, ...) and
    # the dbt model giving the rows (metric_id, metric_date, part, dimension, member, value);
    # int_metric_breakdowns rolls up every declared one (dbt var scorecard_breakdown_models)
    breakdown_dimensions: ClassVar[tuple[str, ...]] = ()
    breakdowns_model: ClassVar[str | None] = None
    # the dimensions a source of this type extracts when its config does not say (None: all
    # offered); a type whose dimensions cost API quota (GA4) defaults to none
    default_breakdowns: ClassVar[tuple[str, ...] | None] = None
    # the dbt model saying which landed batch and account each metric value came from, rows
    # (metric_id, grain, period_start, period_end, source_name, account, stream, batch_id,
    # value, metric_rows, rows_used), and the streams whose batches it names. They feed
    # provenance.metric_sources / landing_batches, which `scorecard explain` prints (dbt vars
    # scorecard_provenance_models, scorecard_provenance_streams). A type without one is
    # explained per source, from its metrics model's parts, without batches.
    provenance_model: ClassVar[str | None] = None
    provenance_streams: ClassVar[tuple[str, ...]] = ()
    # a connector package's own dbt package (its staging and metrics models), which the
    # project picks up when the package is installed (None: models inside dbt_project/)
    dbt_package: ClassVar[Path | None] = None
    history_days: ClassVar[int | None] = None  # how far back the platform keeps data
    # tables this type adds to the config catalog dbt reads (name -> schema), see catalog_rows
    catalog_schemas: ClassVar[Mapping[str, pa.Schema]] = {}
    # the time zone whose midnight ends the source's days: a day is extracted once it is over
    # there (ExtractContext.last_complete_day). None: records read as they stand at the run.
    day_zone: ClassVar[str | None] = None
    # source metrics read by calls of their own inside a stream that the token may lack the
    # permission for (Facebook's posts count needs pages_read_user_content): read under
    # `ctx.optional(name, optional_metrics[name])`, refused they are left out of the batch
    # and reported; the stream's other metrics still land. Whole optional streams say so
    # in their declaration (`Stream.optional`).
    optional_metrics: ClassVar[Mapping[str, OptionalPart]] = {}

    def accounts(self) -> list[str]:
        """The accounts (properties, pages) a source extracts, each expected every day."""
        return []

    @classmethod
    def daily_completeness(cls) -> bool:
        """A row is expected for every account and complete day (a stream declares where)."""
        return any(s.presence is not None for s in cls.streams)

    def __init__(self, config: SourceConfig):
        from connectors.http import RetryPolicy

        self.config = config
        self.policy = RetryPolicy()  # tests shorten the waits; users never need to

    def token_expiry(self):
        """What is known, after an extraction, about when this source's credentials stop
        working (a `connectors.oauth.TokenExpiry`; None: nothing known). `scorecard status`
        shows it."""
        return None

    def may_be_empty(self, stream: Stream) -> bool:
        """Whether this source's `stream` may land no rows on a normal run: the stream's
        declaration, unless a type decides from its config (rest_api, per endpoint)."""
        return stream.may_be_empty

    def blocking_quality_flags(self) -> set[str]:
        """Data-quality flags of this source that withhold the scorecard when they touch a KPI
        of the latest complete period (`thresholded`, `sampled`, `other_row`)."""
        return set()

    def catalog_rows(self) -> dict[str, list[dict]]:
        """This source's rows of the catalog tables its type declares in `catalog_schemas`:
        configuration dbt needs as data (never as SQL text)."""
        return {}

    def metric_map(self) -> dict[str, tuple[str, ...]]:
        if self.config.metric_map is not None:
            return {k: tuple(v) for k, v in self.config.metric_map.items()}
        return dict(self.default_metric_map)

    def provided_metrics(self) -> list[MetricDef]:
        """Metric ids this source feeds (KPIs may only use provided metrics).

        Mapped sources provide `<domain>.<name>` per mapped name; social platforms also
        provide their own copy, `social.<source>.<name>`. Others override this.
        """
        if self.metric_domain is None:
            return []
        out = [MetricDef(f"{self.metric_domain}.{n}") for n in self.metric_map()]
        if self.metric_domain == "social":
            out += [MetricDef(f"social.{self.config.name}.{n}") for n in self.metric_map()]
        return out

    def metrics_from(self, source_metrics) -> list[str]:
        """The metric ids this source publishes from any of `source_metrics` (what shows no
        data when the platform refuses them)."""
        wanted = set(source_metrics)
        names = [n for n, sources in self.metric_map().items() if wanted & set(sources)]
        if self.metric_domain is None:
            return names
        out = [f"{self.metric_domain}.{n}" for n in names]
        if self.metric_domain == "social":
            out += [f"social.{self.config.name}.{n}" for n in names]
        return out

    def offered_dimensions(self) -> tuple[str, ...]:
        """The dimensions this source can break its metrics down by (a type whose dimensions
        come from its config, like rest_api, overrides this)."""
        return self.breakdown_dimensions

    def dimensions(self) -> tuple[str, ...]:
        """The dimensions this source extracts: its config's `breakdowns`, else the type's
        defaults (validate-config rejects a dimension the type does not offer)."""
        if self.config.breakdowns is not None:
            return tuple(self.config.breakdowns)
        if self.default_breakdowns is not None:
            return self.default_breakdowns
        return self.offered_dimensions()

    def breakdowns(self) -> dict[str, tuple[str, ...]]:
        """The dimensions each metric of this source is broken down by (metric id -> dimension
        names): the domain metrics it maps, by `dimensions()`. Types that map in SQL override."""
        if not self.dimensions() or self.metric_domain is None:
            return {}
        return {f"{self.metric_domain}.{n}": self.dimensions() for n in self.metric_map()}

    def zone_for_days(self, ctx: ExtractContext) -> str | None:
        """The zone that ends this source's days (a connector that learns it from the platform,
        like GA4's property time zone, overrides this)."""
        return self.day_zone

    def window(self, ctx: ExtractContext, *, lookback_days: int | None = None) -> Window:
        """This run's window for a windowed stream: up to the last day that is over."""
        return ctx.window_for(
            self.config, lookback_days=lookback_days, zone=self.zone_for_days(ctx)
        )

    @classmethod
    def stream(cls, name: str) -> Stream:
        for s in cls.streams:
            if s.name == name:
                return s
        raise KeyError(f"{cls.type} has no stream {name!r}")

    @classmethod
    def demo_config_at_scale(cls, source: dict, scale: float) -> dict:
        """A demo source's config grown to benchmark scale S (benchmarks/generate.py); the
        demo data itself grows with SCORECARD_DEMO_SCALE. Unchanged unless a type says how."""
        return source

    def demo(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        """Yield demo batches for a `--demo` run: realistic data in exactly the shape `extract`
        lands (or, for file sources, demo files written into the inbox and read by `extract`)."""
        raise NotImplementedError(f"no demo data for source type {self.type!r}")

    def extract(self, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
        """Yield the batches of one stream for this run.

        API sources cut `self.window(ctx)`; file sources yield one batch per new inbox
        file and may yield a `connectors.files.BadFileError` for a file that cannot be landed
        (orchestration quarantines it and fails the run after landing the good files).
        """
        raise NotImplementedError(f"connector {self.type!r} does not implement extract()")


def table_from_rows(schema: pa.Schema, rows: list[dict[str, Any]]) -> pa.Table:
    """Build a table with exactly the stream's columns and types (extra keys are an error)."""
    names = set(schema.names)
    for row in rows[:1]:
        extra = set(row) - names
        if extra:
            raise ValueError(f"records carry columns not in the stream schema: {sorted(extra)}")
    return pa.Table.from_pylist(rows, schema=schema)


def daily_metric_stream(
    name: str, description: str, *, staging_model: str | None = None, every_day: bool = False
) -> Stream:
    """The long shape every social platform lands: account × local day × platform metric.

    With `staging_model` (its staged form: source_name, account_id, metric_date,
    source_metric, value, window_end), the stream's values are reconciled with the published
    metrics through the metric map; with `every_day` too, the platform answers every day
    (zeros included), so every account is expected on every complete day."""
    return Stream(
        name=name,
        schema=pa.schema(
            [
                pa.field("account_id", pa.string()),
                pa.field("date", pa.date32()),
                pa.field("metric", pa.string()),
                pa.field("value", pa.float64()),
            ]
        ),
        primary_key=("account_id", "date", "metric"),
        cursor="date",
        description=description,
        steady_volume=True,
        checks=(AtLeast("value", 0),),  # counts and stocks
        reconciliation=Reconciliation.mapped(staging_model) if staging_model else None,
        presence=Presence(staging_model) if staging_model and every_day else None,
    )


class TokenSourceConfig(ApiSourceConfig):
    """An API source authenticated by one bearer token held in the environment."""

    access_token: EnvRef = Field(description="env:NAME of the API token.")


def resolve_path(value: Any, context: Mapping[str, Any] | None) -> Any:
    """Relative paths in a config file are relative to that file's folder."""
    from pathlib import Path

    if value is None:
        return value
    p = Path(value).expanduser()
    base = (context or {}).get("base_dir")
    if not p.is_absolute() and base is not None:
        p = Path(base) / p
    return p


@dataclass(frozen=True)
class MetricDef:
    """A vendor-neutral metric a configured source provides (unit/additivity when not built in)."""

    metric_id: str
    unit: str = "count"
    additivity: str = "sum"
