"""Rules for Quartiere and their per-Quartier plugin switches."""

from __future__ import annotations

from core.db import transaction
from core.quartiere.tables import Quartier, QuartierPlugin


async def get_by_slug(slug: str) -> Quartier | None:
    return await Quartier.objects().where(Quartier.slug == slug).first()


async def disabled_plugins(quartier_id: int) -> set[str]:
    rows = await QuartierPlugin.select(QuartierPlugin.plugin).where(
        (QuartierPlugin.quartier == quartier_id) & (QuartierPlugin.enabled == False)  # noqa: E712
    )
    return {row["plugin"] for row in rows}


async def is_plugin_enabled(quartier_id: int, plugin: str) -> bool:
    return plugin not in await disabled_plugins(quartier_id)


async def set_plugin_enabled(quartier_id: int, plugin: str, enabled: bool) -> None:
    async with transaction(immediate=True):
        updated = await QuartierPlugin.update({QuartierPlugin.enabled: enabled}).where(
            (QuartierPlugin.quartier == quartier_id) & (QuartierPlugin.plugin == plugin)
        ).returning(QuartierPlugin.id)
        if not updated:
            await QuartierPlugin.insert(QuartierPlugin(quartier=quartier_id, plugin=plugin, enabled=enabled))
