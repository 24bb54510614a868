"""Demo HubSpot data: leads follow web traffic, deals move through two pipelines whose won/lost
stages are only recognisable from stage metadata (one pipeline uses numeric stage ids).

Every lead has HubSpot's original source; a deal comes from one lead and carries that lead's
source, except deals created before a contact was linked (no source of their own: they land
their contact, whose source stands in) and a few deals without any contact ('(not set)')."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

import numpy as np

from connectors.base import Batch, ExtractContext, Stream, Window, table_from_rows
from connectors.demo.seasonal import level, rng, volume_scale

PIPELINES = [
    # pipeline_id, pipeline_label, stage_id, stage_label, is_closed, is_won
    ("default", "Sales pipeline", "appointmentscheduled", "Appointment scheduled", False, False),
    ("default", "Sales pipeline", "qualifiedtobuy", "Qualified to buy", False, False),
    ("default", "Sales pipeline", "presentationscheduled", "Presentation scheduled", False, False),
    ("default", "Sales pipeline", "contractsent", "Contract sent", False, False),
    ("default", "Sales pipeline", "closedwon", "Closed won", True, True),
    ("default", "Sales pipeline", "closedlost", "Closed lost", True, False),
    ("7613042", "Partner deals", "7613043", "Intro call", False, False),
    ("7613042", "Partner deals", "7613044", "Proposal", False, False),
    ("7613042", "Partner deals", "7613045", "Signed", True, True),
    ("7613042", "Partner deals", "7613046", "No deal", True, False),
]


# HubSpot's original source values (hs_analytics_source) and each one's share of new leads
SOURCES = (
    ("ORGANIC_SEARCH", 0.30),
    ("PAID_SEARCH", 0.22),
    ("DIRECT_TRAFFIC", 0.12),
    ("PAID_SOCIAL", 0.12),
    ("EMAIL_MARKETING", 0.10),
    ("REFERRALS", 0.07),
    ("SOCIAL_MEDIA", 0.04),
    ("OFFLINE", 0.03),
)
UNSOURCED_DEALS = 0.15  # created before their contact was linked: no source of their own
CONTACTLESS_DEALS = 0.03  # never linked to a contact: no source at all


def _stages(pipeline: str) -> tuple[list[str], str, str]:
    rows = [r for r in PIPELINES if r[0] == pipeline]
    open_ = [r[2] for r in rows if not r[4]]
    won = next(r[2] for r in rows if r[5])
    lost = next(r[2] for r in rows if r[4] and not r[5])
    return open_, won, lost


class Deal(NamedTuple):
    deal_id: str
    pipeline_id: str
    amount: float
    created_at: datetime
    closes_at: datetime
    won: bool
    contact_id: str | None  # the lead it came from (None: never linked to a contact)
    has_own_source: bool  # HubSpot set the deal's original source from its contact

    def modified_on(self, as_of: date) -> date:
        """The day HubSpot last changed it, seen on `as_of`: its close, else its creation."""
        closes_on = self.closes_at.date()
        return closes_on if closes_on <= as_of else self.created_at.date()


# Deals close at most this long after they open (stalled deals: 150 days plus a capped
# cycle), so a night needs only the deals created this far back, however long the history.
MAX_CYCLE_DAYS = 360
LONGEST_DEAL_DAYS = 150 + MAX_CYCLE_DAYS + 1


def _times(day: date, seconds) -> list[datetime]:
    midnight = datetime.combine(day, time(), tzinfo=UTC)
    return [midnight + timedelta(seconds=int(s)) for s in seconds]


def leads_on(day: date) -> int:
    return volume_scale("crm") * int(
        rng("crm:leads", day).poisson(
            level(day, base=24, growth=0.2, noise=0.1, key="crm:leadlevel")
        )
    )


def contact_id(day: date, i: int) -> str:
    return f"c{day:%Y%m%d}{i:03d}"


@functools.lru_cache(maxsize=4096)
def contact_sources(day: date) -> tuple[str, ...]:
    """The original source of each lead created on `day`, in creation order."""
    names, shares = zip(*SOURCES, strict=True)
    drawn = rng("crm:sources", day).choice(len(names), size=leads_on(day), p=shares)
    return tuple(names[i] for i in drawn)


@functools.lru_cache(maxsize=4096)
def deals_created_on(day: date) -> tuple[Deal, ...]:
    # one draw of each attribute for the whole day: a night walks many days of deals
    g = rng("crm:deals", day)
    n = int(g.poisson(leads_on(day) * 0.12))
    partner = g.random(n) < 0.2
    created = _times(day, g.integers(8 * 3600, 17 * 3600, size=n))
    roll = g.random(n)
    stalled = roll > 0.88  # long-running deals keep the pipeline value up
    cycle = np.minimum(g.gamma(4.0, 9.0, size=n), MAX_CYCLE_DAYS) + np.where(stalled, 150, 0)
    amount = np.round(g.lognormal(10.6, 0.5, size=n), -2)  # ~ 40k DKK median
    # a separate stream of draws, so the deals themselves stay what they were
    links = rng("crm:deal_contacts", day)
    leads = leads_on(day)
    lead = links.integers(0, max(leads, 1), size=n)
    link = links.random(n)
    return tuple(
        Deal(
            deal_id=f"{day:%Y%m%d}{i:03d}",
            pipeline_id="7613042" if partner[i] else "default",
            amount=float(amount[i]),
            created_at=created[i],
            closes_at=created[i] + timedelta(days=float(cycle[i])),
            won=bool(roll[i] < 0.33),
            contact_id=contact_id(day, int(lead[i]))
            if leads and link[i] >= CONTACTLESS_DEALS
            else None,
            has_own_source=bool(link[i] >= CONTACTLESS_DEALS + UNSOURCED_DEALS),
        )
        for i in range(n)
    )


def _source_of(contact: str) -> str:
    """A demo contact's original source, from its id (c<yyyymmdd><index>)."""
    day = date(int(contact[1:5]), int(contact[5:7]), int(contact[7:9]))
    return contact_sources(day)[int(contact[9:])]


