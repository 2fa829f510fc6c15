"""The composition root: the one place that builds concrete adapters and wires the use cases."""

import functools
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from auth_service.adapters.clock import SystemClock
from auth_service.adapters.database import create_engine, create_schema
from auth_service.adapters.jetstream import EventStreamConfig
from auth_service.adapters.jwt_secret import load_or_create_secret
from auth_service.adapters.nats_consumer import NatsFileEventConsumer
from auth_service.adapters.unit_of_work import SqlAlchemyUnitOfWork
from auth_service.domain.model import TokenLifetimes
from auth_service.entrypoints.event_handlers import FileEventHandler
from auth_service.security.passwords import Argon2Parameters, Argon2PasswordHasher
from auth_service.security.tokens import JwtTokenCodec
from auth_service.service import AccountFilesProjection, AuthService
from auth_service.settings import Settings


@dataclass
class Application:
    auth: AuthService
    projection: AccountFilesProjection
    consumer: NatsFileEventConsumer
    engine: AsyncEngine

    async def create_schema(self) -> None:
        await create_schema(self.engine)

    async def close(self) -> None:
        await self.consumer.close()
        await self.engine.dispose()


def bootstrap(settings: Settings) -> Application:
    engine = create_engine(settings.database_url)
    unit_of_work = functools.partial(SqlAlchemyUnitOfWork, engine)
    projection = AccountFilesProjection(unit_of_work)
    consumer = NatsFileEventConsumer(
        url=settings.nats_url,
        config=EventStreamConfig(
            settings.events_stream,
            settings.events_subject_prefix,
            settings.events_durable,
            settings.events_ack_wait_seconds,
        ),
        handler=FileEventHandler(projection, settings.events_subject_prefix),
    )
    auth = AuthService(
        unit_of_work=unit_of_work,
        passwords=Argon2PasswordHasher(
            Argon2Parameters(
                settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism
            ),
            concurrency=settings.password_hash_concurrency,
        ),
        tokens=JwtTokenCodec(jwt_secret(settings)),
        clock=SystemClock(),
        lifetimes=TokenLifetimes(
            normal=timedelta(seconds=settings.token_ttl_seconds),
            bot=timedelta(seconds=settings.bot_token_ttl_seconds),
        ),
        file_events=consumer,
        catch_up_timeout=settings.catch_up_timeout_seconds,
    )
    return Application(auth=auth, projection=projection, consumer=consumer, engine=engine)


def jwt_secret(settings: Settings) -> str:
    """The configured secret; in development without one, a generated one kept in the data dir."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    return load_or_create_secret(settings.jwt_secret_file)
