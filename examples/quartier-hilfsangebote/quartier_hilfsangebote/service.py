"""The rules of the directory: checking offers with msgspec, storing them, finding them. No HTTP here.

Routes, the staff screens, the event page block and the CSV import all call these functions.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any, Literal, Mapping, Sequence

import msgspec

from core.plugin_api import LocalTexts, current, localize, plugin_gettext, transaction
from quartier_hilfsangebote import languages as language_names
from quartier_hilfsangebote.settings import HilfsangeboteSettings
from quartier_hilfsangebote.tables import Offer

_ = plugin_gettext("hilfsangebote")

PLUGIN = "hilfsangebote"
EMAIL = r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"
WEBSITE = r"^$|^https?://[^\s]+$"
POSTAL_CODE = r"^(\d{5})?$"
LANGUAGE_CODE = r"^[a-z]{2,3}$"
TRUE_WORDS = {"ja", "j", "yes", "y", "x", "1", "true", "wahr"}
FALSE_WORDS = {"nein", "n", "no", "0", "false", "falsch", ""}


def settings() -> HilfsangeboteSettings:
    return current().settings_for(PLUGIN)


def now() -> datetime:
    return datetime.now(timezone.utc)


# -- checking ---------------------------------------------------------------------------------
class OfferData(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An offer as the staff form and the CSV import deliver it, after ``normalise``.

    ``category`` is checked against the configured categories by ``offer_type``.
    """

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    category: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    provider: Annotated[str, msgspec.Meta(max_length=200)] = ""
    description: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    street: Annotated[str, msgspec.Meta(max_length=200)] = ""
    postal_code: Annotated[str, msgspec.Meta(pattern=POSTAL_CODE)] = ""
    city: Annotated[str, msgspec.Meta(max_length=100)] = ""
    opening_hours: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=60)] = ""
    email: Annotated[str, msgspec.Meta(max_length=200, pattern=EMAIL)] = ""
    website: Annotated[str, msgspec.Meta(max_length=500, pattern=WEBSITE)] = ""
    languages: Annotated[list[Annotated[str, msgspec.Meta(pattern=LANGUAGE_CODE)]], msgspec.Meta(max_length=30)] = (
        msgspec.field(default_factory=list)
    )
    accessible: bool = False
    active: bool = True


FIELDS = [f.name for f in msgspec.structs.fields(OfferData)]


@functools.lru_cache(maxsize=8)
def offer_type(categories: tuple[str, ...]) -> type[OfferData]:
    """``OfferData`` whose ``category`` must be one of ``categories``."""
    return msgspec.defstruct("CheckedOffer", [("category", Literal[categories])], bases=(OfferData,),  # type: ignore[valid-type]
                             kw_only=True, forbid_unknown_fields=True)


@dataclass(frozen=True)
class Problem:
    """What is wrong with one value: ``code`` names the rule, ``value`` is what was given."""

    code: str  # required, too_long, unknown_category, invalid_email, invalid_url, invalid_postal_code, invalid_languages, invalid_bool
    value: str = ""
    limit: int = 0


class InvalidOffer(ValueError):
    """An offer that breaks rules: ``problems`` by field name, in form order."""

    def __init__(self, problems: dict[str, Problem]) -> None:
        super().__init__(", ".join(f"{name}: {p.code}" for name, p in problems.items()))
        self.problems = problems


FORMAT_CODES = {
    "category": "unknown_category", "email": "invalid_email", "website": "invalid_url", "postal_code": "invalid_postal_code",
    "languages": "invalid_languages", "accessible": "invalid_bool", "active": "invalid_bool",
}


def _problem(name: str, message: str, value: Any) -> Problem:
    shown = ", ".join(value) if isinstance(value, list) else str(value)
    if "length >=" in message:
        return Problem("required")
    limit = re.search(r"length <= (\d+)", message)
    if limit and name != "languages":
        return Problem("too_long", shown, int(limit.group(1)))
    return Problem(FORMAT_CODES.get(name, "invalid"), shown)


def _bool(value: Any) -> Any:
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return value


