"""How the page writes numbers and statuses when there is no script to do it: the no-script
fallback table, the e-mail and chat messages. Kept apart from rendering so messages can format
without loading the page's data code."""

from __future__ import annotations

STATUS_WORDS = {
    "green": "On target",
    "amber": "Near target",
    "red": "Off target",
    "no_data": "No data",
    "no_target": "No target",
}


def plain(kpi: dict, value, data: dict) -> str:
    if value is None:
        return "–"
    digits = kpi["decimals"]
    if digits is None:
        digits = {"currency": 0, "percent": 1}.get(kpi["unit"], 1)
    text = f"{value:,.{digits}f}"
    return {
        "currency": f"{text} {kpi['currency'] or data['meta']['currency']}",
        "percent": f"{text} %",
        "days": f"{text} days",
    }.get(kpi["unit"], text)
