"""Access screens in a real browser: a police sign-in with its authenticator code, the justification prompt
before recorded footage, and the audit viewer showing that playback with its justification."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pyotp

from tests.web.stack import Stack

POLICE_USER = "pc.browser"
POLICE_PASSWORD = "police-browser-test-password-7"
REASON = "Assault outside the station, suspect seen heading west"
REFERENCE = "CAD 4711/26NOV"


def _police_with_authenticator(stack: Stack) -> str:
    """A police investigator whose force the council shares its cameras with; returns the TOTP secret."""
    orgs = stack.request("GET", "/api/v1/organisations")
    council = next(o for o in orgs if o["kind"] == "council")
    police = stack.request("POST", "/api/v1/organisations", json={"name": "Test Police Force", "kind": "police"})
    stack.request(
        "POST",
        "/api/v1/sharing",
        json={
            "owner_id": council["id"],
            "recipient_id": police["id"],
            "rights": ["live", "recorded"],
            "condition": "always",
            "dsa_reference": "DSA-TEST-1",
        },
    )
    stack.request(
        "POST",
        "/api/v1/users",
        json={
            "username": POLICE_USER,
            "display_name": "PC Browser Test",
            "organisation_id": police["id"],
            "role": "police_investigator",
            "password": POLICE_PASSWORD,
        },
    )
    # The first sign-in may only enrol; confirm with the previous 30 s step's code so that the browser's
    # sign-in below can use the current one (a code is never accepted twice).
    with httpx.Client(base_url=stack.base_url, timeout=30) as c:
        r = c.post("/api/v1/auth/login", json={"username": POLICE_USER, "password": POLICE_PASSWORD})
        r.raise_for_status()
        assert r.json()["user"]["mfa_enrolment_required"] is True
        c.headers["Authorization"] = f"Bearer {r.json()['token']}"
        secret = str(c.post("/api/v1/auth/mfa/setup").raise_for_status().json()["secret"])
        totp = pyotp.TOTP(secret)
        c.post("/api/v1/auth/mfa/confirm", json={"code": totp.at(time.time() - totp.interval)}).raise_for_status()
    return secret


def test_police_sign_in_justification_and_audit(chromium: Any, page: Any, stack: Stack, shots: Path) -> None:
    secret = _police_with_authenticator(stack)
    camera = stack.camera_ids[0]
    context = chromium.new_context(viewport={"width": 1400, "height": 850}, locale="en-GB")
    police = context.new_page()
    police.set_default_timeout(15_000)
    errors: list[str] = []
    police.on("pageerror", lambda e: errors.append(str(e)))
    try:
        police.goto(f"{stack.base_url}/#/wall")
        police.get_by_label("Username").fill(POLICE_USER)
        police.get_by_label("Password").fill(POLICE_PASSWORD)
        police.get_by_role("button", name="Sign in").click()
        code = police.get_by_label("Authenticator code")
        code.wait_for()  # asked for only after the password was right
        code.fill(pyotp.TOTP(secret).now())
        police.get_by_role("button", name="Sign in").click()
        police.get_by_role("navigation", name="Main").wait_for()
        assert police.get_by_role("link", name="Admin").count() == 0  # no users.manage right

        at_ms = int((time.time() - 15) * 1000)
        police.goto(f"{stack.base_url}/#/camera/{camera}?t={at_ms}")
        dialog = police.get_by_role("dialog", name="Justify viewing recorded footage")
        dialog.wait_for()
        police.screenshot(path=shots / "justification-prompt.png")
        dialog.get_by_label("Reason").fill(REASON)
        dialog.get_by_label("CAD or crime reference").fill(REFERENCE)
        dialog.get_by_role("button", name="Continue").click()
        dialog.wait_for(state="detached")
        police.wait_for_function(
            "() => { const v = document.querySelector('.camera-video video'); return v && v.currentTime > 0; }",
            timeout=20_000,
        )
        assert errors == [], errors
    finally:
        context.close()

    page.goto(f"{stack.base_url}/#/audit")
    filters = page.get_by_role("form", name="Audit filters")
    filters.get_by_label("User").fill(POLICE_USER)
    filters.get_by_label("Action starts with").fill("playback")
    filters.get_by_role("button", name="Search").click()
    row = page.get_by_role("table", name="Audit entries").get_by_role("row").filter(has_text=REFERENCE)
    row.first.wait_for()
    text = row.first.inner_text()
    assert "playback" in text and POLICE_USER in text and REASON in text, text
    page.get_by_role("button", name="Verify chain").click()
    page.get_by_role("status", name="Chain verification").filter(has_text="Chain intact").wait_for()
    page.screenshot(path=shots / "audit-viewer.png")
