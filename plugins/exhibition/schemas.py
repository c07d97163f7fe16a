"""Bodies of the JSON API."""

from __future__ import annotations

from datetime import datetime

import msgspec


class ImageOut(msgspec.Struct):
    url: str  # the original, metadata stripped
    width: int
    height: int
    alt_text: str
    caption: str
    credit: str
    licence: str
    sizes: dict[str, str]  # width -> WebP URL


class ExhibitSummary(msgspec.Struct):
    id: int
    title: str
    position: int
    url: str
    api_url: str


class ExhibitOut(msgspec.Struct):
    id: int
    exhibition: int
    title: str
    body: str
    position: int
    url: str
    images: list[ImageOut]
    previous: int | None
    next: int | None


class QuestionOut(msgspec.Struct):
    id: int
    text: str
    open: bool
    moderation: str
    url: str
    contributions_url: str


class ExhibitionSummary(msgspec.Struct):
    id: int
    title: str
    url: str
    api_url: str
    published_at: datetime | None


class ExhibitionOut(msgspec.Struct):
    id: int
    title: str
    introduction: str
    url: str
    published_at: datetime | None
    events: list[int]
    exhibits: list[ExhibitSummary]
    questions: list[QuestionOut]


class ContributionOut(msgspec.Struct):
    id: int
    question: int
    text: str
    name: str
    highlighted: bool
    on_paper: bool  # written on a paper card, entered by staff
    created_at: datetime


class ContributionCreated(msgspec.Struct):
    id: int
    status: str  # pending (waits for a moderator) or approved (public)
    message: str

