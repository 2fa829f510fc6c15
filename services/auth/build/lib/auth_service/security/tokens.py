"""Access tokens as HS256 JWTs (pyjwt): sub, jti, iat, exp and kind."""

from datetime import UTC, datetime
from typing import Any

import jwt

from auth_service.domain.errors import TokenExpired, TokenInvalid
from auth_service.domain.model import TokenClaims, TokenKind

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "jti", "iat", "exp", "kind"]


class JwtTokenCodec:
    def __init__(self, secret: str) -> None:
        self._secret = secret

    def encode(self, claims: TokenClaims) -> str:
        payload = {
            "sub": claims.account_id,
            "jti": claims.token_id,
            "iat": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
            "kind": claims.kind.value,
        }
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM)

    def decode(self, access_token: str) -> TokenClaims:
        try:
            payload = jwt.decode(
                access_token, self._secret, algorithms=[ALGORITHM], options={"require": REQUIRED_CLAIMS}
            )
        except jwt.ExpiredSignatureError as error:
            raise TokenExpired() from error
        except jwt.InvalidTokenError as error:
            raise TokenInvalid() from error
        return _claims_from(payload)


def _claims_from(payload: dict[str, Any]) -> TokenClaims:
    try:
        return TokenClaims(
            account_id=payload["sub"],
            token_id=payload["jti"],
            kind=TokenKind(payload["kind"]),
            issued_at=datetime.fromtimestamp(payload["iat"], UTC),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
        )
    except (TypeError, ValueError, OverflowError) as error:
        raise TokenInvalid() from error
