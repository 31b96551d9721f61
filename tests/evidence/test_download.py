"""Bundle downloads stream the zip as it is produced: through a real server on 127.0.0.1, with ranges to
resume, one disclosure per download, and no copy of the bundle on disk or in memory."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from citywatch.api import create_app
from citywatch.evidence.bundle import ExhibitFile, Exporter, ExportRequest, seal
from citywatch.evidence.cli import app as evidence_cli
from citywatch.evidence.keys import KeyRing
from citywatch.evidence.models import Disclosure, ExportJob
from citywatch.evidence.verify import verify_bundle
from citywatch.timeutil import iso, now_us
from tests.api.auth import client
from tests.api.server import running
from tests.playback_fixtures import Recorded

BIG_BYTES = 320 << 20
MEMORY_BOUND = 64 << 20  # what streaming may add for a bigger bundle: far below the bundle itself


@pytest.fixture(scope="module")
def base_url(recorded: Recorded) -> Iterator[str]:
    with running(create_app(recorded.services)) as url:
        yield url


@pytest.fixture(scope="module")
def api(base_url: str) -> Iterator[httpx.Client]:
    with client(base_url) as c:
        yield c


@pytest.fixture(scope="module")
def export_id(api: httpx.Client, recorded: Recorded) -> str:
    body = {"camera_ids": [1], "start": iso(recorded.run1_start_us + 2_000_000),
            "end": iso(recorded.run2_start_us + 5_000_000), "justification": "CAD 4411: assault",
            "reference": "01/12345/25"}  # fmt: skip
    job_id = str(api.post("/api/v1/exports", json=body).json()["id"])
    deadline = time.monotonic() + 60
    while (job := api.get(f"/api/v1/exports/{job_id}").json())["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline, "the export did not finish"
        time.sleep(0.05)
    assert job["state"] == "done", job["error"]
    return job_id


def _disclosures(recorded: Recorded, export_id: str) -> int:
    with recorded.services.sessions() as session:
        query = select(func.count()).select_from(Disclosure).where(Disclosure.export_id == export_id)
        return int(session.scalar(query) or 0)


def _cli(*args: str) -> Result:
    return CliRunner().invoke(evidence_cli, list(args))


def _save(api: httpx.Client, url: str, target: Path, headers: dict[str, str] | None = None) -> httpx.Response:
    """Stream a download to ``target`` (as a browser does), never holding it in memory."""
    with api.stream("GET", url, headers=headers) as r, target.open("wb") as f:
        for chunk in r.iter_bytes(1 << 20):
            f.write(chunk)
    return r


def test_streamed_zip_unzips_and_verifies(
    api: httpx.Client, recorded: Recorded, export_id: str, tmp_path: Path
) -> None:
    target = tmp_path / "bundle.zip"
    r = _save(api, f"/api/v1/exports/{export_id}/bundle", target)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert int(r.headers["content-length"]) == target.stat().st_size, "the length is known before the first byte"
    assert "transfer-encoding" not in r.headers and r.headers["accept-ranges"] == "bytes"
    assert f'filename="evidence-{export_id[:8]}.zip"' in r.headers["content-disposition"]
    done = _cli("verify", str(target))
    assert done.exit_code == 0 and "bundle verified" in done.output, done.output
    if shutil.which("unzip"):
        tested = subprocess.run(["unzip", "-tq", str(target)], capture_output=True, text=True)
        assert tested.returncode == 0, tested.stdout + tested.stderr
    exports = recorded.services.settings.data_dir / "evidence" / "exports"
    assert not list(exports.rglob("*.zip*")), "no copy of the bundle as a zip is kept on disk"


def test_a_download_resumes_with_a_range(api: httpx.Client, recorded: Recorded, export_id: str) -> None:
    url = f"/api/v1/exports/{export_id}/bundle"
    before = _disclosures(recorded, export_id)
    whole = api.get(url)
    total, etag = len(whole.content), whole.headers["etag"]
    assert _disclosures(recorded, export_id) == before + 1
    for cut in (1, 4096, total // 2, total - 30):  # inside a header, a master, the central directory
        part = api.get(url, headers={"Range": f"bytes={cut}-", "If-Range": etag})
        assert part.status_code == 206, part.text
        assert part.headers["content-range"] == f"bytes {cut}-{total - 1}/{total}"
        assert whole.content[:cut] + part.content == whole.content
    assert _disclosures(recorded, export_id) == before + 1, "resuming a download is not a new disclosure"
    tail = api.get(url, headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.content == whole.content[-100:]
    stale = api.get(url, headers={"Range": "bytes=100-", "If-Range": '"another-version"'})
    assert stale.status_code == 200 and stale.content == whole.content, "a changed zip is sent whole"
    assert _disclosures(recorded, export_id) == before + 2, "a whole download is logged again"
    past = api.get(url, headers={"Range": f"bytes={total}-"})
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{total}"
    audit = api.get("/api/v1/audit", params={"action": "export.download", "limit": 100}).json()
    assert any(e["detail"].get("range") == f"bytes={total // 2}-" for e in audit), "every request is audited"


def test_delivery_link_streams_and_logs_one_disclosure_per_download(
    api: httpx.Client, recorded: Recorded, export_id: str, tmp_path: Path
) -> None:
    link = api.post(f"/api/v1/exports/{export_id}/deliveries",
                    json={"recipient": "admin", "reason": "CPS file build", "expires_s": 3600}).json()  # fmt: skip
    before = _disclosures(recorded, export_id)
    first = api.get(link["url"], headers={"Range": "bytes=0-999"})  # a download cut off after 1000 bytes
    assert first.status_code == 206 and len(first.content) == 1000
    rest = api.get(link["url"], headers={"Range": "bytes=1000-"})
    assert rest.status_code == 206
    target = tmp_path / "delivered.zip"
    target.write_bytes(first.content + rest.content)
    assert verify_bundle(target).ok
    assert _disclosures(recorded, export_id) == before + 1
    logged = [d for d in api.get("/api/v1/disclosures").json() if d["export_id"] == export_id and d["via_link"]]
    assert [(d["recipient"], d["reason"]) for d in logged] == [("admin", "CPS file build")]

    resumed_only = api.post(f"/api/v1/exports/{export_id}/deliveries",
                            json={"recipient": "admin", "reason": "appeal", "expires_s": 3600}).json()  # fmt: skip
    assert api.get(resumed_only["url"], headers={"Range": "bytes=500-"}).status_code == 206
    assert _disclosures(recorded, export_id) == before + 2, "a link's first request is logged, whatever its range"
    expired = api.post(f"/api/v1/exports/{export_id}/deliveries",
                       json={"recipient": "admin", "reason": "x", "expires_s": 0.001}).json()  # fmt: skip
    time.sleep(0.01)
    assert api.get(expired["url"], headers={"Range": "bytes=10-"}).status_code == 403


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


def _peak_growth(download: Callable[[], None]) -> int:
    """Bytes by which this process's resident set peaked above where it stood, while ``download`` ran."""
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current resident set
    before = _status_kib("VmRSS")
    download()
    return (_status_kib("VmHWM") - before) * 1024


