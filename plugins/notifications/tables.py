from piccolo.columns import JSON, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.plugin_api import Quartier

STATUSES = ("pending", "sending", "sent", "failed", "cancelled")


class OutboxMessage(Table, tablename="notification_outbox"):
    """One message to one recipient over one channel; written in the transaction of its cause."""

    channel = Varchar(length=40, default="email")
    recipient = Varchar(length=300)
    kind = Varchar(length=60)
    language = Varchar(length=12, default="de")
    subject = Varchar(length=300, default="")
    body_text = Text(default="")
    body_html = Text(default="")
    headers = JSON(default="{}")
    calendar = Text(default="")  # an iCalendar attachment (text/calendar; method=PUBLISH)
    idempotency_key = Varchar(length=300, unique=True)  # cause + recipient: never twice for the same cause
    status = Varchar(length=20, default="pending", index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    claimed_until = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    quartier_id = Integer(null=True, default=None, index=True)
    event_id = Integer(null=True, default=None, index=True)
    person = Varchar(length=200, default="")  # name shown in the delivery log
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)


class Announcement(Table, tablename="notification_announcements"):
    """A message from staff to everyone registered (or waiting) for an event."""

    event = Integer(index=True)
    quartier_id = Integer(null=True, default=None, index=True)
    subject = Varchar(length=200)
    body = Text()
    audience = Varchar(length=100, default="")  # <plugin>.<key> of a declared Audience
    status = Varchar(length=20, default="draft")  # draft, sent
    created_by = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)


class Unsubscribe(Table, tablename="notification_unsubscribes"):
    """Addresses that want no announcements (transactional mail about their own registration still goes out)."""

    email_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class MessageTemplate(Table, tablename="notification_templates"):
    """A text staff changed in the UI; replaces the shipped default of its kind and language.

    Without a Quartier it is the deployment's default (admins edit it); with one, that Quartier's own
    version. At most one per (kind, language, Quartier): a unique index on (kind, language, coalesce(quartier, 0)).
    """

    kind = Varchar(length=60)
    language = Varchar(length=12, default="de")
    quartier = ForeignKey(references=Quartier, null=True, default=None, on_delete=OnDelete.cascade)
    text = Text()  # first line "Betreff: ..." (or "Subject: ..."), then the body
    updated_at = Timestamptz(default=TimestamptzNow())


class ModerationNotice(Table, tablename="notification_moderation_notices"):
    """Something waiting for moderators, collected until the next digest."""

    quartier_id = Integer(null=True, default=None, index=True)
    summary = Text()
    url = Varchar(length=300, default="")
    roles = Varchar(length=200, default="staff")  # comma-separated staff roles to tell (StaffAttention.roles)
    created_at = Timestamptz(default=TimestamptzNow())
    digested_at = Timestamptz(null=True, default=None, index=True)


class AppriseTarget(Table, tablename="notification_apprise_targets"):
    """An operator-configured Apprise URL (SMS gateway, Matrix or Signal room...); stored encrypted."""

    name = Varchar(length=100)
    purpose = Varchar(length=20, default="sms")  # sms: phone-only registrants ({phone} in the URL); moderation: digests
    quartier_id = Integer(null=True, default=None)  # None: every Quartier
    url_encrypted = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class Subscription(Table, tablename="notification_subscriptions"):
    """A citizen's wish to hear about a Quartier's new events (or one series'), by e-mail, without an account.

    Personal data: unconfirmed rows are deleted after ``subscription_unconfirmed_days``, unsubscribing erases the row.
    """

    quartier = ForeignKey(references=Quartier, on_delete=OnDelete.cascade, index=True)
    series_id = Integer(null=True, default=None, index=True)  # None: every new event of the Quartier
    email = Varchar(length=300)
    key = Varchar(length=120, unique=True)  # Quartier, series and the address's hash: one row per address and scope
    frequency = Varchar(length=10, default="weekly")  # weekly, instant
    language = Varchar(length=12, default="de")  # the language the person subscribed in: their mails are in it
    token = Varchar(length=64, unique=True)  # the personal links (confirm, unsubscribe)
    consent_text = Text(default="")  # as the person saw it, in their language
    consent_version = Varchar(length=40, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    confirmed_at = Timestamptz(null=True, default=None)
    last_news_id = Integer(default=0)  # the news up to this one were mailed (or published before confirming)
    last_sent_at = Timestamptz(null=True, default=None)


class SubscriptionNews(Table, tablename="notification_subscription_news"):
    """An event published since: the digests tell subscribers about it. No personal data."""

    event_id = Integer(unique=True)
    quartier_id = Integer(index=True)
    published_at = Timestamptz(default=TimestamptzNow())
