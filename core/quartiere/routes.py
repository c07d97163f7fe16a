"""Staff page: which loaded plugins are switched on in which Quartier (admins)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.db import transaction
from core.deployment import current
from core.quartiere.service import disabled_plugins, set_plugin_enabled
from core.quartiere.tables import Quartier
from core.web.audit import record
from core.web.auth import require_role, require_staff
from core.web.i18n import gettext as _
from core.web.rendering import flash, page

AnyRequest = Request[Any, Any, Any]


@get("/staff/plugins", include_in_schema=False)
async def plugin_switches(request: AnyRequest) -> Template:
    staff = await require_staff(request)
    require_role(staff, "admin")
    rows = []
    for quartier in await Quartier.objects().order_by(Quartier.name):
        off = await disabled_plugins(quartier.id)
        rows.append((quartier, [(name, name not in off) for name in current().plugins]))
    return page(request, "core/staff/plugins.html", {"rows": rows, "plugins": list(current().plugins)}, staff=staff)


@post("/staff/plugins/{quartier_id:int}/{plugin:str}", include_in_schema=False)
async def switch_plugin(request: AnyRequest, quartier_id: FromPath[int], plugin: FromPath[str]) -> Redirect:
    staff = await require_staff(request)
    require_role(staff, "admin")
    quartier = await Quartier.objects().where(Quartier.id == quartier_id).first()
    if quartier is None or plugin not in current().plugins:
        raise NotFoundException()
    enabled = (await request.form()).get("enabled") == "1"
    async with transaction():
        await set_plugin_enabled(quartier_id, plugin, enabled)
        await record(staff.user, "plugin-on" if enabled else "plugin-off", "quartiere", quartier_id, f"{quartier.name}: {plugin}")
    message = _("„{plugin}“ ist in {quartier} jetzt eingeschaltet.") if enabled else _("„{plugin}“ ist in {quartier} jetzt ausgeschaltet.")
    flash(request, message.format(plugin=plugin, quartier=quartier.name))
    return Redirect("/staff/plugins", status_code=303)


ROUTES = [plugin_switches, switch_plugin]
