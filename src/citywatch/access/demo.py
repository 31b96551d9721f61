"""The demo borough's organisations, people and sharing agreements (idempotent: matched by name).

The council owns the street cameras; partners own theirs and share them with the council's
control room; the council shares everything with the police video identification office.
Police accounts come with an authenticator already enrolled, its secret printed by the demo, so
the MFA step can be shown with any TOTP app.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update

from citywatch.access.models import Organisation, SharingAgreement, User
from citywatch.access.users import UserInput, UserService
from citywatch.store.models import Camera
from citywatch.timeutil import now_us
from citywatch.wiring import Services

__all__ = ["COUNCIL", "DEMO_PASSWORD", "DEMO_TOTP_SECRET", "DemoPerson", "seed_demo_access"]

log = logging.getLogger(__name__)

COUNCIL = "Hammersmith & Fulham Council"
POLICE = "Metropolitan Police — Hammersmith"
WESTFIELD = "Westfield London"
QPR = "Queens Park Rangers FC"
FULHAM = "Fulham FC"
HOSPITAL = "Imperial College Healthcare NHS Trust"
DEMO_PASSWORD = "citywatch-demo-2026"  # noqa: S105 (printed by the demo; the demo only)
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPCITYWATCHDEMO234"  # noqa: S105 (base32; the demo only)

ORGANISATIONS = (
    (COUNCIL, "council"),
    (POLICE, "police"),
    (WESTFIELD, "partner"),
    (QPR, "partner"),
    (FULHAM, "partner"),
    (HOSPITAL, "partner"),
)
# Camera name prefix → owner (anything else is the council's).
OWNERS = (
    ("Westfield London", WESTFIELD),
    ("Loftus Road", QPR),
    ("Craven Cottage", FULHAM),
    ("Charing Cross Hospital", HOSPITAL),
    ("Claybrook Centre", HOSPITAL),
)


@dataclass(frozen=True, slots=True)
class DemoPerson:
    username: str
    display_name: str
    organisation: str
    role: str


PEOPLE = (
    DemoPerson("sam.operator", "Sam Okafor", COUNCIL, "operator"),
    DemoPerson("priya.supervisor", "Priya Shah", COUNCIL, "supervisor"),
    DemoPerson("mo.manager", "Mo Clarke", COUNCIL, "network_manager"),
    DemoPerson("pc.jones", "PC Alex Jones", POLICE, "police_investigator"),
    DemoPerson("sgt.khan", "Sgt Nadia Khan", POLICE, "police_emergency"),
    DemoPerson("westfield.security", "Dan Reid (Westfield security)", WESTFIELD, "partner_security"),
    DemoPerson("qpr.security", "Lee Grant (QPR stewarding)", QPR, "partner_security"),
    DemoPerson("fulham.security", "Ana Costa (Fulham FC security)", FULHAM, "partner_security"),
    DemoPerson("hospital.security", "Tom Hughes (hospital security)", HOSPITAL, "partner_security"),
)
# owner → recipient: rights, condition, data-sharing agreement reference
AGREEMENTS = (
    (COUNCIL, POLICE, ["live", "recorded", "ptz"], "always", "DSA-HF-MPS-2025-01"),
    (WESTFIELD, COUNCIL, ["live", "recorded"], "always", "DSA-HF-WFL-2025-03"),
    (WESTFIELD, POLICE, ["recorded"], "incident", "DSA-HF-WFL-MPS-2025-04"),
    (QPR, COUNCIL, ["live"], "always", "DSA-HF-QPR-2025-07"),
    (FULHAM, COUNCIL, ["live", "recorded"], "always", "DSA-HF-FFC-2025-08"),
    (HOSPITAL, COUNCIL, ["live", "recorded"], "always", "DSA-HF-ICHT-2025-02"),
    (HOSPITAL, POLICE, ["recorded"], "alarm", "DSA-HF-ICHT-MPS-2025-05"),
)


def seed_demo_access(services: Services, users: UserService) -> list[DemoPerson]:
    """Organisations, camera owners, people and agreements of the demo; returns the people."""
    orgs: dict[str, int] = {}
    for name, kind in ORGANISATIONS:
        found = users.organisation_named(name)
        if found is None and kind == "council":
            # The operator's organisation made at first start takes the council's name.
            with services.sessions.begin() as session:
                first = session.scalar(select(Organisation).where(Organisation.kind == "council"))
                if first is not None:
                    first.name = name
                    found = first
        orgs[name] = (found or users.add_organisation(name, kind)).id
    with services.sessions.begin() as session:
        for camera in session.scalars(select(Camera)):
            owner = next((org for prefix, org in OWNERS if camera.name.startswith(prefix)), COUNCIL)
            camera.organisation_id = orgs[owner]
    for person in PEOPLE:
        user = users.by_username(person.username)
        if user is None:
            user = users.add(
                UserInput(person.username, person.display_name, orgs[person.organisation], person.role, DEMO_PASSWORD)
            )
        if person.role.startswith("police") and not user.totp_confirmed:
            with services.sessions.begin() as session:
                session.execute(
                    update(User)
                    .where(User.id == user.id)
                    .values(totp_secret_enc=services.secrets.encrypt(DEMO_TOTP_SECRET), totp_confirmed=True)
                )
    with services.sessions() as session:
        have = {(a.owner_id, a.recipient_id) for a in session.scalars(select(SharingAgreement))}
    now = now_us()
    with services.sessions.begin() as session:
        for owner, recipient, rights, condition, ref in AGREEMENTS:
            if (orgs[owner], orgs[recipient]) in have:
                continue
            session.add(
                SharingAgreement(
                    owner_id=orgs[owner],
                    recipient_id=orgs[recipient],
                    camera_ids=None,
                    group_ids=None,
                    rights=rights,
                    condition=condition,
                    incident_until_us=None,
                    starts_us=now,
                    expires_us=now + 365 * 86_400 * 1_000_000,
                    dsa_reference=ref,
                    created_by="demo",
                    created_us=now,
                    revoked_us=None,
                    expiry_audited=False,
                )
            )
    log.info("demo: %d organisations, %d people, %d sharing agreements", len(orgs), len(PEOPLE), len(AGREEMENTS))
    return list(PEOPLE)
