"""Staff pages: login, dashboard, password, audit log, and the generated resource screens."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.accounts.service import AccountError, authenticate, check_password_rules, hasher
from core.accounts.tables import StaffUser
from core.content import easy, service as content
from core.db import transaction
from core.deployment import current
from core.web import auth
from core.web.audit import record
from core.web.cockpit import event_cockpit
from core.web.auth import SESSION_USER, StaffContext, require_staff
from core.web.exports import csv_download, spreadsheet_safe
from core.web.i18n import EASY_LANGUAGE, dgettext, gettext as _, language, language_name
from core.web.params import parse_int
from core.web.rendering import flash, page
from core.web.sessions import rotate_session_id
from core.web.resources import FieldError, Resource, field_choices, form_value, parse_form

AnyRequest = Request[Any, Any, Any]


def too_many_failures() -> str:
    return _("Zu viele Fehlversuche. Bitte warten Sie 15 Minuten und versuchen Sie es dann erneut.")


def safe_next(target: str | None) -> str:
    return target if target and target.startswith("/staff") and not target.startswith("//") else "/staff/"


# -- login --------------------------------------------------------------------
@get("/staff/login", include_in_schema=False)
async def login_form(request: AnyRequest) -> Template:
    return page(request, "core/staff/login.html", {"next": safe_next(request.query_params.get("next")), "email": "", "error": ""})


@post("/staff/login", include_in_schema=False)
async def login(request: AnyRequest) -> Template | Redirect:
    form = await request.form()
    email = str(form.get("email", "")).strip().lower()
    password = str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    address = auth.client_address(request)
    context = {"next": target, "email": email}
    retry_after = await auth.login_attempt(email, address)
    if retry_after is not None:
        refused = page(request, "core/staff/login.html", {**context, "error": too_many_failures()}, status_code=429)
        refused.headers["Retry-After"] = str(retry_after)
        return refused
    user = await authenticate(email, password) if email and password else None
    if user is None:
        return page(request, "core/staff/login.html", {**context, "error": _(
            "E-Mail-Adresse oder Passwort ist falsch.")}, status_code=400)
    await auth.login_succeeded(email, address)
    rotate_session_id(request.scope)
    request.set_session({SESSION_USER: user.id})
    await record(user, "login", "session", user.id, "")
    return Redirect(target, status_code=303)


@post("/staff/logout", include_in_schema=False)
async def logout(request: AnyRequest) -> Redirect:
    request.clear_session()
    return Redirect("/staff/login", status_code=303)


# -- password ------------------------------------------------------------------
@get("/staff/password", include_in_schema=False)
async def password_form(request: AnyRequest) -> Template:
    staff = await require_staff(request)
    return page(request, "core/staff/password.html", {"errors": {}}, staff=staff)


@post("/staff/password", include_in_schema=False)
async def change_password(request: AnyRequest) -> Template | Redirect:
    staff = await require_staff(request)
    form = await request.form()
    current_password, new, repeat = (str(form.get(k, "")) for k in ("current", "new", "repeat"))
    errors: dict[str, str] = {}
    address = auth.client_address(request)
    if await auth.login_attempt(staff.user.email, address) is not None:
        errors["current"] = too_many_failures()
    elif await authenticate(staff.user.email, current_password) is None:
        errors["current"] = _("Das bisherige Passwort stimmt nicht.")
    else:
        await auth.login_succeeded(staff.user.email, address)
    try:
        check_password_rules(new)
    except AccountError:
        errors["new"] = _("Das Passwort muss mindestens 10 Zeichen lang sein.")
    if new != repeat:
        errors["repeat"] = _("Die beiden neuen Passwörter stimmen nicht überein.")
    if errors:
        return page(request, "core/staff/password.html", {"errors": errors}, status_code=400, staff=staff)
    async with transaction():
        await StaffUser.update({StaffUser.password_hash: hasher.hash(new)}).where(StaffUser.id == staff.user.id)
        await record(staff.user, "password", "staff_users", staff.user.id, "")
    flash(request, _("Ihr Passwort wurde geändert."))
    return Redirect("/staff/", status_code=303)


# -- dashboard -----------------------------------------------------------------
@get("/staff", include_in_schema=False)
async def dashboard(request: AnyRequest) -> Template:
    from core.events.tables import Event
    from core.events.service import now
    from core.quartiere.tables import Quartier

    staff = await require_staff(request)
    deployment = current()
    quartiere = Quartier.objects().order_by(Quartier.name)
    events = Event.objects().where(Event.ends_at >= now()).order_by(Event.starts_at).limit(10)
    if staff.quartier_ids is not None:
        ids = list(staff.quartier_ids) or [-1]
        quartiere = quartiere.where(Quartier.id.is_in(ids))
        events = events.where(Event.quartier.is_in(ids))
    shown = staff.shown_plugins(deployment.plugins)
    widgets = (await deployment.hooks.dashboard_widgets(deployment=deployment, staff=staff, plugins=shown)).flat()
    quartier_rows = await quartiere
    names = {q.id: q.name for q in quartier_rows}
    return page(request, "core/staff/dashboard.html", {
        "quartiere": quartier_rows, "events": await events, "quartier_names": names, "first_steps": await _first_steps(staff),
        "widgets": sorted(widgets, key=lambda w: w.order),
        # links only where the user's role may follow them
        "may_view_events": deployment.resources["events"].may("view", staff),
        "may_create_events": deployment.resources["events"].may("create", staff),
        "may_view_quartiere": deployment.resources["quartiere"].may("view", staff),
    }, staff=staff)


async def _first_steps(staff: StaffContext) -> list[tuple[Resource, bool]]:
    """A fresh deployment's first steps (resource to create, done?) that this user may take; empty once all are done."""
    from core.events.tables import Event, Venue
    from core.quartiere.tables import Quartier

    resources = current().resources
    steps = [("quartiere", await Quartier.exists()), ("venues", await Venue.exists()),
             ("events", await Event.exists()), ("staff-users", await StaffUser.count() > 1)]
    shown = [(resources[name], done) for name, done in steps if resources[name].may("create", staff)]
    return [] if all(done for _resource, done in shown) else shown


