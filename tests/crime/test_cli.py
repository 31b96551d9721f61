"""The real CLI through typer's runner (and once as a subprocess) against a real DuckDB file."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from citywatch.crime.cli import app
from citywatch.crime.mapping import MOPAC7

from .conftest import NEW_FILE, STREET_DIR, read_rows

runner = CliRunner()
HF = "Hammersmith and Fulham"


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_report_json_matches_raw_rows(loaded_dir: Path) -> None:
    code, out = run(
        "report",
        "--area",
        HF,
        "--fy",
        "2013/14",
        "--compare",
        "London",
        "--format",
        "json",
        "--data-dir",
        str(loaded_dir),
    )
    assert code == 0, out
    data = json.loads(out)
    assert data["area"] == HF and data["fy"] == "2013/14" and data["previous_fy"] == "2012/13"
    assert list(data["categories"]) == list(MOPAC7)
    assert data["compare"]["area"] == "London"
    assert any(NEW_FILE.name in s and "scheme new" in s for s in data["source"])
    rows = [r for r in read_rows(NEW_FILE) if r["BoroughName"] == HF]
    burglary = sum(
        int(r[str(m)])
        for r in rows
        if r["MajorText"] == "BURGLARY"
        for m in [*range(201304, 201313), 201401, 201402, 201403]
    )
    assert data["categories"]["Burglary"]["current"] == burglary


def test_report_csv_table_and_html(loaded_dir: Path, tmp_path: Path) -> None:
    code, out = run("report", "--area", HF, "--fy", "2013/14", "--format", "csv", "--data-dir", str(loaded_dir))
    assert code == 0, out
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == ["area", "category", "2012/13", "2013/14", "change %"] and len(table) == 1 + 8
    code, out = run("report", "--area", HF, "--fy", "2013/14", "--data-dir", str(loaded_dir))
    assert code == 0 and "Burglary" in out and "MOPAC 7 total" in out
    page = tmp_path / "r.html"
    code, out = run(
        "report", "--area", HF, "--fy", "2013/14", "--format", "html", "-o", str(page), "--data-dir", str(loaded_dir)
    )
    html = page.read_text(encoding="utf-8")
    assert (
        code == 0
        and html.count("<svg") == 2
        and "<script" not in html
        and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )
    assert "Open Government Licence" in html


def test_ranking_claim_target_rolling_trend(loaded_dir: Path) -> None:
    d = ("--data-dir", str(loaded_dir))
    code, out = run("ranking", "--fy", "2013/14", "--format", "json", *d)
    assert code == 0 and len(json.loads(out)["boroughs"]) == 32
    code, out = run("claim", "--fy", "2013/14", "--direction", "down", "--format", "json", *d)
    claim = json.loads(out)
    assert code == 0 and claim["boroughs_checked"] == 32
    assert claim["holds"] is False and [e["area"] for e in claim["exceptions"]] == ["Enfield"]
    code, out = run("target", "--area", "London", "--baseline", "2011/12", "--format", "json", *d)
    assert code == 0 and json.loads(out)["target_fy"] == "2015/16"
    code, out = run("rolling", "--area", HF, "--to", "2014-03", "--format", "json", *d)
    assert code == 0 and json.loads(out)["window"] == ["2013-04", "2014-03"]
    code, out = run("trend", "--area", HF, "--from", "2013-04", "--to", "2013-06", "--format", "csv", *d)
    assert code == 0 and len(out.splitlines()) == 4


def test_errors_exit_non_zero_with_a_message(loaded_dir: Path, tmp_path: Path) -> None:
    code, out = run("report", "--area", "Nowhere", "--fy", "2013/14", "--data-dir", str(loaded_dir))
    assert code == 1 and "Nowhere" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("MajorText,MinorText,BoroughName,201004\nBURGLARY,X,Barnet,lots\n", encoding="utf-8")
    code, out = run("import", str(bad), "--data-dir", str(tmp_path / "d"))
    assert code == 1 and "bad.csv, row 2, field '201004'" in out and "nothing was stored" in out
    code, out = run("report", "--area", HF, "--fy", "2013/14", "--data-dir", str(tmp_path / "empty"))
    assert code == 1 and "import" in out


def test_import_then_coverage_exports(tmp_path: Path) -> None:
    files = [
        str(STREET_DIR / "2019-01-city-of-london-street.csv"),
        str(STREET_DIR / "2019-02-city-of-london-street.csv"),
    ]
    d = ("--data-dir", str(tmp_path / "d"))
    code, out = run("import", *files, *d)
    assert code == 0 and "2 imported" in out
    code, out = run("import", *files, *d)
    assert code == 0 and "0 imported, 2 unchanged" in out
    raw = [
        r for f in files for r in read_rows(Path(f)) if r["Longitude"] and r["Crime type"] != "Anti-social behaviour"
    ]
    cams = tmp_path / "cams.csv"
    cams.write_text(
        f"name,latitude,longitude,bearing_deg,fov_deg,range_m\na,{raw[0]['Latitude']},{raw[0]['Longitude']},,,40\n",
        encoding="utf-8",
    )
    code, out = run("coverage", *files, "--cameras", str(cams), "--format", "json", "--sites", "2", *d)
    assert code == 0, out
    data = json.loads(out)
    assert data["total"]["crimes"] == len(raw) and data["total"]["covered"] >= 1 and data["cameras"] == 1
    geo = tmp_path / "sites.geojson"
    code, out = run("coverage", "--cameras", str(cams), "--format", "geojson", "-o", str(geo), *d)
    assert code == 0 and json.loads(geo.read_text())["type"] == "FeatureCollection"
    code, out = run("coverage", "--cameras", str(cams), "--format", "csv", "--sites", "2", *d)
    assert code == 0 and out.startswith("rank,latitude,longitude,location") and len(out.splitlines()) == 3


def test_registered_in_the_citywatch_command() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from citywatch.cli import main; main()", "crime", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for command in ("import", "report", "coverage", "target", "ranking", "claim"):
        assert command in result.stdout


def test_sources_and_mapping_override(loaded_dir: Path, tmp_path: Path) -> None:
    code, out = run("sources", "--format", "json", "--data-dir", str(loaded_dir))
    files = json.loads(out)["files"]
    assert code == 0 and len(files) == 39
    lsoa = [f for f in files if f["kind"] == "lsoa-annual"]
    assert len(lsoa) == 13 and all("2020" in f["warnings"] for f in lsoa)
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        'categories = ["Robbery"]\n[schemes.new]\nrules = [{ category = "Robbery", major = "ROBBERY" }]\n',
        encoding="utf-8",
    )
    code, out = run(
        "report",
        "--area",
        HF,
        "--fy",
        "2013/14",
        "--mapping",
        str(mapping),
        "--format",
        "json",
        "--data-dir",
        str(loaded_dir),
    )
    data = json.loads(out)
    assert code == 0 and list(data["categories"]) == ["Robbery"]
    assert data["total"] == data["categories"]["Robbery"]
    code, out = run(
        "report",
        "--area",
        HF,
        "--fy",
        "2013/14",
        "--compare",
        "London",
        "--format",
        "html",
        "--data-dir",
        str(loaded_dir),
    )
    assert code == 0 and out.count("<svg") == 3
