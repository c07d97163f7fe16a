"""The exhibition plugin's catalogs (one per language folder) cover every German UI string of the plugin.

UI strings come from four places (as in tests/plugins/registration/test_i18n.py):

* ``_()`` / ``gettext`` / ``ngettext`` calls in the plugin's Python code and templates,
  found by pybabel with the repository's ``babel.cfg`` (input directory plugins/exhibition);
* German labels of declarations, translated at render time by the core: the staff resources
  (labels, help texts, choice lists, actions and their confirm texts, and the labels of the
  ``links`` shown on a detail page) and the menu link of ``menu_links``;
* German service messages that routes and templates pass through ``_()`` at runtime: the
  messages raised as ``StateError`` / ``ValueError`` / ``QuestionClosed`` / ``FieldError`` in
  service.py and resources.py and as ``ImageRejected`` in media.py, the field messages put into
  ``errors[...]`` (``validate``, ``check_image_text``, the form routes: shown with ``_(errors.x)``),
  ``QUEUE_STATES``, ``STATUS_LABELS`` and the flash texts of ``messages`` in ``staff_routes.moderate``;
* German strings a template passes to ``_()`` as a variable of a loop over a literal list
  (the labels and help texts of the upload form in staff_images.html).

Messages built with an f-string cannot be translated (the caller only sees the finished text);
they are listed in ``GERMAN_ONLY`` so that a new one shows up as a test failure.

To update the catalog after changing strings::

    .venv/bin/python -m tests.plugins.exhibition.test_i18n /tmp/exhibition.pot
    .venv/bin/pybabel update -i /tmp/exhibition.pot -d plugins/exhibition/locale --no-fuzzy-matching

then translate the new (empty) entries.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from core.testing.catalog import (
    Declared, MsgId, build_catalog, catalog_languages, check_catalog, extract_messages,
)

ROOT = Path(__file__).resolve().parents[3]
PLUGIN = ROOT / "plugins" / "exhibition"
LOCALE = PLUGIN / "locale"
# exceptions whose (German) message a route shows through _(); FieldError's first argument is the field name
MESSAGE_EXCEPTIONS = {"StateError", "ValueError", "QuestionClosed", "ImageRejected", "FieldError"}
MESSAGE_MODULES = ("service.py", "media.py", "resources.py", "routes.py", "staff_routes.py")
# f-string messages that stay German in every language: (module, start of the message)
GERMAN_ONLY = {
    ("media.py", "Die Datei ist zu groß (höchstens "),  # upload too large: the limit in MB
    ("media.py", "Das Bild hat zu viele Bildpunkte (höchstens "),  # too many pixels: the limit in megapixels
    ("service.py", "Höchstens "),  # check_image_text: an image text longer than its limit (the form's maxlength prevents it)
}
INTERNAL_F_STRINGS = {("media.py", "not a media file name: ")}  # a programming error, never shown


# -- what the plugin can show ----------------------------------------------------------
def extracted_messages() -> dict[MsgId, list[tuple[str, int]]]:
    """As ``pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 plugins/exhibition`` finds them."""
    return extract_messages(PLUGIN, ROOT)


def _tree(module: str) -> ast.Module:
    return ast.parse((PLUGIN / module).read_text(encoding="utf-8"), module)


def _strings(node: ast.AST) -> tuple[list[str], list[ast.JoinedStr]]:
    """String constants in an expression (through ``a if c else b``, ``"…".format()``, calls), and its f-strings."""
    constants: list[str] = []
    formatted: list[ast.JoinedStr] = []
    todo = [node]
    while todo:
        value = todo.pop()
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            constants.append(value.value)
        elif isinstance(value, ast.JoinedStr):  # the constant parts of an f-string are no messages
            formatted.append(value)
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("len", "str", "int"):
            continue
        else:
            todo.extend(ast.iter_child_nodes(value))
    return constants, formatted


def _f_string_start(node: ast.JoinedStr) -> str:
    first = node.values[0] if node.values else None
    return first.value if isinstance(first, ast.Constant) else ""


def runtime_messages() -> tuple[dict[str, list[str]], list[tuple[str, str, int]]]:
    """Service and route messages shown through ``_()``: msgid -> where; and the f-strings among them (module, start, line)."""
    found: dict[str, list[str]] = {}
    f_strings: list[tuple[str, str, int]] = []

    def take(node: ast.AST, module: str, what: str) -> None:
        constants, formatted = _strings(node)
        for text in constants:
            found.setdefault(text, []).append(f"{module}:{getattr(node, 'lineno', 0)}: {what}")
        f_strings.extend((module, _f_string_start(f), f.lineno) for f in formatted)

    for module in MESSAGE_MODULES:
        for node in ast.walk(_tree(module)):
            # raise StateError("…"), raise ValueError("…" if … else "…"), raise FieldError("field", "…")
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                name = getattr(node.exc.func, "id", None)
                if name in MESSAGE_EXCEPTIONS:
                    for arg in node.exc.args[1:] if name == "FieldError" else node.exc.args[:1]:
                        take(arg, module, name)
            # errors["text"] = "…" (validate, check_image_text, upload_image)
            elif isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Subscript) and getattr(t.value, "id", None) == "errors" for t in node.targets):
                take(node.value, module, "field message")
            # _question_page(…, errors={"form": "…"}) and return {"exhibition": "…"} of a resource check
            elif isinstance(node, ast.keyword) and node.arg == "errors" and isinstance(node.value, ast.Dict):
                for value in node.value.values:
                    take(value, module, "form message")
            elif isinstance(node, ast.FunctionDef) and node.name.startswith("check_"):
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Dict):
                        for value in ret.value.values:
                            take(value, module, f"{node.name} message")
    # the flash texts of the moderation decisions
    moderate = next(n for n in ast.walk(_tree("staff_routes.py")) if isinstance(n, ast.AsyncFunctionDef) and n.name == "moderate")
    for node in ast.walk(moderate):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "messages" for t in node.targets):
            for value in node.value.values:  # type: ignore[attr-defined]
                take(value, "staff_routes.py", "moderate: flash message")
    return found, f_strings


def validation_messages() -> tuple[list[str], list[int]]:
    """Messages ``validate`` puts into ``errors[...]``: constants, and the line numbers of f-strings (untranslatable)."""
    function = next(n for n in ast.walk(_tree("service.py")) if isinstance(n, ast.FunctionDef) and n.name == "validate")
    constants, formatted = [], []
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Subscript) and getattr(t.value, "id", None) == "errors" for t in node.targets):
            found, f_strings = _strings(node.value)
            constants.extend(found)
            formatted.extend(f.lineno for f in f_strings)
    return constants, formatted


def template_variable_messages() -> tuple[dict[str, list[str]], list[str]]:
    """Strings a template passes to ``_()`` as a loop variable over a literal list of tuples.

    Returns msgid -> where, and every ``_(x)`` with a non-constant argument that is not such a
    loop variable (as "template: expression"), to be checked against the known ones.
    """
    from jinja2 import Environment, nodes

    env = Environment(extensions=["jinja2.ext.i18n"])
    found: dict[str, list[str]] = {}
    dynamic: list[str] = []
    for path in sorted((PLUGIN / "templates").rglob("*.html")):
        name = str(path.relative_to(PLUGIN))
        tree = env.parse(path.read_text(encoding="utf-8"))
        loop_vars: dict[str, list[str]] = {}  # variable -> the strings it takes
        for loop in tree.find_all(nodes.For):
            if isinstance(loop.iter, nodes.List) and isinstance(loop.target, nodes.Tuple):
                for index, target in enumerate(loop.target.items):
                    values = [item.items[index].value for item in loop.iter.items
                              if isinstance(item, nodes.Tuple) and isinstance(item.items[index], nodes.Const)]
                    loop_vars[target.name] = [v for v in values if isinstance(v, str)]
        for call in tree.find_all(nodes.Call):
            if not (isinstance(call.node, nodes.Name) and call.node.name in ("_", "gettext")) or not call.args:
                continue
            arg = call.args[0]
            if isinstance(arg, nodes.Const):
                continue
            if isinstance(arg, nodes.Name) and arg.name in loop_vars:
                for text in loop_vars[arg.name]:
                    if text.strip():
                        found.setdefault(text, []).append(f"{name}: _({arg.name}) in a loop")
            else:
                dynamic.append(f"{name}: {_expression(arg)}")
    return found, dynamic


def _expression(node: Any) -> str:
    from jinja2 import nodes

    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_expression(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        return f"{_expression(node.node)}[…]"
    return type(node).__name__


# every _(variable) of the templates and where its strings are collected
KNOWN_TEMPLATE_VARIABLES = {
    "errors.form": "runtime_messages (QuestionClosed, rate limit)",
    "errors.text": "validate", "errors.name": "validate", "errors.email": "validate",
    "errors.file": "runtime_messages (ImageRejected, upload_image)",
    "errors[…]": "check_image_text",
    "label": "QUEUE_STATES (moderation.html)",
    "status_labels[…]": "STATUS_LABELS, PUBLISH_CHOICES",
}


def declared_messages() -> dict[str, list[str]]:
    """German strings the UI translates at render time: msgid -> where they are declared."""
    from plugins.exhibition import plugin
    from plugins.exhibition.resources import ALL
    from plugins.exhibition.service import QUEUE_STATES
    from plugins.exhibition.staff_routes import STATUS_LABELS

    found = Declared()
    dummy = SimpleNamespace(id=1, exhibition=1, question=1, title="Titel", text="Text", status="draft", exhibit=1)
    for resource in ALL:
        found.add_resource(resource, links_row=dummy)
    for link in plugin.menu_links(deployment=None, staff=None):
        found.add(link.label, "menu_links (plugin.py): label")
        found.add(link.group, "menu_links (plugin.py): group")
    for message_type in plugin.register_message_types():  # shown to staff editing the texts
        found.add(message_type.label, f"register_message_types: {message_type.key}")
    for key, text in QUEUE_STATES.items():
        found.add(text, f"service.QUEUE_STATES[{key!r}]")
    for key, text in STATUS_LABELS.items():
        found.add(text, f"staff_routes.STATUS_LABELS[{key!r}]")
    for source in (runtime_messages()[0], template_variable_messages()[0]):
        for text, wheres in source.items():
            for where in wheres:
                found.add(text, where)
    return found


def template_catalog() -> Catalog:
    return build_catalog("Quartier exhibition plugin", extracted_messages(), declared_messages())



# -- the catalog ---------------------------------------------------------------------------
def test_the_collection_finds_all_kinds_of_strings():
    declared = declared_messages()
    for text in (
        "Ausstellung", "Exponate", "Leitfragen", "Beiträge", "Ausstellungen", "Moderation",  # resources, menu
        "Kurzbezeichnung", "Teil der Internetadresse, z. B. „gute-nachbarschaft“. Leer lassen: aus dem Titel.",  # field, help
        "Vorab prüfen (erst nach Freigabe sichtbar)", "Wartet auf Prüfung",  # choices
        "Zurück zum Entwurf", "Die Ausstellung ist danach nicht mehr öffentlich zu sehen. Beiträge bleiben für den Export erhalten.",
        "Exponate und Reihenfolge", "Aushang mit QR-Code", "Zur Moderation",  # links of the detail pages
        "Zu prüfen",  # QUEUE_STATES
        "Das Exponat steht schon am Anfang.", "Das Exponat steht schon am Ende.",  # StateError, both branches
        "Bitte geben Sie einen Grund für die Ablehnung an.",  # ValueError
        "Zu dieser Frage werden keine Beiträge mehr angenommen.",  # QuestionClosed
        "Die Datei ist kein Bild im Format JPEG, PNG oder WebP.",  # ImageRejected
        "Bitte wählen Sie nur Veranstaltungen aus dem Quartier der Ausstellung.",  # FieldError
        "Bitte schreiben Sie Ihren Beitrag.", "Ihr Beitrag ist zu lang ({n} von höchstens {max} Zeichen).",  # validate
        "Bitte beschreiben Sie das Bild für Menschen, die es nicht sehen können.",  # check_image_text
        "Zu viele Beiträge von dieser Adresse. Bitte warten Sie eine Minute.", "Bitte wählen Sie eine Bilddatei aus.",  # routes
        "Der Beitrag ist nicht mehr hervorgehoben.",  # moderate's flash messages
        "Was ist auf dem Bild zu sehen? Für Menschen, die es nicht sehen können.", "z. B. „CC BY 4.0“",  # _(help) in a loop
    ):
        assert text in declared, text
    extracted = extracted_messages()
    assert ("%(num)d Beitrag", "%(num)d Beiträge") in extracted
    assert "Exponat {n} von {total}" in extracted and "Beitrag senden" in extracted
    assert "Der Name ist zu lang (höchstens {max} Zeichen)." in extracted  # gettext() in validate


def test_every_dynamic_template_string_is_collected():
    """Each ``_(variable)`` in a template is one whose strings this module collects (see KNOWN_TEMPLATE_VARIABLES)."""
    _found, dynamic = template_variable_messages()
    unknown = sorted({d for d in dynamic if d.split(": ", 1)[1] not in KNOWN_TEMPLATE_VARIABLES})
    assert not unknown, f"_() of a variable whose strings this test does not collect: {unknown}"


def test_f_string_messages_are_known():
    """Messages built with f-strings cannot be translated; only the known ones (GERMAN_ONLY) may exist."""
    _found, f_strings = runtime_messages()
    seen = {(module, start) for module, start, _line in f_strings}
    assert seen - INTERNAL_F_STRINGS == GERMAN_ONLY, sorted(f_strings)










@pytest.mark.parametrize("lang", catalog_languages(LOCALE))
def test_the_catalog_of_every_language_is_complete(lang):
    """Every UI string translated (not fuzzy), no stale entries, placeholders kept, all plural forms: per language folder."""
    problems = check_catalog(template_catalog(), LOCALE, lang)
    assert not problems, f"{len(problems)} problems (see this module's docstring for updating the catalog):\n  " + "\n  ".join(problems)


def test_every_field_message_can_be_translated():
    _constants, formatted = validation_messages()
    assert not formatted, f"f-string messages in validate (service.py lines {formatted})"


# -- in the app -----------------------------------------------------------------------------
NO_RATE_LIMIT = {"exhibition": {"rate_limit_per_minute": 0}}
QUESTION = "Was verstehe ich unter guter Nachbarschaft?"


async def _published_exhibition(*, images: bool = False) -> SimpleNamespace:
    """An exhibition in Quartier nordstadt with two published exhibits and a pre-moderated guiding question."""
    from core.testing.fixtures import ensure_quartiere
    from plugins.exhibition import service

    (quartier,) = await ensure_quartiere(["nordstadt"])
    exhibition = await service.create_exhibition(quartier.id, "Gute Nachbarschaft", "Wie Nachbarschaft gelingt.")
    first = await service.create_exhibit(exhibition.id, "Einsamkeit im Quartier", "Jeder zehnte Mensch fühlt sich einsam.",
                                         status="published")
    second = await service.create_exhibit(exhibition.id, "Kleine Gesten", "Ein Gespräch über den Gartenzaun.", status="published")
    if images:
        await service.add_image(first, _png(), service.ImageInput(alt_text="Menschen an einem Tisch", credit="Maria Muster",
                                                                  licence="CC BY 4.0"))
    question = await service.create_question(QUESTION, exhibition_id=exhibition.id)
    exhibition = await service.publish_exhibition(exhibition)
    return SimpleNamespace(quartier=quartier, exhibition=exhibition, exhibits=[first, second], question=question,
                           path=service.exhibition_path(exhibition, quartier.slug),
                           question_path=service.question_path(question, quartier.slug))


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(out, "PNG")
    return out.getvalue()


def _no_german(html: str, *words: str) -> None:
    for german in words:
        assert german not in html, german


async def test_the_public_pages_in_english(make_client):
    from core.testing.fixtures import post_form
    from plugins.exhibition import service
    from tests.core.web.pages import parse

    async with make_client(["exhibition"], sections=NO_RATE_LIMIT) as client:
        ex = await _published_exhibition(images=True)
        anna = await service.submit(ex.question, service.ContributionInput(text="Dass man sich grüßt.", name="Anna"))
        await service.approve(anna)

        exhibition = await client.get(ex.path + "?lang=en")
        assert exhibition.status_code == 200
        html = exhibition.text
        assert '<html lang="en"' in html
        for text in ("Exhibits", "Start the tour", "Your contribution", "(required)", "(optional)", "Send contribution",
                     "1 contribution", "Contributions appear once the neighbourhood management has reviewed them.",
                     "All contributions as a wall (for a screen at the venue)"):
            assert text in html, text
        _no_german(html, "Exponate", "Rundgang beginnen", "Ihr Beitrag", "Pflichtfeld", "freiwillig", "Beitrag senden",
                   "1 Beitrag", "Beiträge erscheinen")

        exhibit = await client.get(f"{ex.path}/exponate/{ex.exhibits[0].id}")  # the language stays chosen
        html = exhibit.text
        for text in ("Exhibit 1 of 2", "Next exhibit", "Overview", "Image: Maria Muster"):
            assert text in html, text
        _no_german(html, "Exponat 1 von 2", "Nächstes Exponat", "Übersicht", "Bild:")
        last = (await client.get(f"{ex.path}/exponate/{ex.exhibits[1].id}")).text
        assert "Previous exhibit" in last and "To the questions" in last
        _no_german(last, "Voriges Exponat", "Zu den Fragen")

        question = await client.get(ex.question_path)
        html = question.text
        for text in ("Your opinion matters", "Leave empty to answer anonymously.", "At most 1000 characters."):
            assert text in html, text
        _no_german(html, "Ihre Meinung ist gefragt", "Leer lassen", "Höchstens 1000 Zeichen", "Noch keine Beiträge")

        # the service's messages, passed through _() at runtime, in the page with form errors
        invalid = await post_form(client, ex.question_path, {"text": "  ", "name": "x" * 81})
        assert invalid.status_code == 400
        page = parse(invalid.text)
        fid = f"q{ex.question.id}"
        assert page.text_of(f"{fid}-text-error") == "Please write your contribution."
        assert page.text_of(f"{fid}-name-error") == "The name is too long (at most 80 characters)."
        assert "Please check the highlighted fields." in page.text_of(f"{fid}-errors")
        too_long = parse((await post_form(client, ex.question_path, {"text": "x" * 1001, "name": ""})).text)
        assert too_long.text_of(f"{fid}-text-error") == "Your contribution is too long (1001 of at most 1000 characters)."

        sent = await post_form(client, ex.question_path, {"text": "Ein Gruß über den Zaun.", "name": ""})
        assert sent.status_code == 201
        assert "Thank you for your contribution! It will appear once someone from the neighbourhood management has approved it." \
            in sent.text

        await _close(ex.question)
        closed = await post_form(client, ex.question_path, {"text": "Noch einer.", "name": ""})
        assert closed.status_code == 409
        assert "This question no longer takes contributions." in closed.text
        _no_german(closed.text, "Zu dieser Frage werden keine Beiträge mehr angenommen.")

        wall = (await client.get(f"{ex.path}/wand")).text
        assert "Contribution wall" in wall and 'data-anonymous="anonymous"' in wall
        assert f">Back to “{ex.exhibition.title}”</a>" in wall
        _no_german(wall, "Beitragswand", "Zurück", 'data-anonymous="anonym"', "Antworten Sie")


async def _close(question: Any) -> None:
    from plugins.exhibition.tables import GuidingQuestion

    await GuidingQuestion.update({GuidingQuestion.open: False}).where(GuidingQuestion.id == question.id)


async def test_the_moderation_queue_in_english(make_staff_client):
    from plugins.exhibition import service
    from tests.core.web.pages import parse

    async with make_staff_client(role="moderator", quartiere=["nordstadt"], plugins=["exhibition"], sections=NO_RATE_LIMIT) as client:
        ex = await _published_exhibition()
        first = await service.submit(ex.question, service.ContributionInput(text="Ein Gruß über den Zaun.", name=""))
        await service.submit(ex.question, service.ContributionInput(text="Schaut mal auf www.example.org", name="Bert"))

        queue = await client.get("/staff/moderation?lang=en")
        assert queue.status_code == 200
        html = queue.text
        page = parse(html)
        assert page.h1 == "Moderation"
        for text in ("To review (2)", "Approved (0)", "Rejected (0)", "Hidden (0)", "Guiding question", "Show",
                     "Waiting for review", "Name: <bdi>anonymous</bdi>", "Flagged by the word filter: Link", "Approve", "Reject",
                     f"Contribution {first.id}", "Exhibitions"):
            assert text in html, text
        _no_german(html, "Zu prüfen", "Freigegeben", "Abgelehnt", "Leitfrage", "Anzeigen", "Wartet auf Prüfung",
                   "Vom Wortfilter markiert", "Freigeben", "Ablehnen", "Ausstellungen")

        from core.testing.fixtures import post_form

        approved = await post_form(client, f"/staff/moderation/{first.id}/approve", {"back": "/staff/moderation"})
        assert approved.status_code == 303
        after = await client.get("/staff/moderation")
        assert "The contribution is approved." in after.text and "To review (1)" in after.text
        again = await post_form(client, f"/staff/moderation/{first.id}/approve", {"back": "/staff/moderation"})
        assert again.status_code == 303
        assert "The contribution is already approved." in (await client.get("/staff/moderation")).text
        no_reason = await post_form(client, f"/staff/moderation/{first.id}/reject", {"back": "/staff/moderation", "reason": ""})
        assert no_reason.status_code == 303
        assert "Please give a reason for the rejection." in (await client.get("/staff/moderation")).text

        dashboard = (await client.get("/staff/")).text
        assert "Contributions to review" in dashboard and "1 contribution is waiting for review." in dashboard


async def test_staff_screens_in_english(make_staff_client):
    from tests.core.web.pages import parse

    async with make_staff_client(role="staff", quartiere=["nordstadt"], plugins=["exhibition"]) as client:
        ex = await _published_exhibition(images=True)
        detail = parse((await client.get(f"/staff/r/exhibitions/{ex.exhibition.id}?lang=en")).text)
        for text in ("Exhibits and order", "New exhibit", "Guiding questions", "Export contributions", "Archive"):
            assert text in detail.main_text, text
        order = (await client.get(f"/staff/ausstellungen/{ex.exhibition.id}/exponate")).text
        for text in ("Exhibits in the order of the tour", "Move forward", "Move back", "Published", "View public page"):
            assert text in order, text
        _no_german(order, "Nach vorn", "Veröffentlicht", "Reihenfolge")
        images = await client.get(f"/staff/ausstellungen/exponate/{ex.exhibits[0].id}/bilder")
        html = images.text
        for text in ("Upload an image", "Alt text", "Caption", "Author", "Licence", "e.g. “CC BY 4.0”",
                     "What does the image show? For people who cannot see it.", "Delete"):
            assert text in html, text
        _no_german(html, "Bild hochladen", "Alternativtext", "Bildunterschrift", "Urheber/in", "Lizenz", "z. B.", "Löschen")
        from core.testing.fixtures import CSRF_FIELD, csrf_token

        url = f"/staff/ausstellungen/exponate/{ex.exhibits[0].id}/bilder"
        no_alt = await client.post(url, data={CSRF_FIELD: await csrf_token(client), "alt_text": ""},
                                   files={"file": ("bild.png", _png(), "image/png")})
        assert no_alt.status_code == 400
        page = parse(no_alt.text)
        assert page.text_of("upload-alt_text-error") == "Please describe the image for people who cannot see it."
        assert "Please check the highlighted fields." in page.text_of("upload-errors")
        no_image = await client.post(url, data={CSRF_FIELD: await csrf_token(client), "alt_text": "Ein Bild"},
                                     files={"file": ("bild.png", b"kein Bild", "image/png")})
        assert no_image.status_code == 400
        assert parse(no_image.text).text_of("upload-file-error") == "The file is not a JPEG, PNG or WebP image."
        question = parse((await client.get(f"/staff/r/guiding-questions/{ex.question.id}")).text)
        for text in ("Poster with QR code", "Review contributions", "Pre-moderation (visible only after approval)"):
            assert text in question.main_text, text
        csv = (await client.get(f"/staff/ausstellungen/beitraege.csv?ausstellung={ex.exhibition.id}")).content.decode("utf-8-sig")
        assert csv.splitlines()[0] == "Guiding question;Contribution;Name;Status;Highlighted;Reason for rejection;" \
                                      "Flagged by the word filter;Received on;On paper"


if __name__ == "__main__":
    # python -m tests.plugins.exhibition.test_i18n OUT.pot: the full template for `pybabel update`
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.plugins.exhibition.test_i18n OUT.pot")
    with open(sys.argv[1], "wb") as out:
        write_po(out, template_catalog(), sort_by_file=False)
    print(f"wrote {sys.argv[1]}", file=sys.stderr)