# -- audit log -------------------------------------------------------------------
@get("/staff/audit", include_in_schema=False)
async def audit_log(request: AnyRequest) -> Template:
    from core.web.tables import AuditEntry

    staff = await require_staff(request)
    auth.require_role(staff, "admin")
    page_no = _page_number(request)
    total = await AuditEntry.count()
    rows = await AuditEntry.objects().order_by(AuditEntry.id, ascending=False).limit(50).offset((page_no - 1) * 50)
    return page(request, "core/staff/audit.html", {
        "entries": rows, "page": page_no, "pages": max(1, math.ceil(total / 50)),
    }, staff=staff)


# -- generated resource screens ------------------------------------------------------
def _resource(name: str, staff: StaffContext, action: str) -> Resource:
    resource = current().resources.get(name)
    if resource is None or resource.plugin in staff.hidden_plugins:
        raise NotFoundException()
    if not resource.may(action, staff):
        raise PermissionDeniedException(_("Dafür fehlt Ihnen die Berechtigung."))
    return resource


def _page_number(request: AnyRequest) -> int:
    return parse_int(request.query_params.get("page"), 1) or 1


async def _filtered(resource: Resource, staff: StaffContext, request: AnyRequest) -> tuple[list[Any], Any, bool, dict[str, Any]]:
    """Where-clauses (scope, search, filters) and ordering from the query string."""
    params = request.query_params
    clauses = [c for c in [resource.scope_clause(staff)] if c is not None]
    state: dict[str, Any] = {"q": params.get("q", "").strip(), "filters": {}, "sort": ""}
    if state["q"] and resource.search_fields:
        clauses.append(resource.search_clause(state["q"]))
    for name in resource.filters:
        value = params.get(f"f_{name}", "")
        if not value:
            continue
        f = resource.field(name)
        allowed = {v for v, _label in await field_choices(f, staff, current().resources, resource.plugin)} if f.type != "bool" else {"1", "0"}
        if value not in allowed:
            continue
        state["filters"][name] = value
        typed: Any = value == "1" if f.type == "bool" else (int(value) if f.type == "fk" else value)
        clauses.append(resource.column(name) == typed)
    sort = params.get("sort", "")
    if sort.lstrip("-") in resource.list_columns:
        state["sort"] = sort
    else:
        sort = resource.ordering
    return clauses, resource.column(sort.lstrip("-")), not sort.startswith("-"), state


