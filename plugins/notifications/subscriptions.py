"""Subscriptions without an account: a citizen hears about a Quartier's (or a series') new events by e-mail.

Double opt-in: nothing is sent but the confirmation request before the person opens its link; an
unconfirmed row is deleted after ``subscription_unconfirmed_days`` (the link expires with it).
Unsubscribing (one click, RFC 8058) erases the row and the mails sent to it. The digests go through
the outbox like every other mail, in the language the person subscribed in.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from core.plugin_api import (
    EMAIL_PATTERN, Event, EventDetail, Quartier, current, event_page_url, format_span, hit_rate_limit, in_language,
    plugin_gettext, public_event, transaction,
)
from plugins.notifications import messages, service
from plugins.notifications.tables import OutboxMessage, Subscription, SubscriptionNews

_ = plugin_gettext("notifications")  # the messages below are shown to the person in the request's language

FREQUENCIES = ("weekly", "instant")
WEEK = timedelta(days=7)


def consent_text() -> str:
    """The consent as the reader sees it (in their language); stored so with the subscription."""
    return _("Ich möchte per E-Mail über neue Veranstaltungen informiert werden. Dafür wird nur meine E-Mail-Adresse "
             "gespeichert; jede E-Mail enthält einen Link, mit dem ich das Abonnement sofort beende.")


class InvalidSubscription(ValueError):
    """A message per form field, in the reader's language."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def settings() -> Any:
    return service.settings()


def link(token: str, action: str) -> str:
    return f"{current().settings.base_url.rstrip('/')}/benachrichtigungen/abo/{token}/{action}"


