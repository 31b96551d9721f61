"""The camera register, and a public export that holds no sensitive field."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from citywatch.partners.errors import PartnerError
from citywatch.partners.register import PUBLIC_FIELDS
from citywatch.partners.service import PartnersService
from tests.partners.conftest import Rows

TODAY = date(2026, 11, 26)
SECRETS = (
    "rtsp://",
    "onvif",
    "s3cret",
    "camuser",
    "10.20.30.40",
    "Covert-Obs",
    "Police-Only",
    "Old-Cam",
    "covert",
    "police_only",
    "password",
    "username",
    "OB-7",
)


def _cameras(partners: PartnersService, rows: Rows) -> dict[str, int]:
    org = rows.org("Westfield London")
    ids = {
        "public": rows.camera(
            "WF-Entrance",
            org,
            rtsp_url="rtsp://camuser:s3cret@10.20.30.40/stream",
            onvif_url="http://10.20.30.40/onvif/device_service",
            username="camuser",
        ),
        "covert": rows.camera("Covert-Obs", None),
        "police": rows.camera("Police-Only", None),
        "gone": rows.camera("Old-Cam", None),
        "unregistered": rows.camera("Not-Yet", None),
    }
    reg = partners.register
    reg.put(
        ids["public"],
        {
            "site": "Westfield London",
            "model": "Axis Q6135",
            "installed_on": "2024-05-01",
            "funding_source": "section_106",
            "s106_agreement_ref": "2019/03455/S106",
            "s106_obligation_no": "OB-7",
            "purpose": "Public safety and crime prevention",
            "lawful_basis": "Public task (UK GDPR 6(1)(e))",
            "dpia_ref": "DPIA-2024-11",
            "or_level": "recognise",
            "review_due_on": "2026-06-30",
        },
        by="admin",
        today=TODAY,
    )
    reg.put(ids["covert"], {"covert": True, "purpose": "Operation"}, by="admin", today=TODAY)
    reg.put(ids["police"], {"police_only": True}, by="admin", today=TODAY)
    reg.put(ids["gone"], {"decommissioned_on": "2026-01-31"}, by="admin", today=TODAY)
    return ids


def test_register_flags_overdue_reviews_and_checks_funding_references(partners: PartnersService, rows: Rows) -> None:
    ids = _cameras(partners, rows)
    entry = partners.register.entry(ids["public"], today=TODAY)
    assert entry.review_overdue and entry.owner == "Westfield London" and entry.or_level == "recognise"
    assert not partners.register.entry(ids["unregistered"], today=TODAY).registered
    with pytest.raises(PartnerError, match="obligation number"):
        partners.register.put(
            ids["gone"], {"funding_source": "section_106", "s106_agreement_ref": "x"}, by="a", today=TODAY
        )
    with pytest.raises(PartnerError, match="planning application"):
        partners.register.put(ids["gone"], {"funding_source": "secured_by_design"}, by="a", today=TODAY)
    with pytest.raises(PartnerError, match="or_level"):
        partners.register.put(ids["gone"], {"or_level": "zoom"}, by="a", today=TODAY)
    with pytest.raises(PartnerError, match="no field 'rtsp_url'"):
        partners.register.put(ids["gone"], {"rtsp_url": "rtsp://x"}, by="a", today=TODAY)


def test_public_export_contains_no_sensitive_field(partners: PartnersService, rows: Rows) -> None:
    ids = _cameras(partners, rows)
    geo = partners.register.public_geojson(today=TODAY)
    text = partners.register.public_csv(today=TODAY)
    dumped = json.dumps(geo)
    for secret in SECRETS:
        assert secret not in dumped, secret
        assert secret not in text, secret
    assert [f["id"] for f in geo["features"]] == [ids["public"]]
    feature = geo["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-0.22, 51.5]}
    assert set(feature["properties"]) <= set(PUBLIC_FIELDS)
    assert feature["properties"]["s106_agreement_ref"] == "2019/03455/S106"
    table = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["camera_id"]) for r in table] == [ids["public"]]
    assert set(table[0]) == set(PUBLIC_FIELDS)
