"""Registration rules: seats, waiting list, double opt-in, cancellation, check-in, anonymisation.

No HTTP here. A seat is taken by one conditional UPDATE of the form's seat
counter in the same transaction as the registration row (IMMEDIATE on SQLite),
which holds capacity exactly on SQLite and PostgreSQL under any concurrency.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import msgspec
from piccolo.query.functions.aggregate import Count as RowCount

from core.plugin_api import (
    Count, CountOutOfRange, Event, LocalText, Statement, any_of_param, any_of_statement, as_objects, change_count,
    contains_link, current, erase_domain_events, event_figures, hit_rate_limits, is_postgres, localize, plugin_gettext,
    prefixed_columns, publish, record_once, redact_audit, take_prefixed, transaction, withdraw_messages,
)
from plugins.registration import domain_events as de
from plugins.registration.tables import ACTIVE_STATUSES, SEAT_STATUSES, STATUSES, Registration, RegistrationForm

_ = plugin_gettext("registration")

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+()/ .-]{5,30}$")
QUESTION_TYPES = ("text", "choice", "number", "yesno")


def now() -> datetime:
    return datetime.now(timezone.utc)


class RegistrationInput(msgspec.Struct, forbid_unknown_fields=True):
    """What a citizen (or staff, for a phone call) submits."""

    name: str = ""
    email: str | None = None
    phone: str | None = None
    companions: Count = 0
    answers: dict[str, Any] = msgspec.field(default_factory=dict)
    consent: bool = False
    language: str = "de"


class InvalidRegistration(ValueError):
    """Field-level problems with the input; ``errors`` maps field names to German messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class RegistrationRefused(Exception):
    """A valid registration that cannot be taken: ``reason`` is closed, full, not_open, no_registration."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class TooManyMails(RegistrationRefused):
    """An online registration would mail its address, or mail from its client, more often than the settings allow.
    ``field`` is "email" when the address is the reason."""

    def __init__(self, reason: str, field: str = "") -> None:
        super().__init__(reason, REFUSALS[reason])
        self.field = field


class RegistrationStateError(ValueError):
    """A change that the registration's state does not allow (message for the user)."""


@dataclass
class Outcome:
    registration: Registration
    created: bool  # False: the same person had registered already (idempotent answer)
    waitlist_position: int | None = None


@dataclass
class Availability:
    open: bool
    reason: str
    capacity: int | None
    seats_taken: int
    seats_left: int | None
    waitlist_enabled: bool
    waitlist_length: int
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def settings():
    return current().settings_for("registration")


def default_consent_text() -> str:
    """The consent text of the settings, with the deletion deadline filled in."""
    return settings().consent_text.format(days=settings().anonymise_after_days)


# -- forms -------------------------------------------------------------------------
_FORM = Statement("SELECT * FROM registration_forms WHERE event = {} LIMIT 1")  # every event page reads it


async def form_for(event_id: int) -> RegistrationForm | None:
    rows = await _FORM.fetch(event_id)
    return as_objects(RegistrationForm, rows)[0] if rows else None


async def consent_text(form: RegistrationForm, lang: str | None = None) -> LocalText:
    """The form's consent text in ``lang`` (default: the reader's), German where it has no version in it."""
    return (await localize("registration_forms", [form], ("consent_text",), lang))[form.id].consent_text


async def ensure_form(event_id: int, **values: Any) -> RegistrationForm:
    form = await form_for(event_id)
    if form is None:
        values.setdefault("capacity", settings().default_capacity)
        values.setdefault("consent_text", default_consent_text())
        form = RegistrationForm(event=event_id, **values)
        await form.save()
    return form


COPIED_SETTINGS = ("enabled", "capacity", "waitlist_enabled", "double_opt_in", "max_companions", "phone_only_allowed",
                   "questions", "consent_text", "consent_version")


async def copy_form(source_event: int, copy_event: int) -> None:
    """A copied event gets the registration settings of its source (no registrations, no opening dates)."""
    form = await form_for(source_event)
    if form is not None and await form_for(copy_event) is None:
        await RegistrationForm(event=copy_event, **{name: getattr(form, name) for name in COPIED_SETTINGS}).save()


QUESTION_WORDS = {"text": "text", "zahl": "number", "auswahl": "choice", "janein": "yesno", "ja/nein": "yesno"}
TYPE_WORDS = {"text": "text", "number": "zahl", "choice": "auswahl", "yesno": "janein"}


