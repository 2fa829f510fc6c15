import os
import resource

import pytest
from pydantic import ValidationError

from gateway.__main__ import uvicorn_options
from gateway.connection_limits import MAX_LINGERING
from gateway.descriptors import RESERVED_DESCRIPTORS, raise_descriptor_limit
from gateway.guarded_httptools import GuardedHttpToolsProtocol
from gateway.guarded_protocol import GuardedH11Protocol
from gateway.settings import Settings


def test_settings_defaults_match_the_documented_ones(monkeypatch):
    for name in list(os.environ):
        if name.startswith("FU_GATEWAY_"):
            monkeypatch.delenv(name)
    settings = Settings()
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert (settings.auth_address, settings.files_address) == ("127.0.0.1:50051", "127.0.0.1:50052")
    assert settings.public_url is None and settings.max_upload_bytes == 104_857_600
    assert (settings.upload_rate_limit, settings.auth_rate_limit) == ("2/minute", "10/minute")
    assert settings.rate_limit_storage_uri.get_secret_value() == "memory://"
    assert settings.trusted_proxy_list == [] and settings.workers == 1 and settings.log_level == "INFO"
    assert (settings.rpc_timeout_seconds, settings.transfer_timeout_seconds) == (5, 3600)
    assert settings.stream_step_timeout_seconds == 15
    assert (settings.rpc_keepalive_seconds, settings.rpc_keepalive_timeout_seconds) == (5, 5)
    assert (settings.shutdown_delay_seconds, settings.shutdown_grace_seconds) == (2, 10)
    assert (settings.metrics_port, settings.log_format) == (9100, "text")
    assert settings.download_redirect == "off"
    assert (settings.header_timeout_seconds, settings.body_idle_timeout_seconds) == (10, 60)
    assert (settings.max_connections, settings.max_connections_per_client) == (10_000, 100)
    assert settings.http_parser == "httptools"
    assert settings.nats_url is None and settings.nats_credentials == {}
    assert (settings.cache_max_entries, settings.cache_max_bytes) == (10_000, 64 * 1024 * 1024)
    assert (settings.cache_max_file_bytes, settings.cache_ttl_seconds) == (256 * 1024, 60)


def test_settings_read_the_fu_gateway_prefix(monkeypatch):
    monkeypatch.setenv("FU_GATEWAY_DOWNLOAD_REDIRECT", "presigned")
    monkeypatch.setenv("FU_GATEWAY_PORT", "9000")
    monkeypatch.setenv("FU_GATEWAY_PUBLIC_URL", "https://files.example.com/")
    monkeypatch.setenv("FU_GATEWAY_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16")
    settings = Settings()
    assert settings.port == 9000 and settings.download_redirect == "presigned"
    assert settings.public_url == "https://files.example.com"
    assert settings.trusted_proxy_list == ["10.0.0.1", "192.168.0.0/16"]


@pytest.mark.parametrize(
    "field,value",
    [
        ("upload_rate_limit", "lots"),
        ("trusted_proxies", "not-an-ip"),
        ("public_url", "files.example.com"),
        ("max_upload_bytes", 0),
        ("rpc_timeout_seconds", 0),
        ("shutdown_delay_seconds", -1),
        ("shutdown_grace_seconds", -1),
        ("log_format", "xml"),
        ("metrics_port", 70000),
        ("download_redirect", "always"),
        ("stream_step_timeout_seconds", 0),
        ("rpc_keepalive_timeout_seconds", 0),
        ("rpc_keepalive_seconds", 1),  # auth and files take a ping a second at most
        ("header_timeout_seconds", 0),
        ("max_connections", 0),
        ("max_connections_per_client", 0),
    ],
)
def test_settings_refuse_invalid_values(field, value):
    with pytest.raises(ValidationError):
        Settings(**{field: value})


# What production needs besides the setting a test is about.
RPC_TOKENS = {"auth_rpc_token": "a" * 32, "files_rpc_token": "f" * 32}
PUBLIC_URL = "https://files.example.com"


def test_production_refuses_to_build_links_from_the_host_header():
    with pytest.raises(ValidationError, match="FU_GATEWAY_PUBLIC_URL must be set when"):
        Settings(environment="production", **RPC_TOKENS)


def test_production_accepts_a_public_url_and_development_needs_none():
    production = Settings(environment="production", public_url=PUBLIC_URL, **RPC_TOKENS)
    assert production.environment == "production"
    assert Settings().environment == "development" and Settings().public_url is None


def test_settings_read_the_log_format_in_any_case(monkeypatch):
    monkeypatch.setenv("FU_GATEWAY_LOG_FORMAT", "JSON")
    assert Settings().log_format == "json"


def test_settings_refuse_metrics_on_the_public_port():
    with pytest.raises(ValidationError, match="never public"):
        Settings(port=9000, metrics_port=9000)


def test_settings_allow_metrics_off_whatever_the_public_port():
    assert Settings(port=0, metrics_port=0).metrics_port == 0


def test_settings_hide_the_rate_limit_storage_uri():
    settings = Settings(rate_limit_storage_uri="redis://:secret@cache:6379")
    assert "secret" not in repr(settings)


