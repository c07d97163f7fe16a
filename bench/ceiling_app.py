"""Ceilings for the benchmark: the same kinds of requests against a minimal Litestar app.

- ``POST /insert``: one row inserted in a transaction (registration rush, the framework's limit); database
  BENCH_DB_URL, table ``bench_rows`` created by bench/run.py.
- ``POST /events/{id}/registrations``: the registration's essential writes in one transaction (the work that
  cannot be avoided): the waiting-list number if the event is full, else the seat (both conditional UPDATEs of
  the form's counters, as the app's), the registration row with the app's columns and its domain event (the
  outbox row). BENCH_DB_URL is a copy of the app's migrated database; ``GET /events/{id}/seats`` reads the
  counters (warm-up). The form and event are read once per worker.
- ``GET /q/{slug}/`` and ``GET /q/{slug}/e/{id}``: a Jinja2 list / detail page of events, and
  ``GET /q/{slug}/events.json``: a JSON list of msgspec structs (public pages). They read the
  app's own tables from BENCH_READ_URL with plain SQL; ``?limit=`` as in the app.

URLs are sqlite:///abs/path or postgresql://...; on SQLite each worker keeps one writer connection
(behind an asyncio lock) and a pool of four reader connections, as the app does; on PostgreSQL a
warm asyncpg pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator
from zoneinfo import ZoneInfo

import msgspec
from jinja2 import DictLoader, Environment, select_autoescape
from litestar import Litestar, Request, get, post
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.exceptions import HTTPException, NotFoundException
from litestar.response import Template
from litestar.template.config import TemplateConfig

DB_URL = os.environ.get("BENCH_DB_URL", "")
READ_URL = os.environ.get("BENCH_READ_URL", "")
_pools: dict[str, Any] = {}
SQLITE_READERS = 4


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:///")


class SQLitePool:
    """Open aiosqlite connections handed out from a queue."""

    def __init__(self, path: str, size: int) -> None:
        self.path, self.size, self.idle = path, size, asyncio.Queue()
        self.opened: list[Any] = []

    async def open(self) -> None:
        import aiosqlite  # what Piccolo's SQLite engine uses

        for _ in range(self.size):
            conn = await aiosqlite.connect(self.path, timeout=30, isolation_level=None)
            await conn.execute("PRAGMA foreign_keys = 1")  # as the app's connections: the rows' references are checked
            self.opened.append(conn)
            self.idle.put_nowait(conn)

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[Any]:
        conn = await self.idle.get()
        try:
            yield conn
        finally:
            self.idle.put_nowait(conn)

    async def close(self) -> None:
        for conn in self.opened:
            await conn.close()


async def _startup() -> None:
    import asyncpg

    if DB_URL and _is_sqlite(DB_URL):
        _pools["writer"] = SQLitePool(DB_URL.removeprefix("sqlite:///"), 1)
    if READ_URL and _is_sqlite(READ_URL):
        _pools["readers"] = SQLitePool(READ_URL.removeprefix("sqlite:///"), SQLITE_READERS)
    for url in {DB_URL, READ_URL}:
        if url and not _is_sqlite(url):
            _pools[url] = await asyncpg.create_pool(url, min_size=1, max_size=20)
    for pool in _pools.values():
        if isinstance(pool, SQLitePool):
            await pool.open()


async def _shutdown() -> None:
    for pool in _pools.values():
        await pool.close()


# -- registration rush ceilings -----------------------------------------------------------------
def _sqlite_sql(sql: str) -> str:
    """asyncpg's $1, $2 … as SQLite's ?1, ?2 … (the same SQL text for both drivers)."""
    return re.sub(r"\$(\d+)", r"?\1", sql)


class Writer:
    """Statements on the writer connection; ``value``: the first column of the first row, or None."""

    def __init__(self, conn: Any, sqlite: bool) -> None:
        self.conn, self.sqlite = conn, sqlite

    async def value(self, sql: str, *args: Any) -> Any:
        if self.sqlite:  # one hand-off to aiosqlite's thread
            rows = await self.conn.execute_fetchall(_sqlite_sql(sql), args)
            return rows[0][0] if rows else None
        return await self.conn.fetchval(sql, *args)

    async def row(self, sql: str, *args: Any) -> dict[str, Any] | None:
        if self.sqlite:
            cur = await self.conn.execute(_sqlite_sql(sql), args)
            names, found = [d[0] for d in cur.description], await cur.fetchone()
            return dict(zip(names, found)) if found else None
        found = await self.conn.fetchrow(sql, *args)
        return dict(found) if found else None


@contextlib.asynccontextmanager
async def writer(transaction: bool = True) -> AsyncIterator[Writer]:
    """The writer: SQLite's kept-open connection (BEGIN IMMEDIATE … COMMIT), or one of asyncpg's pool."""
    if _is_sqlite(DB_URL):
        async with _pools["writer"].acquire() as conn:
            if not transaction:
                yield Writer(conn, True)
                return
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield Writer(conn, True)
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")
        return
    async with _pools[DB_URL].acquire() as conn:
        if not transaction:
            yield Writer(conn, False)
            return
        async with conn.transaction():
            yield Writer(conn, False)


@post("/insert", status_code=201)
async def insert(request: Request) -> dict[str, int]:
    data = await request.json()
    async with writer() as db:
        row_id = await db.value("INSERT INTO bench_rows (email) VALUES ($1) RETURNING id", str(data.get("email", "")))
    return {"id": int(row_id)}


WAITLIST_IF_FULL = ("UPDATE registration_forms SET waitlist_seq = waitlist_seq + 1 WHERE id = $1 AND waitlist_enabled = TRUE "
                    "AND capacity IS NOT NULL AND taken + $2 > capacity RETURNING waitlist_seq")
TAKE_SEATS = ("UPDATE registration_forms SET taken = taken + $2 WHERE id = $1 AND (capacity IS NULL OR taken + $2 <= capacity) "
              "RETURNING id")
REGISTRATION_COLUMNS = (
    "form", "event", "status", "name", "email", "phone", "companions", "seats", "answers", "language", "waitlist_seq",
    "token", "channel", "created_by", "consent_text", "consent_version", "consent_how", "consent_at", "email_confirmed_at",
    "expires_at", "confirmed_at", "cancelled_at", "checked_in_at", "anonymised_at", "created_at")
DOMAIN_EVENT_COLUMNS = ("event_id", "name", "quartier_id", "aggregate", "payload", "pending_plugins", "attempts",
                        "last_error", "claimed_until", "created_at", "dispatched_at")


def _insert_sql(table: str, columns: tuple[str, ...], returning: str = "") -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    return f"INSERT INTO {table} ({names}) VALUES ({values})" + (f" RETURNING {returning}" if returning else "")


INSERT_REGISTRATION = _insert_sql("registrations", REGISTRATION_COLUMNS, "id")
INSERT_DOMAIN_EVENT = _insert_sql("domain_events", DOMAIN_EVENT_COLUMNS)
_rush_forms: dict[int, dict[str, Any]] = {}  # event id → its form and event, read once per worker


async def _rush_form(db: Writer, event_id: int) -> dict[str, Any]:
    form = _rush_forms.get(event_id)
    if form is None:
        form = await db.row("SELECT f.id AS form, f.consent_text, f.consent_version, e.quartier, e.title, e.starts_at, "
                            "e.ends_at, e.timezone FROM registration_forms f JOIN events e ON e.id = f.event "
                            "WHERE f.event = $1", event_id)
        if form is None:
            raise NotFoundException()
        _rush_forms[event_id] = form
    return form


@get("/events/{event_id:int}/seats")
async def seats(event_id: int) -> dict[str, int]:
    async with writer(transaction=False) as db:
        form = await _rush_form(db, event_id)
        taken = await db.value("SELECT taken FROM registration_forms WHERE id = $1", form["form"])
    return {"taken": int(taken)}


@post("/events/{event_id:int}/registrations", status_code=201)
async def register(request: Request, event_id: int) -> dict[str, Any]:
    """A registration's essential writes: waiting-list number or seat, the row, its domain event."""
    data = await request.json()
    name, email, places = str(data.get("name", "")), str(data.get("email", "")).strip().lower(), 1
    sqlite = _is_sqlite(DB_URL)
    moment = datetime.now(timezone.utc)
    stamp = str(moment) if sqlite else moment  # Piccolo's SQLite text for a timestamptz
    token = secrets.token_urlsafe(32)
    async with writer() as db:
        form = await _rush_form(db, event_id)
        seq = None
        for _attempt in range(3):  # on PostgreSQL the last seats can go between the two UPDATEs
            seq = await db.value(WAITLIST_IF_FULL, form["form"], places)
            if seq is not None or await db.value(TAKE_SEATS, form["form"], places) is not None:
                break
        else:
            raise HTTPException(status_code=409, detail="full")
        status = "waitlisted" if seq is not None else "confirmed"
        reg_id = await db.value(
            INSERT_REGISTRATION, form["form"], event_id, status, name, email, "", 0, places, "{}", "de", seq, token,
            "online", None, form["consent_text"], form["consent_version"], "online", stamp, None, None,
            stamp if status == "confirmed" else None, None, None, None, stamp)
        event_uuid = uuid.uuid4()
        payload = msgspec.json.encode({
            "quartier_id": form["quartier"], "event_id": event_uuid, "occurred_at": moment, "registration": reg_id,
            "event": event_id, "event_title": form["title"], "starts_at": form["starts_at"], "ends_at": form["ends_at"],
            "timezone": form["timezone"], "person_name": name, "email": email, "phone": "", "language": "de",
            "channel": "online", "status": status, "seats": places, "waitlist_position": seq,
            "view_url": f"/anmeldung/{token}", "confirm_url": f"/anmeldung/{token}/bestaetigen",
            "cancel_url": f"/anmeldung/{token}/stornieren", "reason": ""}).decode()
        claimed = moment + timedelta(seconds=60)
        await db.value(INSERT_DOMAIN_EVENT, str(event_uuid) if sqlite else event_uuid, "registration.created",
                       form["quartier"], f"registration:{reg_id}", payload, '["notifications"]', 0, "",
                       str(claimed) if sqlite else claimed, stamp, None)
    return {"id": int(reg_id), "status": status, "waitlist_position": seq}


