"""``quartier hilfsangebote import QUARTIER_SLUG FILE.csv``, run as the real command line in a subprocess
against the test database (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from hilfsangebote_kit import PLUGINS, quartier
from quartier_hilfsangebote.tables import Offer

HEADER = "Name;Träger;Kategorie;Beschreibung;Straße;PLZ;Ort;Öffnungszeiten;Telefon;E-Mail;Internet;Sprachen;Barrierefrei"
GOOD_AND_BAD = "\n".join([
    HEADER,                                                                                                         # 1
    "Schuldnerberatung;Diakonie;Schulden und Geld;Vertraulich;Steinweg 10;38518;Gifhorn;Mo 9–12 Uhr;05371 82562;"
    "Schulden@Example.org;www.example.org/schulden;de, ru;ja",                                                     # 2
    "Sonstiges Angebot;Verein;Sonstiges;;;;;;;;;de;nein",                                                           # 3
    ";Niemand;Beratung;ohne Namen;;;;;;;;;",                                                                       # 4
    "",                                                                                                             # 5
    'Migrationsberatung;Caritas;migration und sprache;"Beratung zu Aufenthalt,',                                    # 6
    'Arbeit und Sprachkursen";Lindenstraße 4;38518;Gifhorn;"Mo 9–12 Uhr',                                           # 7
    'Do 14–17 Uhr";05371 123;;https://example.org/migration;"de, tr, ar";x',                                        # 8
    "Pflegeberatung;Stadt;Pflege und Alter;;;3851;;;;keine-adresse;;Deutsch;vielleicht",                            # 9
    "Sprachcafé;Nachbarschaftsverein;Freizeit und Begegnung;;;;;;;;;de uk;",                                        # 10
]) + "\n"
QUARTIER_CLI = [sys.executable, "-c", "from core.cli import main; main()"]


@pytest.fixture
def config(make_settings, tmp_path: Path) -> Path:
    """A config file for the command line on the test database, with the plugin listed."""
    settings = make_settings(PLUGINS)
    path = tmp_path / "quartier.toml"
    path.write_text(f'plugins = ["hilfsangebote"]\ndatabase_url = "{settings.database_url}"\n'
                    f'data_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    return path


async def quartier_cli(config: Path, *args: str) -> tuple[int, str, str]:
    """Run ``quartier --config CONFIG ARGS`` and return (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        *QUARTIER_CLI, "--config", str(config), *args, cwd=config.parent,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


def csv_file(tmp_path: Path, text: str, name: str = "angebote.csv", bom: bool = True, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


async def stored() -> dict[str, Offer]:
    return {row.name: row for row in await Offer.objects().order_by(Offer.name)}


async def test_good_rows_are_imported_bad_rows_reported_with_line_and_reason(make_deployment, config, tmp_path):
    await make_deployment(PLUGINS)
    nord = await quartier("nordstadt")
    code, out, err = await quartier_cli(config, "hilfsangebote", "import", "nordstadt", str(csv_file(tmp_path, GOOD_AND_BAD)))

    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[:-1] == [
        "line 3: Kategorie 'Sonstiges' is not a category (one of: Beratung, Gesundheit, Pflege und Alter, "
        "Familie und Kinder, Migration und Sprache, Wohnen, Schulden und Geld, Freizeit und Begegnung, Notfall)",
        "line 4: Name is missing",
        "line 9: PLZ '3851' is not a five-digit postcode; E-Mail 'keine-adresse' is not an e-mail address; "
        "Sprachen 'deutsch' are not ISO 639 language codes such as 'de, en, tr'; Barrierefrei 'vielleicht' is neither 'ja' nor 'nein'",
    ]
    assert lines[-1] == "Imported 3 offers into Nordstadt (3 new, 0 updated); 3 of 6 rows skipped."
    assert "Importing angebote.csv" in err  # the progress bar (on stderr)

    offers = await stored()
    assert list(offers) == ["Migrationsberatung", "Schuldnerberatung", "Sprachcafé"]
    debt = offers["Schuldnerberatung"]
    assert (debt.quartier, debt.provider, debt.category, debt.city, debt.postal_code) == (nord.id, "Diakonie", "Schulden und Geld", "Gifhorn", "38518")
    assert (debt.email, debt.website, debt.languages, debt.accessible, debt.active) == (
        "schulden@example.org", "https://www.example.org/schulden", "de, ru", True, True)
    migration = offers["Migrationsberatung"]
    assert migration.category == "Migration und Sprache"  # letter case of the configured category
    assert migration.description == "Beratung zu Aufenthalt,\nArbeit und Sprachkursen"  # a cell over two lines
    assert migration.opening_hours == "Mo 9–12 Uhr\nDo 14–17 Uhr"
    assert (migration.languages, migration.accessible) == ("de, tr, ar", True)
    assert (offers["Sprachcafé"].languages, offers["Sprachcafé"].accessible) == ("de, uk", False)

    # the same file again: the offers are updated, not doubled
    code, out, _err = await quartier_cli(config, "hilfsangebote", "import", "nordstadt", str(tmp_path / "angebote.csv"))
    assert code == 0
    assert out.splitlines()[-1] == "Imported 3 offers into Nordstadt (0 new, 3 updated); 3 of 6 rows skipped."
    assert await Offer.count() == 3


async def test_commas_without_bom_and_english_column_names(make_deployment, config, tmp_path):
    await make_deployment(PLUGINS)
    await quartier("nordstadt")
    text = 'name,category,languages,Aktiv,Farbe\nSprachcafé,Freizeit und Begegnung,"de, uk",nein,blau\n'
    code, out, err = await quartier_cli(config, "hilfsangebote", "import", "nordstadt", str(csv_file(tmp_path, text, bom=False)))
    assert code == 0, out + err
    assert out.splitlines() == ["Imported 1 offers into Nordstadt (1 new, 0 updated); 0 of 1 rows skipped."]
    assert "Note: column 'Farbe' is not known and was ignored." in err
    (offer,) = (await stored()).values()
    assert (offer.languages, offer.active) == ("de, uk", False)


async def test_nothing_imported_exits_with_1(make_deployment, config, tmp_path):
    await make_deployment(PLUGINS)
    await quartier("nordstadt")
    code, out, _err = await quartier_cli(config, "hilfsangebote", "import", "nordstadt",
                                         str(csv_file(tmp_path, f"{HEADER}\n;;Beratung\n")))
    assert code == 1
    assert out.splitlines() == ["line 2: Name is missing", "Imported 0 offers into Nordstadt (0 new, 0 updated); 1 of 1 rows skipped."]
    assert await Offer.count() == 0

    code, out, err = await quartier_cli(config, "hilfsangebote", "import", "nordstadt", str(csv_file(tmp_path, "Titel;Ort\nX;Y\n")))
    assert code == 1 and "the header row (line 1) has no column 'Name'" in err

    latin1 = csv_file(tmp_path, f"{HEADER}\nBeratung für Ältere;;Beratung\n", name="latin1.csv", bom=False, encoding="latin-1")
    code, out, err = await quartier_cli(config, "hilfsangebote", "import", "nordstadt", str(latin1))
    assert code == 1 and "is not UTF-8" in err and "save it as 'CSV UTF-8'" in err

    code, out, err = await quartier_cli(config, "hilfsangebote", "import", "gibtsnicht", str(csv_file(tmp_path, GOOD_AND_BAD)))
    assert code == 1 and "Quartier 'gibtsnicht' does not exist." in err
    assert await Offer.count() == 0


async def test_a_quartier_where_the_plugin_is_switched_off_is_refused(make_deployment, config, tmp_path):
    await make_deployment(PLUGINS)
    await quartier("nordstadt")
    await quartier("suedstadt")
    assert (await quartier_cli(config, "quartiere", "plugin", "nordstadt", "hilfsangebote", "--off"))[0] == 0
    for args in ([], ["--dry-run"]):
        code, out, err = await quartier_cli(config, "hilfsangebote", "import", *args, "nordstadt", str(csv_file(tmp_path, GOOD_AND_BAD)))
        assert (code, out) == (1, "")
        assert err.strip() == "Error: Plugin 'hilfsangebote' is switched off for Quartier 'nordstadt'."
    assert await Offer.count() == 0
    code, out, _err = await quartier_cli(config, "hilfsangebote", "import", "suedstadt", str(csv_file(tmp_path, GOOD_AND_BAD)))
    assert code == 0 and out.splitlines()[-1].startswith("Imported 3 offers into Suedstadt")
    assert await Offer.count() == 3


async def test_dry_run_stores_nothing(make_deployment, config, tmp_path):
    await make_deployment(PLUGINS)
    await quartier("nordstadt")
    code, out, _err = await quartier_cli(config, "hilfsangebote", "import", "--dry-run", "nordstadt",
                                         str(csv_file(tmp_path, GOOD_AND_BAD)))
    assert code == 0
    assert out.splitlines()[-1] == "Dry run: 3 of 6 rows are fine, 3 have errors; nothing was stored."
    assert await Offer.count() == 0


async def test_the_command_exists_only_where_the_plugin_is_listed(make_deployment, config, tmp_path):
    await make_deployment(PLUGINS)
    code, out, _err = await quartier_cli(config, "--help")
    assert code == 0 and "hilfsangebote" in out
    code, out, _err = await quartier_cli(config, "hilfsangebote", "import", "--help")
    assert code == 0 and "Name;Träger;Kategorie" in out

    without = tmp_path / "without.toml"
    without.write_text(config.read_text(encoding="utf-8").replace('plugins = ["hilfsangebote"]', "plugins = []"), encoding="utf-8")
    code, out, _err = await quartier_cli(without, "--help")
    assert code == 0 and "hilfsangebote" not in out
