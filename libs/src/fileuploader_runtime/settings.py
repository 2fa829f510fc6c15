"""Settings pieces every service's `Settings` uses: the same field types, and the same checks of secrets.
Each service keeps its own Settings class and FU_<SERVICE>_ environment prefix."""

import re
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr

MIN_RPC_TOKEN_LENGTH = 32
# docker-compose.yml's try-out secrets, and placeholders like them: public, so anyone could use them.
EXAMPLE_SECRET = re.compile(r"change[-_ ]?(me|this)|local-try-out", re.IGNORECASE)


def _upper_case(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _lower_case(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


Environment = Literal["development", "production"]
LogLevel = Annotated[Literal["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"], BeforeValidator(_upper_case)]
LogFormat = Annotated[Literal["json", "text"], BeforeValidator(_lower_case)]
Port = Annotated[int, Field(ge=0, le=65535)]
# A caller's secret token for a service's RPCs (None: that caller is not configured, and refused).
RpcToken = Annotated[SecretStr, Field(min_length=MIN_RPC_TOKEN_LENGTH)]


def is_example_secret(secret: SecretStr | str) -> bool:
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    return EXAMPLE_SECRET.search(value) is not None


def refuse_example_secrets(secrets: Mapping[str, SecretStr | None], environment_setting: str) -> None:
    """ValueError naming the `secrets` (by their variables) that hold example values; for production."""
    examples = [name for name, value in secrets.items() if value is not None and is_example_secret(value)]
    if examples:
        raise ValueError(
            f"{' and '.join(examples)} must not be an example value (docker-compose.yml's "
            f"try-out ones, a change-me placeholder) when {environment_setting}=production"
        )


def nats_credentials(user: str, password: SecretStr | None) -> dict[str, str]:
    """nats.connect() keywords: the user and password, when a password is set."""
    if password is None:
        return {}
    return {"user": user, "password": password.get_secret_value()}


def host_of(listen_address: str) -> str:
    """The host part of a `host:port` listen address (brackets of an IPv6 one removed)."""
    return listen_address.rsplit(":", 1)[0].strip("[]")
