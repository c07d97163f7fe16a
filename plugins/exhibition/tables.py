from piccolo.columns import JSON, Boolean, Bytea, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.plugin_api import Event, Quartier

# draft -> published -> archived (and back to draft); only published is public
PUBLISH_STATES = ("draft", "published", "archived")
# pending: waits for a moderator; approved: public; rejected: with a reason; hidden: was public, taken down
CONTRIBUTION_STATES = ("pending", "approved", "rejected", "hidden")


class Exhibition(Table, tablename="exhibitions"):
    quartier = ForeignKey(references=Quartier, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=200)
    slug = Varchar(length=120)
    introduction = Text(default="")
    status = Varchar(length=20, default="draft", index=True)
    published_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class ExhibitionEvent(Table, tablename="exhibition_events"):
    """The events an exhibition is shown at."""

    exhibition = ForeignKey(references=Exhibition, on_delete=OnDelete.cascade, index=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, index=True)


class Exhibit(Table, tablename="exhibits"):
    exhibition = ForeignKey(references=Exhibition, on_delete=OnDelete.cascade, index=True)
    position = Integer(default=0)
    title = Varchar(length=200)
    body = Text(default="")
    status = Varchar(length=20, default="draft")
    created_at = Timestamptz(default=TimestamptzNow())


class ExhibitImage(Table, tablename="exhibit_images"):
    """An uploaded image: the original (metadata stripped) and WebP variants, stored under ``key``."""

    exhibit = ForeignKey(references=Exhibit, on_delete=OnDelete.cascade, index=True)
    position = Integer(default=0)
    key = Varchar(length=64, unique=True)
    format = Varchar(length=10)  # of the original: jpeg, png, webp
    width = Integer()
    height = Integer()
    variants = JSON(default="[]")  # widths of the WebP variants
    size_bytes = Integer(default=0)
    alt_text = Varchar(length=300)
    caption = Varchar(length=300, default="")
    credit = Varchar(length=200, default="")
    licence = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class GuidingQuestion(Table, tablename="guiding_questions"):
    """A Leitfrage, asked at an exhibition or at an event (or both)."""

    quartier = ForeignKey(references=Quartier, on_delete=OnDelete.cascade, index=True)
    exhibition = ForeignKey(references=Exhibition, on_delete=OnDelete.cascade, null=True, default=None, index=True)
    event = ForeignKey(references=Event, on_delete=OnDelete.cascade, null=True, default=None, index=True)
    text = Varchar(length=300)
    position = Integer(default=0)
    moderation = Varchar(length=10, default="pre")  # pre: shown after approval; post: shown at once, reviewed after
    open = Boolean(default=True)  # accepts contributions
    created_at = Timestamptz(default=TimestamptzNow())


class Contribution(Table, tablename="contributions"):
    question = ForeignKey(references=GuidingQuestion, on_delete=OnDelete.cascade, index=True)
    quartier = ForeignKey(references=Quartier, on_delete=OnDelete.cascade, index=True)
    text = Text()
    author_name = Varchar(length=80, default="")
    # only to tell the contributor when it is published; removed when that message is on its way or it is rejected
    notify_email = Varchar(length=200, null=True, default=None)
    language = Varchar(length=12, default="de")
    status = Varchar(length=20, index=True)
    reviewed = Boolean(default=False)  # a moderator looked at it (post-moderation shows it before that)
    flags = Varchar(length=300, default="")  # what the word filter found
    highlighted = Boolean(default=False)
    on_paper = Boolean(default=False)  # written on a paper card, entered by staff
    reject_reason = Varchar(length=300, default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    decided_at = Timestamptz(null=True, default=None)
    decided_by = Integer(null=True, default=None)


class MediaFile(Table, tablename="exhibition_media_files"):
    """A media file in the database storage (``storage = "database"``); its bytes are in ``MediaChunk`` rows."""

    name = Varchar(length=120, unique=True)  # <key>/original.jpeg, <key>/960.webp
    key = Varchar(length=64, index=True)  # the ExhibitImage key it belongs to
    size_bytes = Integer()
    sha256 = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())


class MediaChunk(Table, tablename="exhibition_media_chunks"):
    """A piece of a media file (at most ``storage.CHUNK`` bytes): read and written one piece at a time."""

    file = ForeignKey(references=MediaFile, on_delete=OnDelete.cascade)
    part = Integer()  # 0, 1, ...; unique per file (index in the migration)
    data = Bytea()
