"""Accounts and access tokens."""

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from auth_service.domain.account_files import AccountFile


class TokenKind(enum.StrEnum):
    NORMAL = "normal"
    BOT = "bot"
    API = "api"


@dataclass(frozen=True)
class Account:
    account_id: str
    username: str
    password_hash: str
    created_at: datetime
    disabled_at: datetime | None = None

    @property
    def disabled(self) -> bool:
        """An operator disabled it: its tokens are refused and it cannot log in."""
        return self.disabled_at is not None


@dataclass(frozen=True)
class TokenClaims:
    """What an access token says about itself (its signed payload)."""

    account_id: str
    token_id: str
    kind: TokenKind
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class TokenRecord:
    """What the server keeps of an issued token: only its hash."""

    token_hash: str
    account_id: str
    kind: TokenKind
    expires_at: datetime
    created_at: datetime


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    account: Account
    kind: TokenKind
    expires_at: datetime


@dataclass(frozen=True)
class ValidatedToken:
    account: Account
    kind: TokenKind
    expires_at: datetime


@dataclass(frozen=True)
class TokenLifetimes:
    normal: timedelta
    bot: timedelta
    # An API token's longest lifetime, and its lifetime when its creator names none.
    api: timedelta = timedelta(days=365)

    def of(self, kind: TokenKind) -> timedelta:
        return {TokenKind.NORMAL: self.normal, TokenKind.BOT: self.bot, TokenKind.API: self.api}[kind]


@dataclass(frozen=True)
class ApiToken:
    """What the server keeps of an API token beside its TokenRecord: a name to show, never the token."""

    token_id: str
    token_hash: str
    account_id: str
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = None


@dataclass(frozen=True)
class IssuedApiToken:
    access_token: str
    token: ApiToken


def hash_token(access_token: str) -> str:
    """The form in which a token is stored and looked up: sha256, hex."""
    return hashlib.sha256(access_token.encode()).hexdigest()


@dataclass(frozen=True)
class AccountFileList:
    account: Account
    files: list[AccountFile]
