"""Staff accounts: creating them and checking passwords (argon2)."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.accounts.tables import ApiToken, StaffUser, StaffUserQuartier
from core.db import transaction
from core.deployment import current
from core.quartiere.tables import Quartier

hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A rule about accounts was broken; the message is for the user."""


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein.")


async def create_user(email: str, name: str, password: str, role: str = "staff", quartiere: list[str] | None = None) -> StaffUser:
    email = email.strip().lower()
    if not EMAIL_PATTERN.match(email):
        raise AccountError(f"„{email}“ ist keine gültige E-Mail-Adresse.")
    roles = current().roles
    if roles.get(role) is None:
        raise AccountError(f"Unbekannte Rolle „{role}“ (möglich: {', '.join(roles.keys())}).")
    check_password_rules(password)
    async with transaction():
        if await StaffUser.exists().where(StaffUser.email == email):
            raise AccountError(f"Es gibt schon ein Konto für {email}.")
        quartier_rows = []
        for slug in quartiere or []:
            row = await Quartier.objects().where(Quartier.slug == slug).first()
            if row is None:
                raise AccountError(f"Das Quartier „{slug}“ gibt es nicht.")
            quartier_rows.append(row)
        user = StaffUser(email=email, name=name.strip(), password_hash=hasher.hash(password), role=role)
        await user.save()
        for quartier in quartier_rows:
            await StaffUserQuartier.insert(StaffUserQuartier(user=user.id, quartier=quartier.id))
    return user


async def authenticate(email: str, password: str) -> StaffUser | None:
    user = await StaffUser.objects().where((StaffUser.email == email.strip().lower()) & (StaffUser.active == True)).first()  # noqa: E712
    # argon2 costs ~0.2 s of CPU: in a thread, so the event loop serves other requests meanwhile.
    if user is None:
        await asyncio.to_thread(hasher.hash, password)  # same cost whether or not the account exists
        return None
    try:
        await asyncio.to_thread(hasher.verify, user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        new_hash = await asyncio.to_thread(hasher.hash, password)
        await StaffUser.update({StaffUser.password_hash: new_hash}).where(StaffUser.id == user.id)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_api_token(email: str, name: str) -> str:
    """A new API token for the account; the plain token is returned once and not stored."""
    user = await StaffUser.objects().where(StaffUser.email == email.strip().lower()).first()
    if user is None:
        raise AccountError(f"Es gibt kein Konto für {email}.")
    token = "qt_" + secrets.token_urlsafe(32)
    await ApiToken.insert(ApiToken(user=user.id, name=name, token_hash=_digest(token)))
    return token


async def user_for_token(token: str) -> StaffUser | None:
    row = await ApiToken.objects().where((ApiToken.token_hash == _digest(token)) & (ApiToken.revoked == False)).first()  # noqa: E712
    if row is None:
        return None
    await ApiToken.update({ApiToken.last_used_at: datetime.now(timezone.utc)}).where(ApiToken.id == row.id)
    return await StaffUser.objects().where((StaffUser.id == row.user) & (StaffUser.active == True)).first()  # noqa: E712


async def revoke_api_tokens(email: str) -> int:
    user = await StaffUser.objects().where(StaffUser.email == email.strip().lower()).first()
    if user is None:
        raise AccountError(f"Es gibt kein Konto für {email}.")
    rows = await ApiToken.update({ApiToken.revoked: True}).where((ApiToken.user == user.id) & (ApiToken.revoked == False)).returning(ApiToken.id)  # noqa: E712
    return len(rows)


async def staff_contacts(quartier_id: int, roles: tuple[str, ...]) -> list[tuple[int, str, str, str]]:
    """(id, name, e-mail, language) of active accounts with one of ``roles`` assigned to the Quartier.

    A role no loaded plugin declares grants nothing, so its accounts are left out.
    """
    roles = tuple(role for role in roles if current().roles.get(role) is not None)
    links = await StaffUserQuartier.select(StaffUserQuartier.user).where(StaffUserQuartier.quartier == quartier_id)
    ids = [row["user"] for row in links]
    if not ids:
        return []
    users = await StaffUser.objects().where(
        StaffUser.id.is_in(ids) & StaffUser.role.is_in(list(roles)) & (StaffUser.active == True)  # noqa: E712
    ).order_by(StaffUser.id)
    return [(u.id, u.name, u.email, u.language) for u in users]
