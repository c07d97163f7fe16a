from piccolo.columns import OnDelete, Boolean, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.quartiere.tables import Quartier

class StaffUser(Table, tablename="staff_users"):
    email = Varchar(length=200, unique=True, index=True)
    name = Varchar(length=200)
    password_hash = Varchar(length=200)
    role = Varchar(length=20, default="staff")
    language = Varchar(length=12, default="de")
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class StaffUserQuartier(Table, tablename="staff_user_quartiere"):
    user = ForeignKey(references=StaffUser, on_delete=OnDelete.cascade, index=True)
    quartier = ForeignKey(references=Quartier, on_delete=OnDelete.cascade)


class ApiToken(Table, tablename="api_tokens"):
    """A staff user's token for the JSON API; only its SHA-256 is stored."""

    user = ForeignKey(references=StaffUser, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked = Boolean(default=False)
