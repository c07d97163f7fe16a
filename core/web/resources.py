"""Declaring staff resources: a plugin describes a table once, the core renders list,
detail, create, edit and delete screens, CSV export, search, filters and sorting for it.

Every query goes through ``Resource.scoped``, which keeps a staff user inside the
Quartiere they are assigned to; admins see everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Sequence
from zoneinfo import ZoneInfo

import msgspec
from piccolo.columns import Column
from piccolo.table import Table

from core.web.i18n import dgettext, gettext as _
from core.accounts.roles import STAFF_ROLES
from core.web.params import MAX_INT

if TYPE_CHECKING:
    from markupsafe import Markup

    from core.web.auth import StaffContext

FIELD_TYPES = ("text", "textarea", "email", "tel", "url", "int", "bool", "datetime", "date", "choice", "fk", "multichoice", "password", "slug")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL = re.compile(r"^https?://[^\s]+$")

Choices = Sequence[tuple[str, str]]


@dataclass
class Field:
    """One form field / column. ``label`` and ``help`` are German; English comes from the catalog."""

    name: str
    label: str
    type: str = "text"
    required: bool = False
    help: str = ""
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    choices: Choices | None = None
    # fk: name of the resource whose rows are the options; multichoice: a callable giving choices
    references: str | None = None
    options: Callable[[StaffContext], Awaitable[Choices]] | None = None
    editable: bool = True
    in_form: bool = True
    edit_only: bool = False  # an option of the edit form: not in the create form, not a value on the detail page
    offered: Callable[[Any], bool] | None = None  # edit form: whether the field is offered for this row
    default: Any = None
    required_on_create: bool = False
    # how an empty choice/fk value is named: the select's empty option, lists, detail pages (German)
    empty_label: str = ""
    plugin: str = "core"  # set by the core to its resource's plugin: the catalog of its labels
    # staff may add a version per offered language next to the German text (text and textarea fields)
    translatable: bool = False

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name}: unknown type {self.type!r} (one of {', '.join(FIELD_TYPES)})")
        if self.translatable and self.type not in ("text", "textarea"):
            raise ValueError(f"field {self.name}: only text and textarea fields can be translatable")


class FieldError(ValueError):
    """A rule broken by one field's value: shown beside that field (raise it from create/update)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class Action:
    """A state-changing button on the detail page (POST with CSRF token)."""

    name: str
    label: str
    run: Callable[[Any, StaffContext], Awaitable[Any]]  # (row, ctx) -> None or a local URL to go to; ValueError: a message
    roles: tuple[str, ...] = STAFF_ROLES
    visible: Callable[[Any], bool] = lambda row: True
    confirm: str = ""
    style: str = "secondary"


