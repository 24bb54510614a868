"""Demo ledger exports: a Danish export per completed month (CSV).

They are written into the configured inbox and then read by the real connector, so the demo
exercises the same parser a real user's files go through.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from connectors.base import Window
from connectors.demo.seasonal import level, volume_scale
from connectors.periods import period_bounds

REFUND_MONTH = date(2025, 2, 1)  # a product recall: credit notes exceed a third of sales
CORRECTED_MONTH = date(2025, 5, 1)  # finance re-exported May with a mistyped posting fixed


def _danish_amount(x: float) -> str:
    """-12345.67 -> '-12.345,67'"""
    text = f"{abs(x):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return ("-" if x < 0 else "") + text


def ledger_lines(month: date, last_day: date) -> list[tuple[date, str, str, float]]:
    """(booking date, account, text, amount) with revenue booked as negative credits."""
    lines = []
    start, end = period_bounds("month", month)
    for day in Window(start, min(end, last_day)).days():
        sales = level(day, base=38000, growth=0.24, noise=0.09, key="ledger:shop")
        lines.append((day, "1010", "Salg webshop", -round(sales, 2)))
        if day.weekday() == 3:
            invoice = level(day, base=60000, growth=0.15, noise=0.3, key="ledger:b2b")
            lines.append((day, "1100", "Faktura B2B", -round(invoice, 2)))
        if month == REFUND_MONTH and day.day in (10, 17, 24):
            lines.append((day, "1010", "Kreditnota tilbagekaldelse", round(0.45 * sales * 7, 2)))
        if day.weekday() == 0:
            for account, text, base in (
                ("2710", "Google Ads", 21000),
                ("2720", "Meta annoncer", 14000),
                ("2730", "LinkedIn annoncer", 6500),
            ):
                lines.append(
                    (
                        day,
                        account,
                        text,
                        round(
                            level(day, base=base, growth=0.12, noise=0.15, key=f"ledger:{account}"),
                            2,
                        ),
                    )
                )
        if day.day == 1:
            lines.append((day, "2750", "Bureau honorar", 45000.00))
            lines.append((day, "2790", "Marketing værktøjer", 7850.00))
            lines.append((day, "3010", "Lønninger", 612000.00))  # not a mapped category
    return _split(lines, volume_scale("ledger"))


def _split(lines, parts: int):
    """Each line as `parts` lines whose amounts add up to it to the cent (benchmark volume:
    more rows, the same totals)."""
    if parts == 1:
        return lines
    out = []
    for day, account, text, amount in lines:
        base, rest = divmod(round(amount * 100), parts)
        out += [(day, account, text, (base + (i < rest)) / 100) for i in range(parts)]
    return out


def write_ledger_exports(inbox: Path, start_date: date, run_date: date) -> list[Path]:
    """One file per completed month (finance closes a month before exporting it)."""
    inbox.mkdir(parents=True, exist_ok=True)
    written = []
    month = start_date.replace(day=1)
    current = run_date.replace(day=1)
    while month < current:
        lines = ledger_lines(month, run_date)
        written += _write_csv(inbox / f"Posteringer_{month:%Y-%m}.csv", lines)
        if month == CORRECTED_MONTH:
            fixed = [
                (d, a, t, -41250.00 if t == "Faktura B2B" and d.day <= 7 else amt)
                for d, a, t, amt in lines
            ]
            written += _write_csv(inbox / f"Posteringer_{month:%Y-%m}_rettet.csv", fixed)
        month = period_bounds("month", month)[1] + timedelta(days=1)
    return written


def _write_csv(path: Path, lines) -> list[Path]:
    if path.exists():  # exports are immutable once dropped
        return []
    body = ["Dato;Konto;Tekst;Beløb"] + [
        f"{d:%d-%m-%Y};{account};{text};{_danish_amount(amount)}"
        for d, account, text, amount in lines
    ]
    path.write_text("\r\n".join(body) + "\r\n", encoding="utf-8-sig")
    return [path]
