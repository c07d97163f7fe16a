"""`quartier demo` with the exhibition plugin: the seed event's exhibition „Gute Nachbarschaft“ and its two questions."""

from __future__ import annotations

from core.demo.loader import load_demo
from plugins.exhibition import service
from plugins.exhibition.tables import Contribution, Exhibit, Exhibition, GuidingQuestion
from tests.core.web.pages import parse
from tests.plugins.exhibition.helpers import NO_RATE_LIMIT, PLUGINS, Q1, Q2


async def test_demo_has_the_exhibition_once(make_client):
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        event = await load_demo(client.deployment)
        (exhibition,) = await Exhibition.objects()
        assert (exhibition.title, exhibition.status, exhibition.slug) == ("Gute Nachbarschaft", "published", "gute-nachbarschaft")
        assert await service.event_ids_of(exhibition.id) == [event.id]
        questions = await service.questions_of(exhibition_id=exhibition.id)
        assert [q.text for q in questions] == [Q1, Q2]
        counts = (await Exhibit.count(), await GuidingQuestion.count(), await Contribution.count())
        assert counts[0] >= 1 and counts[1] == 2

        path = service.exhibition_path(exhibition, "gifhorn")
        page = parse((await client.get(path)).text)
        assert page.h1 == "Gute Nachbarschaft" and [h.text for h in page.all("h2", class_="question-text")] == [Q1, Q2]
        event_page = parse((await client.get(f"/gifhorn/veranstaltungen/{event.id}-{event.slug}")).text)
        assert path in event_page.links()
        assert (await client.get(f"/api/events/{event.id}/questions")).json()[0]["text"] == Q1

        again = await load_demo(client.deployment)
        assert again.id == event.id
        assert await Exhibition.count() == 1
        assert (await Exhibit.count(), await GuidingQuestion.count(), await Contribution.count()) == counts
