"""A sample third-party plugin used by the core's tests: it implements every core hook."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, ClassVar

import click
import msgspec
from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody
from litestar.response import Template
from markupsafe import Markup, escape

from core.plugin_api import (
    Action,
    Audience,
    AudienceMember,
    CockpitPanel,
    Deployment,
    DomainEvent,
    EventDetail,
    Field,
    Job,
    MenuLink,
    MessageRecipient,
    MessageType,
    Metric,
    PageBlock,
    Personal,
    Quartier,
    ReadinessCheck,
    ReportFigure,
    Resource,
    Role,
    StaffContext,
    Widget,
    by_month,
    current,
    event_figures,
    get_quartier,
    plugin_gettext,
    hookimpl,
    hookspec,
    page,
    publish,
    quartier_for_command,
    require_staff,
    transaction,
)
from quartier_greeter.piccolo_app import APP_CONFIG
from quartier_greeter.tables import Greeting, ReceivedEvent

_ = plugin_gettext("greeter")

HERE = Path(__file__).parent
calls: list[str] = []  # what the lifecycle hooks saw, for the tests
GATE: asyncio.Event | None = None  # when a test sets one, a greeting "langsam" is handled only once it is set


class GreeterSettings(msgspec.Struct, forbid_unknown_fields=True):
    greeting: str = "Moin"
    repeat: int = 1


class GreetingSent(DomainEvent):
    name: ClassVar[str] = "greeter.greeting_sent"
    text: str
    requester_email: Annotated[str, Personal] = ""


GREETING_MESSAGE = MessageType(
    key="greeting", label="Gruß",
    texts={"de": "Betreff: Ein Gruß aus {{ quartier.name }}\nHallo {{ name }},\n\n{{ text }}\n",
           "en": "Subject: A greeting from {{ quartier.name }}\nHello {{ name }},\n\n{{ text }}\n",
           "tr": "Subject: {{ quartier.name }} mahallesinden selamlar\nMerhaba {{ name }},\n\n{{ text }}\n",
           "ar": "Subject: تحية من {{ quartier.name }}\nمرحبًا {{ name }}،\n\n{{ text }}\n",
           "ru": "Subject: Привет из квартала «{{ quartier.name }}»\nЗдравствуйте, {{ name }}!\n\n{{ text }}\n",
           "uk": "Subject: Вітання з кварталу «{{ quartier.name }}»\nДобрий день, {{ name }}!\n\n{{ text }}\n"},
    variables=("text",), channels=("email", "call"), example={"text": "Moin!"},
)


async def guests(event_id: int) -> list[AudienceMember]:
    """The sample's audience: two guests per calendar event, one of them without e-mail."""
    return [AudienceMember(key=f"guest{event_id}a", to=MessageRecipient(name="Gast A", email=f"gast{event_id}@example.org")),
            AudienceMember(key=f"guest{event_id}b", to=MessageRecipient(name="Gast B", phone="05371 0"))]


GUESTS = Audience(key="guests", label="Gäste", members=guests)


class GreeterSpecs:
    @hookspec
    def greeting_suffix(self) -> str:
        """Return text appended to the greeting."""


class GreetingBody(msgspec.Struct):
    text: str = msgspec.field(name="text")


def settings() -> GreeterSettings:
    from core.plugin_api import current

    return current().settings_for("greeter")


@get("/{quartier:str}/greeting", opt={"quartier": "path:quartier"})
async def greeting_page(quartier: FromPath[str]) -> Template:
    q = await get_quartier(quartier)
    if q is None:
        raise NotFoundException()
    from core.plugin_api import current

    suffixes = list(current().hooks.greeting_suffix().values())
    text = " ".join([settings().greeting] * settings().repeat + suffixes)
    return Template(template_name="greeter/greeting.html", context={"quartier": q, "text": text})


@post("/api/greeter/{quartier:str}/greetings", opt={"quartier": "path:quartier"}, status_code=201)
async def send_greeting(quartier: FromPath[str], data: JSONBody[GreetingBody]) -> dict[str, str]:
    q = await get_quartier(quartier)
    if q is None:
        raise NotFoundException()
    async with transaction():
        await publish(GreetingSent(quartier_id=q.id, text=data.text))
        if data.text == "fail":
            raise RuntimeError("rolled back on purpose")
    return {"sent": data.text}


