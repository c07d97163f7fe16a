from piccolo.columns import OnDelete, Boolean, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.quartiere.tables import Quartier

ROLES = ("admin", "staff", "moderator")


class StaffUser(Table, tablename="staff_users"):
    email = Varchar(length=200, unique=True, index=True)
    name = Varchar(length=200)
    password_hash = Varchar(length=200)
    role = Varchar(length=20, default="staff")
    language = Varchar(length=5, default="de")
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class StaffUserQuartier(Table, tablename="staff_user_quartiere"):
    user = ForeignKey(references=StaffUser, on_delete=OnDelete.cascade, index=True)
    quartier = ForeignKey(references=Quartier, on_delete=OnDelete.cascade)
