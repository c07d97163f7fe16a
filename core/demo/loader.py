"""The demo deployment: the first Netzwerktreff of the Quartiersmanagement in Gifhorn.

Taken from the announcement the project started from (August 2024) and moved
to a Monday in the future, so that registration is open. Loading it twice
changes nothing; a demo event that has passed is moved forward again.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.content.service import save_versions, translation_languages
from core.deployment import Deployment
from core.events import service as events
from core.events.series import create_series
from core.events.tables import Event, EventSeries, Organisation, Venue
from core.quartiere.tables import Quartier

TZ = ZoneInfo("Europe/Berlin")
QUARTIER_SLUG = "gifhorn"
EVENT_SLUG = "netzwerktreff-gute-nachbarschaft"
CAFE_SLUG = "nachbarschaftscafe"
CAFE_DATES = 8
PAST_SLUG = "fruehlingsfest"  # a past event, so the report has something to show
FESTIVAL_SLUG = "sommerfest"  # a multi-day event, Friday to Sunday

QUARTIER = dict(
    name="Gifhorn",
    slug=QUARTIER_SLUG,
    description=(
        "Das Quartiersmanagement des Landkreises Gifhorn ist eine niederschwellige Kontaktstelle: "
        "Es informiert über Beratungs- und Hilfsangebote und bringt Nachbarinnen und Nachbarn zusammen."
    ),
    office="Landkreis Gifhorn, Fachbereich Soziales – Quartiersmanagement",
    contact_phone="(05371) 82562",
    contact_email="quartiersmanagement@gifhorn.de",
)

ORGANISATIONS = [
    (dict(name="Landkreis Gifhorn – Quartiersmanagement", phone="(05371) 82562",
          email="quartiersmanagement@gifhorn.de"), "organiser"),
    (dict(name="Gifhorner Wohnungsbau-Genossenschaft eG (GWG)"), "partner"),
]

DESCRIPTION = """\
Das Quartiersmanagement des Landkreises Gifhorn lädt in Kooperation mit der Gifhorner \
Wohnungsbau-Genossenschaft eG (GWG) zum ersten Netzwerktreff in den Treff-PUNKT 53 ein. \
Bürgerinnen und Bürger sind herzlich eingeladen, sich in kreativer Atmosphäre über gute \
Nachbarschaft und soziale Gemeinschaft auszutauschen.

In Deutschland fühlt sich jeder zehnte Mensch einsam. Das Quartiersmanagement möchte dem \
entgegenwirken und ein Netzwerk schaffen, das den Zusammenhalt fördert – mit einer neuen \
Beteiligungskultur, die den Wünschen der Anwohnerinnen und Anwohner gerecht wird.

Es erwartet Sie eine Ausstellung zum Thema „Gute Nachbarschaft“. Bringen Sie Ihre Gedanken \
zu zwei Fragen ein: „Was verstehe ich unter guter Nachbarschaft?“ und „Was wünsche ich mir \
für mein Quartier?“

Fragen und Anmeldung: Ulrike Buka, Landkreis Gifhorn, Telefon (05371) 82562, \
quartiersmanagement@gifhorn.de."""


# The Netzwerktreff in other languages (shown where the deployment offers the language): English, Turkish,
# Leichte Sprache and Arabic; Russian and Ukrainian readers see the German text with the notice.
VERSIONS = {
    "en": {
        "title": "Building community: the Quartiersmanagement's network meeting",
        "summary": "Talking about good neighbourhood and community, with the exhibition “Good neighbourhood”.",
        "description": """\
The Quartiersmanagement of the district of Gifhorn, together with the Gifhorner \
Wohnungsbau-Genossenschaft eG (GWG), invites you to the first network meeting at Treff-PUNKT 53. \
Everyone is welcome to talk, in a creative atmosphere, about good neighbourhood and community.

In Germany, one person in ten feels lonely. The Quartiersmanagement wants to counter this and \
build a network that brings people together – with a new way of taking part that listens to \
what the residents want.

