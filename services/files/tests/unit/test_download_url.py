from datetime import timedelta

import pytest

from files_service.domain.errors import DownloadUrlUnsupported, FileNotFound, InvalidDownloadHeaders
from files_service.domain.model import DownloadHeaders, UploadRequest
from files_service.service import FilesService

from .conftest import MAX_FILE_SIZE, FakeUnitOfWork

HEADERS = DownloadHeaders("image/png", 'inline; filename="a.png"', "no-cache")
TTL = timedelta(minutes=2)


class RecordingSigner:
    def __init__(self) -> None:
        self.signed: list[tuple[str, DownloadHeaders, timedelta]] = []

    async def presigned_get_url(self, key: str, headers: DownloadHeaders, expires_in: timedelta) -> str:
        self.signed.append((key, headers, expires_in))
        return f"https://s3.test/bucket/{key}?signature"


@pytest.fixture
def signer() -> RecordingSigner:
    return RecordingSigner()


@pytest.fixture
def signing_service(database, blob_store, publisher, file_urls, fixed_now, signer) -> FilesService:
    return FilesService(
        uow_factory=lambda: FakeUnitOfWork(database),
        blob_store=blob_store,
        max_file_size=MAX_FILE_SIZE,
        clock=lambda: fixed_now,
        file_url_generator=file_urls,
        url_signer=signer,
        download_url_ttl=TTL,
    )


async def test_get_download_url_signs_the_files_blob_with_the_headers_and_ttl(
    signing_service, signer, fixed_now, make_chunks
):
    request = UploadRequest(user_filename="a.png", include_ext=False, owner_account_id="")
    stored = await signing_service.upload_file(request, make_chunks(b"png bytes"))

    download_url = await signing_service.get_download_url(stored.file_url, HEADERS)

    assert signer.signed == [(stored.storage_key, HEADERS, TTL)]
    assert download_url.url == f"https://s3.test/bucket/{stored.storage_key}?signature"
    assert download_url.expires_at == fixed_now + TTL


async def test_get_download_url_of_an_unknown_file_is_not_found(signing_service, signer):
    with pytest.raises(FileNotFound):
        await signing_service.get_download_url("missing123", HEADERS)

    assert signer.signed == []


async def test_get_download_url_without_a_signer_is_unsupported(service, make_chunks):
    request = UploadRequest(user_filename="a.png", include_ext=False, owner_account_id="")
    stored = await service.upload_file(request, make_chunks(b"png bytes"))

    with pytest.raises(DownloadUrlUnsupported):
        await service.get_download_url(stored.file_url, HEADERS)


@pytest.mark.parametrize(
    "headers",
    [
        ("text/plain\r\nX-Injected: 1", "", ""),
        ("", 'attachment; filename="r\u00e9sum\u00e9.txt"', ""),
        ("", "", "no-cache\x00"),
        ("", "a" * 4097, ""),
    ],
)
def test_download_headers_refuse_what_is_not_printable_ascii_or_too_long(headers):
    with pytest.raises(InvalidDownloadHeaders):
        DownloadHeaders(*headers)
