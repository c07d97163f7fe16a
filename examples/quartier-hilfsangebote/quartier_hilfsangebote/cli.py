"""``quartier hilfsangebote import QUARTIER_SLUG FILE.csv``."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from core.plugin_api import current, quartier_for_command, transaction
from quartier_hilfsangebote import importer, service


def register(cli: click.Group) -> None:
    @cli.group("hilfsangebote")
    def hilfsangebote() -> None:
        """Help and counselling offers (Beratungs- und Hilfsangebote)."""

    @hilfsangebote.command("import")
    @click.argument("quartier_slug")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check the file and report, but store nothing.")
    @click.pass_context
    def import_command(ctx: click.Context, quartier_slug: str, file: Path, dry_run: bool) -> None:
        """Import offers into a Quartier from a CSV FILE (UTF-8, separated by ';' or ',').

        The header row names the columns: Name;Träger;Kategorie;Beschreibung;Straße;PLZ;Ort;Öffnungszeiten;
        Telefon;E-Mail;Internet;Sprachen;Barrierefrei (Name and Kategorie are required). Bad rows are reported
        with their line number and skipped; the good ones are imported. An offer with the same Name and
        Träger as a stored one is updated. Exit code 0 when at least one offer was imported, else 1.
        """
        categories = service.settings().categories
        try:
            parsed = importer.parse(file.read_bytes(), categories)
        except importer.FileProblem as exc:
            click.echo(f"{file}: {exc}.", err=True)
            ctx.exit(1)
        for column in parsed.ignored_columns:
            click.echo(f"Note: column '{column}' is not known and was ignored.", err=True)

        async def run() -> tuple[str, int, int]:
            current().bind()
            quartier = await quartier_for_command(quartier_slug, "hilfsangebote")
            added = updated = 0
            async with transaction():  # all good rows, or none when the database fails
                with click.progressbar(parsed.rows, label=f"Importing {file.name}", file=sys.stderr) as rows:
                    for row in rows:
                        if row.offer is None or dry_run:
                            continue
                        if await service.save_offer(quartier.id, row.offer):
                            added += 1
                        else:
                            updated += 1
            return quartier.name, added, updated

        name, added, updated = asyncio.run(run())
        bad = [row for row in parsed.rows if row.offer is None]
        for row in bad:
            click.echo(f"line {row.line}: {'; '.join(row.reasons)}")
        good = len(parsed.rows) - len(bad)
        if dry_run:
            click.echo(f"Dry run: {good} of {len(parsed.rows)} rows are fine, {len(bad)} have errors; nothing was stored.")
            ctx.exit(0 if good else 1)
        click.echo(f"Imported {added + updated} offers into {name} ({added} new, {updated} updated); "
                   f"{len(bad)} of {len(parsed.rows)} rows skipped.")
        ctx.exit(0 if added + updated else 1)
