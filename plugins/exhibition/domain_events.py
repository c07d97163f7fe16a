"""Domain events of the exhibition plugin; notifications tells moderators and contributors."""

from __future__ import annotations

from typing import Annotated, ClassVar

from core.plugin_api import DomainEvent, Personal, StaffAttention
from plugins.exhibition.roles import MODERATOR


class ContributionSubmitted(DomainEvent):
    """A citizen answered a guiding question; moderators get it in their digest."""

    name: ClassVar[str] = "exhibition.contribution_submitted"
    contribution: int
    question: int
    question_text: str
    status: str  # pending, or approved (post-moderation)
    flags: str = ""
    summary: str = ""
    url: str = ""  # the moderation queue
    on_paper: bool = False  # written on a paper card, entered by staff

    def staff_attention(self) -> StaffAttention:
        return StaffAttention(summary=self.summary, url=self.url, roles=("staff", MODERATOR.key))


class ContributionApproved(DomainEvent):
    """A contribution became public. ``notify_email`` is set once, when its author asked to be told."""

    name: ClassVar[str] = "exhibition.contribution_approved"
    contribution: int
    question: int
    question_text: str
    excerpt: str
    url: str  # the public page of the question
    notify_email: Annotated[str | None, Personal] = None
    language: str = "de"


class ExhibitionPublished(DomainEvent):
    name: ClassVar[str] = "exhibition.published"
    exhibition: int
    title: str
    url: str


ALL = [ContributionSubmitted, ContributionApproved, ExhibitionPublished]