def normalise(values: Mapping[str, Any], categories: Sequence[str]) -> dict[str, Any]:
    """Tidy what people type: spaces, line ends, lower-case e-mail and language codes, "ja"/"nein",
    "www.…" without https://, a category in other letter case."""
    data: dict[str, Any] = {}
    for name in FIELDS:
        if name not in values or values[name] is None:
            continue
        value = values[name]
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        if name == "languages" and isinstance(value, str):
            value = language_names.split_codes(value)
        elif name in ("accessible", "active"):
            value = _bool(value)
        elif name == "email":
            value = value.lower()
        elif name == "website" and value.lower().startswith("www."):
            value = "https://" + value
        elif name == "category":
            value = next((c for c in categories if c.casefold() == value.casefold()), value)
        data[name] = value
    return data


def check(values: Mapping[str, Any], categories: Sequence[str] | None = None) -> OfferData:
    """``values`` (strings, or typed values from the staff form) as ``OfferData``; raise ``InvalidOffer`` with
    every problem, each field validated by msgspec against its annotated type."""
    categories = tuple(categories if categories is not None else settings().categories)
    struct = offer_type(categories)
    data = normalise(values, categories)
    problems: dict[str, Problem] = {}
    for f in msgspec.structs.fields(struct):
        required = f.default is msgspec.NODEFAULT and f.default_factory is msgspec.NODEFAULT
        value = data.get(f.name)
        if value is None or value == "":
            if required:
                problems[f.name] = Problem("required")
            continue
        try:
            msgspec.convert(value, f.type, strict=False)
        except msgspec.ValidationError as exc:
            problems[f.name] = _problem(f.name, str(exc), value)
    if problems:
        raise InvalidOffer(problems)
    return msgspec.convert(data, struct, strict=False)


# German messages for the staff UI (translated when shown); the CSV import has its own English ones.
MESSAGES = {
    "required": "Dieses Feld ist erforderlich.",
    "too_long": "Höchstens {n} Zeichen.",
    "unknown_category": "Unbekannte Kategorie „{value}“.",
    "invalid_email": "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
    "invalid_url": "Bitte geben Sie eine Adresse beginnend mit https:// ein.",
    "invalid_postal_code": "Bitte geben Sie eine fünfstellige Postleitzahl an.",
    "invalid_languages": "Bitte geben Sie Sprachcodes wie „de, en, tr“ an.",
    "invalid_bool": "Bitte geben Sie „ja“ oder „nein“ an.",
    "invalid": "Ungültiger Wert.",
}

LABELS = {
    "name": "Name", "provider": "Träger des Angebots", "category": "Kategorie", "description": "Beschreibung",
    "street": "Straße und Hausnummer", "postal_code": "PLZ", "city": "Ort", "opening_hours": "Öffnungszeiten",
    "phone": "Telefon", "email": "E-Mail", "website": "Internetseite", "languages": "Sprachen",
    "accessible": "Barrierefrei zugänglich", "active": "Öffentlich anzeigen",
}


def message(problem: Problem) -> str:
    """The German message of a problem in the current UI language."""
    return _(MESSAGES[problem.code]).format(n=problem.limit, value=problem.value)


def messages(exc: InvalidOffer) -> str:
    """All problems as one sentence per field, for the staff form."""
    return " ".join(f"{_(LABELS[name])}: {message(p)}" for name, p in exc.problems.items())


# -- storing ----------------------------------------------------------------------------------
def columns(data: OfferData) -> dict[str, Any]:
    """Column values of an offer."""
    values = {name: getattr(data, name) for name in FIELDS}
    values["languages"] = ", ".join(data.languages)
    values["updated_at"] = now()
    return values


async def create_offer(quartier_id: int, data: OfferData) -> Offer:
    async with transaction():
        offer = Offer(quartier=quartier_id, **columns(data))
        await offer.save()
    return offer


async def update_offer(offer_id: int, data: OfferData) -> Offer:
    async with transaction():
        await Offer.update({getattr(Offer, name): value for name, value in columns(data).items()}).where(Offer.id == offer_id)
    return await Offer.objects().where(Offer.id == offer_id).first()