def parse_questions(text: str) -> list[dict[str, Any]]:
    """Staff write one question per line: ``Frage | Typ | Pflicht | Antwort 1; Antwort 2``.

    Typ is text, zahl, auswahl or janein; Pflicht is "pflicht" or "optional".
    """
    result: list[dict[str, Any]] = []
    keys: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        label = parts[0]
        kind = QUESTION_WORDS.get((parts[1] if len(parts) > 1 else "text").lower())
        if not label or kind is None:
            raise ValueError(f"Zeile {number}: Bitte „Frage | Typ | Pflicht“ angeben; Typ ist text, zahl, auswahl oder janein.")
        required = len(parts) > 2 and parts[2].lower() in ("pflicht", "ja", "required")
        choices = [c.strip() for c in parts[3].split(";") if c.strip()] if len(parts) > 3 else []
        if kind == "choice" and not choices:
            raise ValueError(f"Zeile {number}: Für eine Auswahlfrage bitte die Antworten nach dem dritten „|“ angeben, getrennt durch „;“.")
        key = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:40] or f"frage-{number}"
        while key in keys:
            key += "-2"
        keys.add(key)
        result.append({"key": key, "label": label, "type": kind, "required": required, "choices": choices})
    return result


def questions_text(items: list[dict[str, Any]]) -> str:
    lines = []
    for q in items:
        line = f"{q['label']} | {TYPE_WORDS[q['type']]} | {'pflicht' if q.get('required') else 'optional'}"
        if q.get("choices"):
            line += " | " + "; ".join(q["choices"])
        lines.append(line)
    return "\n".join(lines)


def questions(form: RegistrationForm) -> list[dict[str, Any]]:
    value = form.questions
    return json.loads(value) if isinstance(value, str) else list(value or [])


def closes_at(form: RegistrationForm, event: Event) -> datetime:
    return min(form.closes_at, event.starts_at) if form.closes_at else event.starts_at


async def waitlist_length(form_id: int) -> int:
    return await Registration.count().where((Registration.form == form_id) & (Registration.status == "waitlisted"))


# The enabled forms of some events with their waiting counts (a series page lists up to 60 dates): one statement.
_FORMS_WAITING_SQL = ("SELECT f.*, CASE WHEN f.waitlist_seq > 0 THEN (SELECT count(*) FROM registrations r "
                      "WHERE r.form = f.id AND r.status = 'waitlisted') ELSE 0 END AS waiting "
                      "FROM registration_forms f WHERE f.enabled AND %s")
_FORMS_WAITING = any_of_statement(_FORMS_WAITING_SQL, "f.event")


async def forms_with_waiting(event_ids: list[int]) -> dict[int, tuple[RegistrationForm, int]]:
    """``{event id: (its enabled form, how many wait)}`` for those of ``event_ids`` that take registrations."""
    if not event_ids:
        return {}
    rows = await _FORMS_WAITING.fetch(any_of_param(event_ids))
    waiting = [row.pop("waiting") for row in rows]
    return {form.event: (form, int(count)) for form, count in zip(as_objects(RegistrationForm, rows), waiting)}


async def availability(event: Event, form: RegistrationForm | None, waiting: int | None = None) -> Availability:
    """``waiting``: the form's waiting count when the caller has read it (``forms_with_waiting``)."""
    if form is None or not form.enabled:
        return Availability(False, "no_registration", None, 0, None, False, 0)
    if waiting is None:
        waiting = await waitlist_length(form.id) if form.waitlist_seq else 0  # no number handed out: nobody waits
    left = None if form.capacity is None else max(0, form.capacity - form.taken)
    reason = _state(event, form)
    return Availability(reason == "open", reason, form.capacity, form.taken, left, form.waitlist_enabled, waiting,
                        form.opens_at, closes_at(form, event))


def _state(event: Event, form: RegistrationForm) -> str:
    """"open", or why an enabled form takes no registration now (no query: a registration needs no waiting count)."""
    moment = now()
    if event.status != "published":
        return "closed"
    if form.opens_at and moment < form.opens_at:
        return "not_open"
    if moment >= closes_at(form, event):
        return "closed"
    if form.capacity is not None and form.taken >= form.capacity and not form.waitlist_enabled:
        return "full"
    return "open"


REFUSALS = {
    "no_registration": "Für diese Veranstaltung ist keine Anmeldung vorgesehen.",
    "closed": "Die Anmeldung für diese Veranstaltung ist geschlossen.",
    "not_open": "Die Anmeldung ist noch nicht geöffnet.",
    "full": "Die Veranstaltung ist ausgebucht, und es gibt keine Warteliste.",
    "too_many_mails_to_address": "An diese E-Mail-Adresse haben wir in der letzten Stunde schon mehrere "
                                 "Bestätigungs-E-Mails geschickt. Bitte versuchen Sie es später noch einmal.",
    "too_many_mails_from_client": "Von Ihrem Anschluss kamen in der letzten Stunde sehr viele Anmeldungen. "
                                  "Bitte versuchen Sie es später noch einmal.",
}


