"""Sign-in through an OpenID Connect provider: code + PKCE, ID token checks, MFA from ``amr``, audit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest

from citywatch.access.users import UserInput
from citywatch.api.app import create_app
from citywatch.config import OidcSettings, Settings
from citywatch.wiring import build_services
from tests.access.idp import CLIENT_ID, CLIENT_SECRET, Provider
from tests.api.server import running
from tests.database import installation_database


@dataclass
class Setup:
    url: str
    idp: Provider


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    idp = Provider()
    with running(idp.app()) as idp_url:
        idp.issuer = idp_url
        oidc = OidcSettings(
            issuer=idp_url,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            label="Sign in with the force",
            organisation="Police",
            auto_create=True,
        )
        data_dir: Path = tmp_path_factory.mktemp("oidc")
        settings = Settings(
            data_dir=data_dir,
            admin_password="oidc admin password",
            oidc=oidc,
            database_url=installation_database(data_dir),
        )
        services = build_services(settings)
        app = create_app(services)
        users = app.state.ctx.auth.users
        police = users.add_organisation("Police", "police")
        users.add(UserInput("dc.known", "DC Known", police.id, "police_investigator", "unused password 123"))
        partner = users.add_organisation("Mall", "partner")
        users.add(UserInput("mall.guard", "Guard", partner.id, "partner_security", "unused password 123"))
        try:
            with running(app) as url:
                yield Setup(url, idp)
        finally:
            services.close()


def _cookies(response: httpx.Response) -> dict[str, str]:
    jar: dict[str, str] = {}
    for header in response.headers.get_list("set-cookie"):
        for name, morsel in SimpleCookie(header).items():
            jar[name] = morsel.value
    return jar


def _sign_in(setup: Setup, user: str, *, amr: list[str] | None = None, state: str | None = None) -> httpx.Response:
    """Browser steps by hand (the cookies are Secure, which httpx will not send over plain HTTP)."""
    setup.idp.next_user = user
    setup.idp.amr = amr if amr is not None else ["pwd", "mfa"]
    start = httpx.get(f"{setup.url}/api/v1/auth/oidc/login")
    assert start.status_code == 302 and start.headers["location"].startswith(setup.idp.issuer)
    flow = _cookies(start)["cw_oidc"]
    at_idp = httpx.get(start.headers["location"])
    assert at_idp.status_code == 302
    back = httpx.URL(at_idp.headers["location"])
    params = dict(back.params)
    if state is not None:
        params["state"] = state
    return httpx.get(f"{setup.url}{back.path}", params=params, headers={"Cookie": f"cw_oidc={flow}"})


def test_the_sign_in_screen_offers_the_provider(setup: Setup) -> None:
    assert httpx.get(f"{setup.url}/api/v1/health").json()["oidc_label"] == "Sign in with the force"


def test_a_known_officer_signs_in_through_the_provider_and_it_is_audited(setup: Setup) -> None:
    done = _sign_in(setup, "dc.known")
    assert done.status_code == 302 and done.headers["location"] == "/"
    session = _cookies(done)["cw_session"]
    me = httpx.get(f"{setup.url}/api/v1/auth/me", headers={"Cookie": f"cw_session={session}"}).json()
    assert (me["username"], me["organisation"], me["role"]) == ("dc.known", "Police", "police_investigator")
    assert me["csrf_token"]  # the web app reads it here after a provider sign-in
    admin_token = httpx.post(
        f"{setup.url}/api/v1/auth/login", json={"username": "admin", "password": "oidc admin password"}
    ).json()["token"]
    audit = httpx.get(
        f"{setup.url}/api/v1/audit",
        params={"username": "dc.known", "action": "auth.login"},
        headers={"Authorization": f"Bearer {admin_token}"},
    ).json()
    assert audit[0]["detail"] == {"via": "oidc"}


def test_unknown_people_are_created_in_the_providers_organisation(setup: Setup) -> None:
    done = _sign_in(setup, "dc.newcomer")
    assert done.status_code == 302
    session = _cookies(done)["cw_session"]
    me = httpx.get(f"{setup.url}/api/v1/auth/me", headers={"Cookie": f"cw_session={session}"}).json()
    assert (me["username"], me["organisation"], me["display_name"]) == ("dc.newcomer", "Police", "Dc Newcomer")


def test_police_without_a_second_factor_at_the_provider_are_refused(setup: Setup) -> None:
    refused = _sign_in(setup, "dc.known", amr=["pwd"])
    assert refused.status_code == 401 and "second factor" in refused.json()["detail"]


def test_someone_of_another_organisation_cannot_use_this_provider(setup: Setup) -> None:
    refused = _sign_in(setup, "mall.guard")
    assert refused.status_code == 401 and "another organisation" in refused.json()["detail"]


def test_a_forged_state_or_nonce_is_refused(setup: Setup) -> None:
    assert _sign_in(setup, "dc.known", state="forged").status_code == 401
    setup.idp.tamper_nonce = True
    try:
        refused = _sign_in(setup, "dc.known")
    finally:
        setup.idp.tamper_nonce = False
    assert refused.status_code == 401 and "nonce" in refused.json()["detail"]
    # A callback without the browser's flow cookie is refused.
    assert httpx.get(f"{setup.url}/api/v1/auth/oidc/callback", params={"code": "x", "state": "y"}).status_code == 401
