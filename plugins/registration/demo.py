"""The registration form of the demo's Netzwerktreff, its consent text also in Leichte Sprache, English, Turkish
and Arabic (where the deployment keeps the default consent text and offers the language)."""

from __future__ import annotations

from core.plugin_api import Event, change_count, event_figures, record_once, save_versions, translation_languages
from plugins.registration import service
from plugins.registration.settings import DEFAULT_CONSENT

QUESTIONS = '[{"key": "barrierefrei", "label": "Benötigen Sie einen barrierefreien Zugang?", "type": "yesno", "required": false}]'
CONSENT = {
    "de-x-ls": "Wir speichern Ihre Angaben. Die Angaben brauchen wir für das Treffen. "
               "Nach {days} Tagen löschen wir die Angaben. "
               "Sie können jederzeit absagen. Dafür bekommen Sie einen Link.",
    "en": "I agree that my details are stored and used to organise this event. They are deleted at the latest "
          "{days} days after the event. I can cancel my registration at any time with my personal link.",
    "tr": "Bilgilerimin bu etkinliğin düzenlenmesi için saklanmasını ve kullanılmasını kabul ediyorum. Bilgiler en geç "
          "etkinlikten {days} gün sonra silinir. Kaydımı kişisel bağlantımla istediğim zaman iptal edebilirim.",
    "ar": "أوافق على حفظ بياناتي واستخدامها لتنظيم هذه الفعالية. تُحذف البيانات بعد {days} يومًا من الفعالية على الأكثر. "
          "يمكنني إلغاء تسجيلي في أي وقت عبر الرابط الشخصي.",
}


async def load(event_id: int) -> None:
    form = await service.ensure_form(event_id, capacity=40, waitlist_enabled=True, max_companions=2, questions=QUESTIONS)
    days = service.settings().anonymise_after_days
    if form.consent_text != DEFAULT_CONSENT.format(days=days):
        return  # the deployment's own consent text: its versions are the deployment's to write
    for lang in translation_languages():
        if lang in CONSENT:
            await save_versions("registration_forms", form, lang, {"consent_text": CONSENT[lang].format(days=days)})


DEMO_PAST_SLUG = "fruehlingsfest"  # the core demo's past event (docs/plugins.md, load_demo)
DEMO_WALK_INS = (("u14", False, 6), ("18-64", True, 4), ("18-64", False, 5), ("65+", False, 3), ("", True, 2))


async def demo_figures(quartier_id: int) -> None:
    """The demo's past event (slug ``fruehlingsfest``), if it has no figures yet, gets anonymous counts: registered,
    checked in, walk-ins. Only that one: an operator's own events in the demo Quartier never get invented numbers."""
    past = await Event.select(Event.id).where((Event.quartier == quartier_id) & (Event.slug == DEMO_PAST_SLUG)
                                              & (Event.ends_at < service.now()) & (Event.status == "published"))
    ids = [row["id"] for row in past]
    counted = {row["event"] for row in await event_figures(service.PLUGIN, ids)}
    for event_id in ids:
        if event_id in counted:
            continue
        await record_once(service.PLUGIN, event_id, "registered", 18)
        await change_count(service.PLUGIN, event_id, "checked_in", 15)
        for age_group, first_time, n in DEMO_WALK_INS:
            await change_count(service.PLUGIN, event_id, "walk_in", n, age_group=age_group, first_time=first_time)