# -- validation ----------------------------------------------------------------------
def validate(form: RegistrationForm, data: RegistrationInput, channel: str) -> RegistrationInput:
    """Check the input against the form's rules; raise InvalidRegistration with every problem."""
    errors: dict[str, str] = {}
    name = data.name.strip()
    email = normal_email(data.email)
    phone = (data.phone or "").strip()
    if not name:
        errors["name"] = "Bitte geben Sie Ihren Namen an."
    elif len(name) > 200:
        errors["name"] = "Der Name ist zu lang (höchstens 200 Zeichen)."
    elif contains_link(name):  # a name travels in our mails: it must not carry an address to click
        errors["name"] = "Bitte geben Sie nur Ihren Namen an, ohne Internetadresse."
    if email and not EMAIL.match(email):
        errors["email"] = "Bitte geben Sie eine gültige E-Mail-Adresse an."
    if phone and not PHONE.match(phone):
        errors["phone"] = "Bitte geben Sie eine gültige Telefonnummer an."
    if not email and "email" not in errors:
        if channel == "online" and not form.phone_only_allowed:
            errors["email"] = "Bitte geben Sie Ihre E-Mail-Adresse an."
        elif not phone and "phone" not in errors:
            errors["email"] = "Bitte geben Sie eine E-Mail-Adresse oder eine Telefonnummer an."
    if data.companions < 0 or data.companions > form.max_companions:
        errors["companions"] = (
            "Begleitpersonen sind bei dieser Veranstaltung nicht vorgesehen." if form.max_companions == 0
            else _("Höchstens {n} Begleitpersonen.").format(n=form.max_companions)
        )
    if not data.consent:
        errors["consent"] = "Bitte stimmen Sie der Verarbeitung Ihrer Angaben zu."
    answers: dict[str, Any] = {}
    for q in questions(form):
        key, value = q["key"], data.answers.get(q["key"])
        if value in (None, ""):
            if q.get("required"):
                errors[f"answers.{key}"] = "Bitte beantworten Sie diese Frage."
            continue
        kind = q.get("type", "text")
        if kind == "number":
            try:
                value = msgspec.convert(value, int, strict=False)
            except msgspec.ValidationError:
                errors[f"answers.{key}"] = "Bitte geben Sie eine Zahl an."
                continue
        elif kind == "yesno":
            try:
                value = msgspec.convert(value, bool, strict=False)
            except msgspec.ValidationError:
                errors[f"answers.{key}"] = "Bitte antworten Sie mit Ja oder Nein."
                continue
        elif kind == "choice":
            if str(value) not in [str(c) for c in q.get("choices", [])]:
                errors[f"answers.{key}"] = "Bitte wählen Sie eine der angebotenen Antworten."
                continue
            value = str(value)
        else:
            value = str(value).strip()
            if len(value) > 1000:
                errors[f"answers.{key}"] = "Die Antwort ist zu lang (höchstens 1000 Zeichen)."
                continue
        answers[key] = value
    unknown = set(data.answers) - {q["key"] for q in questions(form)}
    for key in sorted(unknown):
        errors[f"answers.{key}"] = "Diese Frage gibt es nicht."
    if errors:
        raise InvalidRegistration(errors)
    return RegistrationInput(name=name, email=email, phone=phone, companions=data.companions, answers=answers,
                             consent=True, language=data.language if data.language in current().settings.languages else current().settings.default_language)


# -- links and events -------------------------------------------------------------------
def links(reg: Registration) -> dict[str, str]:
    base = current().settings.base_url.rstrip("/")
    return {
        "view_url": f"{base}/anmeldung/{reg.token}",
        "confirm_url": f"{base}/anmeldung/{reg.token}/bestaetigen",
        "cancel_url": f"{base}/anmeldung/{reg.token}/stornieren",
    }


def message_prefix(registration: int) -> str:
    """The start of the idempotency key of every message about a registration (messages.py)."""
    return f"reg{registration}:"


async def position(reg: Registration) -> int | None:
    if reg.status != "waitlisted" or reg.waitlist_seq is None:
        return None
    return await Registration.count().where(
        (Registration.form == reg.form) & (Registration.status == "waitlisted") & (Registration.waitlist_seq <= reg.waitlist_seq)
    )


