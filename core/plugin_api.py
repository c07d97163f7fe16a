"""The public surface for plugins: import from here, and only from here.

Everything a plugin needs from the core is re-exported by this module; the
rest of ``core`` may change without notice.
"""

from core.accounts.roles import Role
from core.accounts.service import staff_contacts
from core.cli import quartier_for_command
from core.config import ConfigError
from core.content.service import (
    LocalText, LocalTexts, delete_versions, localize, localize_many, save_versions, translation_languages,
)
from core.db import Statement, after_commit, in_transaction, is_postgres, transaction
from core.deployment import Deployment, current
from core.domain_events import (
    DomainEvent, EventCancelled, EventChanged, EventCopied, EventDecodeError, EventPublished, Personal, SeriesDeleted, StaffAttention, decode_event,
    personal_fields, redacted,
)
from core.db.rows import any_of_param, any_of_statement, as_objects, prefixed_columns, take_prefixed
from core.domain_events.service import erase_events as erase_domain_events, publish as publish_in
from core.events.ical import location_text
from core.events.routes import event_calendar_text, event_page_url
from core.events.service import EventDetail, event_detail, public_event, public_events
from core.events.tables import Event, Organisation, Venue
from core.hookspecs import hookimpl, hookspec
from core.jobs.types import Job
from core.messaging.service import send_message, withdraw_messages
from core.messaging.types import (
    Audience, AudienceMember, MessageError, MessageRecipient, MessageRequest, MessageResult, MessageType, texts_from,
)
from core.ops.metrics import Metric
from core.ops.readiness import ReadinessCheck
from core.printing import Document, file_name as pdf_file_name, pdf_download, poster as pdf_poster
from core.quartiere.service import get_by_slug as get_quartier, is_plugin_enabled, quartiere_with_plugin
from core.quartiere.tables import Quartier
from core.reports.service import (
    CountOutOfRange, ReportFigure, by_month, change_count, event_figures, held_events, local_day, record_once,
)
from core.web.api import ApiError, ErrorOut, error_responses, field_errors, json_body, read_json
from core.web.audit import record as record_audit, redact_audit
from core.web.auth import StaffContext, client_address, require_staff, require_staff_api
from core.web.exports import csv_download, spreadsheet_safe
from core.web.i18n import (
    EASY_LANGUAGE, LANGUAGES, Translator, direction, format_day, format_month_day, format_number, format_short, format_span,
    format_when, html_lang, in_language, language, plugin_gettext,
)
from core.web.params import MAX_INT, Count, Id, Limit, Offset, parse_id, parse_int
from core.web.rendering import bad_request, csrf_input, flash, page, render
from core.web.resources import EMAIL as EMAIL_PATTERN, Action, Field, FieldError, Resource
from core.web.scope import row_scope
from core.web.store import hit as hit_rate_limit, hits as hit_rate_limits
from core.web.text import contains_link, defang
from core.web.ui import CockpitPanel, MenuLink, PageBlock, Widget


def offered_languages() -> list[tuple[str, str]]:
    """The deployment's languages (setting ``languages``) as ``(code, name in that language)``, in that order."""
    return [(code, LANGUAGES[code]) for code in current().settings.languages]


async def publish(event: DomainEvent) -> None:
    """Publish a domain event in the current transaction (delivered after commit)."""
    await publish_in(current(), event)


__all__ = [
    "any_of_param",
    "any_of_statement",
    "as_objects",
    "prefixed_columns",
    "Statement",
    "take_prefixed",
    "Action",
    "ApiError",
    "Audience",
    "CockpitPanel",
    "AudienceMember",
    "ConfigError",
    "CountOutOfRange",
    "EMAIL_PATTERN",
    "Count",
    "Deployment",
    "Document",
    "DomainEvent",
    "ErrorOut",
    "Event",
    "EventCancelled",
    "EventChanged",
    "EventCopied",
    "EventDecodeError",
    "EventDetail",
    "EventPublished",
    "Field",
    "FieldError",
    "Id",
    "Job",
    "Limit",
    "LocalText",
    "LocalTexts",
    "MAX_INT",
    "MenuLink",
    "MessageError",
    "MessageRecipient",
    "MessageRequest",
    "MessageResult",
    "MessageType",
    "Metric",
    "Offset",
    "Organisation",
    "PageBlock",
    "Personal",
    "Quartier",
    "ReportFigure",
    "ReadinessCheck",
    "Resource",
    "Role",
    "SeriesDeleted",
    "Translator",
    "StaffAttention",
    "StaffContext",
    "Venue",
    "Widget",
    "after_commit",
    "bad_request",
    "by_month",
    "change_count",
    "client_address",
    "contains_link",
    "csrf_input",
    "csv_download",
    "decode_event",
    "current",
    "defang",
    "delete_versions",
    "direction",
    "EASY_LANGUAGE",
    "html_lang",
    "erase_domain_events",
    "event_figures",
    "error_responses",
    "event_calendar_text",
    "event_detail",
    "event_page_url",
    "field_errors",
    "flash",
    "get_quartier",
    "held_events",
    "hit_rate_limit",
    "hit_rate_limits",
    "hookimpl",
    "hookspec",
    "in_language",
    "in_transaction",
    "is_plugin_enabled",
    "is_postgres",
    "json_body",
    "language",
    "local_day",
    "localize",
    "localize_many",
    "location_text",
    "offered_languages",
    "page",
    "pdf_download",
    "pdf_file_name",
    "pdf_poster",
    "plugin_gettext",
    "parse_id",
    "parse_int",
    "personal_fields",
    "public_event",
    "public_events",
    "publish",
    "quartier_for_command",
    "quartiere_with_plugin",
    "read_json",
    "record_audit",
    "record_once",
    "redact_audit",
    "redacted",
    "render",
    "require_staff",
    "require_staff_api",
    "row_scope",
    "save_versions",
    "send_message",
    "spreadsheet_safe",
    "staff_contacts",
    "texts_from",
    "transaction",
    "translation_languages",
    "withdraw_messages",
]
