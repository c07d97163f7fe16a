"""The event cockpit: one staff page per event with its state and the panels plugins contribute."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from core.deployment import current
from core.events.service import event_detail
from core.events.tables import EventSeries
from core.reports.routes import REPORT_ROLES
from core.web.auth import StaffContext, require_staff
from core.web.public_routes import series_path
from core.web.rendering import page
from core.web.ui import CockpitPanel

AnyRequest = Request[Any, Any, Any]


def cockpit_url(event_id: int) -> str:
    return f"/staff/veranstaltungen/{event_id}"


async def panels_for(staff: StaffContext, detail: Any) -> list[CockpitPanel]:
    """The panels of the plugins switched on in the event's Quartier that the user's role may see, by ``order``."""
    deployment = current()
    answers = await deployment.hooks.event_cockpit_panels(quartier=detail.quartier.id, deployment=deployment, staff=staff, event=detail)
    return sorted((p for p in answers.flat() if staff.has_role(*p.roles)), key=lambda p: p.order)


@get("/staff/veranstaltungen/{event_id:int}", include_in_schema=False)
async def event_cockpit(request: AnyRequest, event_id: FromPath[int]) -> Template:
    staff = await require_staff(request)
    resource = current().resources["events"]
    detail = await event_detail(event_id)
    if detail is None or not resource.may("view", staff) or not staff.may_see_quartier(detail.quartier.id):
        raise NotFoundException()
    panels = await panels_for(staff, detail)
    series = await EventSeries.objects().where(EventSeries.id == detail.event.series).first() if detail.event.series else None
    return page(request, "core/staff/cockpit.html", {
        "detail": detail, "panels": panels, "quick_links": [link for p in panels for link in p.quick_links],
        "public_url": f"/{detail.quartier.slug}/veranstaltungen/{detail.event.id}-{detail.event.slug}",
        "may_edit": resource.may("edit", staff), "series": series,
        "series_url": series_path(detail.quartier, series) if series else "",
        "report_url": f"/staff/berichte?quartier={detail.quartier.id}" if staff.has_role(*REPORT_ROLES) else "",
    }, staff=staff)
