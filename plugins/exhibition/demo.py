"""The exhibition of the seed event: „Gute Nachbarschaft“ and its two guiding questions."""

from __future__ import annotations

from core.plugin_api import save_versions, transaction, translation_languages
from plugins.exhibition import service
from plugins.exhibition.tables import Contribution, Exhibition

TITLE = "Gute Nachbarschaft"
INTRODUCTION = (
    "In Deutschland fühlt sich jeder zehnte Mensch einsam. Die Ausstellung zeigt, wie Nachbarschaft im Quartier "
    "gelingen kann – und fragt Sie, was gute Nachbarschaft für Sie bedeutet.\n\n"
    "Das Quartiersmanagement des Landkreises Gifhorn arbeitet seit August 2022 mit der Gifhorner "
    "Wohnungsbau-Genossenschaft eG (GWG) zusammen."
)
EXHIBITS = [
    ("Einsamkeit im Quartier", "Jeder zehnte Mensch in Deutschland fühlt sich einsam. Das mindert die Lebensqualität – "
     "und es betrifft Menschen jeden Alters.\n\nEin Netzwerk im Quartier kann dem entgegenwirken: Menschen kennen sich, "
     "grüßen sich, helfen einander."),
    ("Das Quartiersmanagement", "Eine niederschwellige Kontaktstelle: Informationen zu Beratungs- und Hilfsangeboten, "
     "leicht zugänglich.\n\nDer Fachbereich Soziales und die GWG bringen Nachbarn und andere Akteure im Ort zusammen."),
    ("Kleine Gesten", "Gemeinsames Essen, kleine Feiern, ein Gespräch über den Gartenzaun: Einfache Gesten der "
     "Nachbarschaftshilfe tragen zum sozialen Miteinander bei."),
]
QUESTIONS = ["Was verstehe ich unter guter Nachbarschaft?", "Was wünsche ich mir für mein Quartier?"]
# the exhibition's title and questions in other languages; the rest stays German, with the notice
VERSIONS = {
    "en": {"title": "Good neighbourhood", "questions": ["What does good neighbourhood mean to me?",
                                                      "What do I wish for my neighbourhood?"]},
    "de-x-ls": {"title": "Gute Nachbarschaft", "questions": ["Was ist für Sie gute Nachbarschaft?",
                                                           "Was wünschen Sie sich für Ihren Stadt·teil?"]},
    "tr": {"title": "İyi Komşuluk", "questions": ["İyi komşuluktan ne anlıyorum?", "Mahallem için ne diliyorum?"]},
    "ar": {"title": "حسن الجوار", "questions": ["ماذا يعني لي حسن الجوار؟", "ماذا أتمنى لحيّي؟"]},
}
CONTRIBUTIONS = [
    (0, "Dass man sich grüßt und weiß, wen man fragen kann, wenn etwas fehlt.", ""),
    (1, "Eine Bank vor dem Treff-PUNKT, auf der man sich zusammensetzen kann.", "Anna"),
]


async def load(quartier_id: int, event_id: int) -> None:
    """Idempotent: a second ``quartier demo`` finds the exhibition and leaves it as it is."""
    if await Exhibition.exists().where((Exhibition.quartier == quartier_id) & (Exhibition.title == TITLE)):
        return
    async with transaction():
        exhibition = await service.create_exhibition(quartier_id, TITLE, INTRODUCTION, "gute-nachbarschaft", [event_id])
        for title, body in EXHIBITS:
            await service.create_exhibit(exhibition.id, title, body, status="published")
        questions = [await service.create_question(text, exhibition_id=exhibition.id, event_id=event_id, position=n)
                     for n, text in enumerate(QUESTIONS, start=1)]
        exhibition = await service.publish_exhibition(exhibition)
        for index, text, name in CONTRIBUTIONS:
            await Contribution(question=questions[index].id, quartier=quartier_id, text=text, author_name=name,
                               status="approved", reviewed=True).save()
        for lang in translation_languages():
            texts = VERSIONS.get(lang)
            if texts:
                await save_versions("exhibitions", exhibition, lang, {"title": texts["title"]})
                for question, text in zip(questions, texts["questions"]):
                    await save_versions("guiding_questions", question, lang, {"text": text})