async def _publish(kind: type[de.RegistrationEvent], reg: Registration, reason: str = "", event: Event | None = None,
                   place: int | None = None) -> int | None:
    """Publish ``kind`` for the registration; returns its waiting-list position (``place``: known already)."""
    if event is None:
        event = await Event.objects().where(Event.id == reg.event).first()
    if place is None:
        place = await position(reg)
    await publish(kind(
        quartier_id=event.quartier, registration=reg.id, event=event.id, event_title=event.title,
        starts_at=event.starts_at, ends_at=event.ends_at, timezone=event.timezone, person_name=reg.name,
        email=reg.email, phone=reg.phone, language=reg.language, channel=reg.channel, status=reg.status,
        seats=reg.seats, waitlist_position=place, reason=reason, **links(reg),
    ))
    return place


# -- registering -------------------------------------------------------------------------
_TAKE_SEATS = Statement("UPDATE registration_forms SET taken = taken + {} WHERE id = {} "
                        "AND (capacity IS NULL OR taken + {} <= capacity) RETURNING id")


async def _take_seats(form_id: int, seats: int) -> bool:
    return bool(await _TAKE_SEATS.fetch(seats, form_id, seats))


async def _release_seats(form_id: int, seats: int) -> None:
    await RegistrationForm.update({RegistrationForm.taken: RegistrationForm.taken - seats}).where(RegistrationForm.id == form_id)


_NEXT_NUMBER = Statement("UPDATE registration_forms SET waitlist_seq = waitlist_seq + 1 WHERE id = {} "
                         "RETURNING waitlist_seq")
_NEXT_NUMBER_IF_FULL = Statement(
    "UPDATE registration_forms SET waitlist_seq = waitlist_seq + 1 WHERE id = {} AND waitlist_enabled = {} "
    "AND capacity IS NOT NULL AND taken + {} > capacity RETURNING waitlist_seq")


async def _next_waitlist_number(form_id: int, if_full_for: int | None = None) -> int | None:
    """The next waiting-list number. With ``if_full_for``: only if that many seats no longer fit and
    the form has a waiting list, else None."""
    if if_full_for is None:
        row = await _NEXT_NUMBER.fetchrow(form_id)
    else:
        row = await _NEXT_NUMBER_IF_FULL.fetchrow(form_id, True, if_full_for)
    return row["waitlist_seq"] if row else None


_REGISTER = Statement((
    f"SELECT e.*, {prefixed_columns(RegistrationForm, 'f')}, (SELECT r.id FROM registrations r WHERE r.form = f.id "
    "AND r.email = {} AND r.status IN (%s) LIMIT 1) AS existing_registration "
    "FROM events e LEFT JOIN registration_forms f ON f.event = e.id WHERE e.id = {}"
) % ", ".join(f"'{s}'" for s in ACTIVE_STATUSES))


def normal_email(value: str | None) -> str | None:
    """An address as registrations store it (trimmed, lower case); None for none."""
    return (value or "").strip().lower() or None


_INSERTED = [c._meta.db_column_name for c in Registration._meta.columns if c._meta.name != "id"]
_QUOTED = ", ".join(f'"{name}"' for name in _INSERTED)
# A new registration and, when it waits, its place on the list (those waiting with a smaller number, plus one) in one
# statement; the subquery does not count the new row on either database.
_INSERT = Statement(
    f"INSERT INTO registrations ({_QUOTED}) VALUES ({', '.join('{}' for _ in _INSERTED)}) "
    "RETURNING id, (SELECT count(*) FROM registrations w WHERE w.form = {} AND w.status = 'waitlisted' "
    "AND w.waitlist_seq < {}) AS ahead"
)


async def _insert(reg: Registration) -> int | None:
    """Store a new registration (``reg.id`` set); its waiting-list position, None when it has a seat."""
    values = [getattr(reg, name) for name in _INSERTED]
    row = await _INSERT.fetchrow(*values, reg.form, reg.waitlist_seq)
    reg.id, reg._exists_in_db = row["id"], True
    return row["ahead"] + 1 if reg.status == "waitlisted" and reg.waitlist_seq is not None else None


class _SeatsGone(Exception):
    """The seats free when the form was read went to others before this registration's seat UPDATE."""


async def _existing(form_id: int, email: str | None) -> Registration | None:
    if not email:
        return None
    return await Registration.objects().where(
        (Registration.form == form_id) & (Registration.email == email) & Registration.status.is_in(list(ACTIVE_STATUSES))
    ).first()


