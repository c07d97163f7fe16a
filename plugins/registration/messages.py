"""What people hear about their registration, through the messaging service (no import of the plugin that delivers).

Each message answers one of this plugin's domain events, or a change of the calendar event they registered for.
Idempotency keys start with ``service.message_prefix`` (``reg<id>:``), so erasing a registration erases its messages;
a reminder's key is ``reg<id>:reminder:<start>``, so a moved event gets a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from core.plugin_api import (
    Audience, AudienceMember, DomainEvent, Event, as_objects, EventCancelled, EventChanged, EventCopied, MessageRecipient,
    MessageRequest, MessageType, format_span, localize, send_message, texts_from, transaction, withdraw_messages,
)
from plugins.registration import domain_events as de
from plugins.registration import service
from plugins.registration.tables import ACTIVE_STATUSES, Registration

PLUGIN = "registration"
TEXTS = Path(__file__).parent / "messages"
EXAMPLE = {
    "event_title": "Netzwerktreff: Gute Nachbarschaft", "when": "Montag, 28. Dezember 2026, 14:00 – 17:00", "seats": 2, "position": 3,
    "needs_confirmation": True, "confirm_url": "https://quartier.example/anmeldung/BEISPIEL/bestaetigen",
    "view_url": "https://quartier.example/anmeldung/BEISPIEL", "cancel_url": "https://quartier.example/anmeldung/BEISPIEL/stornieren",
}


def _type(key: str, label: str, *variables: str, channels: tuple[str, ...] = ("email", "sms", "call"),
          calendar: bool = False) -> MessageType:
    every = ("event_title", "when", *variables)
    return MessageType(key=key, label=label, texts=texts_from(TEXTS, key), variables=every,
                       links=tuple(v for v in every if v.endswith("_url")), staff_texts=("event_title", "when"),
                       channels=channels, calendar=calendar, example={k: EXAMPLE[k] for k in every})


MESSAGE_TYPES = [
    _type("confirm_request", "Bitte bestätigen", "confirm_url", "cancel_url"),
    _type("registered", "Anmeldebestätigung", "seats", "view_url", "cancel_url", calendar=True),
    _type("waitlisted", "Warteliste", "position", "view_url", "cancel_url"),
    _type("promoted", "Nachgerückt", "needs_confirmation", "confirm_url", "view_url", "cancel_url", calendar=True),
    _type("cancelled", "Storniert"),
    _type("expired", "Abgelaufen"),
    # A call list entry a day before would only repeat the registration: reminders go by e-mail or SMS only.
    _type("reminder", "Erinnerung", "view_url", "cancel_url", channels=("email", "sms")),
    _type("event_changed", "Veranstaltung geändert", "view_url", calendar=True),
    _type("event_cancelled", "Veranstaltung abgesagt"),
]
KINDS = {
    de.RegistrationConfirmed: "registered", de.RegistrationPromoted: "promoted", de.RegistrationWaitlisted: "waitlisted",
    de.RegistrationCancelled: "cancelled", de.RegistrationExpired: "expired",
}
FIRST = {"unconfirmed": "confirm_request", "confirmed": "registered", "waitlisted": "waitlisted"}  # RegistrationCreated


@dataclass(frozen=True)
class About:
    """The calendar event a message is about, from this plugin's domain event or from the event's row."""

    event_id: int
    quartier_id: int | None
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    titles: dict[str, str] = field(default_factory=dict, compare=False)  # language -> title, asked once each

    async def title_in(self, lang: str) -> str:
        """The event's title in ``lang`` (its version there, else German)."""
        if lang not in self.titles:
            found = await localize("events", [{"id": self.event_id, "title": self.title}], ("title",), lang)
            self.titles[lang] = found[self.event_id].title.text
        return self.titles[lang]

    @classmethod
    def of(cls, source: Event | de.RegistrationEvent) -> About:
        if isinstance(source, de.RegistrationEvent):
            return cls(source.event, source.quartier_id, source.event_title, source.starts_at, source.ends_at, source.timezone)
        return cls(source.id, source.quartier, source.title, source.starts_at, source.ends_at, source.timezone)


async def _tell(key: str, cause: str, registration: int, to: MessageRecipient, about: About, links: dict[str, str],
                send_at: datetime | None = None, **context: object) -> None:
    if not (to.email or to.phone):
        return
    await send_message(MessageRequest(
        plugin=PLUGIN, key=key, idempotency_key=f"{service.message_prefix(registration)}{key}:{cause}", quartier_id=about.quartier_id, to=to,
        event_id=about.event_id, send_at=send_at, with_calendar=not context.get("needs_confirmation", False),
        context={"event_title": await about.title_in(to.language),
                 "when": format_span(about.starts_at, about.ends_at, about.timezone, lang=to.language), **links, **context},
    ))


