"""Database access: engines, migrations and transactions with after-commit work."""

import os

# Piccolo looks up its engine through this module; the core fills it in.
os.environ.setdefault("PICCOLO_CONF", "core.db.piccolo_conf")

from core.db.engine import bind_engine, create_engine, engine, is_postgres  # noqa: E402
from core.db.sql import Statement  # noqa: E402
from core.db.transaction import after_commit, in_transaction, transaction  # noqa: E402

__all__ = ["Statement", "after_commit", "bind_engine", "create_engine", "engine", "in_transaction", "is_postgres",
           "transaction"]
