"""Server-side sessions in the shared store: a new ID at login, and no row for visitors without a session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Message, ScopeSession
from litestar.utils.empty import value_or_default

ROTATE = "quartier_rotate_session"


def rotate_session_id(scope: Any) -> None:
    """Give this response's session a fresh ID (at login: a planted ID must not become a logged-in session)."""
    scope[ROTATE] = True


class SessionBackend(ServerSideSessionBackend):
    def get_session_id(self, connection: ASGIConnection) -> str:
        if connection.scope.get(ROTATE):
            new_id = connection.scope.get(f"{ROTATE}_id")
            if not new_id:
                new_id = self.generate_session_id()
                connection.scope[f"{ROTATE}_id"] = new_id  # type: ignore[literal-required]
            return new_id
        return super().get_session_id(connection)

    async def store_in_message(self, scope_session: ScopeSession, message: Message, connection: ASGIConnection) -> None:
        had_cookie = bool(connection.cookies.get(self.config.key)) and connection.cookies.get(self.config.key) != "null"
        if connection.scope.get(ROTATE) and had_cookie:
            store = self.config.get_store_from_app(connection.scope["app"])
            await self.delete(connection.cookies[self.config.key], store=store)
        if not value_or_default(scope_session, None) and not had_cookie:
            return  # a visitor without a session: no cookie, no row
        await super().store_in_message(scope_session, message, connection)


@dataclass
class SessionConfig(ServerSideSessionConfig):
    _backend_class = SessionBackend  # type: ignore[assignment]
