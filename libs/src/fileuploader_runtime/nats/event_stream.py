"""The file-events stream: one definition (subjects, storage, duplicate window, retention) for whichever
service creates it first. An existing stream is never modified."""

import logging
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType
from nats.js.errors import APIError, NotFoundError

logger = logging.getLogger(__name__)

STREAM_NAME_IN_USE = 10058
# How long JetStream remembers a message id: a publish retried within it is stored once.
DUPLICATE_WINDOW_SECONDS = 120.0


@dataclass(frozen=True)
class EventStream:
    name: str
    subject_prefix: str
    replicas: int = 1  # copies on a NATS cluster, when this service creates the stream

    @property
    def subjects(self) -> list[str]:
        return [f"{self.subject_prefix}.>"]


async def ensure_stream(jetstream: JetStreamContext, stream: EventStream) -> None:
    """Creates the stream when it does not exist; tolerates another service creating it meanwhile."""
    try:
        await jetstream.stream_info(stream.name)
        return
    except NotFoundError:
        pass
    try:
        await jetstream.add_stream(
            name=stream.name,
            subjects=stream.subjects,
            storage=StorageType.FILE,
            retention=RetentionPolicy.LIMITS,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            num_replicas=stream.replicas,
        )
        logger.info(
            "created JetStream stream %s for %s (%d replicas)", stream.name, stream.subjects, stream.replicas
        )
    except APIError as error:
        if error.err_code != STREAM_NAME_IN_USE and not await _stream_exists(jetstream, stream.name):
            raise
        logger.info("JetStream stream %s was created meanwhile (%s)", stream.name, error.description)


async def _stream_exists(jetstream: JetStreamContext, name: str) -> bool:
    try:
        await jetstream.stream_info(name)
        return True
    except NotFoundError:
        return False
