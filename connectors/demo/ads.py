"""Demo paid-media data: campaign days in each ad platform's own terms, landed exactly as the
platform connectors land them (connectors.ads).

A platform connector's `demo_profile` says how its demo account behaves: the account's
`currency` and `time_zone`, and its `campaigns` — (name, season or None for always on, daily
spend, cost per click, click-through rate, conversion rate, value per conversion). The
black_friday campaigns share the name of the GA4 demo's campaign, so a KPI filtered to
`{campaign: black_friday}` finds both its sessions and its spend.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from connectors.ads import AdAccount
from connectors.base import Batch, ExtractContext, Stream, table_from_rows
from connectors.demo.seasonal import count, level, share

CENT = Decimal("0.01")


def running(season: tuple[tuple[int, int], tuple[int, int]] | None, day: date) -> bool:
    if season is None:
        return True
    first, last = season
    return date(day.year, *first) <= day <= date(day.year, *last)


def campaign_day(platform: str, account: str, campaign: tuple, day: date) -> dict | None:
    """One campaign's day, or None when it is not running."""
    name, season, spend, cpc, ctr, cvr, value = campaign
    if not running(season, day):
        return None
    key = f"ads:{platform}:{account}:{name}"
    cost = Decimal(str(level(day, base=spend, growth=0.08, noise=0.1, key=key))).quantize(CENT)
    clicks = count(day, mean=float(cost) / cpc, key=f"{key}:clicks")
    rate = share(day, mean=ctr, spread=ctr / 10, key=f"{key}:ctr")
    impressions = count(day, mean=clicks / max(rate, 1e-4), key=f"{key}:impressions")
    conversions = count(day, mean=clicks * cvr, key=f"{key}:conversions")
    each = level(day, base=value, growth=0.03, noise=0.15, key=f"{key}:value")
    return {
        "campaign_id": str(zlib.crc32(f"{platform}:{account}:{name}".encode())),
        "campaign_name": name,
        "date": day,
        "spend": cost,
        "impressions": impressions,
        "clicks": clicks,
        "conversions": float(conversions),
        "conversion_value": (Decimal(str(each)) * conversions).quantize(CENT),
    }


def ads_batches(connector, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
    """Every day of the connector's window, for each configured account."""
    profile = connector.demo_profile
    platform = connector.config.type
    connector._accounts = [
        AdAccount(account, profile["currency"], profile["time_zone"])
        for account in connector.accounts()
    ]
    window = connector.window(ctx)
    rows = []
    for account in connector._accounts:
        for day in window.days():
            for campaign in profile["campaigns"]:
                row = campaign_day(platform, account.id, campaign, day)
                if row is not None:
                    rows.append({**row, "account_id": account.id, "currency": account.currency})
    yield Batch(table_from_rows(stream.schema, rows), window)