@dataclass
class Resource:
    """A table the staff UI manages. See docs/plugins.md, "Staff resources"."""

    name: str
    table: type[Table]
    label: str
    label_plural: str
    fields: list[Field]
    list_columns: list[str]
    search_fields: list[str] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)
    ordering: str = "id"
    # which roles may do what
    view_roles: tuple[str, ...] = STAFF_ROLES
    create_roles: tuple[str, ...] = STAFF_ROLES
    edit_roles: tuple[str, ...] = STAFF_ROLES
    delete_roles: tuple[str, ...] = STAFF_ROLES
    # path from the table to its Quartier: "quartier", "event.quartier", "id" for Quartiere; None = shared
    quartier_path: str | None = "quartier"
    title: Callable[[Any], str] | None = None
    # service functions instead of plain inserts/updates (to publish domain events etc.)
    create: Callable[[dict[str, Any], StaffContext], Awaitable[Any]] | None = None
    update: Callable[[Any, dict[str, Any], StaffContext], Awaitable[Any]] | None = None
    delete: Callable[[Any, StaffContext], Awaitable[None]] | None = None
    load_extra: Callable[[Any], Awaitable[dict[str, Any]]] | None = None  # values of non-column fields
    # links from the detail page to hand-written pages: row -> [(German label, url)]
    links: Callable[[Any], list[tuple[str, str]]] | None = None
    # where a row's entry in the list leads (default: its detail page), e.g. an event's cockpit
    row_url: Callable[[Any], str] | None = None
    # the message after creating or editing a row (German), instead of "„<title>“ wurde angelegt/gespeichert."
    saved_message: str | None = None
    # ready HTML shown above the create form, from the values typed so far (e.g. a text staff must read out)
    form_note: Callable[[dict[str, Any], StaffContext], Awaitable[Markup | None]] | None = None
    # rules across fields, on the parsed values (None where a field failed): {field: message}
    check: Callable[[dict[str, Any]], dict[str, str]] | None = None
    actions: list[Action] = field(default_factory=list)
    menu_group: str = "Verwaltung"
    # False: no entry in the staff menu (rows reached from another page, e.g. an exhibit's images)
    in_menu: bool = True
    # rows this resource shows at all (e.g. one kind of row of a shared table); a callable giving a where-clause
    only: Callable[[], Any] | None = None
    # rows whose Quartier (quartier_path, a nullable column of the table) is null are deployment-wide:
    # everyone who may view sees them, only users with every Quartier (admins) create, change or delete them
    deployment_wide_rows: bool = False
    plugin: str = "core"
    per_page: int = 25

    def __post_init__(self) -> None:
        names = {f.name for f in self.fields}
        for column in [*self.list_columns, *self.search_fields, *self.filters]:
            if column not in names:
                raise ValueError(f"resource {self.name}: '{column}' is not one of its fields")
        for path in [self.ordering.lstrip("-"), *([self.quartier_path] if self.quartier_path else [])]:
            try:
                self.column(path)
            except AttributeError:
                raise ValueError(f"resource {self.name}: '{path}' is not a column path of {self.table.__name__}") from None
        if self.deployment_wide_rows and (
                not self.quartier_path or "." in self.quartier_path or not self.column(self.quartier_path)._meta.null):
            raise ValueError(f"resource {self.name}: deployment_wide_rows needs a nullable quartier_path column of its own table")

    # -- fields --------------------------------------------------------------
    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def translatable_fields(self) -> list[Field]:
        return [f for f in self.fields if f.translatable]

    @property
    def content_owner(self) -> str:
        """The owner name of this resource's rows' versions in other languages: its table's name."""
        return self.table._meta.tablename

    def form_fields(self, editing: bool, ctx: StaffContext | None = None) -> list[Field]:
        fields = [f for f in self.fields if f.in_form and (f.editable or not editing) and (editing or not f.edit_only)]
        if self.deployment_wide_rows and ctx is not None and ctx.quartier_ids is not None:
            # a user limited to Quartiere must name one of them: an empty Quartier would be deployment-wide
            fields = [replace(f, required=True, empty_label="") if f.name == self.quartier_path else f for f in fields]
        return fields

    def column(self, path: str) -> Column:
        target: Any = self.table
        for part in path.split("."):
            target = getattr(target, part)
        return target

    def display(self, row: Any) -> str:
        if self.title:
            return self.title(row)
        return str(getattr(row, self.list_columns[0], row))

    def may(self, action: str, ctx: StaffContext) -> bool:
        roles = {"view": self.view_roles, "create": self.create_roles, "edit": self.edit_roles, "delete": self.delete_roles}[action]
        return ctx.has_role(*roles)

    def may_change(self, row: Any, ctx: StaffContext) -> bool:
        """Whether ``ctx`` may edit, delete or run actions on this row it can see (deployment-wide rows: admins only)."""
        return not (self.deployment_wide_rows and ctx.quartier_ids is not None and getattr(row, self.quartier_path or "") is None)

    # -- queries -------------------------------------------------------------
    def scope_clause(self, ctx: StaffContext, plugin: str | None = None) -> Any | None:
        """The where-clause that keeps ``ctx`` inside its Quartiere and this resource's rows (None: no limit).

        Rows of Quartiere where ``plugin`` (default: the resource's own) is switched off are left out.
        """
        clause = self.only() if self.only else None
        if self.quartier_path is None:
            return clause
        column = self.column(self.quartier_path)
        scopes = []
        if ctx.quartier_ids is not None:
            scopes.append(column.is_in(list(ctx.quartier_ids) or [-1]))
        off = ctx.plugins_off.get(plugin or self.plugin)
        if off:
            scopes.append(column.not_in(list(off)))
        for scope in scopes:
            if self.deployment_wide_rows:
                scope = scope | column.is_null()
            clause = scope if clause is None else clause & scope
        return clause

    def scoped(self, ctx: StaffContext, plugin: str | None = None):
        query = self.table.objects()
        clause = self.scope_clause(ctx, plugin)
        return query.where(clause) if clause is not None else query

    async def get(self, ctx: StaffContext, row_id: int) -> Any | None:
        return await self.scoped(ctx).where(self.table._meta.primary_key == row_id).first()

    def search_clause(self, text: str) -> Any | None:
        from piccolo.columns.combination import WhereRaw

        from core.db import is_postgres

        clause = None
        pattern = "%" + text.replace("\\", "").replace("%", "").replace("_", "") + "%"
        for name in self.search_fields:
            column = self.column(name)
            if is_postgres():
                part = column.ilike(pattern)
            else:  # casefold() is registered by the core's SQLite engine; LIKE alone ignores case for ASCII only
                part = WhereRaw(f"casefold({column._meta.get_full_name(with_alias=False)}) LIKE casefold({{}})", pattern)
            clause = part if clause is None else clause | part
        return clause