async def _labels(resource: Resource, staff: StaffContext) -> dict[str, dict[str, str]]:
    """Display names for choice and reference values."""
    labels = {}
    for f in resource.fields:
        if f.type in ("choice", "fk", "multichoice"):
            labels[f.name] = {str(v): label for v, label in await field_choices(f, staff, current().resources, resource.plugin)}
    return labels


@get("/staff/r/{resource_name:str}", include_in_schema=False)
async def resource_list(request: AnyRequest, resource_name: FromPath[str]) -> Template:
    staff = await require_staff(request)
    resource = _resource(resource_name, staff, "view")
    clauses, order, ascending, state = await _filtered(resource, staff, request)
    total = await resource.table.count().where(*clauses)
    pages = max(1, math.ceil(total / resource.per_page))
    page_no = min(_page_number(request), pages)
    rows = await resource.table.objects().where(*clauses).order_by(order, ascending=ascending).limit(
        resource.per_page).offset((page_no - 1) * resource.per_page)
    keep = {k: v for k, v in request.query_params.items() if k != "page"}
    filter_choices = {}
    for name in resource.filters:
        f = resource.field(name)
        filter_choices[name] = [("1", _("Ja")), ("0", _("Nein"))] if f.type == "bool" else await field_choices(f, staff, current().resources, resource.plugin)
    return page(request, "core/staff/list.html", {
        "resource": resource, "rows": rows, "total": total, "page": page_no, "pages": pages, "state": state,
        "labels": await _labels(resource, staff), "query_string": urlencode(keep), "filter_choices": filter_choices,
        "sort_base": urlencode({k: v for k, v in keep.items() if k != "sort"}),
    }, staff=staff)


@get("/staff/r/{resource_name:str}/export.csv", include_in_schema=False)
async def resource_export(request: AnyRequest, resource_name: FromPath[str]) -> Response[bytes]:
    staff = await require_staff(request)
    resource = _resource(resource_name, staff, "view")
    clauses, order, ascending, _state = await _filtered(resource, staff, request)
    query = resource.table.objects().where(*clauses).order_by(order, ascending=ascending)
    labels = await _labels(resource, staff)
    columns = [f for f in resource.fields if f.type != "password" and not f.edit_only]
    rows = []
    for row in await query:
        extra = await resource.load_extra(row) if resource.load_extra else {}
        rows.append([_cell(f, extra.get(f.name, getattr(row, f.name, "")), labels) for f in columns])
    return csv_download([dgettext(resource.plugin, f.label) for f in columns], rows, f"{resource.name}.csv")


def _cell(f: Any, value: Any, labels: dict[str, dict[str, str]]) -> str:
    if value is None:
        return dgettext(f.plugin, f.empty_label) if f.empty_label else ""
    return spreadsheet_safe(_cell_text(f, value, labels))


def _cell_text(f: Any, value: Any, labels: dict[str, dict[str, str]]) -> str:
    from core.web.i18n import format_short

    if f.type in ("choice", "fk"):
        return labels.get(f.name, {}).get(str(value), str(value))
    if f.type == "multichoice":
        return ", ".join(labels.get(f.name, {}).get(str(v), str(v)) for v in value)
    if f.type == "bool":
        return _("Ja") if value else _("Nein")
    if f.type == "datetime":
        return format_short(value)
    return str(value)


async def _form_page(request: AnyRequest, staff: StaffContext, resource: Resource, row: Any, raw: dict[str, Any],
                     errors: dict[str, str], status_code: int = 200) -> Template:
    editing = row is not None
    choices = {}
    fields = [f for f in resource.form_fields(editing, staff) if not (editing and f.offered and not f.offered(row))]
    for f in fields:
        if f.type in ("choice", "fk", "multichoice"):
            choices[f.name] = await field_choices(f, staff, current().resources, resource.plugin)
    return page(request, "core/staff/form.html", {
        "resource": resource, "row": row, "fields": fields, "values": raw, "errors": errors,
        "choices": choices, "editing": editing,
        "note": await resource.form_note(raw, staff) if resource.form_note and not editing else None,
    }, status_code=status_code, staff=staff)


def _initial(resource: Resource, row: Any, extra: dict[str, Any]) -> dict[str, Any]:
    tz = current().settings.timezone
    values = {}
    for f in resource.fields:
        value = extra[f.name] if f.name in extra else (getattr(row, f.name, f.default) if row is not None else f.default)
        values[f.name] = form_value(f, value, tz)
    return values