There is an exhibition on “Good neighbourhood”. Share your thoughts on two questions: “What \
does good neighbourhood mean to me?” and “What do I wish for my neighbourhood?”

Questions and registration: Ulrike Buka, district of Gifhorn, phone (05371) 82562, \
quartiersmanagement@gifhorn.de.""",
        "quartier": "The Quartiersmanagement of the district of Gifhorn is an easy-to-reach contact point: "
                    "it tells you about advice and help on offer and brings neighbours together.",
    },
    "tr": {
        "title": "Topluluğu güçlendirmek: Mahalle yönetiminin ağ buluşması",
        "summary": "İyi komşuluk ve toplumsal birliktelik üzerine sohbet, “İyi Komşuluk” sergisiyle.",
        "description": """\
Gifhorn ilçesi Mahalle Yönetimi, Gifhorner Wohnungsbau-Genossenschaft eG (GWG) ile birlikte \
sizi Treff-PUNKT 53'teki ilk ağ buluşmasına davet ediyor. Herkes, yaratıcı bir ortamda iyi \
komşuluk ve toplumsal birliktelik üzerine konuşmaya davetlidir.

Almanya'da her on kişiden biri kendini yalnız hissediyor. Mahalle Yönetimi buna karşı bir ağ \
kurmak ve bir araya gelmeyi desteklemek istiyor.

Sizi “İyi Komşuluk” konulu bir sergi bekliyor. İki soru hakkındaki düşüncelerinizi paylaşın: \
“İyi komşuluktan ne anlıyorum?” ve “Mahallem için ne diliyorum?”

Sorular ve kayıt: Ulrike Buka, Gifhorn ilçesi, telefon (05371) 82562, \
quartiersmanagement@gifhorn.de.""",
        "quartier": "Gifhorn ilçesi Mahalle Yönetimi kolay ulaşılabilir bir iletişim noktasıdır: "
                    "danışmanlık ve yardım olanakları hakkında bilgi verir ve komşuları bir araya getirir.",
    },
    "de-x-ls": {
        "title": "Treffen für Nachbarn",
        "summary": "Wir reden über gute Nachbarschaft. Es gibt auch eine Ausstellung.",
        "description": """Wir laden Sie ein: zu einem Treffen für Nachbarn.
Das Treffen ist im Treff-PUNKT 53 in Gifhorn.
Das Treffen macht das Quartiers·management vom Landkreis Gifhorn.
Das Quartiers·management hilft den Menschen in einem Stadt·teil.
Die Wohnungs·gesellschaft GWG hilft mit.

Viele Menschen in Deutschland fühlen sich allein.
Das wollen wir ändern.
Nachbarn sollen sich kennen lernen.
Nachbarn sollen sich gegenseitig helfen.

Bei dem Treffen können Sie mit anderen Menschen reden.
Es gibt eine Ausstellung.
Eine Ausstellung ist: Man kann Bilder und Texte ansehen.
Die Ausstellung heißt: Gute Nachbarschaft.

Wir haben 2 Fragen an Sie:
Was ist für Sie gute Nachbarschaft?
Was wünschen Sie sich für Ihren Stadt·teil?

Sie haben Fragen?
Dann rufen Sie Frau Ulrike Buka an.
Die Telefon·nummer ist: (05371) 82562.
Oder schreiben Sie eine E-Mail an: quartiersmanagement@gifhorn.de""",
        "quartier": "Das Quartiers·management hilft den Menschen in Gifhorn. "
                    "Sie können einfach vorbei·kommen. "
                    "Wir sagen Ihnen: Wo bekommen Sie Hilfe? "
                    "Und wir bringen Nachbarn zusammen.",
    },
    "ar": {
        "title": "تقوية المجتمع: لقاء شبكة إدارة الحي",
        "summary": "حديث عن حسن الجوار والتماسك الاجتماعي، مع معرض «حسن الجوار».",
        "description": """تدعوكم إدارة الحي في مقاطعة غيفهورن، بالتعاون مع جمعية غيفهورن للإسكان (GWG)، إلى أول لقاء للشبكة في Treff-PUNKT 53. الجميع مدعوون للحديث في جو إبداعي عن حسن الجوار والتماسك الاجتماعي.