def _stage_at(deal: Deal, day: date) -> str:
    open_stages, won_stage, lost_stage = _stages(deal.pipeline_id)
    if deal.closes_at.date() <= day:
        return won_stage if deal.won else lost_stage
    elapsed = (day - deal.created_at.date()).days
    progress = elapsed / max(1, (deal.closes_at - deal.created_at).days)
    return open_stages[min(len(open_stages) - 1, int(progress * len(open_stages)))]


def _deal_row(deal: Deal, as_of: date, sources: bool) -> dict:
    closed = deal.closes_at.date() <= as_of
    own = sources and deal.has_own_source and deal.contact_id is not None
    return {
        "deal_id": deal.deal_id,
        "pipeline_id": deal.pipeline_id,
        "stage_id": _stage_at(deal, as_of),
        "amount": deal.amount,
        "created_at": deal.created_at,
        "closed_at": deal.closes_at if closed else None,
        "modified_at": deal.closes_at if closed else deal.created_at,
        "original_source": _source_of(deal.contact_id) if own else None,
        # as the connector reads them: only for deals without a source of their own
        "contact_ids": None if own or not sources else [c for c in [deal.contact_id] if c],
    }


def hubspot_batches(
    config, stream: Stream, ctx: ExtractContext, *, sources: bool = True
) -> Iterator[Batch]:
    """The demo CRM's batches of `stream`; `sources`: the source extracts deal_source."""
    window = ctx.window_for(config)
    last_day = ctx.run_date - timedelta(days=1)
    if window.start > last_day:
        return
    window = Window(window.start, last_day)
    # the deals a window can see: created before it ends, and not closed before it starts
    history = list(
        Window(max(config.start_date, window.start - timedelta(LONGEST_DEAL_DAYS)), last_day).days()
    )
    if stream.name == "deal_pipelines":
        cols = ("pipeline_id", "pipeline_label", "stage_id", "stage_label", "is_closed", "is_won")
        rows = [dict(zip(cols, r, strict=True)) for r in PIPELINES]
    elif stream.name == "contacts":
        rows = []
        for day in window.days():
            seconds = rng("crm:contacts", day).integers(0, 24 * 3600, size=leads_on(day))
            origins = contact_sources(day) if sources else [None] * len(seconds)
            rows.extend(
                {
                    "contact_id": contact_id(day, i),
                    "lifecycle_stage": "lead",
                    "created_at": created,
                    "modified_at": created,
                    "original_source": origin,
                }
                for i, (created, origin) in enumerate(
                    zip(_times(day, seconds), origins, strict=True)
                )
            )
    elif stream.name == "deals":
        # as the search API does: every deal modified within the window, in its current state
        rows = [
            _deal_row(deal, last_day, sources)
            for day in history
            for deal in deals_created_on(day)
            if window.start <= deal.modified_on(last_day) <= window.end
        ]
    else:  # open_deal_snapshots: the open deals as they stood at the end of each day
        rows = [
            {
                "snapshot_date": snap,
                "deal_id": deal.deal_id,
                "pipeline_id": deal.pipeline_id,
                "stage_id": _stage_at(deal, snap),
                "amount": deal.amount,
            }
            for day in history
            for deal in deals_created_on(day)
            if deal.closes_at.date() > window.start  # still open on a day of the window
            for snap in Window(
                max(deal.created_at.date(), window.start),
                min(deal.closes_at.date() - timedelta(days=1), window.end),
            ).days()
        ]
    yield Batch(table_from_rows(stream.schema, rows), window)
