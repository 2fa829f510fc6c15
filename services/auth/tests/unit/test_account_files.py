import itertools
from datetime import UTC, datetime, timedelta

import pytest

from auth_service.domain.account_files import AccountFile, FileDeleted, FileEvent, FileUploaded
from auth_service.domain.errors import TokenInvalid, TokenNotFound
from auth_service.domain.model import TokenKind
from auth_service.service import AccountFilesProjection, AuthService

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def uploaded(file_url: str, owner: str = "owner-1", created_at: datetime = T0) -> FileUploaded:
    return FileUploaded(file_url, owner, f"key-{file_url}", ".txt", f"{file_url}.txt", 42, created_at)


def deleted(file_url: str, owner: str = "owner-1") -> FileDeleted:
    return FileDeleted(file_url, owner, T0 + timedelta(minutes=1))


async def apply_all(projection: AccountFilesProjection, events: tuple[FileEvent, ...]) -> None:
    for event in events:
        await projection.apply(event)


async def test_apply_lists_an_uploaded_file_for_its_owner(
    projection: AccountFilesProjection, database
) -> None:
    await projection.apply(uploaded("a"))

    assert database.tables.files == {"a": AccountFile("a", "owner-1", "key-a", ".txt", "a.txt", 42, T0)}


async def test_apply_ignores_events_without_an_owner(projection: AccountFilesProjection, database) -> None:
    await projection.apply(uploaded("a", owner=""))
    await projection.apply(deleted("b", owner=""))

    assert database.tables.files == {}
    assert database.commits == 0


async def test_apply_keeps_the_first_upload_when_an_upload_repeats(
    projection: AccountFilesProjection, database
) -> None:
    await projection.apply(uploaded("a"))
    await projection.apply(uploaded("a", created_at=T0 + timedelta(hours=1)))

    assert database.tables.files["a"].created_at == T0


async def test_apply_tombstones_a_file_deleted_before_its_upload_arrives(
    projection: AccountFilesProjection, database
) -> None:
    await projection.apply(deleted("a"))
    await projection.apply(uploaded("a"))

    assert database.tables.files["a"].deleted


@pytest.mark.parametrize(
    "events",
    list(
        dict.fromkeys(
            itertools.permutations([uploaded("a"), uploaded("a"), deleted("a"), deleted("a"), uploaded("b")])
        )
    ),
    ids=lambda events: "-".join(type(event).__name__[4] + event.file_url for event in events),
)
async def test_apply_converges_whatever_the_order_and_repetition(
    projection: AccountFilesProjection, database, events: tuple[FileEvent, ...]
) -> None:
    await apply_all(projection, events)

    assert {url: file.deleted for url, file in database.tables.files.items()} == {"a": True, "b": False}
    assert database.tables.files["b"] == AccountFile.listed(uploaded("b"))


async def test_list_account_files_waits_for_events_then_lists_live_files_newest_first(
    service: AuthService, projection: AccountFilesProjection, file_events
) -> None:
    issued = await service.register("alice", "secret", TokenKind.NORMAL)
    owner = issued.account.account_id
    await apply_all(
        projection,
        (
            uploaded("old", owner, T0),
            uploaded("new", owner, T0 + timedelta(days=1)),
            uploaded("tie-b", owner, T0 + timedelta(hours=1)),
            uploaded("tie-a", owner, T0 + timedelta(hours=1)),
            uploaded("gone", owner, T0 + timedelta(days=2)),
            deleted("gone", owner),
            uploaded("someone-elses", "owner-2", T0),
        ),
    )

    listing = await service.list_account_files(issued.access_token)

    assert file_events.waits == [2.0]
    assert listing.account == issued.account
    assert [file.file_url for file in listing.files] == ["new", "tie-a", "tie-b", "old"]


async def test_list_account_files_does_not_wait_when_the_token_is_rejected(
    service: AuthService, file_events
) -> None:
    with pytest.raises(TokenInvalid):
        await service.list_account_files("not-a-token")

    assert file_events.waits == []


async def test_list_account_files_reads_token_account_and_list_in_one_unit_of_work(
    service: AuthService, projection: AccountFilesProjection, database
) -> None:
    issued = await service.register("alice", "secret", TokenKind.NORMAL)
    await apply_all(projection, (uploaded("mine", issued.account.account_id, T0),))
    before = database.units_of_work

    listing = await service.list_account_files(issued.access_token)

    assert [file.file_url for file in listing.files] == ["mine"]
    assert database.units_of_work - before == 1


async def test_list_account_files_refuses_a_logged_out_token(service: AuthService) -> None:
    issued = await service.register("alice", "secret", TokenKind.NORMAL)
    await service.logout(issued.access_token)

    with pytest.raises(TokenNotFound):
        await service.list_account_files(issued.access_token)
