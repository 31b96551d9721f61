"""``citywatch partners …`` on a real data directory: invoices to files, the forecast, the register export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from citywatch.config import Settings
from citywatch.partners.cli import app
from citywatch.partners.directory import ContractSpec
from citywatch.partners.service import PartnersService
from citywatch.wiring import build_services
from tests.database import installation_database
from tests.partners.conftest import Rows


def test_invoice_forecast_and_register_export(tmp_path: Path) -> None:
    data = tmp_path / "data"
    services = build_services(Settings(data_dir=data, database_url=installation_database(data)))
    rows, svc = Rows(services), PartnersService(services.sessions)
    svc.directory.put_plan("retainer", {"name": "R", "tier": "record_only", "retainer_per_camera_month_p": 10_000})
    org = rows.org("Fulham FC")
    cam = rows.camera("CC-1", org, rtsp_url="rtsp://user:pw@10.0.0.5/s")
    svc.register.put(cam, {"purpose": "Crowd safety"}, by="t", today=date(2026, 11, 1))
    svc.directory.add_contract(org, ContractSpec("retainer", "FFC-1", date(2026, 10, 1)))
    services.close()
    runner = CliRunner(env={"CITYWATCH_DATABASE_URL": services.settings.database_url})

    out = tmp_path / "inv"
    r = runner.invoke(app, ["invoice", "--month", "2026-10", "--out", str(out), "--no-pdf", "--data-dir", str(data)])
    assert r.exit_code == 0, r.output
    number = f"CW-202610-{org:04d}"
    assert number in r.output and "£120.00" in r.output  # £100 a camera-month + 20 % VAT
    assert (out / f"{number}.html").read_text().count("£100.00") >= 1
    table = list(csv.DictReader(io.StringIO((out / "invoices-2026-10.csv").read_text())))
    assert [row["code"] for row in table] == ["retainer", "net", "vat", "total"]

    r = runner.invoke(app, ["forecast", "--start", "2027-01", "--target", "1000", "--data-dir", str(data)])
    assert r.exit_code == 0, r.output
    assert "expected" in r.output and "meets £1,000.00" in r.output

    r = runner.invoke(app, ["register", "export", "--format", "geojson", "--data-dir", str(data)])
    assert r.exit_code == 0, r.output
    geo = json.loads(r.output)
    assert [f["properties"]["purpose"] for f in geo["features"]] == ["Crowd safety"]
    assert "rtsp" not in r.output and "pw@" not in r.output

    bad = runner.invoke(app, ["invoice", "--month", "October", "--no-pdf", "--data-dir", str(data)])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output