@get("/api/greeter/received", opt={"quartier": "none"})
async def received() -> list[dict[str, object]]:
    rows = await ReceivedEvent.select(ReceivedEvent.name, ReceivedEvent.quartier_id).order_by(ReceivedEvent.id)
    return rows


async def greeting_counts(staff: StaffContext) -> list[tuple[str, int]]:
    """(Quartier name, number of greetings) for the Quartiere ``staff`` may see."""
    quartiere = Quartier.objects().order_by(Quartier.name)
    shown = staff.quartiere_for("greeter")
    if shown is not None:
        quartiere = quartiere.where(Quartier.id.is_in(list(shown) or [-1]))
    return [(q.name, await Greeting.count().where(Greeting.quartier == q.id)) for q in await quartiere]


@get("/staff/greeter", opt={"quartier": "none"})
async def staff_overview(request: Request) -> Template:
    staff = await require_staff(request)  # not logged in: the core redirects to the login page
    return page(request, "greeter/staff.html", {"counts": await greeting_counts(staff)}, staff=staff)


async def hide_greeting(row: Greeting, staff: StaffContext) -> None:
    await Greeting.update({Greeting.shown: False}).where(Greeting.id == row.id)


HOST = Role("greeter-host", "Grußdienst", "Liest die Grüße der zugewiesenen Quartiere, sonst nichts.")

GREETINGS = Resource(
    name="greeter-greetings",
    table=Greeting,
    label="Gruß",
    label_plural="Grüße",
    fields=[
        Field("text", "Text", required=True, max_length=200, help="Erscheint auf den Veranstaltungsseiten des Quartiers."),
        Field("quartier", "Quartier", type="fk", references="quartiere", required=True, editable=False),
        Field("shown", "Anzeigen", type="bool", default=True),
    ],
    list_columns=["text", "quartier", "shown"],
    search_fields=["text"],
    filters=["quartier", "shown"],
    ordering="text",
    view_roles=("admin", "staff", HOST.key),
    title=lambda row: row.text,
    actions=[Action("hide", "Ausblenden", hide_greeting, visible=lambda row: row.shown)],
    menu_group="Grüße",
)


@hookimpl
def plugin_settings():
    return GreeterSettings


@hookimpl
def register_tables():
    return APP_CONFIG


@hookimpl
def register_domain_events():
    return [GreetingSent]


@hookimpl
def register_routes(deployment: Deployment):
    return [greeting_page, send_greeting, received, staff_overview]


@hookimpl
def register_templates():
    return [str(HERE / "templates")]


@hookimpl
def register_static():
    return {"greeter": str(HERE / "static")}


@hookimpl
def register_hookspecs():
    return GreeterSpecs


@hookimpl
def register_commands(cli: click.Group):
    @cli.command("greet")
    @click.argument("name")
    def greet(name: str) -> None:
        """Say hello (sample plugin command)."""
        click.echo(f"{settings().greeting}, {name}!")

    @cli.command("greetings")
    @click.argument("quartier_slug")
    def greetings(quartier_slug: str) -> None:
        """Count the greetings of a Quartier (sample command that acts on a Quartier)."""
        import asyncio

        async def count() -> tuple[str, int]:
            current().bind()
            quartier = await quartier_for_command(quartier_slug, "greeter")
            return quartier.name, await Greeting.count().where(Greeting.quartier == quartier.id)

        name, number = asyncio.run(count())
        click.echo(f"{number} greetings in {name}.")


@hookimpl
def startup(deployment: Deployment):
    calls.append("startup")


@hookimpl
async def shutdown(deployment: Deployment):
    calls.append("shutdown")


async def tick(deployment: Deployment, quartiere: frozenset[int] | None) -> None:
    calls.append(f"tick:{sorted(quartiere or [])}")


@hookimpl
def background_tasks(deployment: Deployment):
    return [Job("tick", tick, seconds=0.01)]


@hookimpl
async def readiness_checks(deployment: Deployment):
    hidden = await Greeting.count().where(Greeting.shown == False)  # noqa: E712
    return [ReadinessCheck("greetings", hidden <= 2, f"{hidden} greetings wait to be shown (at most 2).")]


