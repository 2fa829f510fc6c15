import pytest
from pydantic import BaseModel, SecretStr, ValidationError

from fileuploader_runtime.settings import (
    LogFormat,
    LogLevel,
    Port,
    RpcToken,
    host_of,
    nats_credentials,
    refuse_example_secrets,
)


class Example(BaseModel):
    log_level: LogLevel = "INFO"
    log_format: LogFormat = "text"
    metrics_port: Port = 9100
    rpc_token: RpcToken | None = None


def test_log_level_and_format_are_taken_in_any_case() -> None:
    settings = Example(log_level="debug", log_format="JSON")  # type: ignore[arg-type]

    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")


@pytest.mark.parametrize(
    "field,value",
    [
        ("log_level", "chatty"),
        ("log_format", "xml"),
        ("metrics_port", 65536),
        ("metrics_port", -1),
        ("rpc_token", "x" * 31),
    ],
)
def test_values_out_of_range_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        Example(**{field: value})  # type: ignore[arg-type]


def test_an_rpc_token_of_32_characters_is_taken() -> None:
    assert Example(rpc_token="x" * 32).rpc_token == SecretStr("x" * 32)  # type: ignore[arg-type]


def test_example_secrets_are_named_in_the_refusal() -> None:
    secrets = {
        "FU_X_TOKEN": SecretStr("change-me-please"),
        "FU_X_OTHER": SecretStr("s" * 40),
        "FU_X_PASSWORD": SecretStr("local-try-out"),
        "FU_X_UNSET": None,
    }

    with pytest.raises(
        ValueError,
        match=r"FU_X_TOKEN and FU_X_PASSWORD must not be an example value.*"
        "when FU_X_ENVIRONMENT=production",
    ):
        refuse_example_secrets(secrets, "FU_X_ENVIRONMENT")


def test_secrets_of_ones_own_pass() -> None:
    refuse_example_secrets({"FU_X_TOKEN": SecretStr("s" * 40), "FU_X_UNSET": None}, "FU_X_ENVIRONMENT")


def test_nats_credentials_only_with_a_password() -> None:
    assert nats_credentials("files", None) == {}
    assert nats_credentials("files", SecretStr("pw")) == {"user": "files", "password": "pw"}


@pytest.mark.parametrize(
    "address,host", [("127.0.0.1:50051", "127.0.0.1"), ("[::]:50051", "::"), ("0.0.0.0:1", "0.0.0.0")]
)
def test_host_of_a_listen_address(address: str, host: str) -> None:
    assert host_of(address) == host
