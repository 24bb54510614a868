"""Dagster asset owners from the config (issue 22, item 5).

Dagster takes an owner as an e-mail address or `team:<name>`. A source's `owner:` and a KPI's
`owner:` are free text ("Web team", "CMO", "anna@example.com"): an address stays as written, a
name becomes `team:<name>` in lower case with every run of other characters turned into one
`-` ("Head of sales" -> `team:head-of-sales`). A KPI owner listed under `people:` with e-mail
addresses is owned by those addresses instead — the same people alerts reach.
"""

from __future__ import annotations

import re

# what Dagster's own check accepts as an address, kept simple
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def dagster_owner(text: str | None) -> str | None:
    """One free-text owner as Dagster writes it (None for an empty one)."""
    text = (text or "").strip()
    if not text:
        return None
    if EMAIL.match(text):
        return text
    name = text.removeprefix("team:")
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return f"team:{slug}" if slug else None


def source_owners(source) -> list[str]:
    owner = dagster_owner(getattr(source, "owner", None))
    return [owner] if owner else []


def kpi_owners(config) -> list[str]:
    """Every KPI owner, as the owners of the published scorecard: a person with addresses in
    `people:` by those addresses, anyone else as a team; sorted, each once."""
    people = getattr(config, "people", {}) or {}
    out: set[str] = set()
    for kpi in config.kpis:
        if not kpi.owner:
            continue
        person = people.get(kpi.owner)
        emails = [e for e in (person.email if person else []) if EMAIL.match(e)]
        if emails:
            out.update(emails)
        elif owner := dagster_owner(kpi.owner):
            out.add(owner)
    return sorted(out)