@hookimpl
async def metrics(deployment: Deployment):
    shown = await Greeting.count().where(Greeting.shown == True)  # noqa: E712
    hidden = await Greeting.count().where(Greeting.shown == False)  # noqa: E712
    return [Metric("greetings", "Greetings by whether they are shown", shown, {"shown": "yes"}),
            Metric("greetings", "Greetings by whether they are shown", hidden, {"shown": "no"})]


@hookimpl
async def report_figures(deployment: Deployment, quartier_id: int, start, end):
    # waves counted at the door with change_count("greeter", event_id, "waved", 1)
    rows = await event_figures("greeter", quartier_id=quartier_id, start=start, end=end, kinds=("waved",))
    return [ReportFigure("waved", _("Zugewunken"), by_month(rows))]


@hookimpl
async def on_domain_event(event: DomainEvent, deployment: Deployment):
    if await ReceivedEvent.exists().where(ReceivedEvent.event_id == event.event_id):
        return  # idempotent: the same event may be offered again
    if getattr(event, "text", "") == "langsam" and GATE is not None:
        await GATE.wait()
    if getattr(event, "text", "") == "explode" and "exploded" not in calls:
        calls.append("exploded")
        raise RuntimeError("first delivery fails")
    await ReceivedEvent.insert(ReceivedEvent(event_id=event.event_id, name=type(event).name, quartier_id=event.quartier_id))


@hookimpl
def register_message_types():
    return [GREETING_MESSAGE]


@hookimpl
def register_audiences():
    return [GUESTS]


@hookimpl
async def load_demo(deployment: Deployment, quartier_id: int, event_id: int):
    calls.append(f"demo:{quartier_id}:{event_id}")


@hookimpl
def register_locales():
    return [str(HERE / "locale")]  # holds locale/en/LC_MESSAGES/messages.po


@hookimpl
def register_roles():
    return [HOST]


@hookimpl
def staff_resources(deployment: Deployment):
    return [GREETINGS]


@hookimpl
def menu_links(deployment: Deployment, staff: StaffContext):
    return [MenuLink(label="Grüße im Überblick", url="/staff/greeter", group="Grüße")]


@hookimpl
async def dashboard_widgets(deployment: Deployment, staff: StaffContext):
    total = sum(count for _name, count in await greeting_counts(staff))
    text = _("{n} Grüße in Ihren Quartieren").format(n=total)
    return [Widget(title=_("Grüße"), html=Markup(f"<p>{escape(text)}</p>"), order=50)]


@hookimpl
async def event_list_notes(deployment: Deployment, events: list[EventDetail]):
    first = await Greeting.objects().where(
        (Greeting.quartier == events[0].quartier.id) & (Greeting.shown == True)  # noqa: E712
    ).order_by(Greeting.id).first()  # one query for all events: they are in one Quartier
    return {d.event.id: first.text for d in events} if first else {}  # a str: the core escapes it


@hookimpl
async def event_page_blocks(deployment: Deployment, event: EventDetail, request: Request):
    rows = await Greeting.objects().where(
        (Greeting.quartier == event.quartier.id) & (Greeting.shown == True)  # noqa: E712
    ).order_by(Greeting.id)
    if not rows:
        return []
    html = Markup("").join(Markup("<p>{}</p>").format(row.text) for row in rows)  # format() escapes
    return [PageBlock(title=_("Gruß"), html=html)]


@hookimpl
async def quartier_page_blocks(deployment: Deployment, quartier_row: Quartier, request: Request):
    rows = await Greeting.objects().where((Greeting.quartier == quartier_row.id) & (Greeting.shown == True))  # noqa: E712
    html = Markup("").join(Markup("<p>{}</p>").format(row.text) for row in rows)
    return [PageBlock(title=_("Gruß"), html=html)] if rows else []


@hookimpl
async def event_cockpit_panels(deployment: Deployment, staff: StaffContext, event: EventDetail):
    shown = await Greeting.count().where((Greeting.quartier == event.quartier.id) & (Greeting.shown == True))  # noqa: E712
    return [CockpitPanel(title=_("Grüße"), figures=[(_("Gruß"), str(shown))], links=[(_("Grüße im Überblick"), "/staff/greeter")],
                         quick_links=[(_("Grüße im Überblick"), "/staff/greeter")]),
            CockpitPanel(title="Nur für Admins", html=Markup("<p>{}</p>").format(event.event.title), roles=("admin",), order=200)]