async def _remind(registration: int, to: MessageRecipient, about: About, links: dict[str, str]) -> None:
    hours = service.settings().reminder_hours_before
    send_at = about.starts_at - timedelta(hours=hours)
    if hours and send_at > service.now():
        await _tell("reminder", about.starts_at.isoformat(), registration, to, about, links, send_at=send_at)


async def _withdraw_reminder(registration: int) -> None:
    await withdraw_messages(PLUGIN, f"{service.message_prefix(registration)}reminder:")


_EVENT_SQL = ("SELECT e.*, EXISTS (SELECT 1 FROM registrations r WHERE r.id = {} AND r.status = 'confirmed' "
              "AND r.anonymised_at IS NULL) AS still_confirmed FROM events e WHERE e.id = {}")


async def on_registration(event: de.RegistrationEvent) -> None:
    key = FIRST[event.status] if isinstance(event, de.RegistrationCreated) else KINDS.get(type(event))
    if key is None:  # checked in: nothing to say
        return
    to = MessageRecipient(name=event.person_name, email=event.email, phone=event.phone, language=event.language)
    links = {"view_url": event.view_url, "confirm_url": event.confirm_url, "cancel_url": event.cancel_url}
    # now: the event may have moved since; and whether the registration is still confirmed (events may come out of order)
    rows = await Event.raw(_EVENT_SQL, event.registration, event.event)
    confirmed = bool(rows[0].pop("still_confirmed")) if rows else await still_confirmed(event.registration)
    about = About.of(as_objects(Event, rows)[0]) if rows else About.of(event)
    await _tell(key, str(event.event_id), event.registration, to, about, links, seats=event.seats,
                position=event.waitlist_position, needs_confirmation=event.status == "unconfirmed")
    if key in ("cancelled", "expired", "waitlisted"):
        if not isinstance(event, de.RegistrationCreated):  # a new registration has no reminder to withdraw yet
            await _withdraw_reminder(event.registration)
    elif event.status == "confirmed" and confirmed:
        await _remind(event.registration, to, about, links)


async def on_calendar_event(event: EventChanged | EventCancelled) -> None:
    """The event changed or was cancelled: tell everyone registered, move or drop their reminders."""
    row = await Event.objects().where(Event.id == event.event).first()
    if row is None:
        return
    key = "event_cancelled" if isinstance(event, EventCancelled) else "event_changed"
    about = About.of(row)
    for reg in await active(row.id):
        to, links = recipient(reg), service.links(reg)
        await _withdraw_reminder(reg.id)
        await _tell(key, str(event.event_id), reg.id, to, about, links)
        if key == "event_changed" and reg.status == "confirmed":
            await _remind(reg.id, to, about, links)


async def on_domain_event(event: DomainEvent) -> None:
    async with transaction():
        if isinstance(event, de.RegistrationEvent):
            await on_registration(event)
        elif isinstance(event, (EventChanged, EventCancelled)):
            await on_calendar_event(event)
        elif isinstance(event, EventCopied):
            await service.copy_form(event.source, event.event)


async def still_confirmed(registration: int) -> bool:
    return await Registration.exists().where(
        (Registration.id == registration) & (Registration.status == "confirmed") & Registration.anonymised_at.is_null())


# -- who staff can write to ----------------------------------------------------------
async def active(event_id: int, statuses: tuple[str, ...] = ACTIVE_STATUSES) -> list[Registration]:
    return await Registration.objects().where(
        (Registration.event == event_id) & Registration.status.is_in(list(statuses)) & Registration.anonymised_at.is_null())


def recipient(reg: Registration) -> MessageRecipient:
    return MessageRecipient(name=reg.name, email=reg.email, phone=reg.phone, language=reg.language)


def _audience(key: str, label: str, statuses: tuple[str, ...]) -> Audience:
    async def members(event_id: int) -> list[AudienceMember]:
        return [AudienceMember(key=service.message_prefix(reg.id), to=recipient(reg)) for reg in await active(event_id, statuses)]

    return Audience(key=key, label=label, members=members)


AUDIENCES = [
    _audience("registered", "Angemeldete", ("confirmed", "unconfirmed")),
    _audience("waitlisted", "Warteliste", ("waitlisted",)),
    _audience("all", "Angemeldete und Warteliste", ACTIVE_STATUSES),
]
