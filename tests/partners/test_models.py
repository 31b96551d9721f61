"""Models and migration 0015 describe the same tables (columns, nullability, types, keys, indexes)."""

from __future__ import annotations

from sqlalchemy import inspect

import citywatch.partners.models  # noqa: F401  (registers the tables on Base.metadata)
from citywatch.partners.models import PARTNER_TABLES
from citywatch.store.models import Base
from citywatch.wiring import Services

_SQL_TYPE: dict[str, str | tuple[str, ...]] = {
    "JSON": "JSON",
    "BIGINTEGER": "BIGINT",
    "INTEGER": "INTEGER",
    "STRING": "VARCHAR",
    "BOOLEAN": "BOOLEAN",
    "FLOAT": ("FLOAT", "DOUBLE_PRECISION"),  # PostgreSQL's float is double precision
    "TEXT": "TEXT",
    "DATE": "DATE",
}


def test_migrated_schema_matches_the_models(services: Services) -> None:
    insp = inspect(services.engine)
    for name in PARTNER_TABLES:
        model = Base.metadata.tables[name]
        migrated = {c["name"]: c for c in insp.get_columns(name)}
        assert set(migrated) == {c.name for c in model.columns}, name
        for col in model.columns:
            m = migrated[col.name]
            assert m["nullable"] == col.nullable, f"{name}.{col.name} nullable"
            expected = _SQL_TYPE[type(col.type).__name__.upper()]
            assert type(m["type"]).__name__.upper().startswith(expected), f"{name}.{col.name}: {m['type']!r}"
        assert insp.get_pk_constraint(name)["constrained_columns"] == [c.name for c in model.primary_key.columns]
        model_indexes = {i.name: [c.name for c in i.columns] for i in model.indexes}
        migrated_indexes = insp.get_indexes(name)  # PostgreSQL lists a UNIQUE constraint's index too
        indexes = {i["name"]: i["column_names"] for i in migrated_indexes if "duplicates_constraint" not in i}
        assert model_indexes == indexes, name
        model_fks = {(fk.parent.name, fk.column.table.name) for fk in model.foreign_keys}
        migrated_fks = {(fk["constrained_columns"][0], fk["referred_table"]) for fk in insp.get_foreign_keys(name)}
        assert model_fks == migrated_fks, name
