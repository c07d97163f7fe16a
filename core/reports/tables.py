from piccolo.columns import Boolean, Date, ForeignKey, Integer, OnDelete, Varchar
from piccolo.table import Table

from core.events.tables import Event
from core.quartiere.tables import Quartier


class EventFigure(Table, tablename="event_figures"):
    """An anonymous head count of one event (no person, no time finer than the event's day).

    One row per (event, plugin, kind, age group, first time); unique by a raw index (migration).
    It stays when personal data are erased and when the event is deleted (``event`` becomes NULL).
    """

    quartier = ForeignKey(references=Quartier, on_delete=OnDelete.cascade, index=True)
    event = ForeignKey(references=Event, null=True, on_delete=OnDelete.set_null, index=True)
    held_on = Date(index=True)  # the event's first day, local time
    plugin = Varchar(length=60)
    kind = Varchar(length=40)
    age_group = Varchar(length=20, default="")
    first_time = Boolean(default=False)
    count = Integer(default=0)
