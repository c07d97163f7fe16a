"""What the registration plugin adds to pages it does not own: the form on the event page, the dashboard widget."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from core.plugin_api import EventDetail, PageBlock, csrf_input, plugin_gettext, render
from plugins.registration import service
from plugins.registration.tables import RegistrationForm

_ = plugin_gettext("registration")


async def form_context(detail: EventDetail, request: Any, values: dict[str, Any] | None = None,
                       errors: dict[str, str] | None = None, form: RegistrationForm | None = None) -> dict[str, Any]:
    """``form``: the event's form when the caller has read it already (one query less)."""
    form = form or await service.form_for(detail.event.id)
    state = await service.availability(detail.event, form)
    return {
        "detail": detail, "event": detail.event, "form": form, "state": state,
        "questions": service.questions(form) if form else [],
        "consent_text": await service.consent_text(form) if form else None,
        "values": values or {}, "errors": errors or {}, "csrf_input": csrf_input(request),
        "action": f"/{detail.quartier.slug}/veranstaltungen/{detail.event.id}/anmeldung",
    }


async def event_block(detail: EventDetail, request: Any) -> list[PageBlock]:
    form = await service.form_for(detail.event.id)
    if form is None or not form.enabled:
        return []
    context = await form_context(detail, request, form=form)
    return [PageBlock(title=_("Anmeldung"), html=render("registration/block.html", **context), order=10)]


async def list_notes(events: list[EventDetail]) -> dict[int, str]:
    """Free seats or the waiting list of each published event that takes registrations (the series page)."""
    forms = await service.forms_with_waiting([d.event.id for d in events])  # one statement for all dates
    notes = {}
    for d in events:
        if d.event.id in forms and d.event.status == "published":
            state = await service.availability(d.event, *forms[d.event.id])
            notes[d.event.id] = Markup(" ").join(render("registration/_availability.html", state=state).split())
    return notes
