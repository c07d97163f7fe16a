"""The exhibition panel of an event's cockpit: its exhibitions, guiding questions, posters, contributions to moderate."""

from __future__ import annotations

from core.plugin_api import CockpitPanel, EventDetail, StaffContext, format_number, plugin_gettext
from plugins.exhibition import service
from plugins.exhibition.tables import Contribution

_ = plugin_gettext("exhibition")


async def cockpit_panel(staff: StaffContext, detail: EventDetail) -> list[CockpitPanel]:
    event_id = detail.event.id
    exhibitions = await service.exhibitions_for_event(event_id)
    questions = await service.questions_of(event_id=event_id, event_exhibitions=exhibitions)
    ids = [q.id for q in questions]
    waiting = await Contribution.count().where(Contribution.question.is_in(ids) & service.queue_clause("offen")) if ids else 0
    links = [(e.title, f"/staff/r/exhibitions/{e.id}") for e in exhibitions]
    for q in questions:
        links.append((q.text, f"/staff/r/guiding-questions/{q.id}"))
        links.append((f"{_('Aushang mit QR-Code')}: {q.text}", f"/staff/ausstellungen/fragen/{q.id}/aushang"))
        links.append((f"{_('Antworten von Papier eingeben')}: {q.text}", f"/staff/ausstellungen/fragen/{q.id}/papier"))
    links += [(_("Leitfrage anlegen"), f"/staff/r/guiding-questions/new?event={event_id}"), (_("Moderation"), "/staff/moderation")]
    return [CockpitPanel(
        title=_("Ausstellung"), order=20,
        figures=[(_("Ausstellungen"), format_number(len(exhibitions))), (_("Leitfragen"), format_number(len(questions))),
                 (_("Beiträge zu prüfen"), format_number(waiting))],
        links=links,
    )]
