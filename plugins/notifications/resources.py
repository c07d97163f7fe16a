"""Staff screens: the delivery log (with resend) and announcements (preview, test, send, progress)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from core.plugin_api import Action, Event, Field, Resource, StaffContext, offered_languages
from plugins.notifications import announcements, apprise_channel, messages, service, subscriptions
from plugins.notifications.tables import Announcement, AppriseTarget, MessageTemplate, OutboxMessage, Subscription

STATUS_CHOICES = [("pending", "Ausstehend"), ("sending", "Wird gesendet"), ("sent", "Versandt"), ("failed", "Fehlgeschlagen"),
                  ("cancelled", "Entfallen")]
KIND_CHOICES = [("announcement", "Mitteilung"), ("announcement-test", "Mitteilung (Test)"),
                ("moderation_digest", "Moderations-Übersicht"), ("subscription_confirm", "Abonnement: Bestätigung"),
                ("subscription_digest", "Abonnement: neue Termine")]


class WithDeclared(list):
    """Choices: these, then ``read()``'s, which the loaded plugins and the deployment decide when a form is built.
    Without a deployment (collecting this plugin's texts) only these."""

    def __init__(self, choices: Any, read: Any) -> None:
        super().__init__(choices)
        self.read = read

    def __iter__(self):
        from core.plugin_api import current

        yield from super().__iter__()
        try:
            current()
        except RuntimeError:
            return
        yield from self.read()


def _in_their_catalogs(declared: dict[str, str]) -> list[tuple[str, str]]:
    """``(<plugin>.<key>, label)``: a declared label is its plugin's text, translated in that plugin's catalog."""
    from core.plugin_api import plugin_gettext

    return [(key, plugin_gettext(key.split(".")[0])(label)) for key, label in declared.items()]


def _declared_kinds() -> list[tuple[str, str]]:
    from plugins.notifications.messages import declared

    return _in_their_catalogs({kind: message_type.label for kind, message_type in declared().items()})


def _declared_audiences() -> list[tuple[str, str]]:
    from plugins.notifications.messages import audiences

    return _in_their_catalogs({key: audience.label for key, (_plugin, audience) in audiences().items()})


async def _resend(row: OutboxMessage, ctx: StaffContext) -> None:
    await service.resend(row.id)


DELIVERY_LOG = Resource(
    name="notifications-log",
    table=OutboxMessage,
    label="Nachricht",
    label_plural="Versandprotokoll",
    fields=[
        Field("recipient", "Empfänger"),
        Field("person", "Person"),
        Field("kind", "Art", type="choice", choices=WithDeclared(KIND_CHOICES, _declared_kinds)),
        Field("status", "Status", type="choice", choices=STATUS_CHOICES),
        Field("event_id", "Veranstaltung", type="fk", references="events"),
        Field("channel", "Kanal"),
        Field("subject", "Betreff"),
        Field("attempts", "Versuche", type="int"),
        Field("last_error", "Letzter Fehler", type="textarea"),
        Field("next_attempt_at", "Nächster Versuch", type="datetime"),
        Field("sent_at", "Versandt am", type="datetime"),
        Field("created_at", "Erstellt am", type="datetime"),
    ],
    list_columns=["recipient", "kind", "status", "attempts", "sent_at"],
    search_fields=["recipient", "person", "subject"],
    filters=["status", "kind", "event_id"],
    ordering="-id",
    quartier_path="quartier_id",
    only=lambda: OutboxMessage.channel != "call",
    create_roles=(), edit_roles=(), delete_roles=("admin",),
    title=lambda row: f"{row.subject} → {row.recipient}",
    actions=[Action("resend", "Erneut senden", _resend, visible=lambda row: row.status == "failed", style="primary")],
    menu_group="Benachrichtigungen",
)


async def create_announcement(values: dict[str, Any], ctx: StaffContext) -> Announcement:
    event = await Event.objects().where(Event.id == values["event"]).first()
    row = Announcement(event=event.id, quartier_id=event.quartier, subject=values["subject"], body=values["body"],
                       audience=values["audience"], created_by=ctx.user.id)
    await row.save()
    return row


async def update_announcement(row: Announcement, values: dict[str, Any], ctx: StaffContext) -> Announcement:
    if row.status == "sent":
        raise ValueError("Eine versandte Mitteilung kann nicht mehr geändert werden.")
    for name in ("subject", "body", "audience"):
        setattr(row, name, values[name])
    await row.save()
    return row


async def announcement_extra(row: Announcement) -> dict[str, Any]:
    people = await announcements.audience(row)
    counts = await announcements.progress(row.id)
    return {
        "recipients": sum(1 for m in people if m.to.email),
        "calls": sum(1 for m in people if not m.to.email),
        "progress": announcements.describe(counts) if row.status == "sent" else "",
        "preview": await announcements.preview(row),
    }


async def _send_test(row: Announcement, ctx: StaffContext) -> None:
    await announcements.send_test(row, ctx.user.name, ctx.user.email)


async def _send(row: Announcement, ctx: StaffContext) -> None:
    if not await announcements.send(row):
        raise ValueError("Niemand hat eine E-Mail-Adresse oder Telefonnummer für diese Mitteilung angegeben.")


ANNOUNCEMENTS = Resource(
    name="announcements",
    table=Announcement,
    label="Mitteilung",
    label_plural="Mitteilungen",
    fields=[
        Field("event", "Veranstaltung", type="fk", references="events", required=True, editable=False),
        Field("audience", "An", type="choice", choices=WithDeclared([], _declared_audiences), required=True),
        Field("subject", "Betreff", required=True, max_length=200),
        Field("body", "Text", type="textarea", required=True,
              help="Anrede, Fußzeile mit Ihren Kontaktdaten und der Abbestell-Link werden ergänzt."),
        Field("status", "Status", type="choice", choices=[("draft", "Entwurf"), ("sent", "Versandt")], in_form=False),
        Field("recipients", "Empfänger (mit E-Mail)", type="int", in_form=False),
        Field("calls", "Auf die Anrufliste (ohne E-Mail)", type="int", in_form=False),
        Field("progress", "Versandstand", in_form=False),
        Field("preview", "Vorschau", type="textarea", in_form=False),
    ],
    list_columns=["subject", "event", "audience", "status"],
    search_fields=["subject"],
    filters=["status", "event"],
    ordering="-id",
    quartier_path="quartier_id",
    title=lambda row: row.subject,
    create=create_announcement,
    update=update_announcement,
    load_extra=announcement_extra,
    actions=[
        Action("test", "Test an mich senden", _send_test, visible=lambda row: row.status == "draft"),
        Action("send", "Jetzt senden", _send, visible=lambda row: row.status == "draft", style="primary",
               confirm="Die Mitteilung jetzt an alle Empfänger senden? Das lässt sich nicht zurücknehmen."),
    ],
    menu_group="Benachrichtigungen",
)


# -- message texts ---------------------------------------------------------------------------------
LANGUAGE_CHOICES = WithDeclared([], offered_languages)  # each named in itself
EDITABLE_KINDS = WithDeclared([(k, label) for k, label in KIND_CHOICES if k in messages.VARIABLES], _declared_kinds)


def check_template(values: dict[str, Any]) -> dict[str, str]:
    text = values.get("text")
    if text:
        problem = messages.check(text)
        if problem:
            return {"text": problem}
    return {}


async def _starting_text(kind: str, language: str, quartier_id: int | None) -> str:
    """A text left empty: a Quartier's own starts from the deployment's default, the default from the shipped text."""
    if quartier_id is None:
        return messages.default_text(kind, language)
    return await messages.source(kind, language, quartier_id=None)


async def create_template(values: dict[str, Any], ctx: StaffContext) -> MessageTemplate:
    from core.plugin_api import FieldError

    kind, language, quartier = values["kind"], values["language"], values.get("quartier")
    row = MessageTemplate(kind=kind, language=language, quartier=quartier,
                          text=values.get("text") or await _starting_text(kind, language, quartier))
    # the unique index on (kind, language, Quartier) decides, also between two staff members at once
    inserted = await MessageTemplate.insert(row).on_conflict(action="DO NOTHING").returning(MessageTemplate.id)
    if not inserted:
        raise FieldError("kind", "Für diese Art, Sprache und dieses Quartier gibt es schon einen Text; bitte bearbeiten Sie ihn.")
    row.id = inserted[0]["id"]
    return row


async def update_template(row: MessageTemplate, values: dict[str, Any], ctx: StaffContext) -> MessageTemplate:
    row.text = values.get("text") or await _starting_text(row.kind, row.language, row.quartier)
    row.updated_at = service.now()
    await row.save()
    return row


EXAMPLE_QUARTIER = {"name": "Nordstadt", "office": "Quartiersbüro Nordstadt", "phone": "05371 12345", "email": "nordstadt@example.org"}


async def template_extra(row: MessageTemplate) -> dict[str, Any]:
    quartier = await messages.quartier_context(row.quartier) if row.quartier is not None else EXAMPLE_QUARTIER
    context = {**messages.example(row.kind), "quartier": quartier}
    try:
        subject, text, _html = messages.render_text(row.text, row.language, context)
    except Exception as exc:  # a variable that does not exist for this kind
        return {"preview": f"Vorschau nicht möglich: {exc}", "variables": ", ".join(messages.variables(row.kind))}
    return {"preview": f"Betreff: {subject}\n\n{text}", "variables": ", ".join(messages.variables(row.kind))}


def template_links(row: MessageTemplate) -> list[tuple[str, str]]:
    if row.quartier is not None:
        return []
    return [("Eigene Fassung für ein Quartier anlegen",
             f"/staff/r/message-templates/new?{urlencode({'kind': row.kind, 'language': row.language})}")]


TEMPLATES = Resource(
    name="message-templates",
    table=MessageTemplate,
    label="Nachrichtentext",
    label_plural="Nachrichtentexte",
    fields=[
        Field("kind", "Art", type="choice", choices=EDITABLE_KINDS, required=True, editable=False),
        Field("language", "Sprache", type="choice", choices=LANGUAGE_CHOICES, required=True, default="de", editable=False),
        Field("quartier", "Quartier", type="fk", references="quartiere", editable=False, empty_label="Alle Quartiere (Standard)",
              help="Der Text für alle Quartiere gilt, wo ein Quartier keinen eigenen hat; nur Administratoren ändern ihn."),
        Field("text", "Text", type="textarea",
              help="Erste Zeile „Betreff: …“. Platzhalter wie {{ name }} oder {{ quartier.name }} werden ersetzt; "
                   "die Fußzeile mit den Kontaktdaten des Quartiers wird angehängt. Leer lassen: Standardtext."),
        Field("variables", "Verfügbare Platzhalter", in_form=False),
        Field("preview", "Vorschau mit Beispieldaten", type="textarea", in_form=False),
        Field("updated_at", "Geändert am", type="datetime", in_form=False),
    ],
    list_columns=["kind", "language", "quartier", "updated_at"],
    filters=["kind", "language", "quartier"],
    ordering="kind",
    quartier_path="quartier",
    deployment_wide_rows=True,
    title=lambda row: f"{dict(EDITABLE_KINDS).get(row.kind, row.kind)} ({row.language})",
    create=create_template,
    update=update_template,
    check=check_template,
    load_extra=template_extra,
    links=template_links,
    menu_group="Benachrichtigungen",
)


# -- call list: people registered by phone only -----------------------------------------------------
async def _called(row: OutboxMessage, ctx: StaffContext) -> None:
    await OutboxMessage.update({OutboxMessage.status: "sent", OutboxMessage.sent_at: service.now(),
                                OutboxMessage.last_error: f"angerufen von {ctx.user.name}"}).where(OutboxMessage.id == row.id)


CALL_LIST = Resource(
    name="call-list",
    table=OutboxMessage,
    label="Anruf",
    label_plural="Anrufliste",
    fields=[
        Field("person", "Person"),
        Field("recipient", "Telefon", type="tel"),
        Field("kind", "Anlass", type="choice", choices=WithDeclared(KIND_CHOICES, _declared_kinds)),
        Field("event_id", "Veranstaltung", type="fk", references="events"),
        Field("status", "Status", type="choice", choices=[("pending", "Offen"), ("sent", "Erledigt"), ("cancelled", "Entfallen")]),
        Field("body_text", "Was zu sagen ist", type="textarea"),
        Field("last_error", "Vermerk"),
        Field("created_at", "Seit", type="datetime"),
    ],
    list_columns=["person", "recipient", "kind", "event_id", "status"],
    search_fields=["person", "recipient"],
    filters=["status", "event_id"],
    ordering="id",
    quartier_path="quartier_id",
    only=lambda: OutboxMessage.channel == "call",
    create_roles=(), edit_roles=(), delete_roles=("admin",),
    title=lambda row: f"{row.person} ({row.recipient})",
    actions=[Action("called", "Angerufen", _called, visible=lambda row: row.status == "pending", style="primary")],
    menu_group="Benachrichtigungen",
)


# -- Apprise targets (optional extra) ---------------------------------------------------------------
PURPOSE_CHOICES = [("sms", "SMS an telefonisch Angemeldete"), ("moderation", "Moderations-Übersicht in einen Raum")]


async def quartier_options(ctx: StaffContext) -> list[tuple[str, str]]:
    from core.plugin_api import Quartier

    return [(str(q.id), q.name) for q in await Quartier.objects().order_by(Quartier.name)]


async def create_target(values: dict[str, Any], ctx: StaffContext) -> AppriseTarget:
    from core.plugin_api import FieldError

    problem = apprise_channel.check_url(values["url"], values["purpose"])
    if problem:
        raise FieldError("url", problem)
    row = AppriseTarget(name=values["name"], purpose=values["purpose"], quartier_id=int(values["quartier_id"]) if values.get("quartier_id") else None,
                        url_encrypted=apprise_channel.encrypt(values["url"]))
    await row.save()
    return row


async def update_target(row: AppriseTarget, values: dict[str, Any], ctx: StaffContext) -> AppriseTarget:
    from core.plugin_api import FieldError

    row.name = values["name"]
    row.quartier_id = int(values["quartier_id"]) if values.get("quartier_id") else None
    if values.get("url"):
        problem = apprise_channel.check_url(values["url"], row.purpose)
        if problem:
            raise FieldError("url", problem)
        row.url_encrypted = apprise_channel.encrypt(values["url"])
    await row.save()
    return row


async def target_extra(row: AppriseTarget) -> dict[str, Any]:
    return {"shown_url": apprise_channel.masked(row.url_encrypted), "quartier_id": str(row.quartier_id or "")}


APPRISE_TARGETS = Resource(
    name="apprise-targets",
    table=AppriseTarget,
    label="Apprise-Ziel",
    label_plural="SMS und Chat (Apprise)",
    fields=[
        Field("name", "Name", required=True, max_length=100),
        Field("purpose", "Zweck", type="choice", choices=PURPOSE_CHOICES, required=True, editable=False),
        Field("quartier_id", "Quartier", type="choice", options=quartier_options, help="Leer lassen: für alle Quartiere."),
        Field("url", "Apprise-Adresse", required_on_create=True, max_length=1000,
              help="Wird verschlüsselt gespeichert und nicht wieder angezeigt. SMS: mit {phone}, z. B. "
                   "jsons://sms-gateway.example/send/{phone}. Beim Bearbeiten leer lassen, um sie zu behalten."),
        Field("shown_url", "Adresse", in_form=False),
        Field("created_at", "Angelegt am", type="datetime", in_form=False),
    ],
    list_columns=["name", "purpose", "created_at"],
    ordering="name",
    quartier_path=None,
    view_roles=("admin",), create_roles=("admin",), edit_roles=("admin",), delete_roles=("admin",),
    title=lambda row: row.name,
    create=create_target,
    update=update_target,
    load_extra=target_extra,
    menu_group="Benachrichtigungen",
)


# -- subscriptions to new events: personal data, the addresses for admins only -----------------------


async def _erase_subscription(row: Subscription, ctx: StaffContext) -> None:
    await subscriptions.erase(row)


SUBSCRIPTIONS = Resource(
    name="subscriptions",
    table=Subscription,
    label="Abonnement",
    label_plural="Abonnements",
    fields=[
        Field("email", "E-Mail-Adresse"),
        Field("quartier", "Quartier", type="fk", references="quartiere"),
        Field("series_id", "Reihe", type="int"),
        Field("frequency", "Wie oft?", type="choice", choices=[("weekly", "wöchentlich"), ("instant", "sobald etwas Neues erscheint")]),
        Field("language", "Sprache"),
        Field("consent_text", "Einwilligung (wie gesehen)", type="textarea"),
        Field("consent_version", "Fassung der Einwilligung"),
        Field("created_at", "Angelegt am", type="datetime"),
        Field("confirmed_at", "Bestätigt am", type="datetime"),
        Field("last_sent_at", "Zuletzt versandt", type="datetime"),
    ],
    list_columns=["email", "quartier", "frequency", "confirmed_at"],
    search_fields=["email"],
    filters=["quartier", "frequency"],
    ordering="-id",
    quartier_path="quartier",
    view_roles=("admin",), create_roles=(), edit_roles=(), delete_roles=("admin",),
    delete=_erase_subscription,
    title=lambda row: row.email,
    menu_group="Benachrichtigungen",
)
