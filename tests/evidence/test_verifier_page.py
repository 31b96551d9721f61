"""The bundle's own verify.html in Chromium with the network cut: it hashes every file and names a bad one."""

from __future__ import annotations

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


def _check(page: Any, folder: Path) -> tuple[str, str, str]:
    page.goto((folder / "verify.html").as_uri())
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
