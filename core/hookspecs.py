"""The hooks a Quartier plugin can implement.

Each hook is documented in ``docs/plugins.md`` under its exact signature;
``tests/core/test_hookspecs.py`` fails when a hook lacks documentation or a test.
Call a hook only through the runner, ``deployment.hooks.<name>(**kwargs)``
(core/hooks.py). Each spec declares how it is called: ``isolated`` (a failing
plugin is logged and left out; otherwise the start or the request fails with
the plugin's name), ``per_quartier`` (only plugins switched on for the
Quartier are called) and ``awaitable`` (an implementation may return an
awaitable; the runner awaits it).
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from core.hooks import HookspecMarker

if TYPE_CHECKING:
    import click
    import msgspec
    from litestar import Request
    from litestar.types import ControllerRouterHandler
    from piccolo.conf.apps import AppConfig

    from core.accounts.roles import Role
    from core.deployment import Deployment
    from core.domain_events import DomainEvent
    from core.events.service import EventDetail
    from core.events.tables import EventSeries
    from core.jobs.types import Job
    from core.messaging.types import Audience, MessageRequest, MessageResult, MessageType
    from core.ops.metrics import Metric
    from core.ops.readiness import ReadinessCheck
    from core.quartiere.tables import Quartier
    from core.reports.service import ReportFigure
    from core.web.auth import StaffContext
    from core.web.resources import Resource
    from core.web.ui import CockpitPanel, MenuLink, PageBlock, Widget

hookspec = HookspecMarker("quartier")
hookimpl = pluggy.HookimplMarker("quartier")


@hookspec
def plugin_settings() -> type[msgspec.Struct] | None:
    """Return the msgspec Struct that validates this plugin's config section.

    The core decodes the section named after the plugin (``[registration]``)
    with it at start; the validated value is ``deployment.settings_for(name)``.
    """


@hookspec
def register_tables() -> AppConfig | None:
    """Return the plugin's Piccolo ``AppConfig``: its tables and migrations folder.

    ``quartier db migrate`` applies the migrations of the core and of every
    loaded plugin, in the order the plugins are listed.
    """


@hookspec
def register_domain_events() -> list[type[DomainEvent]]:
    """Return the domain event types this plugin publishes.

    Registered types can be stored and decoded again by the core's durable
    event log, and are listed in ``quartier plugins``.
    """


@hookspec
def register_routes(deployment: Deployment) -> list[ControllerRouterHandler]:
    """Return Litestar route handlers, controllers or routers to mount.

    Each route declares its tenant scope, ``opt={"quartier": ...}``
    (core/web/scope.py); it answers 404 where the plugin is switched off.
    """


@hookspec
def register_templates() -> list[str]:
    """Return folders of Jinja2 templates; name templates ``<plugin>/<file>``."""


@hookspec
def register_static() -> dict[str, str]:
    """Return ``{url_name: folder}`` of static files, served at ``/static/<url_name>/``."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``quartier`` command line."""


@hookspec
def register_hookspecs() -> ModuleType | type | None:
    """Return a module or class with further ``hookspec``-marked functions.

    Lets a plugin define hooks that other plugins implement (for example the
    notification channels of the notifications plugin).
    """


@hookspec(awaitable=True)
def startup(deployment: Deployment) -> Awaitable[None] | None:
    """Run once when the web application starts; may return an awaitable.

    A failing plugin stops the start with an error naming it (``HookFailed``).
    """


@hookspec(awaitable=True, isolated=True)
def shutdown(deployment: Deployment) -> Awaitable[None] | None:
    """Run once when the web application stops; may return an awaitable.

    Called per plugin in isolation: a failing plugin is logged and the others still stop.
    """


@hookspec
def background_tasks(deployment: Deployment) -> list[Job]:
    """Return the plugin's scheduled ``Job``s (core/jobs), each with a stable name:
    ``Job("purge", run, daily_at="03:30")`` or ``Job("send", run, seconds=60)``.

    Each time a job is due it is called as ``await job.run(deployment, quartiere)``
    with the ids of the Quartiere where the plugin is switched on (not at all
    while it is off everywhere); a ``deployment_wide`` job gets ``None``. It runs
    once per due time in the whole deployment, whichever process claims it (the
    web processes, or only ``quartier worker`` with ``jobs_run_in = "worker"``;
    an ``every_process`` job in each of them), and at once at start when it is overdue. An exception is logged, shown to
    admins on /staff/jobs and retried after min(interval, 1, 5, 15 minutes).
    """


