import pytest

from fileuploader_runtime.healthcheck import local_address


def test_the_local_address_is_the_listen_port_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FU_X_LISTEN_ADDRESS", "0.0.0.0:6001")

    assert local_address("FU_X_LISTEN_ADDRESS", "127.0.0.1:50051") == "127.0.0.1:6001"


def test_without_the_variable_the_default_port_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FU_X_LISTEN_ADDRESS", raising=False)

    assert local_address("FU_X_LISTEN_ADDRESS", "[::]:50052") == "127.0.0.1:50052"