@get("/staff/r/{resource_name:str}/new", include_in_schema=False)
async def resource_new(request: AnyRequest, resource_name: FromPath[str]) -> Template:
    staff = await require_staff(request)
    resource = _resource(resource_name, staff, "create")
    initial = _initial(resource, None, {})
    for f in resource.form_fields(False, staff):  # ?exhibition=3 preselects a field (checked again on submit)
        if f.name in request.query_params and f.type not in ("password", "multichoice"):
            initial[f.name] = request.query_params[f.name]
    return await _form_page(request, staff, resource, None, initial, {})


@post("/staff/r/{resource_name:str}/new", include_in_schema=False)
async def resource_create(request: AnyRequest, resource_name: FromPath[str]) -> Template | Redirect:
    staff = await require_staff(request)
    resource = _resource(resource_name, staff, "create")
    result = await parse_form(resource, await _form_dict(request), staff, current().resources, False, current().settings.timezone)
    if result.ok:
        try:
            async with transaction():
                if resource.create:
                    row = await resource.create(result.values, staff)
                else:
                    row = resource.table(**result.values)
                    await row.save()
                await record(staff.user, "create", resource.name, row.id, resource.display(row), _loggable(resource, result.values))
        except FieldError as exc:
            result.errors[exc.field] = dgettext(resource.plugin, str(exc))
        except ValueError as exc:
            result.errors["__all__"] = dgettext(resource.plugin, str(exc))
        else:
            flash(request, dgettext(resource.plugin, resource.saved_message) if resource.saved_message
                  else _("„{name}“ wurde angelegt.").format(name=resource.display(row)))
            return Redirect(f"/staff/r/{resource.name}/{row.id}", status_code=303)
    return await _form_page(request, staff, resource, None, result.raw, result.errors, status_code=400)


async def _form_dict(request: AnyRequest) -> dict[str, Any]:
    form = await request.form()
    return {key: (form.getall(key) if len(form.getall(key)) > 1 else form.get(key)) for key in form.keys()}


def _loggable(resource: Resource, values: dict[str, Any]) -> dict[str, str]:
    hidden = {f.name for f in resource.fields if f.type == "password"}
    return {k: ("***" if k in hidden else str(v)) for k, v in values.items()}


async def _row_or_404(resource: Resource, staff: StaffContext, row_id: int) -> Any:
    row = await resource.get(staff, row_id)
    if row is None:
        raise NotFoundException()
    return row


async def _changeable_row(resource: Resource, staff: StaffContext, row_id: int) -> Any:
    """The row, if ``staff`` may change it: 404 where they cannot see it, 403 where they may only look."""
    row = await _row_or_404(resource, staff, row_id)
    if not resource.may_change(row, staff):
        raise PermissionDeniedException(_("Dafür fehlt Ihnen die Berechtigung."))
    return row


@get("/staff/r/{resource_name:str}/{row_id:int}", include_in_schema=False)
async def resource_detail(request: AnyRequest, resource_name: FromPath[str], row_id: FromPath[int]) -> Template:
    staff = await require_staff(request)
    resource = _resource(resource_name, staff, "view")
    row = await _row_or_404(resource, staff, row_id)
    extra = await resource.load_extra(row) if resource.load_extra else {}
    changeable = resource.may_change(row, staff)
    return page(request, "core/staff/detail.html", {
        "resource": resource, "row": row, "extra": extra, "labels": await _labels(resource, staff),
        "actions": [a for a in resource.actions if changeable and staff.has_role(*a.roles) and a.visible(row)],
        "links": resource.links(row) if resource.links else [],
        "may_edit": changeable and resource.may("edit", staff), "may_delete": changeable and resource.may("delete", staff),
        "detail_fields": [f for f in resource.fields if f.type != "password" and not f.edit_only],
        "versions": await content.versions(resource.content_owner, row, [f.name for f in resource.translatable_fields])
        if resource.translatable_fields else {},
        "translation_languages": content.translation_languages(),
    }, staff=staff)


@get("/staff/r/{resource_name:str}/{row_id:int}/edit", include_in_schema=False)
async def resource_edit(request: AnyRequest, resource_name: FromPath[str], row_id: FromPath[int]) -> Template:
    staff = await require_staff(request)
    resource = _resource(resource_name, staff, "edit")
    row = await _changeable_row(resource, staff, row_id)
    extra = await resource.load_extra(row) if resource.load_extra else {}
    return await _form_page(request, staff, resource, row, _initial(resource, row, extra), {})