في ألمانيا يشعر شخص واحد من كل عشرة أشخاص بالوحدة. تريد إدارة الحي أن تواجه ذلك وأن تبني شبكة تجمع الناس، وتستمع إلى ما يريده السكان.

ينتظركم معرض عن «حسن الجوار». شاركونا أفكاركم حول سؤالين: «ماذا يعني لي حسن الجوار؟» و«ماذا أتمنى لحيّي؟»

للأسئلة والتسجيل: أولريكه بوكا، مقاطعة غيفهورن، هاتف ‎(05371) 82562‎، quartiersmanagement@gifhorn.de""",
        "quartier": "إدارة الحي في مقاطعة غيفهورن نقطة تواصل سهلة الوصول: "
                    "تعرّفكم على عروض الاستشارة والمساعدة وتجمع الجيران.",
    },
}


# the weekly café in the same languages (its dates are copies of the first and take its versions along)
CAFE_VERSIONS = {
    "en": {"title": "Neighbourhood café", "summary": "Every Monday: coffee, cake and a chat with your neighbours.",
           "description": "Drop in – no need to register, everyone from the neighbourhood is welcome. "
                          "Coffee and cake for a small donation."},
    "tr": {"title": "Komşuluk kafesi", "summary": "Her pazartesi: kahve, pasta ve komşularla sohbet.",
           "description": "Uğrayın – kayıt gerekmez, mahalleden herkes davetlidir. Kahve ve pasta küçük bir bağış karşılığında."},
    "de-x-ls": {"title": "Nachbarschafts·café", "summary": "Jeden Montag: Wir trinken Kaffee. Wir essen Kuchen. Wir reden.",
                "description": "Kommen Sie einfach vorbei. Sie müssen sich nicht anmelden. Alle aus dem Stadt·teil sind willkommen. "
                               "Kaffee und Kuchen kosten nichts. Sie können aber etwas Geld geben."},
    "ar": {"title": "مقهى الجيران", "summary": "كل يوم اثنين: قهوة وكعك وحديث مع الجيران.",
           "description": "تفضلوا بالحضور – لا حاجة للتسجيل، والجميع من الحي مرحَّب بهم. القهوة والكعك مقابل تبرع صغير."},
}

FESTIVAL = dict(
    title="Sommerfest im Quartier",
    summary="Drei Tage Musik, Essen und Begegnung am Treff-PUNKT 53 – von Freitag bis Sonntag, für alle aus dem Quartier.",
    description="Am Freitag ab 16 Uhr Musik aus der Nachbarschaft, am Samstag Flohmarkt und Kinderfest, "
                "am Sonntag ein gemeinsames Frühstück. Der Eintritt ist frei.",
)
FESTIVAL_VERSIONS = {
    "en": {"title": "Neighbourhood summer festival",
           "summary": "Three days of music, food and meeting people at Treff-PUNKT 53 – Friday to Sunday, for everyone in the neighbourhood.",
           "description": "Friday from 4 pm music from the neighbourhood, Saturday a flea market and a children's party, "
                          "Sunday a breakfast together. Admission is free."},
    "tr": {"title": "Mahalle yaz şenliği",
           "summary": "Treff-PUNKT 53'te üç gün müzik, yemek ve buluşma – cumadan pazara, mahalleden herkes için.",
           "description": "Cuma saat 16'dan itibaren mahalleden müzik, cumartesi bit pazarı ve çocuk şenliği, "
                          "pazar günü birlikte kahvaltı. Giriş ücretsizdir."},
    "de-x-ls": {"title": "Sommer·fest im Stadt·teil",
                "summary": "Wir feiern 3 Tage lang am Treff-PUNKT 53. Von Freitag bis Sonntag. Alle sind eingeladen.",
                "description": "Am Freitag gibt es Musik. Am Samstag gibt es einen Floh·markt und ein Fest für Kinder. "
                               "Am Sonntag frühstücken wir zusammen. Sie müssen nichts bezahlen."},
    "ar": {"title": "مهرجان الصيف في الحي",
           "summary": "ثلاثة أيام من الموسيقى والطعام واللقاءات في Treff-PUNKT 53 – من الجمعة إلى الأحد، للجميع من الحي.",
           "description": "يوم الجمعة من الساعة 4 عصرًا موسيقى من الحي، ويوم السبت سوق للأغراض المستعملة وحفلة للأطفال، "
                          "ويوم الأحد فطور مشترك. الدخول مجاني."},
}


async def _save_event_versions(event: Event, versions: dict[str, dict[str, str]]) -> None:
    for lang in translation_languages():
        if lang in versions:
            await save_versions("events", event, lang, versions[lang])


async def _versions(quartier: Quartier, event: Event) -> None:
    """The demo's texts in the other offered languages (unchanged versions are left as they are)."""
    for lang in translation_languages():
        texts = VERSIONS.get(lang)
        if texts:
            await save_versions("events", event, lang, {f: texts[f] for f in ("title", "summary", "description")})
            await save_versions("quartiere", quartier, lang, {"description": texts["quartier"]})


