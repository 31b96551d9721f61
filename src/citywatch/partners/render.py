"""Invoices as HTML (the page and the PDF's source), CSV for finance, and PDF through headless Chromium."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tempfile
from html import escape
from pathlib import Path

from citywatch.partners.errors import RenderError
from citywatch.partners.invoices import Invoice
from citywatch.partners.money import pounds

__all__ = ["CHROMIUM", "invoice_csv", "invoice_html", "invoice_pdf"]

CHROMIUM = "/usr/bin/chromium"
_CSV_FIELDS = (
    "invoice",
    "organisation",
    "month",
    "contract",
    "code",
    "description",
    "quantity",
    "unit",
    "unit_price_p",
    "amount_p",
    "vat_bp",
    "readings",
)

_STYLE = """
body { font: 11pt/1.4 system-ui, sans-serif; color: #111; margin: 2em; }
h1 { font-size: 18pt; margin: 0 0 .2em; } .muted { color: #555; }
table { border-collapse: collapse; width: 100%; margin-top: 1em; }
th, td { border-bottom: 1px solid #ccc; padding: 4px 6px; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tfoot td { border: none; font-weight: 600; } .refs { font-size: 8pt; color: #666; word-break: break-all; }
"""


def invoice_html(inv: Invoice) -> str:
    rows = []
    for line in inv.lines:
        refs = ", ".join(line.readings[:6]) + (f" … (+{len(line.readings) - 6})" if len(line.readings) > 6 else "")
        rows.append(
            f"<tr><td>{escape(line.contract_ref)}</td><td>{escape(line.description)}"
            f"<div class='refs'>{escape(refs)}</div></td><td class='n'>{escape(line.quantity)} {escape(line.unit)}</td>"
            f"<td class='n'>{pounds(line.unit_price_p)}</td><td class='n'>{pounds(line.amount_p)}</td></tr>"
        )
    vat_rows = "".join(
        f"<tr><td colspan='4' class='n'>VAT {bp / 100:g} % on {pounds(net)}</td><td class='n'>{pounds(vat)}</td></tr>"
        for bp, net, vat in inv.vat_breakdown
    )
    return (
        "<!doctype html><html lang='en-GB'><head><meta charset='utf-8'>"
        f"<title>Invoice {escape(inv.number)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>Invoice {escape(inv.number)}</h1>"
        f"<div>{escape(inv.organisation)} · {escape(inv.month)}</div>"
        f"<div class='muted'>Period {escape(inv.period_start)} to {escape(inv.period_end)} (UTC; Europe/London month)"
        "</div><table><thead><tr><th>Contract</th><th>Item (meter readings)</th><th class='n'>Quantity</th>"
        "<th class='n'>Unit price</th><th class='n'>Amount</th></tr></thead><tbody>" + "".join(rows) + "</tbody><tfoot>"
        f"<tr><td colspan='4' class='n'>Net</td><td class='n'>{pounds(inv.net_p)}</td></tr>{vat_rows}"
        f"<tr><td colspan='4' class='n'>Total</td><td class='n'>{pounds(inv.total_p)}</td></tr>"
        "</tfoot></table></body></html>"
    )


def invoice_csv(invoices: list[Invoice]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(_CSV_FIELDS)
    for inv in invoices:
        for line in inv.lines:
            w.writerow(
                [
                    inv.number,
                    inv.organisation,
                    inv.month,
                    line.contract_ref,
                    line.code,
                    line.description,
                    line.quantity,
                    line.unit,
                    line.unit_price_p,
                    line.amount_p,
                    line.vat_bp,
                    " ".join(line.readings),
                ]
            )
        for code, amount in (("net", inv.net_p), ("vat", inv.vat_p), ("total", inv.total_p)):
            w.writerow([inv.number, inv.organisation, inv.month, "", code, "", "", "", "", amount, "", ""])
    return buf.getvalue()


def invoice_pdf(html: str, *, chromium: str = CHROMIUM, timeout_s: float = 60.0) -> bytes:
    """Print ``html`` to PDF with headless Chromium (no network: the page is self-contained)."""
    exe = shutil.which(chromium)
    if exe is None:
        raise RenderError(
            f"PDF invoices need Chromium at {chromium}; install the chromium package or download "
            "the HTML invoice instead"
        )
    with tempfile.TemporaryDirectory(prefix="cw-invoice-") as tmp:
        src, out = Path(tmp) / "invoice.html", Path(tmp) / "invoice.pdf"
        src.write_text(html, encoding="utf-8")
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp}/profile",
            f"--print-to-pdf={out}",
            src.as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired as exc:
            raise RenderError(f"Chromium took more than {timeout_s:g} s to print the invoice") from exc
        if not out.exists() or out.stat().st_size == 0:
            tail = done.stderr.decode(errors="replace")[-400:]
            raise RenderError(f"Chromium did not write the PDF (exit {done.returncode}): {tail}")
        return out.read_bytes()
