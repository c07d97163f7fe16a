"""The rules of service.check and importer.parse on their own (no database, no app)."""

from __future__ import annotations

import pytest

from quartier_hilfsangebote import importer, service
from quartier_hilfsangebote.service import InvalidOffer, Problem
from quartier_hilfsangebote.settings import CATEGORIES


def test_check_tidies_what_people_type():
    data = service.check({
        "name": "  Sprachcafé ", "category": "MIGRATION UND SPRACHE", "email": "Info@Example.ORG",
        "website": "www.example.org", "languages": "DE, tr;uk / ar de", "accessible": "Ja", "active": "nein",
        "opening_hours": "Mo 9–12\r\nDi 14–16", "postal_code": "38518",
    }, CATEGORIES)
    assert (data.name, data.category, data.email, data.website) == ("Sprachcafé", "Migration und Sprache", "info@example.org",
                                                                     "https://www.example.org")
    assert data.languages == ["de", "tr", "uk", "ar"] and data.accessible is True and data.active is False
    assert data.opening_hours == "Mo 9–12\nDi 14–16"
    assert service.columns(data)["languages"] == "de, tr, uk, ar"


def test_check_reports_every_problem_of_an_offer():
    with pytest.raises(InvalidOffer) as error:
        service.check({"name": "", "category": "Sonstiges", "email": "nope", "website": "javascript:alert(1)",
                       "postal_code": "ABCDE", "languages": "deutsch", "accessible": "vielleicht", "city": "x" * 101}, CATEGORIES)
    assert error.value.problems == {
        "name": Problem("required"), "category": Problem("unknown_category", "Sonstiges"),
        "postal_code": Problem("invalid_postal_code", "ABCDE"), "city": Problem("too_long", "x" * 101, 100),
        "email": Problem("invalid_email", "nope"), "website": Problem("invalid_url", "javascript:alert(1)"),
        "languages": Problem("invalid_languages", "deutsch"), "accessible": Problem("invalid_bool", "vielleicht"),
    }
    with pytest.raises(InvalidOffer) as missing:
        service.check({}, CATEGORIES)
    assert set(missing.value.problems) == {"name", "category"}


def test_links_are_only_made_from_safe_values():
    assert service.tel_href("(05371) 82 562") == "tel:0537182562"
    assert service.tel_href("+49 5371 82562") == "tel:+49537182562"
    assert service.tel_href("auf Anfrage") == ""
    assert service.safe_website("https://example.org") == "https://example.org"
    assert service.safe_website("javascript:alert(1)") == "" and service.safe_website("") == ""


def test_parse_reads_bom_semicolons_quotes_and_counts_lines():
    text = ('Name;Kategorie;Beschreibung;Sprachen\n'
            'A;Beratung;"zwei\nZeilen";de\n'
            '\n'
            'B;Unbekannt;;de\n'
            'C;Notfall;;de;zu;viel\n')
    parsed = importer.parse(b"\xef\xbb\xbf" + text.encode(), CATEGORIES)
    assert [(row.line, row.offer is not None) for row in parsed.rows] == [(2, True), (5, False), (6, False)]
    assert parsed.rows[0].offer.description == "zwei\nZeilen"
    assert parsed.rows[1].reasons == [f"Kategorie 'Unbekannt' is not a category (one of: {', '.join(CATEGORIES)})"]
    assert parsed.rows[2].reasons == ["6 cells but 4 columns (a separator in an unquoted cell?)"]


def test_parse_refuses_files_it_cannot_read():
    with pytest.raises(importer.FileProblem, match="the file is empty"):
        importer.parse(b"", CATEGORIES)
    with pytest.raises(importer.FileProblem, match="no column 'Kategorie'"):
        importer.parse(b"Name;Ort\nA;B\n", CATEGORIES)
    with pytest.raises(importer.FileProblem, match="not UTF-8"):
        importer.parse("Name;Kategorie\nÄrztlicher Notdienst;Notfall\n".encode("cp1252"), CATEGORIES)
