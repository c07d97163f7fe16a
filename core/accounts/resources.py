"""Staff screens for staff accounts (admins only)."""

from __future__ import annotations

from typing import Any

from core.accounts.service import hasher
from core.accounts.roles import ADMIN
from core.accounts.tables import StaffUser, StaffUserQuartier
from core.deployment import current
from core.quartiere.tables import Quartier
from core.web.auth import StaffContext
from core.web.i18n import dgettext, gettext as _
from core.web.resources import Choices, Field, FieldError, Resource

NOT_LOADED = "Diese Rolle gehört zu keinem geladenen Plugin und kann nicht neu vergeben werden."


async def role_choices(ctx: StaffContext) -> Choices:
    """The roles of the core and the loaded plugins; a stored role no loaded plugin declares is marked, so its accounts keep it."""
    roles = current().roles
    stored = {row["role"] for row in await StaffUser.select(StaffUser.role).distinct()}
    return [(role.key, dgettext(role.plugin, role.label)) for role in roles] + [
        (key, _("{role} (Plugin nicht geladen, gewährt keine Rechte)").format(role=key))
        for key in sorted(stored - set(roles.keys()))]


def _check_role(role: str, row: StaffUser | None = None) -> None:
    if current().roles.get(role) is None and (row is None or row.role != role):
        raise FieldError("role", NOT_LOADED)


async def quartier_choices(ctx: StaffContext) -> list[tuple[str, str]]:
    return [(str(q.id), q.name) for q in await Quartier.objects().order_by(Quartier.name)]


async def assigned(row: StaffUser) -> dict[str, Any]:
    rows = await StaffUserQuartier.select(StaffUserQuartier.quartier).where(StaffUserQuartier.user == row.id)
    return {"quartiere": [str(r["quartier"]) for r in rows]}


async def _assign(user_id: int, quartier_ids: list[str]) -> None:
    await StaffUserQuartier.delete().where(StaffUserQuartier.user == user_id)
    for qid in quartier_ids:
        await StaffUserQuartier.insert(StaffUserQuartier(user=user_id, quartier=int(qid)))


async def create_user(values: dict[str, Any], ctx: StaffContext) -> StaffUser:
    if await StaffUser.exists().where(StaffUser.email == values["email"]):
        raise ValueError(f"Es gibt schon ein Konto für {values['email']}.")
    _check_role(values["role"])
    user = StaffUser(email=values["email"], name=values["name"], role=values["role"], active=values["active"],
                     password_hash=hasher.hash(values["password"]))
    await user.save()
    await _assign(user.id, values.get("quartiere", []))
    return user


async def update_user(row: StaffUser, values: dict[str, Any], ctx: StaffContext) -> StaffUser:
    if row.id == ctx.user.id and (values["role"] != ADMIN or not values["active"]):
        raise ValueError("Sie können sich nicht selbst die Administration entziehen oder sperren.")
    _check_role(values["role"], row)
    for name in ("name", "role", "active"):
        setattr(row, name, values[name])
    if values.get("password"):
        row.password_hash = hasher.hash(values["password"])
    await row.save()
    await _assign(row.id, values.get("quartiere", []))
    return row


async def delete_user(row: StaffUser, ctx: StaffContext) -> None:
    if row.id == ctx.user.id:
        raise ValueError("Sie können Ihr eigenes Konto nicht löschen.")
    await StaffUser.delete().where(StaffUser.id == row.id)


STAFF_USERS = Resource(
    name="staff-users",
    table=StaffUser,
    label="Konto",
    label_plural="Konten",
    fields=[
        Field("name", "Name", required=True, max_length=200),
        Field("email", "E-Mail", type="email", required=True, max_length=200, editable=False),
        Field("role", "Rolle", type="choice", options=role_choices, required=True, default="staff"),
        Field("quartiere", "Quartiere", type="multichoice", options=quartier_choices,
              help="Nur diese Quartiere sieht das Konto (Administration sieht alle)."),
        Field("active", "Aktiv", type="bool", default=True),
        Field("password", "Passwort", type="password", required_on_create=True, help="Mindestens 10 Zeichen. Beim Bearbeiten leer lassen, um es zu behalten."),
    ],
    list_columns=["name", "email", "role", "active"],
    search_fields=["name", "email"],
    filters=["role", "active"],
    ordering="name",
    view_roles=("admin",), create_roles=("admin",), edit_roles=("admin",), delete_roles=("admin",),
    quartier_path=None,
    title=lambda row: row.name,
    create=create_user,
    update=update_user,
    delete=delete_user,
    load_extra=assigned,
    menu_group="System",
)
