from piccolo.columns import UUID, Integer, Varchar
from piccolo.table import Table


class ReceivedEvent(Table, tablename="greeter_received_events"):
    event_id = UUID(unique=True)
    name = Varchar(length=100)
    quartier_id = Integer(null=True, default=None)
