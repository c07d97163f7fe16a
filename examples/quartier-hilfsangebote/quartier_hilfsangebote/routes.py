"""HTTP: the public page /<quartier>/hilfe and the JSON API. Thin: the rules are in service.py.

Both paths have ``{quartier:str}``: the core answers 404 for an unknown Quartier and where the plugin is
switched off, before these handlers run.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from core.plugin_api import Quartier, client_address, current, get_quartier, hit_rate_limit, language, page, plugin_gettext
from quartier_hilfsangebote import callbacks, languages as language_names, service
from quartier_hilfsangebote.schemas import AddressOut, OfferOut
from quartier_hilfsangebote.tables import Offer

_ = plugin_gettext("hilfsangebote")

AnyRequest = Request[Any, Any, Any]


async def quartier_or_404(slug: str) -> Quartier:
    quartier = await get_quartier(slug)
    if quartier is None:  # the core's guard has checked already; kept for direct calls
        raise NotFoundException(f"Quartier '{slug}' not found.")
    return quartier


def page_path(quartier: Quartier) -> str:
    return f"/{quartier.slug}/hilfe"


# -- the public page ----------------------------------------------------------------------------
@get("/{quartier:str}/hilfe", opt={"quartier": "path:quartier"}, include_in_schema=False)
async def offers_page(request: AnyRequest, quartier: FromPath[str]) -> Template:
    q = await quartier_or_404(quartier)
    params = request.query_params
    categories, codes = await service.choices(q.id)
    category = params.get("kategorie", "").strip()
    language = params.get("sprache", "").strip().lower()
    accessible = params.get("barrierefrei", "") == "1"
    category = category if category in categories else ""  # anything else is ignored, not an error
    language = language if language in codes else ""
    offers = await service.find_offers(q.id, category=category or None, language=language or None, accessible=accessible)
    title = _(service.settings().page_title)
    # Keys such as "languages", "lang", "settings" are the layout's: page() would let ours replace them.
    return page(request, "hilfsangebote/page.html", {
        "quartier": q, "title": title, "offers": await service.views(offers),
        "category_choices": [(c, service.category_label(c)) for c in categories],
        "language_choices": sorted(((c, language_names.name(c)) for c in codes), key=lambda pair: pair[1].casefold()),
        "selected": {"kategorie": category, "sprache": language, "barrierefrei": accessible},
        "filtered": bool(category or language or accessible), "any_offers": bool(categories),
        "action": page_path(q),
    })


# -- Rückruf erbeten ----------------------------------------------------------------------------
CALLBACKS_PER_MINUTE = 5


async def shown_offer_or_404(quartier: Quartier, offer_id: int) -> Offer:
    offer = await Offer.objects().where(
        (Offer.id == offer_id) & (Offer.quartier == quartier.id) & (Offer.active == True)  # noqa: E712
    ).first()
    if offer is None:
        raise NotFoundException("Offer not found.")
    return offer


def callback_page(request: AnyRequest, quartier: Quartier, offer: Offer, status_code: int = 200, **context: Any) -> Template:
    return page(request, "hilfsangebote/callback.html", {
        "quartier": quartier, "offer": offer, "back": f"{page_path(quartier)}#angebot-{offer.id}",
        "values": {}, "errors": {}, **context}, status_code=status_code)


@get("/{quartier:str}/hilfe/{offer_id:int}/rueckruf", opt={"quartier": "path:quartier"}, include_in_schema=False)
async def callback_form(request: AnyRequest, quartier: FromPath[str], offer_id: FromPath[int]) -> Template:
    q = await quartier_or_404(quartier)
    return callback_page(request, q, await shown_offer_or_404(q, offer_id))


@post("/{quartier:str}/hilfe/{offer_id:int}/rueckruf", opt={"quartier": "path:quartier"}, include_in_schema=False, status_code=200)
async def callback_submit(request: AnyRequest, quartier: FromPath[str], offer_id: FromPath[int]) -> Template:
    q = await quartier_or_404(quartier)
    offer = await shown_offer_or_404(q, offer_id)
    form = await request.form()
    values = {name: form.get(name, "") for name in callbacks.LIMITS}
    if await hit_rate_limit(f"hilfsangebote:callback:{client_address(request)}", 60) > CALLBACKS_PER_MINUTE:
        return callback_page(request, q, offer, 429, values=values,
                             errors={"form": _("Zu viele Anfragen von dieser Adresse. Bitte warten Sie eine Minute.")})
    try:
        _row, result = await callbacks.request_callback(offer, values, language())
    except callbacks.InvalidCallback as exc:
        return callback_page(request, q, offer, 400, values=values, errors=exc.errors)
    return callback_page(request, q, offer, done=True, confirmed_by=result.channel if result.accepted else "")


# -- JSON API -----------------------------------------------------------------------------------
def offer_out(offer: Offer, quartier: Quartier) -> OfferOut:
    base = current().settings.base_url.rstrip("/")
    return OfferOut(
        id=offer.id, quartier=quartier.slug, name=offer.name, provider=offer.provider, category=offer.category,
        description=offer.description,
        address=AddressOut(street=offer.street, postal_code=offer.postal_code, city=offer.city),
        opening_hours=offer.opening_hours, phone=offer.phone, email=offer.email, website=offer.website,
        languages=service.codes(offer), accessible=offer.accessible, updated_at=offer.updated_at,
        url=f"{base}{page_path(quartier)}#angebot-{offer.id}",
    )


@get(
    "/api/quartiere/{quartier:str}/hilfsangebote", opt={"quartier": "path:quartier"},
    summary="Help and counselling offers of a Quartier",
    description=(
        "The active offers (Beratungs- und Hilfsangebote) of a Quartier, by name. 404 when the Quartier does not "
        "exist or the plugin is switched off for it."
    ),
    tags=["Hilfsangebote"],
)
async def api_offers(
    quartier: FromPath[str],
    category: Annotated[str | None, QueryParameter(
        required=False,
        description="Only offers of this category, e.g. 'Beratung' (exact, as configured; empty: all).")] = None,
    language: Annotated[str | None, QueryParameter(
        required=False,
        description="Only offers given in this language, an ISO 639 code such as 'tr' (empty: all).")] = None,
) -> list[OfferOut]:
    q = await quartier_or_404(quartier)
    offers = await service.find_offers(q.id, category=(category or "").strip() or None, language=(language or "").strip() or None)
    return [offer_out(offer, q) for offer in offers]


ROUTES = [offers_page, callback_form, callback_submit, api_offers]
