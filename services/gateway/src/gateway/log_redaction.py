"""Secrets sent in a URL's query (a delete key, a token) never reach the logs: uvicorn's access line
carries each request's path with its query, failed attempts included."""

import logging
import re
from urllib.parse import unquote_plus

REDACTED = "[redacted]"
# A parameter is secret when its (decoded) name holds one of these: key, delete_key, token,
# access_token, accessToken, password, X-Amz-Signature, X-Amz-Credential, ...
_SECRET_NAME = re.compile(r"key|token|password|secret|signature|credential", re.IGNORECASE)
_QUERY_PARAMETER = re.compile(r"""(?P<lead>[?&;])(?P<name>[^=&;#\s"']+)=(?P<value>[^&;#\s"']*)""")


def redact_query_secrets(text: str) -> str:
    """`text` with the value of every secret-named query parameter replaced by [redacted]."""
    if "=" not in text:
        return text
    return _QUERY_PARAMETER.sub(_redacted_parameter, text)


def _redacted_parameter(match: re.Match[str]) -> str:
    if not _SECRET_NAME.search(unquote_plus(match["name"])):
        return match[0]
    return f"{match['lead']}{match['name']}={REDACTED}"


class SecretRedactingFilter(logging.Filter):
    """Redacts the message and its arguments before any formatter (text or JSON) renders them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_query_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted_argument(argument) for argument in record.args)
        elif isinstance(record.args, dict):
            record.args = {name: _redacted_argument(value) for name, value in record.args.items()}
        return True


def _redacted_argument(argument: object) -> object:
    return redact_query_secrets(argument) if isinstance(argument, str) else argument
