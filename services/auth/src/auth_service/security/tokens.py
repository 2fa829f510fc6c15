"""Access tokens as HS256 JWTs (pyjwt): sub, jti, iat, exp and kind."""

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import jwt
from jwt.utils import base64url_encode

from auth_service.domain.errors import TokenExpired, TokenInvalid
from auth_service.domain.model import TokenClaims, TokenKind

ALGORITHM = "HS256"
ALGORITHMS = [ALGORITHM]
REQUIRED_CLAIMS = ["sub", "jti", "iat", "exp", "kind"]
# Options merged and the key prepared once: per call they were half of a decode's time. The expiry is
# checked apart, on every decode, so that a token's verified claims can be remembered.
_DECODER = jwt.PyJWT({"require": REQUIRED_CLAIMS, "verify_exp": False})
# Tokens whose signature and claims were verified, remembered with their claims (least recently used
# forgotten first): a client presents the same token request after request. Revocation is not decided
# here but by the token's record, read on every use.
VERIFIED_TOKENS_KEPT = 4096


class JwtTokenCodec:
    def __init__(self, secret: str, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._secret = secret
        self._now = now
        jwk = {"kty": "oct", "k": base64url_encode(secret.encode()).decode(), "alg": ALGORITHM}
        self._verifying_key = jwt.PyJWK(jwk)
        self._verified = functools.lru_cache(maxsize=VERIFIED_TOKENS_KEPT)(self._verify)

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
        claims = self._verified(access_token)
        if claims.expires_at <= self._now():  # as pyjwt: expired from the second `exp` names
            raise TokenExpired()
        return claims

    def _verify(self, access_token: str) -> TokenClaims:
        """Raises TokenInvalid (which is not remembered)."""
        try:
            payload = _DECODER.decode(access_token, self._verifying_key, algorithms=ALGORITHMS)
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
