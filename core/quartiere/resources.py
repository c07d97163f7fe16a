"""Staff screens for Quartiere, declared through the same API plugins use."""

from __future__ import annotations

from typing import Any

from core.web.auth import StaffContext
from core.web.resources import Field, FieldError, Resource
from core.quartiere.tables import Quartier



async def create_quartier(values: dict[str, Any], ctx: StaffContext) -> Quartier:
    from core.deployment import current

    # The first path segments of the app's own routes: a Quartier slug must not take them over.
    if values["slug"] in current().reserved_slugs:
        raise FieldError("slug", f"„{values['slug']}“ ist als Kurzbezeichnung reserviert.")
    if await Quartier.exists().where(Quartier.slug == values["slug"]):
        raise FieldError("slug", f"Die Kurzbezeichnung „{values['slug']}“ ist schon vergeben.")
    quartier = Quartier(**values)
    await quartier.save()
    return quartier


async def update_quartier(row: Quartier, values: dict[str, Any], ctx: StaffContext) -> Quartier:
    for name, value in values.items():
        setattr(row, name, value)
    await row.save()
    return row


QUARTIERE = Resource(
    name="quartiere",
    table=Quartier,
    label="Quartier",
    label_plural="Quartiere",
    fields=[
        Field("name", "Name", required=True, max_length=200),
        Field("slug", "Kurzbezeichnung", type="slug", required=True, max_length=100, editable=False,
              help="Teil der Internetadresse, z. B. „nordstadt“. Kann später nicht geändert werden."),
        Field("office", "Quartiersmanagement", max_length=200, help="Die Stelle, die das Quartier betreut."),
        Field("contact_phone", "Telefon", type="tel", max_length=60),
        Field("contact_email", "E-Mail", type="email", max_length=200),
        Field("description", "Beschreibung", type="textarea", translatable=True),
    ],
    list_columns=["name", "slug", "office", "contact_phone"],
    search_fields=["name", "slug", "office"],
    ordering="name",
    create_roles=("admin",),
    edit_roles=("admin", "staff"),
    delete_roles=("admin",),
    quartier_path="id",
    title=lambda row: row.name,
    create=create_quartier,
    update=update_quartier,
    links=lambda row: [("Programm der Woche (PDF)", f"/{row.slug}/programm.pdf?zeitraum=woche"),
                       ("Programm des Monats (PDF)", f"/{row.slug}/programm.pdf?zeitraum=monat")],
    menu_group="Stammdaten",
)