# -- public pages ceiling ------------------------------------------------------------------------
class Reader:
    """Rows as dicts from the app's database; the same SQL text for both drivers."""

    def __init__(self, conn: Any, sqlite: bool) -> None:
        self.conn, self.sqlite = conn, sqlite

    async def rows(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        if self.sqlite:
            cur = await self.conn.execute(_sqlite_sql(sql), args)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row)) for row in await cur.fetchall()]
        return [dict(r) for r in await self.conn.fetch(sql, *args)]


@contextlib.asynccontextmanager
async def reader() -> AsyncIterator[Reader]:
    if _is_sqlite(READ_URL):
        async with _pools["readers"].acquire() as conn:
            yield Reader(conn, True)
    else:
        async with _pools[READ_URL].acquire() as conn:
            yield Reader(conn, False)


def _now() -> Any:
    moment = datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S+00:00") if _is_sqlite(READ_URL) else moment


def _dt(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


EVENT_COLUMNS = """e.id, e.slug, e.title, e.summary, e.description, e.starts_at, e.ends_at, e.timezone, e.status,
    e.contact_name, e.contact_phone, e.contact_email, v.name AS venue_name, v.street, v.postal_code, v.city,
    v.accessibility"""


async def _quartier(db: Reader, slug: str) -> dict[str, Any]:
    rows = await db.rows("SELECT id, slug, name, description, office, contact_phone, contact_email FROM quartiere "
                         "WHERE slug = $1", slug)
    if not rows:
        raise NotFoundException()
    return rows[0]


async def _events(db: Reader, quartier_id: int, limit: int) -> list[dict[str, Any]]:
    return await db.rows(
        f"SELECT {EVENT_COLUMNS} FROM events e LEFT JOIN venues v ON v.id = e.venue "
        "WHERE e.quartier = $1 AND e.status IN ('published', 'cancelled') AND e.ends_at >= $2 "
        f"ORDER BY e.starts_at LIMIT {int(limit)}", quartier_id, _now())


LAYOUT = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %}</title><link rel="stylesheet" href="/static/core/quartier.css"></head>
<body class="public"><a class="skip-link" href="#main">Zum Inhalt springen</a>
<header class="site-header"><div class="wrap header-row"><a class="brand" href="/">Bench</a>
<nav class="lang-switch" aria-label="Sprache"><ul><li><span aria-current="true">Deutsch</span></li>
<li><a href="?lang=en" lang="en">English</a></li></ul></nav></div></header>
<main id="main" class="wrap">{% block content %}{% endblock %}</main>
<footer class="site-footer"><div class="wrap"><ul class="inline"><li><a href="/impressum">Impressum</a></li>
<li><a href="/datenschutz">Datenschutz</a></li><li><a href="/barrierefreiheit">Barrierefreiheit</a></li></ul></div></footer>
</body></html>"""
LIST = """{% extends "layout.html" %}{% block title %}{{ q.name }}{% endblock %}{% block content %}
<h1>{{ q.name }}</h1><div class="prose">{{ q.description }}</div>
<section><h2>Veranstaltungen</h2><ul class="cards events">
{% for e in events %}<li class="card"><h3><a href="/{{ q.slug }}/veranstaltungen/{{ e.id }}-{{ e.slug }}">{{ e.title }}</a></h3>
<p><time datetime="{{ e.start.isoformat() }}">{{ e.start.strftime("%d.%m.%Y, %H:%M Uhr") }}</time>{% if e.venue_name %} · {{ e.venue_name }}{% endif %}</p>
{% if e.summary %}<p>{{ e.summary }}</p>{% endif %}</li>
{% endfor %}</ul></section>
<section class="contact"><h2>Kontakt</h2><p>{{ q.office }}</p><ul class="plain"><li>Telefon: {{ q.contact_phone }}</li>
<li>E-Mail: <a href="mailto:{{ q.contact_email }}">{{ q.contact_email }}</a></li></ul></section>{% endblock %}"""
DETAIL = """{% extends "layout.html" %}{% block title %}{{ e.title }}{% endblock %}{% block content %}
<article><h1>{{ e.title }}</h1><p class="summary">{{ e.summary }}</p>
<dl class="facts"><dt>Wann</dt><dd><time datetime="{{ e.start.isoformat() }}">{{ e.start.strftime("%d.%m.%Y, %H:%M") }}
bis {{ e.end.strftime("%H:%M Uhr") }}</time></dd><dt>Wo</dt><dd>{{ e.venue_name }}, {{ e.street }}, {{ e.postal_code }} {{ e.city }}</dd>
<dt>Barrierefreiheit</dt><dd>{{ e.accessibility }}</dd><dt>Veranstalter</dt><dd>{% for o in orgs %}{{ o.name }}{% endfor %}</dd>
<dt>Kontakt</dt><dd>{{ e.contact_name }}, {{ e.contact_phone }}, {{ e.contact_email }}</dd></dl>
<div class="prose">{{ e.description }}</div><p><a href="/api/events/{{ e.id }}/event.ics">In den Kalender</a></p></article>
{% endblock %}"""

templates = Environment(loader=DictLoader({"layout.html": LAYOUT, "list.html": LIST, "detail.html": DETAIL}),
                        autoescape=select_autoescape(default=True))


def _localised(e: dict[str, Any]) -> dict[str, Any]:
    tz = ZoneInfo(e["timezone"])
    return {**e, "start": _dt(e["starts_at"]).astimezone(tz), "end": _dt(e["ends_at"]).astimezone(tz)}


@get("/q/{slug:str}/")
async def list_page(slug: str, limit: int = 100) -> Template:
    async with reader() as db:
        q = await _quartier(db, slug)
        events = await _events(db, q["id"], limit)
    return Template("list.html", context={"q": q, "events": [_localised(e) for e in events]})


@get("/q/{slug:str}/e/{event_id:int}")
async def detail_page(slug: str, event_id: int) -> Template:
    async with reader() as db:
        q = await _quartier(db, slug)
        rows = await db.rows(f"SELECT {EVENT_COLUMNS} FROM events e LEFT JOIN venues v ON v.id = e.venue "
                             "WHERE e.id = $1 AND e.quartier = $2", event_id, q["id"])
        if not rows:
            raise NotFoundException()
        orgs = await db.rows("SELECT o.name, o.website, l.role FROM event_organisations l JOIN organisations o "
                             "ON o.id = l.organisation WHERE l.event = $1 ORDER BY l.position", event_id)
    return Template("detail.html", context={"q": q, "e": _localised(rows[0]), "orgs": orgs})


class VenueOut(msgspec.Struct):
    name: str
    street: str
    postal_code: str
    city: str
    accessibility: str


class EventOut(msgspec.Struct):
    id: int
    quartier: str
    slug: str
    title: str
    summary: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    status: str
    venue: VenueOut | None
    contact_name: str
    contact_phone: str
    contact_email: str
    url: str


@get("/q/{slug:str}/events.json")
async def events_json(slug: str, limit: int = 100) -> list[EventOut]:
    async with reader() as db:
        q = await _quartier(db, slug)
        events = await _events(db, q["id"], limit)
    out = []
    for e in map(_localised, events):
        venue = VenueOut(e["venue_name"], e["street"], e["postal_code"], e["city"], e["accessibility"]) \
            if e["venue_name"] is not None else None
        out.append(EventOut(
            id=e["id"], quartier=slug, slug=e["slug"], title=e["title"], summary=e["summary"],
            description=e["description"], starts_at=e["start"], ends_at=e["end"], timezone=e["timezone"],
            status=e["status"], venue=venue, contact_name=e["contact_name"], contact_phone=e["contact_phone"],
            contact_email=e["contact_email"], url=f"/{slug}/veranstaltungen/{e['id']}-{e['slug']}"))
    return out


@get("/ready")
async def ready() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar(
    [insert, register, seats, list_page, detail_page, events_json, ready], on_startup=[_startup], on_shutdown=[_shutdown],
    template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(templates)),
)
