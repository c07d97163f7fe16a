from piccolo.columns import JSON, Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.plugin_api import Event

# Statuses that hold seats, and those that count as "still registered".
SEAT_STATUSES = ("unconfirmed", "confirmed")
ACTIVE_STATUSES = ("unconfirmed", "confirmed", "waitlisted")
STATUSES = ("unconfirmed", "confirmed", "waitlisted", "cancelled", "expired")


class RegistrationForm(Table, tablename="registration_forms"):
    """The registration settings of one event, and its seat counter."""

    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, unique=True)
    enabled = Boolean(default=True)
    opens_at = Timestamptz(null=True, default=None)
    closes_at = Timestamptz(null=True, default=None)  # None: when the event starts
    capacity = Integer(null=True, default=None)  # None: no limit
    taken = Integer(default=0)  # seats held by unconfirmed and confirmed registrations
    waitlist_enabled = Boolean(default=True)
    waitlist_seq = Integer(default=0)  # last waiting-list number handed out
    double_opt_in = Boolean(default=True)
    max_companions = Integer(default=0)
    phone_only_allowed = Boolean(default=True)
    questions = JSON(default="[]")  # [{"key", "label", "type", "required", "choices"}]
    consent_text = Text(default="")
    consent_version = Varchar(length=40, default="1")


class Registration(Table, tablename="registrations"):
    form = ForeignKey(references=RegistrationForm, on_delete=OnDelete.cascade, index=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=20, index=True)
    name = Varchar(length=200)
    email = Varchar(length=200, null=True, default=None)
    phone = Varchar(length=60, default="")
    companions = Integer(default=0)
    seats = Integer(default=1)
    answers = JSON(default="{}")
    language = Varchar(length=12, default="de")
    waitlist_seq = Integer(null=True, default=None)
    token = Varchar(length=64, unique=True)
    channel = Varchar(length=20, default="online")  # online, phone, staff
    created_by = Integer(null=True, default=None)  # staff user who took a phone registration
    consent_text = Text(default="")
    consent_version = Varchar(length=40, default="")
    consent_how = Varchar(length=200, default="")
    consent_at = Timestamptz(null=True, default=None)
    email_confirmed_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None, index=True)
    confirmed_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    checked_in_at = Timestamptz(null=True, default=None)
    anonymised_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
