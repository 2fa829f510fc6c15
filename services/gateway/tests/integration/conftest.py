"""The real app (create_app) in front of the fake services: through httpx's ASGITransport, or served
by a real uvicorn on a free port where sockets matter."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from gateway.__main__ import uvicorn_options
from gateway.main import create_app
from gateway.settings import Settings
from gateway.shutdown import ReadinessFirstServer, ShutdownState
from stack import free_port

UNLIMITED = "100000/minute"
CLIENT_ADDRESS = "203.0.113.7"


@pytest.fixture
def settings_for(fake_auth, fake_files) -> Callable[..., Settings]:
    """Settings pointing at the fakes, without rate limits unless given; keyword overrides."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "auth_address": fake_auth.address,
            "files_address": fake_files.address,
            "upload_rate_limit": UNLIMITED,
            "auth_rate_limit": UNLIMITED,
            "rpc_timeout_seconds": 2.0,
            "public_url": "https://files.example.test",
        }
        return Settings(**{**values, **overrides})

    return build


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    """The app with its lifespan entered (httpx's ASGITransport does not run lifespans)."""
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def make_app(settings_for) -> AsyncIterator[Callable[..., Any]]:
    """make_app(**settings) -> a fresh app with its lifespan entered (closed after the test)."""
    async with contextlib.AsyncExitStack() as stack:

        async def build(**overrides: Any) -> FastAPI:
            return await stack.enter_async_context(running(create_app(settings_for(**overrides))))

        yield build


@pytest.fixture
async def client_of() -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """client_of(app, client_address) -> an httpx.AsyncClient whose requests come from that address."""
    async with contextlib.AsyncExitStack() as stack:

        def build(app: FastAPI, client_address: str = CLIENT_ADDRESS, **options: Any) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(client_address, 40000), **options)
            client = httpx.AsyncClient(transport=transport, base_url="http://gateway.test")
            stack.push_async_callback(client.aclose)
            return client

        yield build


@pytest.fixture
def make_client(make_app, client_of) -> Callable[..., Any]:
    """make_client(client_address=..., **settings) -> an httpx.AsyncClient talking to a fresh app."""

    async def build(client_address: str = CLIENT_ADDRESS, **overrides: Any) -> httpx.AsyncClient:
        return client_of(await make_app(**overrides), client_address)

    return build


@pytest.fixture
async def client(make_client) -> httpx.AsyncClient:
    return await make_client()


@pytest.fixture
def unused_port() -> int:
    return free_port()


@dataclass
class Served:
    base_url: str
    server: ReadinessFirstServer
    task: asyncio.Task


@pytest.fixture
async def serve_app() -> AsyncIterator[Callable[..., Any]]:
    """serve_app(settings) -> Served: a real uvicorn server, configured as __main__ configures it,
    serving create_app(settings) in this event loop."""
    served: list[Served] = []

    async def start(settings: Settings) -> Served:
        port = free_port()
        options = {**uvicorn_options(settings), "host": "127.0.0.1", "port": port}
        state = ShutdownState()
        config = uvicorn.Config(create_app(settings, state), lifespan="on", **options)
        server = ReadinessFirstServer(config, state, settings.shutdown_delay_seconds)
        task = asyncio.create_task(server.serve())
        while not server.started:
            assert not task.done(), "uvicorn did not start"
            await asyncio.sleep(0.01)
        served.append(Served(f"http://127.0.0.1:{port}", server, task))
        return served[-1]

    yield start
    for one in served:
        one.server.should_exit = True
        await one.task


@pytest.fixture
def serve(serve_app) -> Callable[..., Any]:
    """serve(settings) -> the base URL of a real uvicorn serving create_app(settings)."""

    async def start(settings: Settings) -> str:
        return (await serve_app(settings)).base_url

    return start
