"""Listings and timestamps as the gateway reads them from the protobuf messages."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from auth_service.domain.account_files import AccountFile
from auth_service.domain.model import Account, AccountFileList
from auth_service.entrypoints.convert import account_file_list_to_pb, timestamp_of

MOMENTS = [
    datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
    datetime(2026, 5, 6, 9, 8, 9, 999999, tzinfo=timezone(timedelta(hours=2))),
    datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC),
    datetime(1970, 1, 1, tzinfo=UTC),
    datetime(2026, 5, 6, 7, 8, 9, 1),  # noqa: DTZ001 (naive: UTC)
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_timestamp_of_is_what_protobuf_makes_of_the_moment(moment: datetime) -> None:
    expected = Timestamp()
    expected.FromDatetime(moment)

    assert timestamp_of(moment) == expected
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    assert timestamp_of(moment).ToDatetime(tzinfo=UTC) == aware


def test_a_listing_keeps_its_files_in_order_with_every_field() -> None:
    created = datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    files = [
        AccountFile(f"url-{i}", "acc-1", f"key-{i}", ".bin", f"n{i}.bin", 2**40 + i, created - timedelta(i))
        for i in range(3)
    ]
    listing = AccountFileList(Account("acc-1", "alice", "$argon2id$hash", created), files)

    response = account_file_list_to_pb(listing)

    assert (response.account.account_id, response.account.username) == ("acc-1", "alice")
    read_back = [
        AccountFile(
            item.file_url,
            "acc-1",
            item.delete_key,
            item.ext,
            item.user_filename,
            item.size,
            item.created_at.ToDatetime(tzinfo=UTC),
        )
        for item in response.files
    ]
    assert read_back == files
