"""The bundle's own verify.html in Chromium with the network cut: it hashes every file and names a bad one."""

from __future__ import annotations

import hashlib
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from citywatch.evidence.bundle import BundleResult
from tests.evidence.bundles import export, flipped_copy
from tests.playback_fixtures import Recorded
from tests.web.stack import CHROMIUM, browser


@pytest.fixture(scope="module")
def bundle(recorded: Recorded, tmp_path_factory: pytest.TempPathFactory) -> BundleResult:
    folder = tmp_path_factory.mktemp("page") / "bundle"
    return export(recorded.services, folder, recorded.run1_start_us + 1_000_000, recorded.run2_end_us - 1_000_000)


@pytest.fixture(scope="module")
def offline_page() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"the verifier page test needs Chromium at {CHROMIUM}")
    with browser() as chromium:
        context = chromium.new_context(offline=True)
        requests: list[str] = []

        def block(route: Any) -> None:
            requests.append(route.request.url)
            route.abort()

        context.route("http://**/*", block)
        context.route("https://**/*", block)
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        assert not requests, f"the verifier page asked the network for {requests}"
        context.close()


def _check(page: Any, folder: Path, query: str = "") -> tuple[str, str, str]:
    page.goto((folder / "verify.html").as_uri() + query)
    files = sorted(str(p) for p in folder.rglob("*") if p.is_file())
    page.set_input_files("#files", files)
    page.wait_for_selector("body[data-result]")
    return page.get_attribute("body", "data-result"), page.inner_text("#summary"), page.inner_text("#signature")


def test_verifier_page_checks_every_hash_offline(offline_page: Any, bundle: BundleResult, tmp_path: Path) -> None:
    result, summary, signature = _check(offline_page, bundle.folder)
    assert result == "ok", summary
    assert summary == "All 4 files match the manifest"
    assert signature.startswith("signature: good"), signature
    overlay = offline_page.locator(".overlay").first
    assert "Test camera 1" in overlay.inner_text() and "UTC" in overlay.inner_text()
    assert offline_page.locator("video").count() == 2, "one player per master"

    media = next(e.path for e in bundle.exhibits if e.kind == "master")
    result, summary, _sig = _check(offline_page, flipped_copy(bundle.folder, tmp_path / "bad", media))
    assert result == "failed" and media in summary, summary

    edited = tmp_path / "edited"
    flipped_copy(bundle.folder, edited, "verify.html")
    (edited / "verify.html").write_bytes((bundle.folder / "verify.html").read_bytes())
    manifest = edited / "manifest.json"
    manifest.write_text(manifest.read_text().replace("CAD 4411/25", "CAD 4412/25"))
    result, summary, signature = _check(offline_page, edited)
    assert result == "failed" and "signature: FAILED" in signature, (summary, signature)


CHUNK = 10_007  # bytes: an odd size, so slices end inside SHA-256 blocks


def test_files_larger_than_a_chunk_are_hashed_slice_by_slice(
    offline_page: Any, bundle: BundleResult, tmp_path: Path
) -> None:
    """Large files (here: larger than a small chunk set for the test) go through the page's incremental SHA-256."""
    masters = [e for e in bundle.exhibits if e.kind == "master"]
    assert all(m.size_bytes > 3 * CHUNK for m in masters), "the masters must span several chunks"
    result, summary, _sig = _check(offline_page, bundle.folder, f"?chunk_bytes={CHUNK}")
    assert result == "ok", summary
    parts = {
        row.locator("td").first.inner_text(): int(row.get_attribute("data-parts"))
        for row in offline_page.locator("#results tbody tr").all()
    }
    assert all(parts[m.path] == -(-m.size_bytes // CHUNK) for m in masters), parts
    assert parts["public_key.pem"] == 1

    media = masters[0].path
    bad = tmp_path / "late-byte"
    shutil.copytree(bundle.folder, bad)
    data = bytearray((bad / media).read_bytes())
    data[2 * CHUNK + 5] ^= 0x01  # inside the third slice
    (bad / media).write_bytes(bytes(data))
    result, summary, _sig = _check(offline_page, bad, f"?chunk_bytes={CHUNK}")
    assert result == "failed" and media in summary, summary


def test_page_sha256_matches_hashlib_at_block_edges(offline_page: Any, bundle: BundleResult) -> None:
    """The page's own SHA-256, fed in uneven pieces, against Python's for lengths around the 64-byte block."""
    offline_page.goto((bundle.folder / "verify.html").as_uri())
    rng = random.Random(7)
    for length in (0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 1000, 100_003):
        data = rng.randbytes(length)
        got = offline_page.evaluate(
            """([bytes, cuts]) => {
                 const data = Uint8Array.from(bytes), sha = new Sha256();
                 let at = 0;
                 for (const cut of cuts) { sha.update(data.subarray(at, cut)); at = cut; }
                 sha.update(data.subarray(at));
                 return sha.hex();
               }""",
            [list(data), sorted(rng.randrange(0, length + 1) for _ in range(5))],
        )
        assert got == hashlib.sha256(data).hexdigest(), f"length {length}"