@hookspec(awaitable=True, isolated=True, per_quartier=True)
def on_domain_event(event: DomainEvent, deployment: Deployment) -> Awaitable[None] | None:
    """React to a domain event after the transaction that published it committed
    (in the web app in a background task, after the response).

    Called only for plugins switched on for the event's Quartier. May return an
    awaitable. A failing plugin is logged and does not stop the others; the
    event is offered again later, so handlers must be idempotent
    (``event.event_id`` identifies it).
    """


@hookspec(awaitable=True, per_quartier=True)
def load_demo(deployment: Deployment, quartier_id: int, event_id: int) -> Awaitable[None] | None:
    """Add this plugin's part of the demo deployment (``quartier demo``); may return an awaitable.

    Called after the core created the demo Quartier and its demo event, for the
    plugins switched on there; must be idempotent, since ``quartier demo`` may run again on the same database.
    """


@hookspec
def register_locales() -> list[str]:
    """Return folders holding ``<lang>/LC_MESSAGES/messages.po`` catalogs for the plugin's UI texts.

    The UI's source language is German; catalogs add English (and others).
    """


@hookspec
def register_roles() -> list[Role]:
    """Return the staff roles this plugin adds to the core's ``admin`` and ``staff``.

    A role grants what the plugin names it in: its resources' ``*_roles``,
    its menu links' and actions' ``roles``, ``require_role`` in its routes.
    The account form offers it while the plugin is loaded; an account keeps a
    role whose plugin is not loaded, but it grants nothing. A key another
    plugin or the core declares stops the start.
    """


@hookspec
def staff_resources(deployment: Deployment) -> list[Resource]:
    """Return ``core.plugin_api.Resource`` declarations; the core generates their staff screens.

    List, detail, create, edit, delete, search, filters, sorting, CSV export, and
    scoping to the user's Quartiere come with the declaration.
    """


@hookspec(isolated=True)
def menu_links(deployment: Deployment, staff: StaffContext) -> list[MenuLink]:
    """Return ``MenuLink`` entries for the staff menu (hand-written pages).

    Called per plugin in isolation: a failing plugin loses only its own links.
    """


@hookspec(awaitable=True, isolated=True)
def dashboard_widgets(deployment: Deployment, staff: StaffContext) -> list[Widget] | Awaitable[list[Widget]]:
    """Return ``Widget`` boxes for the staff dashboard, or an awaitable of them.

    Called per plugin in isolation: a failing widget is logged and left out.
    """


@hookspec(awaitable=True, isolated=True, per_quartier=True)
def event_page_blocks(
    deployment: Deployment, event: EventDetail, request: Request[Any, Any, Any]
) -> list[PageBlock] | Awaitable[list[PageBlock]]:
    """Return ``PageBlock`` items for a public event page (an awaitable is fine).

    ``event`` is the ``EventDetail``. Called only for plugins switched on in the
    event's Quartier, each in isolation.
    """


# -- operations (core/ops) ----------------------------------------------------------------------
@hookspec(awaitable=True, isolated=True)
def readiness_checks(deployment: Deployment) -> list[ReadinessCheck] | Awaitable[list[ReadinessCheck]]:
    """Return ``ReadinessCheck``s for ``/readyz`` (an awaitable is fine): whether this plugin's part works.

    Called at each request to ``/readyz``, after the core found the database reachable and its
    migrations current; a check that is not ``ready`` makes the answer 503, naming it
    ``<plugin>.<name>``. Keep it to a query or two. Called per plugin in isolation: a plugin whose
    hook raises fails as ``<plugin>``.
    """