async def _count_mail(email: str, client: str | None) -> None:
    """Count a mail to an address nobody has confirmed yet, per address and per client; refuse beyond the limits.
    Called in the registration's transaction, so a refused registration counts nothing."""
    s = settings()
    per_address, per_client = s.confirm_mails_per_address_per_hour, s.confirm_mails_per_client_per_hour
    local, _at, domain = email.rpartition("@")
    mailbox = local.split("+", 1)[0] + "@" + domain  # name+1@ and name+2@ reach the same person
    address_key = "registration:mail-to:" + hashlib.sha256(mailbox.encode()).hexdigest()
    limits = [(address_key, per_address, "too_many_mails_to_address", "email")] if per_address else []
    if per_client and client:
        limits.append((f"registration:mail-from:{client}", per_client, "too_many_mails_from_client", ""))
    if not limits:
        return
    counts = await hit_rate_limits([key for key, *_ in limits], 3600)  # both counters in one statement
    for (_key, limit, reason, field_name), count in zip(limits, counts):
        if count > limit:
            raise TooManyMails(reason, field=field_name)


async def register(event_id: int, data: RegistrationInput, channel: str = "online", staff: Any = None,
                   client: str | None = None) -> Outcome:
    """Take a registration: a seat if there is one, else the waiting list, else refuse.
    ``client`` is the sender's network address (online registrations), for the mail limits."""
    # The event, its form and a registration of the same address already there, in one statement.
    rows = await _REGISTER.fetch(normal_email(data.email), event_id)
    if not rows:
        raise RegistrationRefused("no_registration", REFUSALS["no_registration"])
    existing_id = rows[0].pop("existing_registration")
    form = take_prefixed(RegistrationForm, rows[0])
    event = as_objects(Event, rows)[0]
    if form is None or not form.enabled:
        raise RegistrationRefused("no_registration", REFUSALS["no_registration"])
    if channel == "online" and (reason := _state(event, form)) != "open":
        raise RegistrationRefused(reason, REFUSALS.get(reason, REFUSALS["closed"]))
    clean = validate(form, data, channel)
    seats = 1 + clean.companions
    moment = now()
    # Checked before the write transaction, to keep it short; the unique index catches a double submit in between.
    existing = await _existing(form.id, clean.email) if existing_id is not None else None
    if existing is not None:
        return Outcome(existing, created=False, waitlist_position=await position(existing))
    shown_consent = await consent_text(form, clean.language)  # stored as the person saw it, in their language
    needs_opt_in = channel == "online" and form.double_opt_in and clean.email is not None
    how = "online" if channel == "online" else f"telefonisch, aufgenommen von {getattr(staff, 'name', 'Mitarbeitende')}"

    def row(status: str, seq: int | None) -> Registration:
        expires = None
        if status == "unconfirmed":
            expires = min(moment + timedelta(hours=settings().unconfirmed_hours), event.starts_at)
        return Registration(
            form=form.id, event=event_id, status=status, name=clean.name, email=clean.email, phone=clean.phone,
            companions=clean.companions, seats=seats, answers=json.dumps(clean.answers, ensure_ascii=False),
            language=clean.language, waitlist_seq=seq, token=secrets.token_urlsafe(32), channel=channel,
            created_by=getattr(staff, "id", None), consent_text=shown_consent.text,
            consent_version=form.consent_version, consent_how=how, consent_at=moment, expires_at=expires,
            confirmed_at=moment if status == "confirmed" else None,
            email_confirmed_at=None,
        )

    async def write(mode: str) -> tuple[Registration, int | None]:
        """``mode``: "seat_last" or "seat_first" (seats fitted when the form was read), or "waitlist_first"."""
        if channel == "online" and clean.email:  # every such registration mails an unconfirmed address
            await _count_mail(clean.email, client)
        seated_status = "unconfirmed" if needs_opt_in else "confirmed"
        if mode == "seat_last":
            # PostgreSQL, seats to spare: the row and its domain event first, the seat UPDATE last before COMMIT, so
            # the form row stays locked only briefly (the rush); seats gone meanwhile roll it all back.
            reg = row(seated_status, None)
            await _insert(reg)
            place = await _publish(de.RegistrationCreated, reg, event=event)
            if not await _take_seats(form.id, seats):
                raise _SeatsGone()
            return reg, place
        # Full when the form was read (or the seats ran out since): the waiting-list number of a full event, else
        # a seat that came free in between; the number goes into the row, so it comes first. "seat_first" (SQLite,
        # where a write transaction locks the whole database anyway, so nothing is gained by the seat last): the seat
        # UPDATE first, the number only when it finds none; nothing to roll back.
        seq = None if mode == "seat_first" else await _next_waitlist_number(form.id, if_full_for=seats)
        if seq is None and not await _take_seats(form.id, seats):
            if not form.waitlist_enabled:
                raise RegistrationRefused("full", REFUSALS["full"])
            seq = await _next_waitlist_number(form.id)  # the last seats went in between
        reg = row("waitlisted" if seq is not None else seated_status, seq)
        place = await _insert(reg)
        return reg, await _publish(de.RegistrationCreated, reg, event=event, place=place)

    mode = "waitlist_first"
    if form.capacity is None or form.taken + seats <= form.capacity:
        mode = "seat_last" if is_postgres() else "seat_first"
    try:
        try:
            async with transaction():
                reg, place = await write(mode)
        except _SeatsGone:
            async with transaction():
                reg, place = await write("waitlist_first")
        except Exception as exc:
            # PostgreSQL: a double submit whose halves lock the form row and the unique index in opposite order
            # (one seat-last, one waiting-list-first) ends one of them; again, it meets the other's row.
            if "deadlock" not in str(exc).lower():
                raise
            async with transaction():
                reg, place = await write("waitlist_first")
    except Exception as exc:
        # Two submissions of the same person at the same moment: the unique index
        # lets one in; the other answers with the registration that won.
        if "unique" not in str(exc).lower() or not clean.email:
            raise
        existing = await _existing(form.id, clean.email)
        if existing is None:
            raise
        return Outcome(existing, created=False, waitlist_position=await position(existing))
    return Outcome(reg, created=True, waitlist_position=place)


