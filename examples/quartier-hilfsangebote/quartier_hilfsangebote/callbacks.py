"""Rückruf erbeten: a citizen leaves a name and an e-mail address or phone number on an offer; staff call back.

The confirmation goes through the messaging service (``send_message``): by e-mail, or onto the staff's call
list for someone without e-mail. This plugin does not import the plugin that delivers it; without one, the
request is still stored and staff see it.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from core.plugin_api import (
    MessageRecipient, MessageRequest, MessageResult, MessageType, contains_link, plugin_gettext, send_message, transaction,
)
from quartier_hilfsangebote import service
from quartier_hilfsangebote.tables import CallbackRequest, Offer

_ = plugin_gettext("hilfsangebote")

LIMITS = {"name": 200, "email": 200, "phone": 60}
PHONE = re.compile(r"^[0-9+()/ .-]{5,}$")

CONFIRMATION = MessageType(
    key="callback_requested", label="Rückruf erbeten (Bestätigung)",
    texts={
        "de": "Betreff: Wir rufen Sie zurück: {{ offer }}\nGuten Tag {{ name }},\n\nvielen Dank für Ihre Anfrage zu "
              "„{{ offer }}“{% if provider %} ({{ provider }}){% endif %}. Wir melden uns in den nächsten Tagen bei Ihnen.\n",
        "en": "Subject: We will call you back: {{ offer }}\nHello {{ name }},\n\nthank you for your request about "
              "\"{{ offer }}\"{% if provider %} ({{ provider }}){% endif %}. We will get in touch within the next few days.\n",
        "tr": "Subject: Sizi geri arayacağız: {{ offer }}\nMerhaba {{ name }},\n\n“{{ offer }}”{% if provider %} "
              "({{ provider }}){% endif %} hakkındaki talebiniz için teşekkür ederiz. Önümüzdeki günlerde sizinle iletişime geçeceğiz.\n",
        "ar": "Subject: سنتصل بك: {{ offer }}\nمرحبًا {{ name }}،\n\nشكرًا لطلبك بخصوص «{{ offer }}»{% if provider %} "
              "({{ provider }}){% endif %}. سنتواصل معك خلال الأيام القادمة.\n",
        "ru": "Subject: Мы Вам перезвоним: {{ offer }}\nЗдравствуйте, {{ name }}!\n\nСпасибо за Ваш запрос о предложении "
              "«{{ offer }}»{% if provider %} ({{ provider }}){% endif %}. Мы свяжемся с Вами в ближайшие дни.\n",
        "uk": "Subject: Ми Вам передзвонимо: {{ offer }}\nДобрий день, {{ name }}!\n\nДякуємо за Ваш запит щодо пропозиції "
              "«{{ offer }}»{% if provider %} ({{ provider }}){% endif %}. Ми зв’яжемося з Вами найближчими днями.\n",
    },
    variables=("offer", "provider"), staff_texts=("offer", "provider"), channels=("email", "sms", "call"),
    example={"offer": "Schuldnerberatung", "provider": "Diakonie"},
)


MESSAGES = {
    "name_required": "Bitte geben Sie Ihren Namen an.",
    "contact_required": "Bitte geben Sie eine E-Mail-Adresse oder eine Telefonnummer an.",
    "invalid_phone": "Bitte prüfen Sie die Telefonnummer: nur Ziffern, Leerzeichen und + ( ) / - .",
    "name_with_link": "Bitte geben Sie nur Ihren Namen an, ohne Internetadresse.",
}


class InvalidCallback(ValueError):
    """What is wrong, by field name: German messages in the current UI language (``errors``)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def check(values: Mapping[str, Any]) -> dict[str, str]:
    """The tidied form values, or ``InvalidCallback``."""
    data = {name: str(values.get(name) or "").strip() for name in LIMITS}
    data["email"] = data["email"].lower()
    errors: dict[str, str] = {}
    for name, limit in LIMITS.items():
        if len(data[name]) > limit:
            errors[name] = _(service.MESSAGES["too_long"]).format(n=limit)
    if not data["name"]:
        errors["name"] = _(MESSAGES["name_required"])
    elif contains_link(data["name"]):  # the name goes into a mail signed by the municipality
        errors["name"] = _(MESSAGES["name_with_link"])
    if not data["email"] and not data["phone"]:
        errors["email"] = _(MESSAGES["contact_required"])
    if "email" not in errors and not re.match(service.EMAIL, data["email"]):
        errors["email"] = _(service.MESSAGES["invalid_email"])
    if "phone" not in errors and data["phone"] and not PHONE.match(data["phone"]):
        errors["phone"] = _(MESSAGES["invalid_phone"])
    if errors:
        raise InvalidCallback(errors)
    return data


async def request_callback(offer: Offer, values: Mapping[str, Any], language: str) -> tuple[CallbackRequest, MessageResult]:
    """Store the request and ask for the confirmation, in one transaction."""
    data = check(values)
    async with transaction():
        row = CallbackRequest(quartier=offer.quartier, offer=offer.id, language=language, **data)
        await row.save()
        result = await send_message(MessageRequest(
            plugin=service.PLUGIN, key=CONFIRMATION.key, idempotency_key=f"callback:{row.id}", quartier_id=offer.quartier,
            to=MessageRecipient(name=data["name"], email=data["email"] or None, phone=data["phone"], language=language),
            context={"offer": offer.name, "provider": offer.provider},
        ))
    return row, result

