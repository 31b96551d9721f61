"""Models and migration 0010 describe the same tables."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

import citywatch.tracking.models  # noqa: F401  (registers the tables on Base.metadata)
from citywatch.store.models import Base

OURS = ["tracking_alerts", "tracking_devices", "tracking_positions", "tracking_zone_states", "tracking_zones"]


def test_models_register_on_the_shared_base() -> None:
    assert set(OURS) <= set(Base.metadata.tables)


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    insp = inspect(engine)
    for name in OURS:
        model = Base.metadata.tables[name]
        migrated = {c["name"]: c for c in insp.get_columns(name)}
        assert set(migrated) == {c.name for c in model.columns}, name
        for col in model.columns:
            m = migrated[col.name]
            assert m["nullable"] == col.nullable, f"{name}.{col.name} nullable"
            # Compare as each database spells the type (variants such as 64-bit ids resolve per dialect).
            want = col.type.compile(dialect=engine.dialect).upper().split("(")[0]
            got = m["type"].compile(dialect=engine.dialect).upper().split("(")[0]
            same = {"FLOAT": {"FLOAT", "DOUBLE PRECISION", "DOUBLE", "REAL"}}.get(want, {want})
            assert got in same, f"{name}.{col.name}: {m['type']!r} vs {col.type!r}"
        assert {tuple(c) for c in [insp.get_pk_constraint(name)["constrained_columns"]]} == {
            tuple(c.name for c in model.primary_key.columns)
        }
        model_indexes = {i.name: [c.name for c in i.columns] for i in model.indexes}
        migrated_indexes = {  # PostgreSQL lists a UNIQUE constraint's index too
            i["name"]: i["column_names"] for i in insp.get_indexes(name) if "duplicates_constraint" not in i
        }
        assert model_indexes == migrated_indexes, name
        model_fks = {(fk.parent.name, fk.column.table.name) for fk in model.foreign_keys}
        migrated_fks = {(fk["constrained_columns"][0], fk["referred_table"]) for fk in insp.get_foreign_keys(name)}
        assert model_fks == migrated_fks, name


def test_position_tuple_order_names_every_column() -> None:
    from citywatch.tracking.models import POSITION_COLUMNS

    assert sorted(POSITION_COLUMNS) == sorted(c.name for c in Base.metadata.tables["tracking_positions"].columns)