async def save_offer(quartier_id: int, data: OfferData) -> bool:
    """Store a checked offer of a Quartier (the CSV import): an offer with the same name and provider as a stored
    one updates it, else it is added. Returns True when it was added."""
    async with transaction():
        existing = await Offer.select(Offer.id).where(
            (Offer.quartier == quartier_id) & (Offer.name == data.name) & (Offer.provider == data.provider)
        ).first()
        if existing:
            await Offer.update({getattr(Offer, name): value for name, value in columns(data).items()}).where(
                Offer.id == existing["id"])
            return False
        await Offer.insert(Offer(quartier=quartier_id, **columns(data)))
        return True


# -- finding ----------------------------------------------------------------------------------
def codes(offer: Offer) -> list[str]:
    return language_names.split_codes(offer.languages)


async def find_offers(quartier_id: int, *, category: str | None = None, language: str | None = None,
                      accessible: bool = False, limit: int | None = None) -> list[Offer]:
    """The active offers of a Quartier, by name; optionally of one category, in one language, accessible only."""
    query = Offer.objects().where((Offer.quartier == quartier_id) & (Offer.active == True))  # noqa: E712
    if category:
        query = query.where(Offer.category == category)
    if accessible:
        query = query.where(Offer.accessible == True)  # noqa: E712
    rows = await query.order_by(Offer.name).order_by(Offer.id)
    if language:
        wanted = language.strip().lower()
        rows = [row for row in rows if wanted in codes(row)]
    return rows[:limit] if limit is not None else rows


async def choices(quartier_id: int) -> tuple[list[str], list[str]]:
    """Categories (in the configured order) and language codes that the active offers of a Quartier have."""
    rows = await Offer.select(Offer.category, Offer.languages).where(
        (Offer.quartier == quartier_id) & (Offer.active == True))  # noqa: E712
    present = {row["category"] for row in rows}
    configured = settings().categories
    categories = [c for c in configured if c in present] + sorted(present - set(configured))
    found: set[str] = set()
    for row in rows:
        found.update(language_names.split_codes(row["languages"]))
    return categories, sorted(found)


# -- showing ----------------------------------------------------------------------------------
def tel_href(phone: str) -> str:
    """ "(05371) 82 562" -> "tel:0537182562"; "" when there are no digits."""
    digits = re.sub(r"[^\d+]", "", phone)
    return f"tel:{digits}" if re.search(r"\d", digits) else ""


def safe_website(url: str) -> str:
    """The address for a link: only http(s), never javascript: or the like."""
    return url if re.match(r"^https?://[^\s]+$", url or "", re.IGNORECASE) else ""


@dataclass
class OfferView:
    """An offer prepared for a template: translated labels, link targets."""

    offer: Offer
    texts: LocalTexts  # name, description, opening hours in the reader's language (German where missing)
    category: str
    languages: list[str]
    tel: str
    website: str
    website_label: str

    @property
    def address(self) -> bool:
        return bool(self.offer.street or self.offer.postal_code or self.offer.city)


# what staff may write in other languages (``translatable`` in resources.py)
OFFER_TEXTS = ("name", "description", "opening_hours")


async def views(offers: list[Offer]) -> list[OfferView]:
    """The offers for a template, their texts in the reader's language (one query for all)."""
    texts = await localize(Offer._meta.tablename, offers, OFFER_TEXTS)
    return [view(offer, texts[offer.id]) for offer in offers]


def view(offer: Offer, texts: LocalTexts) -> OfferView:
    website = safe_website(offer.website)
    label = re.sub(r"^https?://(www\.)?", "", website, flags=re.IGNORECASE).rstrip("/")
    return OfferView(
        offer=offer, texts=texts, category=_(offer.category), languages=[language_names.name(c) for c in codes(offer)],
        tel=tel_href(offer.phone), website=website, website_label=label,
    )


def category_label(category: str) -> str:
    return _(category)