@hookspec(awaitable=True, isolated=True)
def metrics(deployment: Deployment) -> list[Metric] | Awaitable[list[Metric]]:
    """Return ``Metric`` values for ``/metrics`` (an awaitable is fine), read at each scrape.

    Each is published as ``quartier_<plugin>_<name>``, a gauge or a counter (``_total``). Read them
    from the database, so every process reports the same. Called per plugin in isolation: a failing
    plugin is logged and its metrics are left out of that scrape.
    """


# -- messaging (core/messaging): declared by any plugin, delivered by one ----------------------
@hookspec
def register_message_types() -> list[MessageType]:
    """Return the ``MessageType``s this plugin sends with ``send_message``.

    The messaging plugin shows their texts to staff for editing and refuses a
    request for a type no plugin declared.
    """


@hookspec
def register_audiences() -> list[Audience]:
    """Return the ``Audience``s this plugin can name for a calendar event, e.g. the people registered for it.

    The messaging plugin offers them to staff writing to the people of an event,
    and asks ``members(event_id)`` only in Quartiere where this plugin is on.
    """


@hookspec(firstresult=True, awaitable=True, per_quartier=True)
def deliver_message(request: MessageRequest, deployment: Deployment) -> Awaitable[MessageResult]:
    """Take a ``MessageRequest``: render its text, pick a channel, queue it; return a ``MessageResult``.

    Implemented by the plugin that delivers messages (one per deployment);
    other plugins call ``send_message``, never this hook. Raises ``MessageError``
    for an unknown type or a request without a recipient.
    """


@hookspec(firstresult=True, awaitable=True)
def withdraw_messages(owner: str, key_prefix: str, erase: bool, deployment: Deployment) -> Awaitable[int]:
    """Cancel the ``owner`` plugin's unsent messages whose idempotency key starts with ``key_prefix`` (``erase``: delete
    them, sent or not); return how many. Implemented by the plugin that delivers messages."""


@hookspec(awaitable=True, isolated=True, per_quartier=True)
def event_list_notes(deployment: Deployment, events: list[EventDetail]) -> dict[int, str] | Awaitable[dict[int, str]]:
    """Return a short note per event id for a list of a Quartier's events (the series page), such as
    "Noch 3 Plätze frei.", in the reader's language; leave out events without a note. A ``str`` is escaped,
    a ``Markup`` shown as it is.

    Called only for plugins switched on in the Quartier, each in isolation, once per page for all its events.
    """


# -- reports (core/reports) ----------------------------------------------------------------------
@hookspec(awaitable=True, isolated=True, per_quartier=True)
def report_figures(deployment: Deployment, quartier_id: int, start: date, end: date) -> list[ReportFigure] | Awaitable[list[ReportFigure]]:
    """Return ``ReportFigure``s (counts per month) of a Quartier from ``start`` to ``end`` (dates, both included)
    for the staff report and its XLSX (an awaitable is fine).

    Count events by their first day (``EventFigure.held_on``, or ``local_day``). Called only for plugins
    switched on in the Quartier, each in isolation: a failing plugin is logged and its figures left out.
    """


# -- the event cockpit (core/web/cockpit.py) ---------------------------------------------------
@hookspec(awaitable=True, isolated=True, per_quartier=True)
def event_cockpit_panels(
    deployment: Deployment, staff: StaffContext, event: EventDetail
) -> list[CockpitPanel] | Awaitable[list[CockpitPanel]]:
    """Return ``CockpitPanel`` boxes for an event's staff cockpit (an awaitable is fine).

    ``event`` is the ``EventDetail``. Called only for plugins switched on in the event's
    Quartier, each in isolation; a panel whose ``roles`` exclude the user is left out.
    """


@hookspec(awaitable=True, isolated=True, per_quartier=True)
def quartier_page_blocks(
    deployment: Deployment, quartier_row: Quartier, series: EventSeries | None, request: Request[Any, Any, Any]
) -> list[PageBlock] | Awaitable[list[PageBlock]]:
    """Return ``PageBlock`` items for the public page of a Quartier (``quartier_row``), or of one of its event series
    (``series``; None on the Quartier's page).

    Called only for plugins switched on in the Quartier, each in isolation.
    """
