"""How fast the finance-files connector parses a Danish ledger export (CSV).

    .venv/bin/python benchmarks/parse.py [--lines 300000] [--repeat 3] [--xlsx]

Writes an export like the demo's — `Dato;Konto;Tekst;Beløb`, dates `31-12-2025`, amounts
`-12.345,67`, UTF-8 with a BOM, CRLF — into a scratch folder, then times the real parser
(`connectors.finance_files.parse_ledger`, the code a first load runs) over it `--repeat` times
and reports the best. `--xlsx` times the same lines as a workbook instead. The last line is
`lines_per_s=<number>`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from connectors.finance_files import FinanceFilesConfig, parse_ledger

ACCOUNTS = ["1010", "1100", "2710", "2720", "2730", "2750", "2790", "3010"]
TEXTS = ["Salg webshop", "Faktura B2B", "Google Ads", "Meta annoncer", "Løn", "Bureau honorar"]
CONFIG = {
    "name": "ledger",
    "type": "finance_files",
    "path": ".",
    "delimiter": ";",
    "decimal": ",",
    "thousands": ".",
    "encoding": "utf-8-sig",
    "date_format": "%d-%m-%Y",
    "columns": {"date": "Dato", "account": "Konto", "amount": "Beløb", "text": "Tekst"},
    "accounts": {"revenue": ["1000-1999"], "marketing_spend": ["2700-2799"]},
    "credit_categories": ["revenue"],
}


def danish(amount: float) -> str:
    text = f"{abs(amount):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return ("-" if amount < 0 else "") + text


def lines(n: int) -> list[tuple[str, str, str, str]]:
    rng = np.random.default_rng(7)
    start = date(2025, 1, 1)
    days = rng.integers(0, 365, n)
    accounts = rng.integers(0, len(ACCOUNTS), n)
    texts = rng.integers(0, len(TEXTS), n)
    amounts = np.round(rng.lognormal(8, 1.5, n) * np.where(rng.random(n) < 0.6, -1, 1), 2)
    return [
        (
            (start + timedelta(days=int(d))).strftime("%d-%m-%Y"),
            ACCOUNTS[a],
            TEXTS[t],
            danish(float(x)),
        )
        for d, a, t, x in zip(days, accounts, texts, amounts, strict=True)
    ]


def write(folder: Path, rows, xlsx: bool) -> Path:
    if not xlsx:
        path = folder / "posteringer.csv"
        body = ["Dato;Konto;Tekst;Beløb"] + [";".join(r) for r in rows]
        path.write_text("\r\n".join(body) + "\r\n", encoding="utf-8-sig")
        return path
    from openpyxl import Workbook

    path = folder / "posteringer.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Posteringer")
    ws.append(["Dato", "Konto", "Tekst", "Beløb"])
    for d, a, t, x in rows:
        ws.append([d, a, t, x])
    wb.save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--xlsx", action="store_true")
    args = parser.parse_args()
    config = FinanceFilesConfig(**CONFIG)
    with tempfile.TemporaryDirectory() as scratch:
        path = write(Path(scratch), lines(args.lines), args.xlsx)
        size = path.stat().st_size / 2**20
        best = float("inf")
        for i in range(args.repeat):
            started = time.perf_counter()
            table = parse_ledger(path, config)
            seconds = time.perf_counter() - started
            best = min(best, seconds)
            print(f"run {i + 1}: {table.num_rows} lines in {seconds:.2f} s")
        assert table.num_rows == args.lines
    print(f"file={path.name} lines={args.lines} size_mib={size:.1f} best_s={best:.3f}")
    print(f"lines_per_s={args.lines / best:.0f}")


if __name__ == "__main__":
    main()
