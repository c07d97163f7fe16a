from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class ContentTranslation(Table, tablename="content_translations"):
    """One field of one row in one language other than German; unique per (owner, row_id, field, lang)."""

    owner = Varchar(length=60)  # the owning table's name, e.g. "events"
    row_id = Integer()
    field = Varchar(length=60)
    lang = Varchar(length=12)
    text = Text(default="")
    source_hash = Varchar(length=64, default="")  # digest of the German text this version was written from
    updated_at = Timestamptz(default=TimestamptzNow())