def demo_date(today: date) -> date:
    """The first Monday at least four weeks after ``today``."""
    day = today + timedelta(days=28)
    return day + timedelta(days=(7 - day.weekday()) % 7)


async def _cafe(quartier: Quartier, venue: Venue, today: date) -> None:
    """The seed's weekly follow-up, "Nachbarschaftscafé, jeden Montag 14 Uhr im Treff-PUNKT 53": a series of the next eight Mondays.

    Made again only when every date of the last one has passed.
    """
    upcoming = await Event.exists().where(
        (Event.quartier == quartier.id) & Event.series.is_in(EventSeries.select(EventSeries.id).where(EventSeries.slug.like(f"{CAFE_SLUG}%")))
        & (Event.starts_at > datetime.combine(today, time(23, 59), TZ)))
    if upcoming:
        return
    day = today + timedelta(days=(7 - today.weekday()) % 7 or 7)  # the next Monday
    first = await events.create_event(
        quartier_id=quartier.id, title="Nachbarschaftscafé", slug=await events.free_slug(quartier.id, CAFE_SLUG),
        summary="Jeden Montag: Kaffee, Kuchen und Gespräche unter Nachbarinnen und Nachbarn.",
        description="Kommen Sie vorbei – ohne Anmeldung, für alle aus dem Quartier. Kaffee und Kuchen gibt es gegen eine kleine Spende.",
        starts_at=datetime.combine(day, time(14, 0), TZ), ends_at=datetime.combine(day, time(16, 0), TZ), venue=venue.id,
        contact_name="Ulrike Buka", contact_phone="(05371) 82562", contact_email="quartiersmanagement@gifhorn.de",
    )
    await _save_event_versions(first, CAFE_VERSIONS)
    await events.publish_event(first.id)
    await create_series(first.id, "weekly", None, CAFE_DATES, "")


async def _past_event(quartier: Quartier, venue: Venue, today: date) -> None:
    """A neighbourhood party three weeks before the first load (the plugins add its anonymous counts)."""
    if await Event.exists().where((Event.quartier == quartier.id) & (Event.slug == PAST_SLUG)):
        return
    day = today - timedelta(days=21)
    past = await events.create_event(
        quartier_id=quartier.id, title="Frühlingsfest im Quartier", slug=PAST_SLUG,
        summary="Musik, Kuchen und Spiele für Groß und Klein rund um den Treff-PUNKT 53.",
        starts_at=datetime.combine(day, time(15, 0), TZ), ends_at=datetime.combine(day, time(18, 0), TZ), venue=venue.id,
        contact_name="Ulrike Buka", contact_phone="(05371) 82562", contact_email="quartiersmanagement@gifhorn.de",
    )
    await events.publish_event(past.id)


