"""HTTP: the public registration API and form, and the personal links (confirm, view, cancel)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from core.plugin_api import (
    ApiError, Event, Id, client_address, error_responses, hit_rate_limit, json_body, page, plugin_gettext, public_event, read_json,
    row_scope,
)
from plugins.registration import service
from plugins.registration.schemas import AvailabilityOut, RegistrationOut
from plugins.registration.service import InvalidRegistration, RegistrationInput, RegistrationRefused, TooManyMails
from plugins.registration.tables import Registration

_ = plugin_gettext("registration")

AnyRequest = Request[Any, Any, Any]
HONEYPOT = "website"




def status_message(status: str, position: int | None) -> str:
    if status == "unconfirmed":
        return _("Bitte bestätigen Sie Ihre E-Mail-Adresse: Wir haben Ihnen einen Link geschickt. Bis dahin ist Ihr Platz reserviert.")
    if status == "waitlisted":
        return _("Sie stehen auf der Warteliste (Platz {position}). Wir melden uns, sobald ein Platz frei wird.").format(position=position)
    return _("Sie sind angemeldet. Wir freuen uns auf Sie!")


async def _rate_limited(request: AnyRequest, event_id: int) -> bool:
    limit = service.settings().rate_limit_per_minute
    if not limit:
        return False
    return await hit_rate_limit(f"registration:{event_id}:{client_address(request)}", 60) > limit


# -- JSON API ------------------------------------------------------------------------------
@post(
    "/api/events/{event_id:int}/registrations", opt={"quartier": "event:event_id"},
    summary="Register for an event",
    description=(
        "201 with the new registration (status unconfirmed, confirmed or waitlisted); 200 with the existing one "
        "when the same e-mail address registered already; 409 when registration is closed or full without a "
        "waiting list; 422 with a message per field for invalid input; 429 when one address sends too many, or "
        "when the e-mail address or the sender's address has had too many mails from us in the last hour."
    ),
    tags=["Registration"],
    responses={200: ResponseSpec(RegistrationOut, description="Registered already with this e-mail address"),
               **error_responses(409, 429)},
    operation_class=json_body(RegistrationInput),
)
async def api_register(request: AnyRequest, event_id: FromPath[Id]) -> Response[RegistrationOut]:
    if await _rate_limited(request, event_id):
        raise ApiError(429, "Zu viele Anmeldungen von dieser Adresse. Bitte warten Sie eine Minute.")
    data = await read_json(request, RegistrationInput)
    try:
        outcome = await service.register(event_id, data, channel="online", client=client_address(request))
    except InvalidRegistration as exc:
        raise ApiError(422, "Bitte prüfen Sie Ihre Angaben.", exc.errors) from None
    except TooManyMails as exc:
        raise ApiError(429, exc.message, {exc.field: exc.message} if exc.field else {"reason": exc.reason}) from None
    except RegistrationRefused as exc:
        if exc.reason == "no_registration" and await Event.count().where(Event.id == event_id) == 0:
            raise NotFoundException() from None
        raise ApiError(409, exc.message, {"reason": exc.reason}) from None
    reg = outcome.registration
    body = RegistrationOut(id=reg.id, status=reg.status, waitlist_position=outcome.waitlist_position, seats=reg.seats,
                           message=status_message(reg.status, outcome.waitlist_position))
    return Response(body, status_code=201 if outcome.created else 200)


@get("/api/events/{event_id:int}/availability", opt={"quartier": "event:event_id"}, summary="Seats left and waiting list of an event", tags=["Registration"],
     responses=error_responses())
async def api_availability(event_id: FromPath[Id]) -> AvailabilityOut:
    detail = await public_event(event_id)
    if detail is None:
        raise NotFoundException()
    state = await service.availability(detail.event, await service.form_for(event_id))
    return AvailabilityOut(
        open=state.open, reason=state.reason, capacity=state.capacity, seats_taken=state.seats_taken,
        seats_left=state.seats_left, waitlist_enabled=state.waitlist_enabled, waitlist_length=state.waitlist_length,
        opens_at=state.opens_at, closes_at=state.closes_at,
    )


# -- public form ------------------------------------------------------------------------------
def form_input(form: Any) -> RegistrationInput:
    answers = {key[len("answer_"):]: value for key, value in form.items() if key.startswith("answer_") and value != ""}
    companions = str(form.get("companions", "0") or "0").strip()
    return RegistrationInput(
        name=str(form.get("name", "")), email=str(form.get("email", "")) or None, phone=str(form.get("phone", "")) or None,
        companions=int(companions) if companions.isdigit() else -1, answers=answers,
        consent=form.get("consent") == "on", language=current_language(),
    )


def current_language() -> str:
    from core.plugin_api import language

    return language()


@post("/{quartier:str}/veranstaltungen/{event_id:int}/anmeldung", opt={"quartier": "path:quartier"}, include_in_schema=False)
async def register_form(request: AnyRequest, quartier: FromPath[str], event_id: FromPath[int]) -> Template:
    detail = await public_event(event_id)
    if detail is None or detail.quartier.slug != quartier:
        raise NotFoundException()
    form = await request.form()
    context: dict[str, Any] = {"detail": detail, "event": detail.event, "quartier": detail.quartier}
    if form.get(HONEYPOT):  # a bot: answer like a success, keep nothing
        return page(request, "registration/result.html", {**context, "message": status_message("unconfirmed", None), "status": "unconfirmed"})
    if await _rate_limited(request, event_id):
        return page(request, "registration/result.html", {**context, "status": "refused",
                    "message": _("Zu viele Anmeldungen von dieser Adresse. Bitte warten Sie eine Minute.")}, status_code=429)
    data = form_input(form)
    try:
        outcome = await service.register(event_id, data, channel="online", client=client_address(request))
    except (InvalidRegistration, TooManyMails) as exc:
        from plugins.registration.blocks import form_context

        errors = exc.errors if isinstance(exc, InvalidRegistration) else {exc.field or "form": exc.message}
        return page(request, "registration/form_page.html", {
            **context, **await form_context(detail, request, values=dict(form), errors=errors)},
            status_code=400 if isinstance(exc, InvalidRegistration) else 429)
    except RegistrationRefused as exc:
        return page(request, "registration/result.html", {**context, "status": "refused", "message": _(exc.message)}, status_code=409)
    reg = outcome.registration
    message = status_message(reg.status, outcome.waitlist_position)
    if not outcome.created:
        message = _("Sie waren bereits angemeldet.") + " " + message
    return page(request, "registration/result.html", {**context, "status": reg.status, "message": message},
                status_code=201 if outcome.created else 200)


# -- personal links --------------------------------------------------------------------------
async def _by_token(token: str) -> tuple[Any, Any]:
    reg = await service.by_token(token)
    if reg is None:
        raise NotFoundException()
    event = await Event.objects().where(Event.id == reg.event).first()
    return reg, event


async def _personal_page(request: AnyRequest, reg: Any, event: Any, message: str = "", status_code: int = 200) -> Template:
    return page(request, "registration/personal.html", {
        "reg": reg, "event": event, "position": await service.position(reg), "message": message, "token": reg.token,
    }, status_code=status_code)


@get("/anmeldung/{token:str}", opt={"quartier": row_scope("token", Registration.event.quartier, key=Registration.token)}, include_in_schema=False)
async def personal(request: AnyRequest, token: FromPath[str]) -> Template:
    reg, event = await _by_token(token)
    return await _personal_page(request, reg, event)


@get("/anmeldung/{token:str}/bestaetigen", opt={"quartier": row_scope("token", Registration.event.quartier, key=Registration.token)}, include_in_schema=False)
async def confirm_page(request: AnyRequest, token: FromPath[str]) -> Template:
    reg, event = await _by_token(token)
    return page(request, "registration/confirm.html", {"reg": reg, "event": event, "token": token})


@post("/anmeldung/{token:str}/bestaetigen", opt={"quartier": row_scope("token", Registration.event.quartier, key=Registration.token)}, include_in_schema=False)
async def confirm(request: AnyRequest, token: FromPath[str]) -> Template:
    reg, event = await _by_token(token)
    try:
        reg = await service.confirm(reg)
    except service.RegistrationStateError as exc:
        return await _personal_page(request, reg, event, _(str(exc)), status_code=409)
    message = _("Vielen Dank! Ihre E-Mail-Adresse ist bestätigt.") + " " + status_message(reg.status, await service.position(reg))
    return await _personal_page(request, reg, event, message)


@get("/anmeldung/{token:str}/stornieren", opt={"quartier": row_scope("token", Registration.event.quartier, key=Registration.token)}, include_in_schema=False)
async def cancel_page(request: AnyRequest, token: FromPath[str]) -> Template:
    reg, event = await _by_token(token)
    return page(request, "registration/cancel.html", {"reg": reg, "event": event, "token": token})


@post("/anmeldung/{token:str}/stornieren", opt={"quartier": row_scope("token", Registration.event.quartier, key=Registration.token)}, include_in_schema=False)
async def cancel(request: AnyRequest, token: FromPath[str]) -> Template:
    reg, event = await _by_token(token)
    try:
        reg = await service.cancel(reg, reason="Storniert über den persönlichen Link")
    except service.RegistrationStateError as exc:
        return await _personal_page(request, reg, event, _(str(exc)), status_code=409)
    return await _personal_page(request, reg, event, _("Ihre Anmeldung ist storniert. Schade, dass Sie nicht kommen können."))


PUBLIC_ROUTES = [api_register, api_availability, register_form, personal, confirm_page, confirm, cancel_page, cancel]