@dataclass
class FormResult:
    values: dict[str, Any]
    raw: dict[str, str]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


def _struct_type(f: Field) -> Any:
    return {
        "int": int, "bool": bool, "datetime": datetime, "date": date, "fk": int, "multichoice": list[str],
    }.get(f.type, str)


async def field_choices(f: Field, ctx: StaffContext, resources: dict[str, Resource], plugin: str = "core") -> Choices:
    """What a user may pick for a field of a resource of ``plugin`` (no row of a Quartier where it is off)."""
    if f.choices is not None:
        return [(value, dgettext(f.plugin, label)) for value, label in f.choices]
    if f.options is not None:
        return await f.options(ctx)
    if f.type == "fk" and f.references:
        target = resources[f.references]
        rows = await target.scoped(ctx, plugin if plugin != "core" else None).order_by(
            target.column(target.ordering.lstrip("-")), ascending=not target.ordering.startswith("-"))
        return [(str(row.id), target.display(row)) for row in rows]
    return []


async def parse_form(
    resource: Resource, form: dict[str, Any], ctx: StaffContext, resources: dict[str, Resource], editing: bool, tz: str
) -> FormResult:
    """Turn submitted strings into typed values; every error is German and sits next to its field.

    Choices and references are checked against what this user may pick, so a
    staff user cannot point a row at another Quartier by editing the form.
    """
    values: dict[str, Any] = {}
    raw: dict[str, str] = {}
    errors: dict[str, str] = {}
    fields = resource.form_fields(editing, ctx)
    for f in fields:
        if f.type == "multichoice":
            picked = form.get(f.name, [])
            picked = [picked] if isinstance(picked, str) else list(picked)
            raw[f.name] = picked  # type: ignore[assignment]
            allowed = {value for value, _label in await field_choices(f, ctx, resources, resource.plugin)}
            if any(p not in allowed for p in picked):
                errors[f.name] = _("Bitte wählen Sie nur Einträge aus der Liste.")
            elif f.required and not picked:
                errors[f.name] = _("Bitte wählen Sie mindestens einen Eintrag.")
            values[f.name] = picked
            continue
        text = form.get(f.name, "")
        text = text[-1] if isinstance(text, list) else text
        text = str(text).strip() if f.type != "password" else str(text)
        raw[f.name] = text
        if f.type == "bool":
            values[f.name] = text in ("on", "true", "1", "yes")
            continue
        if not text:
            if f.required or (f.required_on_create and not editing):
                errors[f.name] = _("Dieses Feld ist erforderlich.")
            values[f.name] = None if f.type in ("int", "fk", "datetime", "date") else ""
            continue
        if f.max_length and len(text) > f.max_length:
            errors[f.name] = _("Höchstens {n} Zeichen.").format(n=f.max_length)
            continue
        try:
            values[f.name] = await _convert(f, text, ctx, resources, tz, resource.plugin)
        except ValueError as exc:
            errors[f.name] = str(exc)
    if resource.check:
        for name, message in resource.check(values).items():
            errors.setdefault(name, message)
    if not errors:
        # The whole form once more through msgspec, as one typed Struct.
        struct = msgspec.defstruct(
            f"{resource.name.title()}Form",
            [(f.name, _struct_type(f) | None) for f in fields],
        )
        try:
            msgspec.convert(values, struct, strict=False)
        except msgspec.ValidationError as exc:
            errors["__all__"] = str(exc)
    return FormResult(values=values, raw=raw, errors=errors)


