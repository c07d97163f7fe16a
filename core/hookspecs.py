"""The hooks a Quartier plugin can implement.

Each hook is documented in ``docs/plugins.md`` under its exact signature;
``tests/core/test_hookspecs.py`` fails when a hook lacks documentation or a test.
Call hooks with keyword arguments only. A hook may return an awaitable where its
documentation says so; the caller awaits it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    import msgspec
    from piccolo.conf.apps import AppConfig

    from core.deployment import Deployment
    from core.domain_events import DomainEvent
    from core.messaging.types import MessageRequest, MessageType

hookspec = pluggy.HookspecMarker("quartier")
hookimpl = pluggy.HookimplMarker("quartier")


@hookspec(firstresult=True)
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
def register_routes(deployment: Deployment) -> list[Any]:
    """Return Litestar route handlers, controllers or routers to mount.

    Paths with a ``{quartier:str}`` or ``{event_id:int}`` parameter answer 404
    when the plugin is switched off for that Quartier.
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
def register_hookspecs() -> Any:
    """Return a module or class with further ``hookspec``-marked functions.

    Lets a plugin define hooks that other plugins implement (for example the
    notification channels of the notifications plugin).
    """


@hookspec
def startup(deployment: Deployment) -> Any:
    """Run once when the web application starts; may return an awaitable."""


@hookspec
def shutdown(deployment: Deployment) -> Any:
    """Run once when the web application stops; may return an awaitable."""


@hookspec
def background_tasks(deployment: Deployment) -> list[Any]:
    """Return ``(seconds, coroutine_function)`` pairs run periodically by the app.

    Each coroutine function is called as ``await fn(deployment)`` every
    ``seconds``; an exception is logged and the task runs again next time.
    """


@hookspec
def on_domain_event(event: DomainEvent, deployment: Deployment) -> Any:
    """React to a domain event after the transaction that published it committed.

    Called only for plugins switched on for the event's Quartier. May return an
    awaitable. A failing plugin is logged and does not stop the others; the
    event is offered again later, so handlers must be idempotent
    (``event.event_id`` identifies it).
    """


@hookspec
def load_demo(deployment: Deployment, quartier_id: int, event_id: int) -> Any:
    """Add this plugin's part of the demo deployment (``quartier demo``); may return an awaitable.

    Called after the core created the demo Quartier and its demo event; must be
    idempotent, since ``quartier demo`` may run again on the same database.
    """


@hookspec
def register_locales() -> list[str]:
    """Return folders holding ``<lang>/LC_MESSAGES/messages.po`` catalogs for the plugin's UI texts.

    The UI's source language is German; catalogs add English (and others).
    """


@hookspec
def staff_resources(deployment: Deployment) -> list[Any]:
    """Return ``core.plugin_api.Resource`` declarations; the core generates their staff screens.

    List, detail, create, edit, delete, search, filters, sorting, CSV export, and
    scoping to the user's Quartiere come with the declaration.
    """


@hookspec
def menu_links(deployment: Deployment, staff: Any) -> list[Any]:
    """Return ``MenuLink`` entries for the staff menu (hand-written pages); ``staff`` is the StaffContext."""


@hookspec
def dashboard_widgets(deployment: Deployment, staff: Any) -> Any:
    """Return ``Widget`` boxes for the staff dashboard, or an awaitable of them.

    Called per plugin in isolation: a failing widget is logged and left out.
    """


@hookspec
def event_page_blocks(deployment: Deployment, event: Any, request: Any) -> Any:
    """Return ``PageBlock`` items for a public event page (an awaitable is fine).

    ``event`` is the ``EventDetail``. Called only for plugins switched on in the
    event's Quartier, each in isolation.
    """


# -- messaging (core/messaging): declared by any plugin, delivered by one ----------------------
@hookspec
def register_message_types() -> list[MessageType]:
    """Return the ``MessageType``s this plugin sends with ``send_message``.

    The messaging plugin shows their texts to staff for editing and refuses a
    request for a type no plugin declared.
    """


@hookspec(firstresult=True)
def deliver_message(request: MessageRequest, deployment: Deployment) -> Any:
    """Take a ``MessageRequest``: render its text, pick a channel, queue it; return a ``MessageResult``.

    Implemented by the plugin that delivers messages (one per deployment);
    other plugins call ``send_message``, never this hook. Raises ``MessageError``
    for an unknown type or a request without a recipient.
    """


@hookspec(firstresult=True)
def withdraw_messages(owner: str, key_prefix: str, erase: bool, deployment: Deployment) -> Any:
    """Cancel the ``owner`` plugin's unsent messages whose idempotency key starts with ``key_prefix`` (``erase``: delete
    them, sent or not); return how many. Implemented by the plugin that delivers messages."""
