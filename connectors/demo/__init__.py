"""Bundled demo sources: realistic, seasonal multi-year data with no credentials.

API source types get generated records in exactly the shape their connector lands; file
source types get real export files written into their inbox, which the real connector parses.
Either way the data goes through the same landing writer and staging models as real data.
"""

from __future__ import annotations

from collections.abc import Iterator

from connectors.base import Batch, Connector, ExtractContext, Stream


def demo_extract(connector: Connector, stream: Stream, ctx: ExtractContext) -> Iterator[Batch]:
    from connectors.demo import crm, files, social, web

    config = connector.config
    if connector.type == "finance_files":
        files.write_ledger_exports(connector.inbox(), config.start_date, ctx.run_date)
        yield from connector.extract(stream, ctx)
    elif connector.type == "manual_metrics":
        files.write_team_sheets(connector.inbox(), config.start_date, ctx.run_date)
        yield from connector.extract(stream, ctx)
    elif connector.type == "ga4":
        yield from web.ga4_batches(config, stream, ctx)
    elif connector.type in social.PLATFORMS:
        account = getattr(
            config,
            {
                "facebook_page": "page_id",
                "instagram": "account_id",
                "linkedin_page": "organization_id",
            }[connector.type],
        )
        yield from social.social_batches(connector, stream, ctx, account)
    elif connector.type == "hubspot":
        yield from crm.hubspot_batches(config, stream, ctx)
    else:
        raise NotImplementedError(f"no demo data for source type {connector.type!r}")
