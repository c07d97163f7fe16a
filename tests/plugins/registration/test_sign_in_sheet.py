"""The sign-in sheet: an A4 PDF of the confirmed people by name, then empty rows, through HTTP."""

from __future__ import annotations

from core.testing.fixtures import ensure_quartiere
from core.testing.pdf import flat, read_pdf
from plugins.registration import service
from plugins.registration.service import RegistrationInput
from plugins.registration.tables import Registration
from tests.core.factories import make_event

PLUGINS = ["registration"]


async def _event(quartier: str = "nordstadt", slug: str = "treff", **form):
    (row,) = await ensure_quartiere([quartier])
    event = await make_event(row, slug)
    await service.ensure_form(event.id, **form)
    return event


async def _register(event_id: int, name: str, channel: str = "phone", **values) -> Registration:
    data = RegistrationInput(name=name, consent=True, **({"phone": "05371 1234"} | values))
    return (await service.register(event_id, data, channel=channel)).registration


async def test_sign_in_sheet_lists_confirmed_people_by_name_then_empty_rows(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event = await _event(capacity=4, max_companions=2)
        await _register(event.id, "Zeynep Yılmaz", phone="0176 555", companions=1)
        await _register(event.id, "Anna Schmidt")
        gone = await _register(event.id, "Bernd Storno")
        await service.cancel(gone)
        await _register(event.id, "Olga Петренко")
        await _register(event.id, "Wartende Person")  # capacity 4 with Zeynep's companion: waiting list
        await _register(event.id, "Unbestätigte Person", channel="online", phone=None, email="u@example.org")
        assert {r.name: r.status for r in await Registration.objects().where(Registration.event == event.id)}["Wartende Person"] == "waitlisted"

        assert "/anwesenheitsliste.pdf" in (await client.get(f"/staff/anmeldungen/{event.id}/liste")).text
        response = await client.get(f"/staff/anmeldungen/{event.id}/anwesenheitsliste.pdf")
        assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
        assert 'filename="anwesenheitsliste-treff.pdf"' in response.headers["content-disposition"]
        [page] = read_pdf(response.content)
        text = flat(page.text)
        assert (page.width_mm, page.height_mm) == (210, 297)
        assert "Anwesenheitsliste: Treffen treff" in text and "Treff-PUNKT 53, Hauptstraße 1, 38518 Gifhorn" in text
        assert "Unterschrift" in text and "Seite 1 von 1" in text
        assert "Telefon" not in text and "0176 555" not in text  # phone numbers only when asked
        # confirmed people by name; cancelled, waiting and unconfirmed people not
        assert "1 Anna Schmidt 2 Olga Петренко 3 Zeynep Yılmaz (+1)" in text
        for absent in ("Bernd Storno", "Wartende Person", "Unbestätigte Person"):
            assert absent not in text
        assert "13" in text.split() and "14" not in text.split()  # ten empty rows after three people

        with_phone = read_pdf((await client.get(f"/staff/anmeldungen/{event.id}/anwesenheitsliste.pdf?telefon=1&leer=0")).content)
        text = flat(with_phone[0].text)
        assert "Telefon" in text and "3 Zeynep Yılmaz (+1) 0176 555" in text and "4" not in text.split()


async def test_long_sheet_runs_over_pages_with_numbers_and_headings(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event = await _event()
        for i in range(30):
            await _register(event.id, f"Person {i:02d}")
        pages = read_pdf((await client.get(f"/staff/anmeldungen/{event.id}/anwesenheitsliste.pdf?leer=60")).content)
        assert len(pages) >= 3
        for number, page in enumerate(pages, start=1):
            assert f"Seite {number} von {len(pages)}" in page.text
            assert "Unterschrift" in page.text and "Treffen treff" in page.text  # heading row and event on every page
        assert "90" in flat(pages[-1].text).split()


async def test_sign_in_sheet_refuses_bad_requests(make_staff_client):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS) as client:
        own = await _event()
        foreign = await _event("suedstadt", "fremd")
        for rows in ("61", "-1", "zehn", "1e3"):
            response = await client.get(f"/staff/anmeldungen/{own.id}/anwesenheitsliste.pdf?leer={rows}")
            assert response.status_code == 400, rows
            assert "Bitte geben Sie zwischen 0 und 60 leere Zeilen an." in response.text
        assert (await client.get(f"/staff/anmeldungen/{foreign.id}/anwesenheitsliste.pdf")).status_code == 404
        assert (await client.get("/staff/anmeldungen/999999/anwesenheitsliste.pdf")).status_code == 404


async def test_moderators_get_no_sign_in_sheet(make_staff_client):
    async with make_staff_client(role="moderator", quartiere=["nordstadt"], plugins=PLUGINS) as client:
        event = await _event()
        assert (await client.get(f"/staff/anmeldungen/{event.id}/anwesenheitsliste.pdf")).status_code == 404
