"""Staff get one digest of what waits for them (``DomainEvent.staff_attention``), not one mail per event."""

from typing import ClassVar

from core.accounts.service import create_user
from core.accounts.tables import StaffUser
from core.plugin_api import DomainEvent, StaffAttention, publish
from plugins.notifications.digest import send_digests
from plugins.notifications.worker import work
from tests.core.factories import make_quartier
from tests.plugins.notifications.conftest import sections


class ContributionSubmitted(DomainEvent):
    """What the exhibition plugin publishes when a citizen answers a guiding question."""

    name: ClassVar[str] = "test.contribution_submitted"
    summary: str
    url: str = ""

    def staff_attention(self) -> StaffAttention:
        return StaffAttention(summary=self.summary, url=self.url, roles=("staff", "ghost"))


async def test_one_digest_per_moderator_and_window(make_deployment, smtp, fast_passwords):
    deployment = await make_deployment(["notifications"], sections=sections(smtp.port))
    deployment.domain_event_types[ContributionSubmitted.name] = ContributionSubmitted
    nord = await make_quartier("nordstadt")
    sued = await make_quartier("suedstadt")
    await create_user("mod@example.org", "Mona Moderatorin", "ein-langes-passwort", "staff", ["nordstadt"])
    # roles the attention does not name, or that no loaded plugin declares, hear nothing
    await create_user("admin@example.org", "Ada Admin", "ein-langes-passwort", "admin", ["nordstadt"])
    ghost = await create_user("ghost@example.org", "Gero Geist", "ein-langes-passwort", "staff", ["nordstadt"])
    await StaffUser.update({StaffUser.role: "ghost"}).where(StaffUser.id == ghost.id)
    await create_user("qm@example.org", "Quirin Manager", "ein-langes-passwort", "staff", ["nordstadt", "suedstadt"])
    for text in ("Dass man sich grüßt.", "Ein Nachbarschaftsfest!", "Mehr Bänke."):
        await publish(ContributionSubmitted(quartier_id=nord.id, summary=text, url="http://x/staff/moderation"))
    await publish(ContributionSubmitted(quartier_id=sued.id, summary="Spielplatz"))

    assert await send_digests() == 3  # Mona and Quirin for Nordstadt, Quirin for Südstadt
    await work(deployment)
    mona = smtp.to("mod@example.org")
    assert len(mona) == 1 and mona[0]["Subject"] == "3 Beiträge warten auf Moderation"
    body = mona[0].get_body(preferencelist=("plain",)).get_content()
    assert "- Dass man sich grüßt." in body and "- Mehr Bänke." in body and "Spielplatz" not in body
    assert sorted(m["Subject"] for m in smtp.to("qm@example.org")) == ["1 Beitrag wartet auf Moderation", "3 Beiträge warten auf Moderation"]

    assert smtp.to("admin@example.org") == [] and smtp.to("ghost@example.org") == []

    assert await send_digests() == 0  # nothing new, nothing sent
    await publish(ContributionSubmitted(quartier_id=nord.id, summary="Noch einer"))
    assert await send_digests() == 2


async def test_the_digest_job_sends_only_for_the_quartiere_it_is_given(make_deployment, smtp, fast_passwords):
    deployment = await make_deployment(["notifications"], sections=sections(smtp.port))
    deployment.domain_event_types[ContributionSubmitted.name] = ContributionSubmitted
    nord = await make_quartier("nordstadt")
    sued = await make_quartier("suedstadt")
    await create_user("qm@example.org", "Quirin Manager", "ein-langes-passwort", "staff", ["nordstadt", "suedstadt"])
    for q in (nord, sued):
        await publish(ContributionSubmitted(quartier_id=q.id, summary=f"Bänke in {q.name}"))

    assert await send_digests(quartiere=frozenset({sued.id})) == 1  # notifications is off in Nordstadt
    assert await send_digests(quartiere=frozenset({sued.id})) == 0
    assert await send_digests(quartiere=frozenset({nord.id, sued.id})) == 1  # switched on again: Nordstadt's waited
    await work(deployment)
    assert sorted(m.get_body(preferencelist=("plain",)).get_content().count("Bänke in Nordstadt")
                  for m in smtp.to("qm@example.org")) == [0, 1]
