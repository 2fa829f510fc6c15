import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from auth_service.domain.errors import TokenExpired, TokenInvalid
from auth_service.domain.model import TokenClaims, TokenKind
from auth_service.security.tokens import JwtTokenCodec

NOW = datetime.now(UTC).replace(microsecond=0)


def claims(issued_at: datetime = NOW, lifetime: timedelta = timedelta(days=5)) -> TokenClaims:
    return TokenClaims("account-1", "jti-1", TokenKind.BOT, issued_at, issued_at + lifetime)


def payload(**overrides: object) -> dict[str, object]:
    base = {"sub": "account-1", "jti": "jti-1", "iat": int(NOW.timestamp()), "kind": "normal"}
    return base | {"exp": int((NOW + timedelta(days=1)).timestamp())} | overrides


def test_decode_returns_the_encoded_claims_when_valid(codec: JwtTokenCodec) -> None:
    assert codec.decode(codec.encode(claims())) == claims()


def test_encode_signs_with_hs256_and_every_claim(codec: JwtTokenCodec, jwt_secret: str) -> None:
    token = codec.encode(claims())

    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert jwt.decode(token, jwt_secret, algorithms=["HS256"]) == {
        "sub": "account-1",
        "jti": "jti-1",
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(days=5)).timestamp()),
        "kind": "bot",
    }


def test_decode_raises_expired_when_exp_has_passed(codec: JwtTokenCodec) -> None:
    token = codec.encode(claims(issued_at=NOW - timedelta(days=6)))

    with pytest.raises(TokenExpired):
        codec.decode(token)


def test_decode_raises_invalid_when_payload_is_tampered(codec: JwtTokenCodec) -> None:
    header, body, signature = codec.encode(claims()).split(".")
    forged = json.loads(base64.urlsafe_b64decode(body + "=="))
    forged["sub"] = "someone-else"
    forged_body = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()

    with pytest.raises(TokenInvalid):
        codec.decode(f"{header}.{forged_body}.{signature}")


def test_decode_raises_invalid_when_alg_is_none(codec: JwtTokenCodec) -> None:
    unsigned = jwt.encode(payload(), key=None, algorithm="none")

    with pytest.raises(TokenInvalid):
        codec.decode(unsigned)


def test_decode_raises_invalid_when_signed_with_another_key(codec: JwtTokenCodec) -> None:
    other = jwt.encode(payload(), "another-secret-that-is-also-long-enough-0123", algorithm="HS256")

    with pytest.raises(TokenInvalid):
        codec.decode(other)


def test_decode_raises_invalid_when_signed_with_another_hmac_algorithm(
    codec: JwtTokenCodec, jwt_secret: str
) -> None:
    hs512 = jwt.encode(payload(), jwt_secret, algorithm="HS512")

    with pytest.raises(TokenInvalid):
        codec.decode(hs512)


@pytest.mark.parametrize("claim", ["sub", "jti", "iat", "exp", "kind"])
def test_decode_raises_invalid_when_a_claim_is_missing(
    codec: JwtTokenCodec, jwt_secret: str, claim: str
) -> None:
    incomplete = {key: value for key, value in payload().items() if key != claim}

    with pytest.raises(TokenInvalid):
        codec.decode(jwt.encode(incomplete, jwt_secret, algorithm="HS256"))


def test_decode_raises_invalid_when_kind_is_unknown(codec: JwtTokenCodec, jwt_secret: str) -> None:
    with pytest.raises(TokenInvalid):
        codec.decode(jwt.encode(payload(kind="admin"), jwt_secret, algorithm="HS256"))


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "Bearer x.y.z", "...", "eyJhbGciOiJIUzI1NiJ9"])
def test_decode_raises_invalid_when_not_a_jwt(codec: JwtTokenCodec, garbage: str) -> None:
    with pytest.raises(TokenInvalid):
        codec.decode(garbage)


def test_decode_checks_the_signature_before_the_expiry(codec: JwtTokenCodec) -> None:
    expired_foreign = jwt.encode(
        payload(exp=int((NOW - timedelta(days=1)).timestamp())),
        "another-secret-long-enough-0123456789",
        "HS256",
    )

    with pytest.raises(TokenInvalid):
        codec.decode(expired_foreign)


def test_a_token_decoded_before_expires_all_the_same(jwt_secret: str) -> None:
    now = [NOW]
    codec = JwtTokenCodec(jwt_secret, now=lambda: now[0])
    token = codec.encode(claims(lifetime=timedelta(minutes=5)))
    assert codec.decode(token) == claims(lifetime=timedelta(minutes=5))

    now[0] = NOW + timedelta(minutes=5) - timedelta(microseconds=1)
    assert codec.decode(token) == claims(lifetime=timedelta(minutes=5))
    now[0] = NOW + timedelta(minutes=5)
    with pytest.raises(TokenExpired):
        codec.decode(token)


def test_a_token_found_invalid_stays_invalid(codec: JwtTokenCodec, jwt_secret: str) -> None:
    foreign = jwt.encode(payload(), "another-secret-that-is-also-long-enough-0123", algorithm="HS256")

    for _ in range(2):
        with pytest.raises(TokenInvalid):
            codec.decode(foreign)
    assert codec.decode(codec.encode(claims())) == claims()
