"""Read-only views of other domains' tables that this package queries.

``cameras.organisation_id`` (the owner) arrives with the access domain's migration; it is declared
here on a private ``MetaData`` so that nothing is registered twice on the shared ``Base``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, MetaData, String, Table

__all__ = ["cameras"]

_md = MetaData()

cameras = Table(
    "cameras",
    _md,
    Column("id", Integer, primary_key=True),
    Column("name", String(200)),
    Column("organisation_id", Integer),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("bearing_deg", Float),
    Column("fov_deg", Float),
    Column("range_m", Float),
    Column("ptz", Boolean),
    Column("enabled", Boolean),
    Column("created_us", BigInteger),
)
