"""SQL statements a registration sends before its answer (issue 18's targets), counted by the app's counter."""

from __future__ import annotations

from core.db import is_postgres, statements
from plugins.registration.tables import RegistrationForm
from tests.plugins.registration.helpers import NO_RATE_LIMIT, event_with_form, person

NO_MAIL_LIMITS = {"registration": {**NO_RATE_LIMIT["registration"], "confirm_mails_per_client_per_hour": 0}}


def before(folder, key: str) -> tuple[int, int]:
    """(requests, statements before their responses) under ``key`` so far."""
    statements.flush()
    tally = statements.read_totals(folder).get(key, {"requests": 0, "before": 0})
    return tally["requests"], tally["before"]


async def test_a_registration_a_waitlisted_one_and_a_refusal_stay_within_their_statements(make_client, counting):
    async with make_client(["registration"], sections=NO_MAIL_LIMITS, settle=False) as client:
        _q, event, form = await event_with_form(capacity=1, double_opt_in=False)
        url = f"/api/events/{event.id}/registrations"
        assert (await client.post(url, json=person(1))).json()["status"] == "confirmed"
        # The Quartier with its switches; the event with its form and duplicate check; BEGIN, seat, INSERT,
        # domain event, COMMIT.
        assert before(counting, "POST 201") == (1, 7)
        # Full: the waiting-list number before the INSERT (which also counts the position for the answer), no seat.
        assert (await client.post(url, json=person(2))).json()["status"] == "waitlisted"
        assert before(counting, "POST 201") == (2, 14)
        await RegistrationForm.update({RegistrationForm.waitlist_enabled: False}).where(RegistrationForm.id == form.id)
        refused = await client.post(url, json=person(3))
        assert refused.status_code == 409 and "ausgebucht" in refused.json()["detail"]
        assert before(counting, "POST 409") == (1, 2)  # the event's Quartier with its switches; the event with its form


async def test_the_series_page_reads_the_forms_and_waiting_lists_of_all_its_dates_in_one_statement(make_client, counting):
    from core.events.series import create_series
    from core.events.tables import Event
    from core.testing.fixtures import deliver_pending_events

    async with make_client(["registration"], sections=NO_MAIL_LIMITS, settle=False) as client:
        _q, event, _form = await event_with_form(capacity=1, double_opt_in=False)
        series = await create_series(event.id, "weekly", None, 4, "")
        await deliver_pending_events()  # each copied date gets its form
        dates = await Event.objects().where(Event.series == series.id)
        url = f"/nordstadt/reihen/{series.id}-{series.slug}"
        nobody_waits = await client.get(url)
        assert nobody_waits.status_code == 200 and nobody_waits.text.count("Noch 1 Platz frei.") == 4
        _requests, first = before(counting, "GET 200")
        for i, date in enumerate(dates):
            for n in (2 * i, 2 * i + 1):  # one takes the seat, one waits
                assert (await client.post(f"/api/events/{date.id}/registrations", json=person(n))).status_code == 201
        four_wait = await client.get(url)
        assert four_wait.text.count("1 Person wartet bereits.") == 4
        # The same statements as before anyone waited: no waiting-list count per date.
        assert before(counting, "GET 200") == (2, 2 * first)


async def test_seats_gone_since_the_read_cost_a_rollback_on_postgres_only(make_client, counting, monkeypatch):
    """SQLite takes the seat first (its write transaction locks the whole database anyway): seats gone since the form
    was read cost one waiting-list number, nothing rolls back. PostgreSQL takes it last and rolls back."""
    from core.domain_events.tables import DomainEventRecord
    from plugins.registration import service
    from plugins.registration.tables import Registration

    async with make_client(["registration"], sections=NO_MAIL_LIMITS, settle=False) as client:
        _q, event, form = await event_with_form(capacity=1, double_opt_in=False)
        await RegistrationForm.update({RegistrationForm.taken: 1}).where(RegistrationForm.id == form.id)
        read = service.take_prefixed

        def stale(table, row):  # the form as read just before someone else took the last seat
            found = read(table, row)
            if table is RegistrationForm:
                found.taken = 0
            return found

        monkeypatch.setattr(service, "take_prefixed", stale)
        events_before = await DomainEventRecord.count()
        answer = (await client.post(f"/api/events/{event.id}/registrations", json=person(1))).json()
        assert answer["status"] == "waitlisted" and answer["waitlist_position"] == 1
        # no half-written row, one domain event
        rows = await Registration.select(Registration.status).where(Registration.form == form.id)
        assert [r["status"] for r in rows] == ["waitlisted"]
        assert await DomainEventRecord.count() == events_before + 1
        # SQLite: BEGIN, seat (none), number, INSERT, domain event, COMMIT. PostgreSQL: BEGIN, INSERT, domain event,
        # seat (none), ROLLBACK; BEGIN, number, INSERT, domain event, COMMIT.
        assert before(counting, "POST 201") == (1, 2 + (10 if is_postgres() else 6))


async def test_both_mail_limits_are_counted_in_one_statement(make_client, counting):
    limits = {"registration": {"rate_limit_per_minute": 0, "confirm_mails_per_address_per_hour": 5,
                               "confirm_mails_per_client_per_hour": 50}}
    async with make_client(["registration"], sections=limits, settle=False) as client:
        _q, event, _form = await event_with_form(capacity=5, double_opt_in=False)
        assert (await client.post(f"/api/events/{event.id}/registrations", json=person(1))).status_code == 201
        assert before(counting, "POST 201") == (1, 7 + 1)  # one upsert counts the address and the client
