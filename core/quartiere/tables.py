from piccolo.columns import OnDelete, Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Quartier(Table, tablename="quartiere"):
    name = Varchar(length=200)
    slug = Varchar(length=100, unique=True, index=True)
    description = Text(default="")
    office = Varchar(length=200, default="")  # the Quartiersmanagement running it
    contact_phone = Varchar(length=60, default="")
    contact_email = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class QuartierPlugin(Table, tablename="quartier_plugins"):
    """A runtime switch; a loaded plugin without a row is on."""

    quartier = ForeignKey(references=Quartier, on_delete=OnDelete.cascade, index=True)
    plugin = Varchar(length=100)
    enabled = Boolean(default=True)
