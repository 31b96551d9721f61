"""The partners screen for the council and for a partner's own security staff, and the map's organisation and
group filters (a partner organisation is what makes a filter leave no camera), against the shared stack."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from citywatch.partners.demo import PLANS
from tests.web.stack import Stack

pytestmark = pytest.mark.slow

PARTNER = "Westfield Estates Security"
PARTNER_USER = "guard.westfield"
PARTNER_PASSWORD = "partner-browser-test-password-3"


@pytest.fixture(scope="module")
def partner_id(stack: Stack) -> int:
    """A partner onboarded with a contract from the first of this month, and one of its security staff."""
    plan = "monitored"
    stack.request("PUT", f"/api/v1/plans/{plan}", json=PLANS[plan])
    first = dt.date.today().replace(day=1).isoformat()
    contract = {"plan_code": plan, "reference": "WES-2026-01", "start_on": first}
    partner = stack.request("POST", "/api/v1/partners", json={"name": PARTNER, "contract": contract})
    stack.request(
        "POST",
        "/api/v1/users",
        json={
            "username": PARTNER_USER,
            "display_name": "Westfield guard",
            "organisation_id": partner["id"],
            "role": "partner_security",
            "password": PARTNER_PASSWORD,
        },
    )
    return int(partner["id"])


def test_partners_screen_for_the_council_and_for_a_partner(
    chromium: Any, page: Any, stack: Stack, partner_id: int, shots: Path
) -> None:
    page.goto(f"{stack.base_url}/#/partners")
    expect(page.get_by_role("img", name="Five-year revenue forecast")).to_be_visible()
    partners = page.get_by_role("region", name="Partners", exact=True)
    expect(partners.get_by_role("columnheader", name="This month (net)")).to_be_visible()
    expect(partners.get_by_role("row").filter(has_text=PARTNER)).to_contain_text("£")  # this month's invoice
    page.screenshot(path=shots / "partners-council.png")

    context = chromium.new_context(viewport={"width": 1400, "height": 850}, locale="en-GB")
    guard = context.new_page()
    guard.set_default_timeout(15_000)
    errors: list[str] = []
    guard.on("pageerror", lambda e: errors.append(str(e)))
    try:
        guard.goto(f"{stack.base_url}/#/wall")
        guard.get_by_label("Username").fill(PARTNER_USER)
        guard.get_by_label("Password").fill(PARTNER_PASSWORD)
        guard.get_by_role("button", name="Sign in").click()
        guard.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
        portal = guard.get_by_role("region", name="Usage, availability and access")
        expect(portal).to_contain_text(PARTNER)
        expect(portal.get_by_role("link", name="Invoice")).to_be_visible()
        # Only its own portal: no network-wide tables, and nothing refused on the way.
        expect(guard.get_by_role("region", name="Five-year revenue forecast")).to_have_count(0)
        expect(guard.get_by_role("region", name="Partners", exact=True)).to_have_count(0)
        expect(guard.locator("[data-state=denied], [data-state=error]")).to_have_count(0)
        guard.screenshot(path=shots / "partners-own-portal.png")
        assert errors == [], errors
    finally:
        context.close()


def test_map_filters_by_group_and_organisation_in_the_url(
    page: Any, stack: Stack, partner_id: int, shots: Path
) -> None:
    council = next(o for o in stack.request("GET", "/api/v1/organisations") if o["kind"] == "council")
    grouped = stack.camera_ids[1]
    group = stack.request(
        "POST",
        "/api/v1/groups",
        json={"organisation_id": council["id"], "name": "Browser test group", "camera_ids": [grouped]},
    )
    markers = page.locator(".camera-marker")

    # The screens are reachable from the keyboard, the focused link visibly outlined.
    page.goto(f"{stack.base_url}/#/wall")
    map_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Map")
    for _ in range(5):
        page.keyboard.press("Tab")
        if map_link.evaluate("a => a === document.activeElement"):
            break
    assert map_link.evaluate("a => a === document.activeElement"), "Tab never reached the Map link"
    assert map_link.evaluate("a => getComputedStyle(a).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(markers).to_have_count(len(stack.camera_ids))

    page.goto(f"{stack.base_url}/#/map?group={group['id']}")
    expect(markers).to_have_count(1)
    expect(page.get_by_label("Filter by group")).to_have_value(str(group["id"]))

    # The partner owns no camera: filtering on it leaves an explained, recoverable empty map.
    page.goto(f"{stack.base_url}/#/map?org={partner_id}")
    empty = page.get_by_role("status").filter(has_text="No camera matches these filters")
    expect(empty).to_be_visible()
    expect(markers).to_have_count(0)
    chosen = page.get_by_label("Filter by organisation").locator("option:checked")
    expect(chosen).to_have_text(f"{PARTNER} (no cameras)")
    page.screenshot(path=shots / "map-filter-leaves-nothing.png")
    empty.get_by_role("button", name="Show all cameras").click()
    expect(markers).to_have_count(len(stack.camera_ids))
    assert page.evaluate("location.hash") == "#/map"

    page.get_by_label("Filter by organisation").select_option(label="No owner")
    assert page.evaluate("location.hash") == "#/map?org=none"
    page.reload()
    expect(page.get_by_label("Filter by organisation")).to_have_value("none")
    expect(markers).to_have_count(len(stack.camera_ids))  # the test stack's cameras were added by the admin
