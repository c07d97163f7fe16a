"""Public: unsubscribing from announcements with one click (RFC 8058: acting on POST only), and subscribing to new
events without an account (double opt-in; the personal links confirm and unsubscribe on POST only)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template
from markupsafe import Markup

from core.plugin_api import (
    PageBlock, Quartier, StaffContext, Widget, client_address, csrf_input, get_quartier, language, page, parse_id,
    plugin_gettext, render, row_scope,
)
from plugins.notifications import announcements, subscriptions
from plugins.notifications.tables import Subscription

_ = plugin_gettext("notifications")

AnyRequest = Request[Any, Any, Any]
HONEYPOT = "website"


@get("/benachrichtigungen/abbestellen/{token:str}", opt={"quartier": "none"}, include_in_schema=False)
async def unsubscribe_page(request: AnyRequest, token: FromPath[str]) -> Template:
    return page(request, "notifications/unsubscribe.html", {"token": token, "done": False})


# Mail programs POST here without a form (RFC 8058); the signed token is the protection.
@post("/benachrichtigungen/abbestellen/{token:str}", opt={"quartier": "none"}, include_in_schema=False, status_code=200, exclude_from_csrf=True)
async def unsubscribe(request: AnyRequest, token: FromPath[str]) -> Template | Response[str]:
    if not await announcements.unsubscribe(token):
        raise NotFoundException()
    if "text/html" not in request.headers.get("accept", ""):  # the mail program's one-click POST
        return Response(_("Abbestellt."), media_type="text/plain")
    return page(request, "notifications/unsubscribe.html", {"token": token, "done": True})


# -- subscriptions to new events ---------------------------------------------------------------
def _form_context(quartier: Quartier, series_id: int | None, request: AnyRequest, values: dict[str, Any] | None = None,
                  errors: dict[str, str] | None = None) -> dict[str, Any]:
    return {"quartier": quartier, "series_id": series_id, "values": values or {"frequency": "weekly"},
            "errors": errors or {}, "consent_text": subscriptions.consent_text(), "csrf_input": csrf_input(request)}


def subscribe_block(quartier: Quartier, series: Any, request: AnyRequest) -> PageBlock:
    """The form on the Quartier's page (all its new events) and on a series page (that series' new dates)."""
    context = _form_context(quartier, series.id if series is not None else None, request)
    return PageBlock(title=_("Neue Termine per E-Mail"), html=render("notifications/subscribe_form.html", **context), order=50)


def _subscription_page(request: AnyRequest, quartier: Quartier | None, message: str, status_code: int = 200,
                       **extra: Any) -> Template:
    return page(request, "notifications/subscription.html", {"quartier": quartier, "message": message, **extra},
                status_code=status_code)


@post("/{quartier:str}/abonnieren", opt={"quartier": "path:quartier"}, include_in_schema=False)
async def subscribe(request: AnyRequest, quartier: FromPath[str]) -> Template:
    q = await get_quartier(quartier)
    if q is None:
        raise NotFoundException()
    form = await request.form()
    series_id = None
    if form.get("series"):  # a series page's form
        series_id = parse_id(str(form.get("series")))
        if series_id is None or not await subscriptions.series_exists(q.id, series_id):
            raise NotFoundException()
    sent = _("Fast geschafft: Bitte bestätigen Sie Ihr Abonnement über den Link, den wir Ihnen per E-Mail geschickt haben.")
    if form.get(HONEYPOT):  # a bot: answer like a success, keep nothing
        return _subscription_page(request, q, sent)
    if await subscriptions.rate_limited(client_address(request)):
        return _subscription_page(request, q, _("Zu viele Anfragen von dieser Adresse. Bitte warten Sie eine Minute."),
                                  status_code=429)
    try:
        await subscriptions.subscribe(q, series_id, str(form.get("email", "")), str(form.get("frequency", "")),
                                      form.get("consent") == "on", language())
    except subscriptions.InvalidSubscription as exc:
        context = _form_context(q, series_id, request, values=dict(form), errors=exc.errors)
        return _subscription_page(request, q, "", status_code=400,
                                  form=Markup(render("notifications/subscribe_form.html", **context)))
    return _subscription_page(request, q, sent)


async def _subscription(token: str) -> tuple[Subscription, Quartier]:
    row = await subscriptions.by_token(token)
    if row is None:
        raise NotFoundException()
    return row, await Quartier.objects().where(Quartier.id == row.quartier).first()


SUBSCRIPTION_SCOPE = {"quartier": row_scope("token", Subscription.quartier, key=Subscription.token)}


@get("/benachrichtigungen/abo/{token:str}/bestaetigen", opt=SUBSCRIPTION_SCOPE, include_in_schema=False)
async def confirm_subscription_page(request: AnyRequest, token: FromPath[str]) -> Template:
    row, q = await _subscription(token)
    return _subscription_page(request, q, "", action="bestaetigen", token=token, confirmed=row.confirmed_at is not None)


@post("/benachrichtigungen/abo/{token:str}/bestaetigen", opt=SUBSCRIPTION_SCOPE, include_in_schema=False)
async def confirm_subscription(request: AnyRequest, token: FromPath[str]) -> Template:
    row, q = await _subscription(token)
    await subscriptions.confirm(row)
    return _subscription_page(request, q, _("Vielen Dank! Ihr Abonnement ist bestätigt."))


# Leaving works also where the Quartier has switched the plugin off since: nobody is kept against their will.
@get("/benachrichtigungen/abo/{token:str}/abbestellen", opt={"quartier": "none"}, include_in_schema=False)
async def unsubscribe_subscription_page(request: AnyRequest, token: FromPath[str]) -> Template:
    _row, q = await _subscription(token)
    return _subscription_page(request, q, "", action="abbestellen", token=token)


# Mail programs POST here without a form and without a session (RFC 8058); the token is the protection.
@post("/benachrichtigungen/abo/{token:str}/abbestellen", opt={"quartier": "none"}, include_in_schema=False, status_code=200,
      exclude_from_csrf=True)
async def unsubscribe_subscription(request: AnyRequest, token: FromPath[str]) -> Template | Response[str]:
    row, q = await _subscription(token)
    await subscriptions.erase(row)
    if "text/html" not in request.headers.get("accept", ""):  # the mail program's one-click POST
        return Response(_("Abbestellt."), media_type="text/plain")
    return _subscription_page(request, q, _("Ihr Abonnement ist beendet und Ihre E-Mail-Adresse gelöscht."))


async def subscriptions_widget(staff: StaffContext) -> list[Widget]:
    """Staff see how many people subscribed per Quartier, not who."""
    found = await subscriptions.counts(staff.quartiere_for("notifications"))
    if not found:
        return []
    return [Widget(title=_("Abonnements neuer Termine"), order=80,
                   html=render("notifications/subscriptions_widget.html", counts=found))]


ROUTES = [unsubscribe_page, unsubscribe, subscribe, confirm_subscription_page, confirm_subscription,
          unsubscribe_subscription_page, unsubscribe_subscription]
