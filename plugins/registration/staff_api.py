"""The staff JSON API: list registrations of an event and change them (staff session or API token)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from core.plugin_api import (
    ApiError, Event, Id, StaffContext, error_responses, record_audit, require_staff_api, row_scope, transaction,
)
from plugins.registration import service
from plugins.registration.schemas import StaffRegistrationOut
from plugins.registration.tables import Registration

AnyRequest = Request[Any, Any, Any]
ACTIONS = {
    "confirm": service.confirm,
    "cancel": lambda reg: service.cancel(reg, reason="Von Mitarbeitenden storniert"),
    "checkin": lambda reg: service.check_in(reg, True),
    "checkout": lambda reg: service.check_in(reg, False),
    "waitlist": service.move_to_waitlist,
    "admit": service.admit,
}


async def _event(staff: StaffContext, event_id: int) -> Event:
    event = await Event.objects().where(Event.id == event_id).first()
    if event is None or not staff.may_see_quartier(event.quartier) or not staff.has_role("admin", "staff"):
        raise NotFoundException()
    return event


async def _out(reg: Registration) -> StaffRegistrationOut:
    return StaffRegistrationOut(
        id=reg.id, event=reg.event, name=reg.name, email=reg.email, phone=reg.phone, status=reg.status, seats=reg.seats,
        waitlist_position=await service.position(reg), channel=reg.channel, checked_in_at=reg.checked_in_at,
        created_at=reg.created_at,
    )


@get("/api/events/{event_id:int}/registrations", opt={"quartier": "event:event_id"}, summary="Registrations of an event (staff)", tags=["Registration (staff)"],
     responses=error_responses(401, 403))
async def list_registrations(request: AnyRequest, event_id: FromPath[Id]) -> list[StaffRegistrationOut]:
    staff = await require_staff_api(request)
    await _event(staff, event_id)
    rows = await Registration.objects().where(Registration.event == event_id).order_by(Registration.id)
    return [await _out(reg) for reg in rows]


@post(
    "/api/registrations/{registration_id:int}/{action:str}", opt={"quartier": row_scope("registration_id", Registration.event.quartier)},
    summary="Change a registration (staff): confirm, cancel, checkin, checkout, waitlist, admit",
    tags=["Registration (staff)"],
    status_code=200,
    responses=error_responses(401, 403, 409),
)
async def change_registration(request: AnyRequest, registration_id: FromPath[Id], action: FromPath[str]) -> StaffRegistrationOut:
    staff = await require_staff_api(request)
    reg = await Registration.objects().where(Registration.id == registration_id).first()
    if reg is None or action not in ACTIONS:
        raise NotFoundException()
    await _event(staff, reg.event)
    try:
        async with transaction():
            await ACTIONS[action](reg)
            await record_audit(staff.user, action, "registrations", reg.id, reg.name)
    except service.RegistrationStateError as exc:
        raise ApiError(409, str(exc)) from None
    return await _out(await Registration.objects().where(Registration.id == reg.id).first())


STAFF_API = [list_registrations, change_registration]