async def by_token(token: str) -> Registration | None:
    if not token or len(token) > 64:
        return None
    return await Registration.objects().where(Registration.token == token).first()


async def confirm(reg: Registration) -> Registration:
    """The person opened the link in the e-mail: the address is confirmed, and so is the seat."""
    async with transaction():
        fresh = await Registration.objects().where(Registration.id == reg.id).first()
        if fresh.status in ("cancelled", "expired"):
            raise RegistrationStateError("Diese Anmeldung ist nicht mehr gültig.")
        if fresh.email_confirmed_at is not None and fresh.status != "unconfirmed":
            return fresh
        moment = now()
        fresh.email_confirmed_at = moment
        if fresh.status == "unconfirmed":
            fresh.status, fresh.confirmed_at, fresh.expires_at = "confirmed", moment, None
        await fresh.save()
        if fresh.status == "confirmed":
            await _publish(de.RegistrationConfirmed, fresh)
    return fresh


async def promote(form_id: int, exclude: set[int] | None = None) -> list[Registration]:
    """Move people up from the waiting list while seats are free (inside the caller's transaction)."""
    promoted = []
    form = await RegistrationForm.objects().where(RegistrationForm.id == form_id).first()
    event = await Event.objects().where(Event.id == form.event).first()
    if event.starts_at <= now() or event.status == "cancelled":
        return promoted
    skipped: set[int] = set(exclude or ())
    while True:
        query = Registration.objects().where((Registration.form == form_id) & (Registration.status == "waitlisted"))
        if skipped:
            query = query.where(Registration.id.not_in(list(skipped)))
        candidate = await query.order_by(Registration.waitlist_seq).first()
        if candidate is None:
            break
        if not await _take_seats(form_id, candidate.seats):
            # A party too large for the free seats waits; a smaller one behind it does not move past it.
            break
        moment = now()
        needs_opt_in = candidate.channel == "online" and form.double_opt_in and candidate.email and not candidate.email_confirmed_at
        status = "unconfirmed" if needs_opt_in else "confirmed"
        claimed = await Registration.update({
            Registration.status: status,
            Registration.confirmed_at: None if needs_opt_in else moment,
            Registration.expires_at: min(moment + timedelta(hours=settings().unconfirmed_hours), event.starts_at) if needs_opt_in else None,
        }).where((Registration.id == candidate.id) & (Registration.status == "waitlisted")).returning(Registration.id)
        if not claimed:  # someone else moved this person meanwhile
            await _release_seats(form_id, candidate.seats)
            skipped.add(candidate.id)
            continue
        reg = await Registration.objects().where(Registration.id == candidate.id).first()
        await _publish(de.RegistrationPromoted, reg)
        promoted.append(reg)
    return promoted


async def cancel(reg: Registration, reason: str = "") -> Registration:
    """Cancel (by the person's link or by staff); a freed seat goes to the next in line."""
    async with transaction():
        fresh = await Registration.objects().where(Registration.id == reg.id).first()
        if fresh.status not in ACTIVE_STATUSES:
            raise RegistrationStateError("Diese Anmeldung ist bereits storniert oder abgelaufen.")
        rows = await Registration.update({Registration.status: "cancelled", Registration.cancelled_at: now(), Registration.expires_at: None}).where(
            (Registration.id == fresh.id) & (Registration.status == fresh.status)
        ).returning(Registration.id)
        if not rows:
            raise RegistrationStateError("Die Anmeldung wurde gerade geändert. Bitte laden Sie die Seite neu.")
        if fresh.status in SEAT_STATUSES:
            await _release_seats(fresh.form, fresh.seats)
        held_seats = fresh.status in SEAT_STATUSES
        fresh.status = "cancelled"
        await _publish(de.RegistrationCancelled, fresh, reason)
        if held_seats:
            await promote(fresh.form)
    return fresh


