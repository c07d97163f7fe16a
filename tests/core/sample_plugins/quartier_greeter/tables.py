from piccolo.columns import UUID, Boolean, ForeignKey, Integer, OnDelete, Varchar
from piccolo.table import Table

from core.plugin_api import Quartier


class ReceivedEvent(Table, tablename="greeter_received_events"):
    event_id = UUID(unique=True)
    name = Varchar(length=100)
    quartier_id = Integer(null=True, default=None)


class Greeting(Table, tablename="greeter_greetings"):
    """A greeting a Quartier shows on its public event pages (managed in the staff UI)."""

    quartier = ForeignKey(references=Quartier, on_delete=OnDelete.cascade, index=True)
    text = Varchar(length=200)
    shown = Boolean(default=True)
