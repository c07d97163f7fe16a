from piccolo.columns import Boolean, Date, OnDelete, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.quartiere.tables import Quartier

EVENT_STATUSES = ("draft", "published", "cancelled")
ORGANISATION_ROLES = ("organiser", "partner")


class Venue(Table, tablename="venues"):
    """Treffpunkt."""

    quartier = ForeignKey(references=Quartier, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=200)
    street = Varchar(length=200, default="")
    postal_code = Varchar(length=20, default="")
    city = Varchar(length=100, default="")
    accessibility = Text(default="")
    accessibility_features = Varchar(length=300, default="")  # keys of core.events.accessibility.FEATURES


class Organisation(Table, tablename="organisations"):
    """Träger or Kooperationspartner."""

    name = Varchar(length=200)
    website = Varchar(length=300, default="")
    phone = Varchar(length=60, default="")
    email = Varchar(length=200, default="")


class EventSeries(Table, tablename="event_series"):
    """Veranstaltungsreihe: a rule that made its events (each its own row, ``Event.series``)."""

    quartier = ForeignKey(references=Quartier, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=200)
    slug = Varchar(length=120)
    frequency = Varchar(length=20)  # weekly, biweekly, monthly (the first event's weekday in its week of the month)
    until = Date(null=True, default=None)
    count = Integer(null=True, default=None)
    exceptions = Text(default="")  # ISO dates without an event, comma-separated
    created_at = Timestamptz(default=TimestamptzNow())


class Event(Table, tablename="events"):
    """Veranstaltung."""

    quartier = ForeignKey(references=Quartier, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=200)
    slug = Varchar(length=120, index=True)
    summary = Varchar(length=500, default="")
    description = Text(default="")
    starts_at = Timestamptz(index=True)
    ends_at = Timestamptz()
    timezone = Varchar(length=60, default="Europe/Berlin")
    venue = ForeignKey(references=Venue, null=True, on_delete=OnDelete.set_null)
    contact_name = Varchar(length=200, default="")
    contact_phone = Varchar(length=60, default="")
    contact_email = Varchar(length=200, default="")
    status = Varchar(length=20, default="draft", index=True)
    sequence = Integer(default=0)  # iCalendar SEQUENCE, raised on every change
    # keys of core.events.accessibility.FEATURES this event adds to / lacks from its venue's
    accessibility_added = Varchar(length=300, default="")
    accessibility_removed = Varchar(length=300, default="")
    free_admission = Boolean(default=False)
    series = ForeignKey(references=EventSeries, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    series_changes = Text(default="")  # fields changed on this date only, comma-separated: edits of the series leave them
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class EventOrganisation(Table, tablename="event_organisations"):
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade)
    role = Varchar(length=20, default="organiser")
    position = Integer(default=0)
