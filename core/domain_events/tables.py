from piccolo.columns import JSON, Integer, Text, Timestamptz, UUID, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class DomainEventRecord(Table, tablename="domain_events"):
    """The durable log of published domain events and who still has to get them."""

    event_id = UUID(unique=True)
    name = Varchar(length=100, index=True)
    quartier_id = Integer(null=True, default=None)
    aggregate = Varchar(length=100, null=True, default=None, index=True)  # DomainEvent.aggregate()
    payload = JSON()
    pending_plugins = JSON()  # names of plugins the event is still to be delivered to
    attempts = Integer(default=0)
    last_error = Text(default="")
    claimed_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    dispatched_at = Timestamptz(null=True, default=None, index=True)
