"""Registration rules: expiry, promotion, companions, closing, consent proof, anonymisation, domain events."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from core.domain_events.tables import DomainEventRecord
from plugins.registration import service
from plugins.registration.service import InvalidRegistration, RegistrationInput, RegistrationRefused
from plugins.registration.tables import Registration, RegistrationForm
from tests.plugins.registration.helpers import NO_RATE_LIMIT, event_with_form


def data(i: int, **extra) -> RegistrationInput:
    return RegistrationInput(name=f"Person {i}", email=f"p{i}@example.org", consent=True, **extra)


async def taken(form_id: int) -> int:
    return (await RegistrationForm.objects().where(RegistrationForm.id == form_id).first()).taken


async def published_names() -> list[str]:
    return [r.name for r in await DomainEventRecord.objects().order_by(DomainEventRecord.id) if r.name.startswith("registration.")]


async def test_unconfirmed_registration_expires_and_frees_its_seat_for_the_next(make_deployment):
    await make_deployment(["registration"], sections=NO_RATE_LIMIT)
    _q, event, form = await event_with_form(capacity=1, double_opt_in=True)
    first = (await service.register(event.id, data(1))).registration
    second = (await service.register(event.id, data(2))).registration
    assert (first.status, second.status) == ("unconfirmed", "waitlisted")
    assert first.expires_at - first.created_at <= timedelta(hours=24, seconds=5)

    assert await service.expire_due(datetime.now(timezone.utc) + timedelta(hours=23)) == 0
    later = datetime.now(timezone.utc) + timedelta(hours=25)
    assert await service.expire_due(later, quartiere=frozenset({_q.id + 1})) == 0  # the job where registration is on
    assert await service.expire_due(later, quartiere=frozenset({_q.id})) == 1
    first = await Registration.objects().where(Registration.id == first.id).first()
    second = await Registration.objects().where(Registration.id == second.id).first()
    assert first.status == "expired"
    # The promoted person has not confirmed an e-mail address yet: the seat is held for them as unconfirmed.
    assert second.status == "unconfirmed" and second.expires_at is not None
    assert await taken(form.id) == 1
    assert "registration.expired" in await published_names() and "registration.promoted" in await published_names()


async def test_expiry_never_later_than_the_event_start(make_deployment):
    from core.events import service as events
    from tests.core.factories import make_quartier

    await make_deployment(["registration"])
    quartier = await make_quartier("nordstadt")
    start = datetime.now(timezone.utc) + timedelta(hours=2)
    event = await events.create_event(quartier_id=quartier.id, title="Gleich", slug="gleich", starts_at=start,
                                      ends_at=start + timedelta(hours=1))
    await events.publish_event(event.id)
    await service.ensure_form(event.id)
    reg = (await service.register(event.id, data(1))).registration
    assert reg.status == "unconfirmed" and reg.expires_at == event.starts_at


async def test_confirming_turns_the_held_seat_into_a_confirmed_one(make_deployment):
    await make_deployment(["registration"])
    _q, event, form = await event_with_form(capacity=3)
    reg = (await service.register(event.id, data(1))).registration
    reg = await service.confirm(reg)
    assert reg.status == "confirmed" and reg.email_confirmed_at and reg.expires_at is None
    assert await taken(form.id) == 1
    assert await published_names() == ["registration.created", "registration.confirmed"]
    assert await service.expire_due(datetime.now(timezone.utc) + timedelta(days=2)) == 0


async def test_companions_count_as_seats(make_deployment):
    await make_deployment(["registration"])
    _q, event, form = await event_with_form(capacity=4, max_companions=3, double_opt_in=False)
    party = (await service.register(event.id, data(1, companions=2))).registration
    assert party.seats == 3 and party.status == "confirmed"
    big = (await service.register(event.id, data(2, companions=2))).registration
    assert big.status == "waitlisted"  # 3 more seats do not fit into the 1 left
    single = (await service.register(event.id, data(3))).registration
    assert single.status == "confirmed"
    assert await taken(form.id) == 4
    with pytest.raises(InvalidRegistration) as info:
        await service.register(event.id, data(4, companions=4))
    assert info.value.errors == {"companions": "Höchstens 3 Begleitpersonen."}


async def test_raising_capacity_promotes_in_order(make_deployment):
    await make_deployment(["registration"])
    _q, event, form = await event_with_form(capacity=1, double_opt_in=False)
    regs = [(await service.register(event.id, data(i))).registration for i in range(4)]
    assert [r.status for r in regs] == ["confirmed", "waitlisted", "waitlisted", "waitlisted"]
    promoted = await service.set_capacity(form.id, 3)
    assert [r.id for r in promoted] == [regs[1].id, regs[2].id]
    assert await service.position(await Registration.objects().where(Registration.id == regs[3].id).first()) == 1
    with pytest.raises(service.RegistrationStateError):
        await service.set_capacity(form.id, 2)


async def test_closed_not_open_and_full_registrations_are_refused(make_deployment):
    await make_deployment(["registration"])
    now = datetime.now(timezone.utc)
    _q, event, form = await event_with_form(capacity=1, waitlist_enabled=False, double_opt_in=False)
    await service.register(event.id, data(1))
    with pytest.raises(RegistrationRefused) as info:
        await service.register(event.id, data(2))
    assert info.value.reason == "full"

    await RegistrationForm.update({RegistrationForm.closes_at: now - timedelta(minutes=1)}).where(RegistrationForm.id == form.id)
    with pytest.raises(RegistrationRefused, match="geschlossen"):
        await service.register(event.id, data(3))
    await RegistrationForm.update({RegistrationForm.closes_at: None, RegistrationForm.opens_at: now + timedelta(days=1)}).where(
        RegistrationForm.id == form.id)
    with pytest.raises(RegistrationRefused) as info:
        await service.register(event.id, data(4))
    assert info.value.reason == "not_open"
    # Staff can still take a phone registration when the online form is closed (here: full, waitlist off → refused)
    with pytest.raises(RegistrationRefused):
        await service.register(event.id, RegistrationInput(name="Anruferin", phone="05371 1234", consent=True), channel="phone")


async def test_consent_is_recorded_for_proof(make_deployment):
    await make_deployment(["registration"])
    _q, event, form = await event_with_form(consent_text="Ich willige ein (Version A).", consent_version="7")
    online = (await service.register(event.id, data(1))).registration

    class Staff:
        id, name = 42, "Ulrike Buka"

    phone = (await service.register(event.id, RegistrationInput(name="Herr Meier", phone="05371 99", consent=True),
                                    channel="phone", staff=Staff())).registration
    assert (online.consent_text, online.consent_version, online.consent_how) == ("Ich willige ein (Version A).", "7", "online")
    assert online.consent_at is not None
    assert phone.consent_how == "telefonisch, aufgenommen von Ulrike Buka" and phone.created_by == 42
    assert phone.status == "confirmed"  # nobody to send an e-mail to


async def test_anonymisation_after_the_deadline_keeps_counts(make_deployment):
    await make_deployment(["registration"])
    quartier, event, form = await event_with_form(days=-40, double_opt_in=False)  # ended 40 days ago
    from tests.core.factories import make_event

    recent = await make_event(quartier, "neulich", days=-5)
    recent_form = await service.ensure_form(recent.id, double_opt_in=False)
    kept = Registration(form=recent_form.id, event=recent.id, status="confirmed", name="Neu", email="neu@example.org",
                        token="tok-new")
    await kept.save()
    old = [Registration(form=form.id, event=event.id, status="confirmed", name=f"Alt {i}", email=f"alt{i}@example.org",
                        phone="0123", token=f"tok-old-{i}", answers=json.dumps({"x": "y"})) for i in range(3)]
    for reg in old:
        await reg.save()
    assert await service.anonymise_due(30) == 3
    assert (await Registration.objects().where(Registration.id == kept.id).first()).name == "Neu"  # within the deadline
    rows = await Registration.objects().where(Registration.event == event.id)
    assert {(r.name, r.email, r.phone, r.answers in ("{}", {})) for r in rows} == {("(gelöscht)", None, "", True)}
    assert all(r.anonymised_at is not None for r in rows)
    assert await service.counts(event.id) == {"confirmed": 3, "unconfirmed": 0, "waitlisted": 0, "checked_in": 0,
                                              "cancelled": 0, "expired": 0}
    assert await service.anonymise_due(30) == 0  # once only


async def test_cancelled_person_can_register_again(make_deployment):
    await make_deployment(["registration"])
    _q, event, _form = await event_with_form(double_opt_in=False)
    first = (await service.register(event.id, data(1))).registration
    await service.cancel(first)
    again = await service.register(event.id, data(1))
    assert again.created and again.registration.id != first.id


async def test_check_in_only_for_seat_holders_and_idempotent(make_deployment):
    await make_deployment(["registration"])
    _q, event, _form = await event_with_form(capacity=1, double_opt_in=False)
    seated = (await service.register(event.id, data(1))).registration
    waiting = (await service.register(event.id, data(2))).registration
    seated = await service.check_in(seated)
    assert seated.checked_in_at is not None
    assert (await service.check_in(seated)).checked_in_at == seated.checked_in_at
    with pytest.raises(service.RegistrationStateError):
        await service.check_in(waiting)
    assert (await service.counts(event.id))["checked_in"] == 1
    assert (await published_names()).count("registration.checked_in") == 1