def unsubscribe_headers(token: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{link(token, 'abbestellen')}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated"}


async def rate_limited(client: str) -> bool:
    limit = settings().subscription_rate_limit_per_minute
    return bool(limit) and await hit_rate_limit(f"subscription:{client}", 60) > limit


def validate(email: str, frequency: str, consent: bool) -> str:
    """The address as stored (trimmed, lower case); InvalidSubscription with a sentence per field."""
    email = email.strip().lower()
    errors = {}
    if not email:
        errors["email"] = _("Bitte geben Sie Ihre E-Mail-Adresse an.")
    elif len(email) > 300 or not EMAIL_PATTERN.match(email):
        errors["email"] = _("Bitte geben Sie eine gültige E-Mail-Adresse an.")
    if frequency not in FREQUENCIES:
        errors["frequency"] = _("Bitte wählen Sie, wie oft Sie Nachricht bekommen möchten.")
    if not consent:
        errors["consent"] = _("Bitte stimmen Sie der Speicherung Ihrer E-Mail-Adresse zu.")
    if errors:
        raise InvalidSubscription(errors)
    return email


async def series_exists(quartier_id: int, series_id: int) -> bool:
    return await Event.exists().where((Event.series == series_id) & (Event.quartier == quartier_id))


async def scope_name(quartier: Quartier, series_id: int | None, lang: str) -> str:
    """What the subscription is about, for its mails: the series' title (in ``lang``) or the Quartier's name."""
    if series_id is not None:
        first = await Event.select(Event.id).where((Event.series == series_id) & (Event.status == "published")).order_by(
            Event.starts_at).first()
        if first is not None:
            with in_language(lang):
                detail = await public_event(first["id"])
            if detail is not None:
                return detail.texts.title.text
    return quartier.name


async def subscribe(quartier: Quartier, series_id: int | None, email: str, frequency: str, consent: bool,
                    lang: str) -> None:
    """Ask the address to confirm. The same address again (same Quartier and series) adds nothing: while unconfirmed
    it gets the request once more (at most once a day); confirmed, nothing happens. The answer is the same either way."""
    email = validate(email, frequency, consent)
    key = f"{quartier.id}:{series_id or 0}:{hashlib.sha256(email.encode()).hexdigest()}"
    async with transaction():
        row = Subscription(quartier=quartier.id, series_id=series_id, email=email, key=key, frequency=frequency,
                           language=lang, token=secrets.token_urlsafe(32), consent_text=consent_text(),
                           consent_version=settings().subscription_consent_version)
        inserted = await Subscription.insert(row).on_conflict(target=Subscription.key, action="DO NOTHING").returning(
            Subscription.id)
        if inserted:
            row.id = inserted[0]["id"]
        else:
            row = await Subscription.objects().where(Subscription.key == key).first()
            if row.confirmed_at is not None:
                return
            # still unconfirmed: the latest request's choice and consent count; past its time, a new link
            row.frequency, row.language, row.consent_text, row.consent_version = (
                frequency, lang, consent_text(), settings().subscription_consent_version)
            if row.created_at < _expired_before():
                row.created_at, row.token = service.now(), secrets.token_urlsafe(32)
            await row.save()
        what = await scope_name(quartier, series_id, row.language)
        subject, text, html = await messages.render("subscription_confirm", row.language, {
            "what": messages.StaffText(what), "confirm_link": messages.Link(link(row.token, "bestaetigen")),
            "unsubscribe_url": messages.Link(link(row.token, "abbestellen")),
            "days": settings().subscription_unconfirmed_days, "quartier": await messages.quartier_context(quartier.id),
        }, quartier_id=quartier.id)
        await service.enqueue(recipient=email, kind="subscription_confirm", subject=subject, body_text=text, body_html=html,
                              headers=unsubscribe_headers(row.token), language=row.language, quartier_id=quartier.id,
                              idempotency_key=f"subscription:{row.id}:confirm:{row.token[:8]}:{service.now().date().isoformat()}")


def _expired_before() -> datetime:
    return service.now() - timedelta(days=settings().subscription_unconfirmed_days)


async def by_token(token: str) -> Subscription | None:
    """The subscription of a personal link; None for an unknown token or an unconfirmed one past its time."""
    if not token or len(token) > 64:
        return None
    row = await Subscription.objects().where(Subscription.token == token).first()
    if row is None or (row.confirmed_at is None and row.created_at < _expired_before()):
        return None
    return row


async def confirm(row: Subscription) -> None:
    """The person opened the link: from now on the digests tell them what is published after this moment."""
    latest = await SubscriptionNews.select(SubscriptionNews.id).order_by(SubscriptionNews.id, ascending=False).first()
    await Subscription.update({Subscription.confirmed_at: service.now(), Subscription.last_news_id: latest["id"] if latest else 0}).where(
        (Subscription.id == row.id) & Subscription.confirmed_at.is_null())


async def erase(row: Subscription) -> None:
    """Unsubscribed: the row and the mails to it are gone (DSGVO Art. 17)."""
    async with transaction():
        await OutboxMessage.delete().where(OutboxMessage.idempotency_key.like(f"subscription:{row.id}:%"))
        await Subscription.delete().where(Subscription.id == row.id)


async def forget_series(series_id: int) -> None:
    """The series was deleted: its subscriptions and the mails to them are erased."""
    for row in await Subscription.objects().where(Subscription.series_id == series_id):
        await erase(row)


async def record_news(event_id: int, quartier_id: int | None) -> None:
    """An event was published: the next digests may tell about it."""
    if quartier_id is None:
        return
    await SubscriptionNews.insert(SubscriptionNews(event_id=event_id, quartier_id=quartier_id)).on_conflict(
        target=SubscriptionNews.event_id, action="DO NOTHING")


def _due(row: Subscription, moment: datetime) -> bool:
    if row.frequency == "instant":
        return True
    return (row.last_sent_at or row.confirmed_at) <= moment - WEEK


async def send_digests(deployment: Any = None, quartiere: frozenset[int] | None = None) -> int:
    """One mail per due subscription with the events published since its last one (still ahead, still published)."""
    moment = service.now()
    query = Subscription.objects().where(Subscription.confirmed_at.is_not_null())
    if quartiere is not None:
        query = query.where(Subscription.quartier.is_in(list(quartiere) or [-1]))
    due = [row for row in await query.order_by(Subscription.id) if _due(row, moment)]
    if not due:
        return 0
    news = await SubscriptionNews.select().where(
        SubscriptionNews.id > min(row.last_news_id for row in due)).order_by(SubscriptionNews.id)
    events = {e.id: e for e in await Event.objects().where(
        Event.id.is_in([n["event_id"] for n in news] or [-1]) & (Event.status == "published") & (Event.ends_at >= moment))}
    details: dict[tuple[int, str], EventDetail | None] = {}  # (event, language): its texts in that language
    contexts: dict[int, dict[str, str]] = {}
    sent = 0
    for row in due:
        latest = max((n["id"] for n in news if n["quartier_id"] == row.quartier), default=row.last_news_id)
        picked = [events[n["event_id"]] for n in news if n["id"] > row.last_news_id and n["quartier_id"] == row.quartier
                  and n["event_id"] in events and (row.series_id is None or events[n["event_id"]].series == row.series_id)]
        items = []
        for event in sorted(picked, key=lambda e: e.starts_at):
            if (event.id, row.language) not in details:
                with in_language(row.language):
                    details[event.id, row.language] = await public_event(event.id)
            detail = details[event.id, row.language]
            if detail is not None:
                items.append({"title": messages.StaffText(detail.texts.title.text), "url": messages.Link(event_page_url(detail)),
                              "when": format_span(event.starts_at, event.ends_at, event.timezone, lang=row.language)})
        async with transaction():
            changes: dict[Any, Any] = {Subscription.last_news_id: max(latest, row.last_news_id)}
            if items:
                if row.quartier not in contexts:
                    contexts[row.quartier] = await messages.quartier_context(row.quartier)
                quartier = await Quartier.objects().where(Quartier.id == row.quartier).first()
                subject, text, html = await messages.render("subscription_digest", row.language, {
                    "what": messages.StaffText(await scope_name(quartier, row.series_id, row.language)),
                    "count": len(items), "events": items, "unsubscribe_url": messages.Link(link(row.token, "abbestellen")),
                    "quartier": contexts[row.quartier]}, quartier_id=row.quartier)
                sent += await service.enqueue(
                    recipient=row.email, kind="subscription_digest", subject=subject, body_text=text, body_html=html,
                    headers={**unsubscribe_headers(row.token), "Precedence": "bulk"}, language=row.language,
                    quartier_id=row.quartier, idempotency_key=f"subscription:{row.id}:digest:{latest}")
                changes[Subscription.last_sent_at] = moment
            await Subscription.update(changes).where(Subscription.id == row.id)
    return sent


async def purge(deployment: Any = None, quartiere: frozenset[int] | None = None) -> int:
    """The deletion rule: unconfirmed subscriptions past their time go, with their mails; so do those of a series that
    is gone (deleted while this plugin was off in its Quartier); old news (no personal data) too."""
    stale = await Subscription.select(Subscription.id).where(
        Subscription.confirmed_at.is_null() & (Subscription.created_at < _expired_before()))
    series = {row["series_id"] for row in await Subscription.select(Subscription.series_id).where(
        Subscription.series_id.is_not_null()).distinct()}
    if series:
        alive = {row["series"] for row in await Event.select(Event.series).where(Event.series.is_in(list(series)))}
        stale += await Subscription.select(Subscription.id).where(Subscription.series_id.is_in(list(series - alive) or [-1]))
    async with transaction():
        for row in stale:
            await OutboxMessage.delete().where(OutboxMessage.idempotency_key.like(f"subscription:{row['id']}:%"))
        await Subscription.delete().where(Subscription.id.is_in([row["id"] for row in stale] or [-1]))
        await SubscriptionNews.delete().where(SubscriptionNews.published_at < service.now() - 2 * WEEK)
    return len(stale)


async def counts(quartier_ids: set[int] | None) -> list[tuple[str, int, int]]:
    """(Quartier name, confirmed, unconfirmed) for each Quartier with subscriptions: staff see numbers, no addresses."""
    query = Subscription.select(Subscription.quartier.name, Subscription.confirmed_at)
    if quartier_ids is not None:
        query = query.where(Subscription.quartier.is_in(list(quartier_ids) or [-1]))
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in await query:
        found[row["quartier.name"]][0 if row["confirmed_at"] else 1] += 1
    return sorted((name, c, u) for name, (c, u) in found.items())
