"""Listing the owned files and publishing their upload events again: what the account lists are
reconciled with."""

import pytest

from files_service.domain.errors import TooManyFiles
from files_service.domain.model import UploadRequest
from files_service.service import MAX_REPUBLISHED_PER_CALL


@pytest.fixture
def upload(service, make_chunks, file_urls, relay_drained):
    async def upload(file_url: str, owner: str):
        file_urls.script(file_url)
        request = UploadRequest(user_filename=f"{file_url}.txt", include_ext=False, owner_account_id=owner)
        stored = await service.upload_file(request, make_chunks(b"data"))
        await relay_drained()
        return stored

    return upload


async def test_list_owned_files_streams_every_owned_file_by_file_url(service, upload):
    for file_url, owner in [
        ("c-file", "acc-1"),
        ("A-file", "acc-2"),
        ("b-anonymous", ""),
        ("a-file", "acc-1"),
    ]:
        await upload(file_url, owner)

    listed = [stored async for stored in service.list_owned_files()]

    assert [stored.file_url for stored in listed] == ["A-file", "a-file", "c-file"]
    assert listed[0].owner_account_id == "acc-2" and listed[0].delete_key


async def test_republish_file_events_publishes_a_fresh_upload_event_per_owned_file(
    service, upload, publisher, database, fixed_now, relay_drained
):
    owned = await upload("owned", "acc-1")
    await upload("anonymous", "")
    publisher.published.clear()

    republished = await service.republish_file_events(["owned", "anonymous", "never-stored", "owned"])
    await relay_drained()

    assert republished.count == 1
    assert republished.unknown_file_urls == ["anonymous", "never-stored"]
    [message] = publisher.published
    assert message.subject == "files.uploaded"
    payload = message.payload.decode()
    assert f"file_url='{owned.file_url}'" in payload and f"delete_key='{owned.delete_key}'" in payload
    assert f"created_at={owned.created_at!r}" in payload
    assert database.outbox == []


async def test_republish_file_events_leaves_the_event_to_the_relay_when_the_broker_is_down(
    service, upload, publisher, database
):
    await upload("owned", "acc-1")
    publisher.failing = True

    republished = await service.republish_file_events(["owned"])

    assert republished.count == 1
    assert [message.subject for message in database.outbox] == ["files.uploaded"]


async def test_republish_file_events_refuses_more_files_than_it_takes_at_once(service):
    with pytest.raises(TooManyFiles):
        await service.republish_file_events([f"f{number}" for number in range(MAX_REPUBLISHED_PER_CALL + 1)])