async def expire_due(moment: datetime | None = None, quartiere: frozenset[int] | None = None) -> int:
    """Unconfirmed registrations past their time lose their seat (only in ``quartiere``, if given); returns how many."""
    moment = moment or now()
    due = Registration.select(Registration.id).where(
        (Registration.status == "unconfirmed") & (Registration.expires_at <= moment)
    )
    if quartiere is not None:
        due = due.where(Registration.event.quartier.is_in(list(quartiere) or [-1]))
    count = 0
    for row in await due:
        async with transaction():
            taken = await Registration.update({Registration.status: "expired", Registration.expires_at: None}).where(
                (Registration.id == row["id"]) & (Registration.status == "unconfirmed")
            ).returning(Registration.seats, Registration.form)
            if not taken:
                continue
            await _release_seats(taken[0]["form"], taken[0]["seats"])
            reg = await Registration.objects().where(Registration.id == row["id"]).first()
            await _publish(de.RegistrationExpired, reg)
            await promote(reg.form)
            count += 1
    return count


async def set_capacity(form_id: int, capacity: int | None) -> list[Registration]:
    """Change the capacity; a raise promotes from the waiting list at once."""
    async with transaction():
        form = await RegistrationForm.objects().where(RegistrationForm.id == form_id).first()
        if capacity is not None and capacity < form.taken:
            raise RegistrationStateError(
                f"Es sind schon {form.taken} Plätze vergeben; die Kapazität kann nicht kleiner werden."
            )
        await RegistrationForm.update({RegistrationForm.capacity: capacity}).where(RegistrationForm.id == form_id)
        return await promote(form_id)


async def move_to_waitlist(reg: Registration) -> Registration:
    async with transaction():
        fresh = await Registration.objects().where(Registration.id == reg.id).first()
        if fresh.status not in SEAT_STATUSES:
            raise RegistrationStateError("Nur Anmeldungen mit Platz können auf die Warteliste gesetzt werden.")
        seq = await _next_waitlist_number(fresh.form)
        await Registration.update({Registration.status: "waitlisted", Registration.waitlist_seq: seq, Registration.expires_at: None}).where(
            Registration.id == fresh.id)
        await _release_seats(fresh.form, fresh.seats)
        fresh = await Registration.objects().where(Registration.id == fresh.id).first()
        await _publish(de.RegistrationWaitlisted, fresh)
        # The freed seat goes to whoever waited before, not to the next newcomer nor straight back.
        await promote(fresh.form, exclude={fresh.id})
    return fresh


async def admit(reg: Registration) -> Registration:
    """Staff give a waiting person a seat now, even beyond capacity (their decision)."""
    async with transaction():
        fresh = await Registration.objects().where(Registration.id == reg.id).first()
        if fresh.status != "waitlisted":
            raise RegistrationStateError("Nur Personen auf der Warteliste können nachrücken.")
        await RegistrationForm.update({RegistrationForm.taken: RegistrationForm.taken + fresh.seats}).where(RegistrationForm.id == fresh.form)
        await Registration.update({Registration.status: "confirmed", Registration.confirmed_at: now()}).where(Registration.id == fresh.id)
        fresh = await Registration.objects().where(Registration.id == fresh.id).first()
        await _publish(de.RegistrationPromoted, fresh)
    return fresh


async def check_in(reg: Registration, present: bool = True) -> Registration:
    async with transaction():
        fresh = await Registration.objects().where(Registration.id == reg.id).first()
        if fresh.status not in SEAT_STATUSES:
            raise RegistrationStateError("Nur angemeldete Personen können eingecheckt werden.")
        if present == (fresh.checked_in_at is not None):
            return fresh
        fresh.checked_in_at = now() if present else None
        await Registration.update({Registration.checked_in_at: fresh.checked_in_at}).where(Registration.id == fresh.id)
        try:
            await change_count(PLUGIN, fresh.event, "checked_in", fresh.seats if present else -fresh.seats)
        except CountOutOfRange:
            if present:
                raise
            # checked in before figures were kept: there is nothing counted to take back
        if present:
            await _publish(de.RegistrationCheckedIn, fresh)
    return fresh


