"""The registration panel of an event's cockpit: seats, waiting list, check-in, phone registration, exports."""

from __future__ import annotations

from core.plugin_api import CockpitPanel, EventDetail, StaffContext, format_number, plugin_gettext
from plugins.registration import service

_ = plugin_gettext("registration")


async def cockpit_panel(staff: StaffContext, detail: EventDetail) -> list[CockpitPanel]:
    event_id = detail.event.id
    form = await service.form_for(event_id)
    base = f"/staff/anmeldungen/{event_id}"
    walk_ins = (_("Ohne Anmeldung"), format_number(sum(row["count"] for row in await service.walk_ins(event_id))))
    if form is None:  # an open event: people just come and are counted at the door
        return [CockpitPanel(title=_("Anmeldungen"), order=10, roles=("admin", "staff"), figures=[walk_ins], links=[
            (_("Ohne Anmeldung zählen"), f"{base}/ohne-anmeldung"),
            (_("Anmeldeeinstellungen"), f"/staff/r/registration-forms/new?event={event_id}"),
            (_("Telefonische Anmeldung"), f"/staff/r/registrations/new?event={event_id}"),
        ])]
    counts = await service.counts(event_id)
    taken = format_number(form.taken)
    seats = taken if form.capacity is None else _("{taken} von {capacity}").format(taken=taken, capacity=format_number(form.capacity))
    return [CockpitPanel(
        title=_("Anmeldungen"), order=10, roles=("admin", "staff"),
        figures=[(_("Plätze vergeben"), seats), (_("davon unbestätigt"), format_number(counts["unconfirmed"])),
                 (_("Warteliste"), format_number(counts["waitlisted"])), (_("Eingecheckt"), format_number(counts["checked_in"])), walk_ins],
        quick_links=[(_("Einlass"), f"{base}/checkin")],
        links=[(_("Anmeldungen ansehen"), f"/staff/r/registrations/?f_event={event_id}"),
               (_("Telefonische Anmeldung"), f"/staff/r/registrations/new?event={event_id}"),
               (_("Ohne Anmeldung zählen"), f"{base}/ohne-anmeldung"),
               (_("Liste drucken"), f"{base}/liste"), (_("Anwesenheitsliste (PDF)"), f"{base}/anwesenheitsliste.pdf"),
               (_("CSV herunterladen"), f"{base}/export.csv"),
               (_("Excel herunterladen"), f"{base}/export.xlsx"),
               (_("Anmeldeeinstellungen"), f"/staff/r/registration-forms/{form.id}")],
    )]