def festival_dates(today: date) -> tuple[datetime, datetime]:
    """Friday 15:00 to Sunday 18:00, the first weekend at least six weeks after ``today``."""
    friday = today + timedelta(days=42)
    friday += timedelta(days=(4 - friday.weekday()) % 7)
    return datetime.combine(friday, time(15, 0), TZ), datetime.combine(friday + timedelta(days=2), time(18, 0), TZ)


async def _festival(quartier: Quartier, venue: Venue, today: date) -> None:
    """The summer festival over three days; moved forward again once it has passed."""
    starts_at, ends_at = festival_dates(today)
    festival = await Event.objects().where((Event.quartier == quartier.id) & (Event.slug == FESTIVAL_SLUG)).first()
    if festival is None:
        festival = await events.create_event(
            quartier_id=quartier.id, slug=FESTIVAL_SLUG, **FESTIVAL, starts_at=starts_at, ends_at=ends_at, venue=venue.id,
            contact_name="Ulrike Buka", contact_phone="(05371) 82562", contact_email="quartiersmanagement@gifhorn.de",
        )
        await _save_event_versions(festival, FESTIVAL_VERSIONS)
        await events.publish_event(festival.id)
    elif festival.ends_at.astimezone(TZ).date() < today:
        await events.update_event(festival.id, starts_at=starts_at, ends_at=ends_at)


async def _get_or_create(table, where, values):
    row = await table.objects().where(where).first()
    if row is None:
        row = table(**values)
        await row.save()
    return row


async def load_demo(deployment: Deployment, today: date | None = None) -> Event:
    today = today or datetime.now(TZ).date()
    quartier = await _get_or_create(Quartier, Quartier.slug == QUARTIER_SLUG, QUARTIER)
    venue = await _get_or_create(
        Venue,
        (Venue.quartier == quartier.id) & (Venue.name == "Treff-PUNKT 53"),
        dict(quartier=quartier.id, name="Treff-PUNKT 53", postal_code="38518", city="Gifhorn"),
    )
    orgs = [
        (await _get_or_create(Organisation, Organisation.name == values["name"], values), role)
        for values, role in ORGANISATIONS
    ]
    day = demo_date(today)
    starts_at = datetime.combine(day, time(14, 0), TZ)
    ends_at = datetime.combine(day, time(17, 0), TZ)

    event = await Event.objects().where((Event.quartier == quartier.id) & (Event.slug == EVENT_SLUG)).first()
    if event is None:
        event = await events.create_event(
            quartier_id=quartier.id,
            title="Gemeinschaft stärken: Netzwerktreff des Quartiersmanagements",
            slug=EVENT_SLUG,
            summary="Austausch über gute Nachbarschaft und soziale Gemeinschaft, mit Ausstellung „Gute Nachbarschaft“.",
            description=DESCRIPTION,
            starts_at=starts_at,
            ends_at=ends_at,
            venue=venue.id,
            contact_name="Ulrike Buka",
            contact_phone="(05371) 82562",
            contact_email="quartiersmanagement@gifhorn.de",
            organisations=[(org.id, role) for org, role in orgs],
        )
    elif event.starts_at.astimezone(TZ).date() <= today:
        event = await events.update_event(event.id, starts_at=starts_at, ends_at=ends_at)
    if event.status == "draft":
        event = await events.publish_event(event.id)
    await _versions(quartier, event)
    await _cafe(quartier, venue, today)
    await _past_event(quartier, venue, today)
    await _festival(quartier, venue, today)

    await deployment.hooks.load_demo(deployment=deployment, quartier_id=quartier.id, event_id=event.id, quartier=quartier.id)
    return event