ANONYMOUS = "(gelöscht)"


async def erase(reg: Registration) -> None:
    """Remove one person's data on request (DSGVO Art. 17); counts and statuses stay for statistics.

    Copies elsewhere go too: the staff audit log's entries about the registration,
    the stored domain events that carried the name and address, and the messages sent or queued.
    """
    await redact_audit("registrations", reg.id)
    await erase_domain_events("registration.", "registration", reg.id)
    await withdraw_messages("registration", message_prefix(reg.id), erase=True)
    event = await Event.objects().where(Event.id == reg.event).first()
    await publish(de.RegistrationErased(quartier_id=event.quartier if event else None, registration=reg.id, event=reg.event))
    await Registration.update({
        Registration.name: ANONYMOUS, Registration.email: None, Registration.phone: "", Registration.answers: "{}",
        Registration.token: "erased-" + secrets.token_hex(16), Registration.anonymised_at: now(),
    }).where(Registration.id == reg.id)


async def anonymise_due(days: int | None = None, moment: datetime | None = None) -> int:
    """Erase personal data of registrations whose event ended more than ``days`` ago."""
    days = settings().anonymise_after_days if days is None else days
    cutoff = (moment or now()) - timedelta(days=days)
    ended = await Event.select(Event.id).where(Event.ends_at < cutoff)
    ids = [row["id"] for row in ended]
    if not ids:
        return 0
    await record_registered(ids)
    rows = await Registration.objects().where(Registration.event.is_in(ids) & Registration.anonymised_at.is_null())
    for reg in rows:
        await erase(reg)
    return len(rows)


# -- anonymous figures for reports (no person, per event) --------------------------------------
PLUGIN = "registration"
AGE_GROUPS = ("u14", "14-17", "18-64", "65+")


def age_groups() -> list[tuple[str, str]]:
    """The walk-in counter's optional age groups, (key, label in the current language)."""
    return list(zip(AGE_GROUPS, (_("Kinder (bis 13)"), _("Jugendliche (14–17)"), _("Erwachsene (18–64)"), _("Ältere (ab 65)"))))


async def registered_seats(event_ids: list[int]) -> dict[int, int]:
    """Seats held per event by the people still registered (confirmed or awaiting confirmation)."""
    rows = await Registration.select(Registration.event, Registration.seats).where(
        Registration.event.is_in(event_ids or [-1]) & Registration.status.is_in(list(SEAT_STATUSES)))
    seats: dict[int, int] = {}
    for row in rows:
        seats[row["event"]] = seats.get(row["event"], 0) + row["seats"]
    return seats


async def record_registered(event_ids: list[int]) -> None:
    """At the deletion deadline: keep each event's number of registered people as an anonymous figure (once)."""
    done = {row["event"] for row in await event_figures(PLUGIN, event_ids, kinds=("registered",))}
    todo = [event_id for event_id in event_ids if event_id not in done]
    seats = await registered_seats(todo)
    for event_id in todo:
        await record_once(PLUGIN, event_id, "registered", seats.get(event_id, 0))


async def count_walk_in(event_id: int, delta: int, age_group: str = "", first_time: bool = False) -> int:
    """Count a person who came without registering (delta 1) or take a miscount back (-1); the new count of that group.
    Raises ``CountOutOfRange`` below zero."""
    return await change_count(PLUGIN, event_id, "walk_in", delta, age_group=age_group, first_time=first_time)


async def walk_ins(event_id: int) -> list[dict[str, Any]]:
    """The walk-in counts of an event by age group and first time (rows with a count only)."""
    return [row for row in await event_figures(PLUGIN, [event_id], kinds=("walk_in",)) if row["count"]]


async def taken_by_status() -> dict[tuple[str, str], int]:
    """Registrations stored, by (status, channel); every status appears (0 where none), for the metrics."""
    rows = await Registration.select(Registration.status, Registration.channel, RowCount()).group_by(
        Registration.status, Registration.channel)
    found = {(row["status"], row["channel"]): row["count"] for row in rows}
    return {(status, "online"): 0 for status in STATUSES} | found


async def counts(event_id: int) -> dict[str, int]:
    """Seats and people per status, for the dashboard and lists."""
    rows = await Registration.select(Registration.status, Registration.seats, Registration.checked_in_at).where(
        Registration.event == event_id)
    result = {"confirmed": 0, "unconfirmed": 0, "waitlisted": 0, "checked_in": 0, "cancelled": 0, "expired": 0}
    for row in rows:
        result[row["status"]] = result.get(row["status"], 0) + row["seats"]
        if row["checked_in_at"] is not None:
            result["checked_in"] += row["seats"]
    return result