def test_uvicorn_ignores_forwarded_headers_when_no_proxy_is_trusted():
    options = uvicorn_options(Settings(trusted_proxies=""))
    assert options["proxy_headers"] is False


@pytest.mark.parametrize(
    "parser,protocol", [("httptools", GuardedHttpToolsProtocol), ("h11", GuardedH11Protocol)]
)
def test_uvicorn_serves_the_chosen_parser_guarded_on_uvloop(parser, protocol):
    options = uvicorn_options(Settings(http_parser=parser))
    assert options["http"].func is protocol and options["loop"] == "uvloop"


def test_uvicorn_drains_requests_for_the_configured_grace_period():
    assert uvicorn_options(Settings(shutdown_grace_seconds=7.5))["timeout_graceful_shutdown"] == 7.5


def test_uvicorn_trusts_only_the_configured_proxies():
    options = uvicorn_options(Settings(trusted_proxies="10.0.0.1,10.1.0.0/16", host="0.0.0.0", port=81))
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == ["10.0.0.1", "10.1.0.0/16"]
    assert (options["host"], options["port"]) == ("0.0.0.0", 81)


def connection_cap(settings: Settings) -> int:
    return uvicorn_options(settings)["http"].keywords["limiter"].max_total


def test_the_connection_cap_leaves_room_in_the_descriptor_limit(monkeypatch):
    """Past the process's descriptor limit accept() fails, and real clients wait with the rest."""
    monkeypatch.setattr(resource, "getrlimit", lambda _: (4000, 4000))
    assert connection_cap(Settings(max_connections=10_000)) == 4000 - RESERVED_DESCRIPTORS - MAX_LINGERING
    assert connection_cap(Settings(max_connections=500)) == 500


@pytest.mark.parametrize(
    "limits,raised_to",
    [((1024, 65536), 10_000 + RESERVED_DESCRIPTORS), ((1024, 4096), 4096), ((65536, 65536), None)],
)
def test_the_soft_descriptor_limit_is_raised_as_far_as_the_connections_need(monkeypatch, limits, raised_to):
    raised = []
    monkeypatch.setattr(resource, "getrlimit", lambda _: limits)
    monkeypatch.setattr(resource, "setrlimit", lambda _, new: raised.append(new))
    raise_descriptor_limit(10_000)
    assert raised == ([] if raised_to is None else [(raised_to, limits[1])])


def test_in_production_the_gateway_needs_a_long_rpc_token_for_each_callee():
    auth_token, files_token = RPC_TOKENS["auth_rpc_token"], RPC_TOKENS["files_rpc_token"]
    both_missing = "FU_GATEWAY_AUTH_RPC_TOKEN and FU_GATEWAY_FILES_RPC_TOKEN must be set"
    with pytest.raises(ValidationError, match=both_missing):
        Settings(environment="production", public_url=PUBLIC_URL)
    with pytest.raises(ValidationError, match="FU_GATEWAY_FILES_RPC_TOKEN must be set"):
        Settings(environment="production", public_url=PUBLIC_URL, auth_rpc_token=auth_token)
    with pytest.raises(ValidationError, match="FU_GATEWAY_AUTH_RPC_TOKEN must be set"):
        Settings(environment="production", public_url=PUBLIC_URL, files_rpc_token=files_token)
    with pytest.raises(ValidationError):
        Settings(
            environment="production",
            public_url=PUBLIC_URL,
            auth_rpc_token="short",
            files_rpc_token=files_token,
        )
    settings = Settings(environment="production", public_url=PUBLIC_URL, **RPC_TOKENS)
    assert settings.auth_rpc_token.get_secret_value() == auth_token
    assert settings.files_rpc_token.get_secret_value() == files_token


def test_the_gateway_refuses_one_token_for_both_callees():
    with pytest.raises(ValidationError, match="must differ"):
        Settings(auth_rpc_token="t" * 32, files_rpc_token="t" * 32)


def test_in_production_a_gateway_hearing_deletes_needs_a_real_nats_password():
    nats = {"nats_url": "nats://nats:4222"}
    with pytest.raises(ValidationError, match="FU_GATEWAY_NATS_PASSWORD must be set"):
        Settings(environment="production", public_url=PUBLIC_URL, **RPC_TOKENS, **nats)
    with pytest.raises(ValidationError, match="FU_GATEWAY_NATS_PASSWORD must not be an example"):
        Settings(
            environment="production",
            public_url=PUBLIC_URL,
            **RPC_TOKENS,
            **nats,
            nats_password="local-try-out-gateway-nats-password",
        )
    settings = Settings(
        environment="production", public_url=PUBLIC_URL, **RPC_TOKENS, **nats, nats_password="s" + "1" * 64
    )
    assert settings.nats_credentials == {"user": "gateway", "password": "s" + "1" * 64}
    assert Settings(environment="production", public_url=PUBLIC_URL, **RPC_TOKENS).nats_url is None


def test_a_cache_file_never_outgrows_one_grpc_message():
    with pytest.raises(ValidationError):
        Settings(cache_max_file_bytes=2 * 1024 * 1024)