@post("/staff/r/{resource_name:str}/{row_id:int}/edit", include_in_schema=False)
async def resource_update(request: AnyRequest, resource_name: FromPath[str], row_id: FromPath[int]) -> Template | Redirect:
    staff = await require_staff(request)
    resource = _resource(resource_name, staff, "edit")
    row = await _changeable_row(resource, staff, row_id)
    result = await parse_form(resource, await _form_dict(request), staff, current().resources, True, current().settings.timezone)
    if result.ok:
        before = {name: getattr(row, name, None) for name in result.values}
        try:
            async with transaction():
                if resource.update:
                    row = await resource.update(row, result.values, staff)
                else:
                    for name, value in result.values.items():
                        setattr(row, name, value)
                    await row.save()
                changed = {k: v for k, v in _loggable(resource, result.values).items() if str(before.get(k)) != v}
                await record(staff.user, "update", resource.name, row.id, resource.display(row), changed)
        except FieldError as exc:
            result.errors[exc.field] = dgettext(resource.plugin, str(exc))
        except ValueError as exc:
            result.errors["__all__"] = dgettext(resource.plugin, str(exc))
        else:
            flash(request, dgettext(resource.plugin, resource.saved_message) if resource.saved_message
                  else _("Änderungen an „{name}“ wurden gespeichert.").format(name=resource.display(row)))
            return Redirect(f"/staff/r/{resource.name}/{row.id}", status_code=303)
    return await _form_page(request, staff, resource, row, result.raw, result.errors, status_code=400)


@get("/staff/r/{resource_name:str}/{row_id:int}/delete", include_in_schema=False)
async def resource_delete_confirm(request: AnyRequest, resource_name: FromPath[str], row_id: FromPath[int]) -> Template:
    staff = await require_staff(request)
    resource = _resource(resource_name, staff, "delete")
    row = await _changeable_row(resource, staff, row_id)
    return page(request, "core/staff/confirm_delete.html", {"resource": resource, "row": row}, staff=staff)


@post("/staff/r/{resource_name:str}/{row_id:int}/delete", include_in_schema=False)
async def resource_delete(request: AnyRequest, resource_name: FromPath[str], row_id: FromPath[int]) -> Redirect | Template:
    staff = await require_staff(request)
    resource = _resource(resource_name, staff, "delete")
    row = await _changeable_row(resource, staff, row_id)
    name = resource.display(row)
    try:
        async with transaction():
            if resource.delete:
                await resource.delete(row, staff)
            else:
                await resource.table.delete().where(resource.table._meta.primary_key == row.id)
            await content.delete_orphans()  # the row's versions and those of rows deleted with it
            await record(staff.user, "delete", resource.name, row.id, name)
    except ValueError as exc:
        return page(request, "core/staff/confirm_delete.html", {"resource": resource, "row": row, "error": dgettext(resource.plugin, str(exc))},
                    status_code=409, staff=staff)
    flash(request, _("„{name}“ wurde gelöscht.").format(name=name))
    return Redirect(f"/staff/r/{resource.name}/", status_code=303)


@post("/staff/r/{resource_name:str}/{row_id:int}/action/{action_name:str}", include_in_schema=False)
async def resource_action(request: AnyRequest, resource_name: FromPath[str], row_id: FromPath[int],
                          action_name: FromPath[str]) -> Redirect:
    staff = await require_staff(request)
    resource = _resource(resource_name, staff, "view")
    row = await _changeable_row(resource, staff, row_id)
    action = next((a for a in resource.actions if a.name == action_name), None)
    if action is None or not action.visible(row):
        raise NotFoundException()
    if not staff.has_role(*action.roles):
        raise PermissionDeniedException(_("Dafür fehlt Ihnen die Berechtigung."))
    target = None
    try:
        async with transaction():
            target = await action.run(row, staff)
            after = await resource.get(staff, row.id)  # the action may have changed what the row shows
            await record(staff.user, action.name, resource.name, row.id, resource.display(after) if after else "")
    except ValueError as exc:
        flash(request, dgettext(resource.plugin, str(exc)), kind="error")
    else:
        flash(request, _("„{label}“ wurde ausgeführt.").format(label=dgettext(resource.plugin, action.label)))
    return Redirect(target or f"/staff/r/{resource.name}/{row.id}", status_code=303)