async def _convert(f: Field, text: str, ctx: StaffContext, resources: dict[str, Resource], tz: str, plugin: str) -> Any:
    if f.type == "int":
        try:
            number = msgspec.convert(text, int, strict=False)
        except msgspec.ValidationError:
            raise ValueError(_("Bitte geben Sie eine ganze Zahl ein.")) from None
        # columns are int32 on PostgreSQL: no field takes more, whatever it declares
        low = max(f.min_value if f.min_value is not None else -MAX_INT - 1, -MAX_INT - 1)
        high = min(f.max_value if f.max_value is not None else MAX_INT, MAX_INT)
        if number < low:
            raise ValueError(_("Die Zahl muss mindestens {n} sein.").format(n=low))
        if number > high:
            raise ValueError(_("Die Zahl darf höchstens {n} sein.").format(n=high))
        return number
    if f.type == "email":
        if not EMAIL.match(text):
            raise ValueError(_("Bitte geben Sie eine gültige E-Mail-Adresse ein."))
        return text.lower()
    if f.type == "url":
        if not URL.match(text):
            raise ValueError(_("Bitte geben Sie eine Adresse beginnend mit https:// ein."))
        return text
    if f.type == "slug":
        if not SLUG.match(text):
            raise ValueError(_("Nur Kleinbuchstaben, Ziffern und Bindestriche, z. B. „sommerfest-2026“."))
        return text
    if f.type == "datetime":
        naive = None
        for parse in (datetime.fromisoformat, lambda t: datetime.strptime(t, "%d.%m.%Y %H:%M")):
            try:
                naive = parse(text)
                break
            except ValueError:
                continue
        if naive is None:  # browsers without a date picker send what was typed
            raise ValueError(_("Bitte geben Sie Datum und Uhrzeit an, z. B. 28.12.2026 14:00."))
        return naive.replace(tzinfo=ZoneInfo(tz)) if naive.tzinfo is None else naive
    if f.type == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(_("Bitte geben Sie ein Datum an.")) from None
    if f.type in ("choice", "fk"):
        allowed = {value for value, _label in await field_choices(f, ctx, resources, plugin)}
        if text not in allowed:
            raise ValueError(_("Bitte wählen Sie einen Eintrag aus der Liste."))
        return int(text) if f.type == "fk" else text
    if f.type == "password":
        if len(text) < 10:
            raise ValueError(_("Das Passwort muss mindestens 10 Zeichen lang sein."))
        return text
    return text


def form_value(f: Field, value: Any, tz: str) -> Any:
    """A stored value as the form shows it."""
    if value is None:
        return ""
    if f.type == "datetime" and isinstance(value, datetime):
        return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")
    if f.type == "date" and isinstance(value, date):
        return value.isoformat()
    if f.type == "multichoice":
        return [str(v) for v in value]
    if f.type == "password":
        return ""
    return str(value) if not isinstance(value, bool) else value
