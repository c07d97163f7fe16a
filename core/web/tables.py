from piccolo.columns import JSON, Bytea, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class StoredValue(Table, tablename="kv_store"):
    """Shared key-value store (sessions), so every process on every machine sees the same."""

    key = Varchar(length=300, unique=True)
    value = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)


class RateCounter(Table, tablename="rate_counters"):
    """Counters in fixed time windows, shared by all processes (login throttling, form limits)."""

    key = Varchar(length=300, unique=True)
    count = Integer(default=0)
    window_ends_at = Timestamptz()


class AuditEntry(Table, tablename="audit_log"):
    """Who changed what, for admins."""

    at = Timestamptz(default=TimestamptzNow(), index=True)
    user_id = Integer(null=True, default=None)
    user_email = Varchar(length=200, default="")
    action = Varchar(length=40)
    resource = Varchar(length=100)
    object_id = Varchar(length=100, default="")
    summary = Text(default="")
    changes = JSON(default="{}")