# -- versions of content in other languages ---------------------------------------------
def _translation_target(resource: Resource, lang: str) -> None:
    if not resource.translatable_fields or lang not in content.translation_languages():
        raise NotFoundException()


async def _translation_page(request: AnyRequest, staff: StaffContext, resource: Resource, row: Any, lang: str,
                            values: dict[str, str], errors: dict[str, str], status_code: int = 200) -> Template:
    return page(request, "core/staff/translations.html", {
        "resource": resource, "row": row, "version_lang": lang, "fields": resource.translatable_fields, "values": values,
        "errors": errors, "versions": await content.versions(resource.content_owner, row, [f.name for f in resource.translatable_fields]),
        "easy_hints": _easy_hints(lang, values),
    }, status_code=status_code, staff=staff)


def _easy_hints(lang: str, values: dict[str, str]) -> dict[str, list[str]]:
    """Per field, the warnings about a Leichte-Sprache text (long sentences, long words); none for other languages."""
    if lang != EASY_LANGUAGE:
        return {}
    return {name: found for name, text in values.items() if (found := easy.hints(text))}


@get("/staff/r/{resource_name:str}/{row_id:int}/translations/{lang:str}", include_in_schema=False)
async def translation_edit(request: AnyRequest, resource_name: FromPath[str], row_id: FromPath[int], lang: FromPath[str]) -> Template:
    staff = await require_staff(request)
    resource = _resource(resource_name, staff, "edit")
    _translation_target(resource, lang)
    row = await _changeable_row(resource, staff, row_id)
    stored = await content.versions(resource.content_owner, row, [f.name for f in resource.translatable_fields])
    values = {name: (by_lang[lang].text if lang in by_lang else "") for name, by_lang in stored.items()}
    return await _translation_page(request, staff, resource, row, lang, values, {})


@post("/staff/r/{resource_name:str}/{row_id:int}/translations/{lang:str}", include_in_schema=False)
async def translation_update(request: AnyRequest, resource_name: FromPath[str], row_id: FromPath[int],
                             lang: FromPath[str]) -> Template | Redirect:
    staff = await require_staff(request)
    resource = _resource(resource_name, staff, "edit")
    _translation_target(resource, lang)
    row = await _changeable_row(resource, staff, row_id)
    form = await _form_dict(request)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for f in resource.translatable_fields:
        text = form.get(f.name, "")
        text = str(text[-1] if isinstance(text, list) else text).strip()
        values[f.name] = text
        limit = min(f.max_length or content.MAX_VERSION_LENGTH, content.MAX_VERSION_LENGTH)
        if len(text) > limit:
            errors[f.name] = _("Höchstens {n} Zeichen.").format(n=limit)
        elif text and not getattr(row, f.name, ""):
            errors[f.name] = _("Bitte schreiben Sie zuerst den deutschen Text.")
    if errors:
        return await _translation_page(request, staff, resource, row, lang, values, errors, status_code=400)
    async with transaction():
        confirmed = form.get("confirm", [])
        confirmed = confirmed if isinstance(confirmed, list) else [confirmed]
        changed = await content.save_versions(resource.content_owner, row, lang, values, confirmed=map(str, confirmed))
        if changed:
            await record(staff.user, f"translate:{lang}", resource.name, row.id, resource.display(row), changed)
    flash(request, _("Die Fassung „{language}“ von „{name}“ wurde gespeichert.").format(
        language=language_name(lang, language()), name=resource.display(row)))
    if _easy_hints(lang, values):  # saved, but worth another look: back to the form with its hints
        flash(request, _("Bitte prüfen Sie die Hinweise zur Leichten Sprache."), kind="warning")
        return Redirect(f"/staff/r/{resource.name}/{row.id}/translations/{lang}", status_code=303)
    return Redirect(f"/staff/r/{resource.name}/{row.id}", status_code=303)


STAFF_HANDLERS = [
    login_form, login, logout, password_form, change_password, dashboard, audit_log,
    resource_list, resource_export, resource_new, resource_create, resource_detail, resource_edit, resource_update,
    resource_delete_confirm, resource_delete, resource_action, translation_edit, translation_update, event_cockpit,
]
