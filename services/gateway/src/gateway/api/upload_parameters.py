"""The upload's query parameters and headers, read from the request by the route itself and declared
for the OpenAPI document by hand: FastAPI's solving of them (five parameters and the bearer scheme's
dependency) cost a 64 KiB upload about 0.1 ms of the gateway's 1.3 ms. Parsed as FastAPI parsed them:
the last value of a repeated query parameter, the first of a repeated header, `include_ext` by
pydantic's rules for booleans (an invalid one is the same 400)."""

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

IDEMPOTENCY_KEY_DESCRIPTION = (
    "Makes retries safe: a retry with the same key, file, filename and include_ext (same token, or "
    "same client address when anonymous) within 24 h gets the first upload's answer (same file_url and "
    "key) instead of storing the file twice; a different upload with a used key gets 409. 1-255 "
    "printable ASCII characters; a random UUID per upload is a good key."
)
EXPIRES_IN_DESCRIPTION = (
    "How long the file is served: seconds (3600) or a duration with a unit (90s, 30m, 1h, 7d, 2w). "
    "Unset: the server's default (FU_GATEWAY_DEFAULT_EXPIRY_SECONDS; by default never). Longer than the "
    "server's maximum, 0 or malformed: 400, nothing stored."
)
MAX_DOWNLOADS_DESCRIPTION = (
    "How many downloads the file is served for (1 or more): a GET whose body starts at byte 0 counts; "
    "HEAD, 304 and ranges that start later do not. Unset: no limit."
)

_BOOLEAN = TypeAdapter(bool)


def _optional_string(name: str, where: str, title: str, description: str) -> dict[str, Any]:
    schema = {"anyOf": [{"type": "string"}, {"type": "null"}], "description": description, "title": title}
    return {"description": description, "in": where, "name": name, "required": False, "schema": schema}


# As FastAPI documented the parameters when they were declared in the route's signature; the bearer
# token is optional (the empty requirement), its scheme the one the other routes declare.
UPLOAD_PARAMETERS_OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "in": "query",
            "name": "include_ext",
            "required": False,
            "schema": {"default": False, "title": "Include Ext", "type": "boolean"},
        },
        _optional_string("expires_in", "query", "Expires In", EXPIRES_IN_DESCRIPTION),
        _optional_string("max_downloads", "query", "Max Downloads", MAX_DOWNLOADS_DESCRIPTION),
        _optional_string("Idempotency-Key", "header", "Idempotency-Key", IDEMPOTENCY_KEY_DESCRIPTION),
    ],
    "security": [{"HTTPBearer": []}, {}],
}


@dataclass(frozen=True)
class UploadParameters:
    authorization: str | None
    idempotency_key: str | None
    include_ext: bool
    expires_in: str | None
    max_downloads: str | None

    @classmethod
    def of(cls, request: Request) -> "UploadParameters":
        query, headers = request.query_params, request.headers
        return cls(
            authorization=headers.get("authorization"),
            idempotency_key=headers.get("idempotency-key"),
            include_ext=_boolean(query.get("include_ext"), "include_ext", default=False),
            expires_in=query.get("expires_in"),
            max_downloads=query.get("max_downloads"),
        )


def _boolean(value: str | None, name: str, default: bool) -> bool:
    if value is None:
        return default
    try:
        return _BOOLEAN.validate_python(value)
    except ValidationError as error:
        problems = [{**problem, "loc": ("query", name)} for problem in error.errors(include_url=False)]
        raise RequestValidationError(problems) from error
