"""Alembic environment: runs on the connection handed in by ``citywatch.store.db.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import citywatch.access.models  # noqa: F401 (registers the tables)
from citywatch.evidence import models as _evidence_models  # noqa: F401 (registers the evidence tables)
from citywatch.partners import models as _partners_models  # noqa: F401 (registers the partners tables)
from citywatch.ptz import models as _ptz_models  # noqa: F401 (registers the PTZ tables)
from citywatch.store import models_ui as _ui_models  # noqa: F401 (registers the layout tables)
from citywatch.store.models import Base

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url or pass a connection to run migrations")
    with create_engine(url).begin() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
