"""The plugin's rules without HTTP: positions, the word filter, states of contributions and the domain events they publish."""

from __future__ import annotations

import pytest

from plugins.exhibition import service
from plugins.exhibition.service import ContributionInput, QuestionClosed, StateError
from plugins.exhibition.settings import ExhibitionSettings
from plugins.exhibition.tables import Contribution, Exhibit
from tests.core.factories import make_event
from tests.plugins.exhibition.helpers import PLUGINS, Q1, contribute, exhibition, fresh, quartier


def test_slugs_from_german_titles():
    assert service.slugify("Gute Nachbarschaft") == "gute-nachbarschaft"
    assert service.slugify("Grüße aus der Südstadt – Straßenfest!") == "gruesse-aus-der-suedstadt-strassenfest"
    assert service.slugify("★★★") == "ausstellung"


async def test_positions_count_per_exhibition_and_moves_keep_them_dense(make_deployment):
    await make_deployment(PLUGINS)
    x = await exhibition(exhibits=3)
    y = await exhibition(title="Zweite", exhibits=2)
    assert [e.position for e in x.exhibits] == [1, 2, 3] and [e.position for e in y.exhibits] == [1, 2]
    await service.move_exhibit(x.exhibits[2], -1)
    await service.move_exhibit(await fresh(x.exhibits[2]), -1)
    order = await service.exhibits_of(x.exhibition.id)
    assert [(e.title, e.position) for e in order] == [("Exponat 3", 1), ("Exponat 1", 2), ("Exponat 2", 3)]
    with pytest.raises(StateError, match="schon am Anfang"):
        await service.move_exhibit(order[0], -1)
    with pytest.raises(StateError, match="schon am Ende"):
        await service.move_exhibit(order[2], 1)
    assert [e.position for e in await service.exhibits_of(y.exhibition.id)] == [1, 2]
    added = await service.create_exhibit(x.exhibition.id, "Neu")
    assert added.position == 4 and await Exhibit.count().where(Exhibit.exhibition == x.exhibition.id) == 4


def test_the_word_filter_flags_stems_and_links(monkeypatch):
    monkeypatch.setattr(service, "settings", ExhibitionSettings)  # the defaults
    assert service.flags_for("Du Vollidiot!") == "vollidiot"
    assert service.flags_for("Idioten überall") == "idiot"  # a stem at the start of a word
    assert service.flags_for("Die Idiotie der Idee") == "idiot"
    assert service.flags_for("Ein Patriot grüßt") == ""  # not in the middle of a word
    assert service.flags_for("Siehe https://example.com und www.example.org") == "Link"
    assert service.flags_for("Ganz freundlich, danke!") == ""


async def test_configured_words_replace_the_defaults(make_deployment):
    # from the deployment's [exhibition] section
    await make_deployment(PLUGINS, sections={"exhibition": {"flag_words": ["Mist"], "flag_links": False}})
    assert service.flags_for("So ein mist, www.example.org") == "Mist"
    assert service.flags_for("Du Idiot") == ""


async def test_submitting_publishes_what_moderators_and_authors_need(make_deployment, published_events):
    await make_deployment(PLUGINS)
    x = await exhibition(questions=[Q1])
    post = await service.create_question("Noch was?", exhibition_id=x.exhibition.id, moderation="post")
    pending = await contribute(x.questions[0], "Ein langer Beitrag " * 10, email="A@Example.org")
    public = await contribute(post, "Kurz", email="b@example.org")
    assert (pending.status, pending.notify_email) == ("pending", "a@example.org")
    assert (public.status, public.notify_email) == ("approved", None)  # shown at once: nothing to tell later

    submitted = await published_events("exhibition.contribution_submitted")
    assert [(e.contribution, e.status) for e in submitted] == [(pending.id, "pending"), (public.id, "approved")]
    assert submitted[0].summary.startswith("„Ein langer Beitrag") and submitted[0].summary.endswith(f"…“ zu „{Q1}“")
    assert submitted[0].url == "http://testserver.local/staff/moderation"
    (shown,) = await published_events("exhibition.contribution_approved")
    assert (shown.contribution, shown.notify_email) == (public.id, None)

    await service.approve(pending, staff_id=None)
    approved = await published_events("exhibition.contribution_approved")
    assert [(e.contribution, e.notify_email, e.url) for e in approved][1] == (
        pending.id, "a@example.org", f"http://testserver.local/nordstadt/fragen/{x.questions[0].id}")
    assert (await fresh(pending)).notify_email is None
    await service.approve(await fresh(public))  # reviewed, already public: no second announcement
    assert len(await published_events("exhibition.contribution_approved")) == 2


async def test_states_a_contribution_may_go_through(make_deployment):
    await make_deployment(PLUGINS)
    x = await exhibition(questions=[Q1])
    c = await contribute(x.questions[0], "Hallo")
    with pytest.raises(StateError):
        await service.hide(c)
    with pytest.raises(ValueError, match="Grund"):
        await service.reject(c, " ")
    with pytest.raises(ValueError, match="zu lang"):
        await service.reject(c, "x" * 301)
    await service.approve(c)
    await service.highlight(await fresh(c), True)
    await service.hide(await fresh(c))
    row = await fresh(c)
    assert (row.status, row.highlighted) == ("hidden", False)  # hiding ends the highlight
    await service.reject(row, "Beleidigend")
    with pytest.raises(StateError):
        await service.reject(await fresh(c), "Noch mal")
    await service.approve(await fresh(c))
    assert (await fresh(c)).reject_reason == ""


async def test_closed_questions_and_invalid_input_store_nothing(make_deployment):
    await make_deployment(PLUGINS)
    x = await exhibition()
    closed = await service.create_question(Q1, exhibition_id=x.exhibition.id, open=False)
    with pytest.raises(QuestionClosed):
        await service.submit(closed, ContributionInput(text="Hallo"))
    with pytest.raises(service.InvalidContribution) as refused:
        await service.submit(closed, ContributionInput(text="", name="x" * 81, email="nein", language="fr"))
    assert set(refused.value.errors) == {"text", "name", "email", "language"}
    assert await Contribution.count() == 0


async def test_questions_of_an_event_include_those_of_its_published_exhibitions(make_deployment):
    await make_deployment(PLUGINS)
    event = await make_event(await quartier(), "treff")
    shown = await exhibition(questions=[Q1], event_ids=[event.id])
    await exhibition(title="Entwurf", questions=["Geheim?"], event_ids=[event.id], publish=False)
    own = await service.create_question("Beim Treff?", event_id=event.id)
    assert {q.id for q in await service.questions_of(event_id=event.id)} == {shown.questions[0].id, own.id}
    assert [e.title for e in await service.exhibitions_for_event(event.id)] == ["Gute Nachbarschaft"]
    with pytest.raises(ValueError, match="verschiedenen Quartieren"):
        await service.create_question("Quer?", exhibition_id=(await exhibition("suedstadt", "Süd")).exhibition.id, event_id=event.id)
