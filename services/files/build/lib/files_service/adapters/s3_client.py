"""The aiobotocore S3 client the S3 blob store works through, and S3 failures in the service's terms."""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from aiobotocore.config import AioConfig
from aiobotocore.session import ClientCreatorContext, get_session
from botocore.exceptions import ClientError, HTTPClientError, IncompleteReadError
from botocore.exceptions import ConnectionError as S3ConnectionError

from files_service.domain.errors import StorageUnavailable

# aiobotocore generates its client classes at run time, from botocore's service model.
S3Client = Any

CONNECT_TIMEOUT_SECONDS = 10
READ_TIMEOUT_SECONDS = 60
MAX_ATTEMPTS = 3
MAX_POOL_CONNECTIONS = 64
_UNREACHABLE = (S3ConnectionError, HTTPClientError, IncompleteReadError)


@dataclass(frozen=True)
class S3Connection:
    """Where the object store is and who we are to it. No keys: botocore's own credential chain
    (AWS_* variables, a web identity token, an instance profile)."""

    endpoint_url: str | None
    region: str
    addressing_style: Literal["path", "virtual", "auto"]
    access_key_id: str | None = None
    secret_access_key: str | None = field(default=None, repr=False)
    max_attempts: int = MAX_ATTEMPTS


def s3_client(connection: S3Connection, endpoint_url: str | None = None) -> ClientCreatorContext:
    """An async context manager giving a client of `endpoint_url` (by default the connection's)."""
    config = AioConfig(
        signature_version="s3v4",
        s3={"addressing_style": connection.addressing_style},
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "max_attempts": connection.max_attempts},
        max_pool_connections=MAX_POOL_CONNECTIONS,
    )
    return get_session().create_client(
        "s3",
        endpoint_url=endpoint_url or connection.endpoint_url,
        region_name=connection.region,
        aws_access_key_id=connection.access_key_id,
        aws_secret_access_key=connection.secret_access_key,
        config=config,
    )


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def http_status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


@contextlib.contextmanager
def storage_errors(action: str) -> Iterator[None]:
    """A store that cannot be reached, times out or fails on its side (after botocore's retries) is
    StorageUnavailable; anything else (a missing key, refused credentials) propagates as it is."""
    try:
        yield
    except _UNREACHABLE as error:
        raise StorageUnavailable(f"object store unreachable while {action}: {error}") from error
    except ClientError as error:
        if http_status(error) >= 500:
            raise StorageUnavailable(f"object store failed while {action}: {error}") from error
        raise
