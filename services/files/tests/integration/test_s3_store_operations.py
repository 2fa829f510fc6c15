"""S3BlobStore's bucket check, presigned download URLs and an unreachable store, against SeaweedFS."""

import asyncio
import contextlib
import urllib.parse
from datetime import timedelta

import httpx
import pytest
from botocore.exceptions import ClientError

from files_service.adapters.s3_blob_store import S3BlobStore
from files_service.adapters.s3_client import S3Connection, s3_client
from files_service.domain.errors import StorageUnavailable
from files_service.domain.model import DownloadHeaders

from .conftest import s3_connection

pytestmark = pytest.mark.integration

KEY = "0123456789abcdef0123456789abcdef"
HEADERS = DownloadHeaders(
    content_type="text/plain; charset=utf-8",
    content_disposition="inline; filename=\"notes.txt\"; filename*=UTF-8''notes.txt",
    cache_control="no-cache",
)
MINUTE = timedelta(minutes=1)


async def chunks_of(*parts: bytes):
    for part in parts:
        yield part


@pytest.fixture
async def store(make_s3_store):
    return await make_s3_store()


@pytest.fixture
async def open_store(seaweedfs):
    """open_store(bucket, connection=None, **options) -> an S3BlobStore, its client closed after the test."""
    async with contextlib.AsyncExitStack() as connections:

        async def open_(bucket: str, connection: S3Connection | None = None, **options) -> S3BlobStore:
            client = await connections.enter_async_context(s3_client(connection or s3_connection(seaweedfs)))
            return S3BlobStore(client, bucket, part_size=5 * 1024 * 1024, read_chunk_size=65536, **options)

        yield open_


async def test_prepare_accepts_an_existing_bucket(store):
    await store.prepare()


async def test_prepare_refuses_a_missing_bucket_unless_told_to_create_it(open_store, seaweedfs):
    bucket = "fu-test-missing-bucket"
    with pytest.raises(LookupError, match=bucket):
        await (await open_store(bucket)).prepare()

    creating = await open_store(bucket, create_bucket=True)
    await creating.prepare()
    await creating.prepare()
    try:
        await creating.put(KEY, chunks_of(b"x"))
        assert seaweedfs.objects(bucket) == {KEY: 1}
    finally:
        seaweedfs.delete_bucket(bucket)


async def test_prepare_with_wrong_credentials_fails(open_store, seaweedfs, s3_bucket):
    wrong = s3_connection(seaweedfs, secret_access_key="not-the-secret")

    with pytest.raises(ClientError):
        await (await open_store(s3_bucket, wrong, create_bucket=True)).prepare()


async def test_presigned_url_serves_the_bytes_with_the_headers_asked_for(store):
    await store.put(KEY, chunks_of(b"hello ", b"world"))

    url = await store.presigned_get_url(KEY, HEADERS, MINUTE)

    async with httpx.AsyncClient() as client:
        whole = await client.get(url)
        part = await client.get(url, headers={"Range": "bytes=6-"})
    assert whole.status_code == 200 and whole.content == b"hello world"
    assert whole.headers["content-type"] == HEADERS.content_type
    assert whole.headers["content-disposition"] == HEADERS.content_disposition
    assert whole.headers["cache-control"] == "no-cache" and whole.headers["etag"]
    assert part.status_code == 206 and part.content == b"world"
    assert part.headers["content-range"] == "bytes 6-10/11"


async def test_presigned_url_is_refused_once_tampered_with_or_expired(store):
    await store.put(KEY, chunks_of(b"secret bytes"))
    url = await store.presigned_get_url(KEY, HEADERS, timedelta(seconds=1))
    tampered = url.replace("inline", "attachment")

    async with httpx.AsyncClient() as client:
        refused = await client.get(tampered)
        await asyncio.sleep(2)
        expired = await client.get(url)
    assert refused.status_code == 403 and expired.status_code == 403


async def test_presigned_url_names_the_public_endpoint_when_one_is_given(open_store, seaweedfs, s3_bucket):
    public = S3Connection(
        endpoint_url="https://s3.files.example.test",
        region="us-east-1",
        addressing_style="path",
        access_key_id=seaweedfs.access_key_id,
        secret_access_key=seaweedfs.secret_access_key,
    )
    async with s3_client(public) as signer:
        store = await open_store(s3_bucket, signer=signer)
        url = urllib.parse.urlsplit(await store.presigned_get_url(KEY, HEADERS, MINUTE))

    query = urllib.parse.parse_qs(url.query)
    assert (url.scheme, url.netloc, url.path) == ("https", "s3.files.example.test", f"/{s3_bucket}/{KEY}")
    assert query["X-Amz-Expires"] == ["60"]
    assert query["response-content-disposition"] == [HEADERS.content_disposition]


async def test_an_unreachable_store_is_storage_unavailable(open_store):
    closed = S3Connection(
        endpoint_url="http://127.0.0.1:9",
        region="us-east-1",
        addressing_style="path",
        access_key_id="id",
        secret_access_key="key",
        max_attempts=1,
    )
    store = await open_store("fu-test-unreachable", closed)

    with pytest.raises(StorageUnavailable):
        await store.put(KEY, chunks_of(b"x"))
    with pytest.raises(StorageUnavailable):
        await store.stat(KEY)