def _synthetic_export(recorded: Recorded, size: int) -> str:
    """A sealed bundle with one ``size``-byte master (sparse, so the test needs no disk for it), as a done job."""
    job_id = str(uuid.uuid4())
    data_dir = recorded.services.settings.data_dir
    folder = data_dir / "evidence" / "exports" / job_id
    media = folder / "media" / "camera-1_20261025T000000Z.mp4"
    media.parent.mkdir(parents=True)
    with media.open("wb") as f:
        f.write(b"\x00\x00\x00\x18ftypisom")
        f.truncate(size)
    digest = hashlib.sha256()
    with media.open("rb") as f:
        while chunk := f.read(8 << 20):
            digest.update(chunk)
    start = recorded.run1_start_us
    exporter = Exporter("admin", "admin", "Council")
    req = ExportRequest(job_id, [1], start, start + 60_000_000, "memory check", exporter)
    exhibit = ExhibitFile("master", 1, "media/camera-1_20261025T000000Z.mp4", digest.hexdigest(), size, start,
                          start + 60_000_000)  # fmt: skip
    result = seal(req, KeyRing(data_dir / "evidence" / "keys"), folder, [], [exhibit], size)
    with recorded.services.sessions.begin() as session:
        session.add(ExportJob(
            id=job_id, case_id=None, camera_ids=json.dumps([1]), start_us=start, end_us=start + 60_000_000,
            justification="memory check", reference="", created_by="admin", organisation="Council",
            created_us=now_us(), finished_us=now_us(), state="done", progress=1.0, bytes_total=size, error="",
            bundle_dir=str(folder), manifest_sha256=result.manifest_sha256,
        ))  # fmt: skip
    return job_id


def test_memory_does_not_grow_with_bundle_size(api: httpx.Client, recorded: Recorded, tmp_path: Path) -> None:
    small, big = _synthetic_export(recorded, 1 << 20), _synthetic_export(recorded, BIG_BYTES)

    def fetch(job_id: str) -> Callable[[], None]:
        def run() -> None:
            r = _save(api, f"/api/v1/exports/{job_id}/bundle", tmp_path / f"{job_id}.zip")
            assert r.status_code == 200

        return run

    fetch(small)()  # the first request warms code paths and pools up
    small_growth = _peak_growth(fetch(small))
    big_growth = _peak_growth(fetch(big))
    assert big_growth - small_growth < MEMORY_BOUND, (
        f"peak resident memory grew {big_growth >> 20} MiB streaming a {BIG_BYTES >> 20} MiB bundle, "
        f"{small_growth >> 20} MiB for a 1 MiB one"
    )
    report = verify_bundle(tmp_path / f"{big}.zip")
    assert report.ok, report.failures
    (tmp_path / f"{big}.zip").unlink()  # 320 MiB that pytest would otherwise keep
