"""Each account's file list compared with the files service's records of the owned files.

files owns the truth; the lists are a read model of it. A list may miss a file (its upload event was
lost, or a tombstone hides a file that exists), keep a file that is gone (its delete event was lost),
or show other values than files has.
"""

from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum

from auth_service.domain.account_files import AccountFile

COMPARED_FIELDS = (
    "account_id",
    "delete_key",
    "ext",
    "user_filename",
    "size",
    "created_at",
    "expires_at",
    "max_downloads",
)
SECRET_FIELDS = frozenset({"delete_key"})


@dataclass(frozen=True)
class OwnedFile:
    """The files service's record of a file that has an owner."""

    file_url: str
    account_id: str
    delete_key: str
    ext: str
    user_filename: str
    size: int
    created_at: datetime
    expires_at: datetime | None = None
    max_downloads: int | None = None

    def as_listed(self) -> AccountFile:
        return AccountFile(**{field.name: getattr(self, field.name) for field in fields(self)})


class Difference(StrEnum):
    MISSING_FROM_LIST = "missing_from_list"
    STALE_IN_LIST = "stale_in_list"
    DIFFERING_IN_LIST = "differing_in_list"


@dataclass(frozen=True)
class ListDifference:
    kind: Difference
    file_url: str
    owned: OwnedFile | None
    listed: AccountFile | None
    changed_fields: tuple[str, ...] = ()

    @property
    def account_id(self) -> str:
        source = self.owned or self.listed
        assert source is not None, "a difference has at least one side"
        return source.account_id


def difference_between(
    owned: OwnedFile | None, listed: AccountFile | None, settled_before: datetime
) -> ListDifference | None:
    """None when the two agree, or when either is newer than `settled_before` (events may be on their way)."""
    if any(side is not None and side.created_at >= settled_before for side in (owned, listed)):
        return None
    if owned is None:
        if listed is None or listed.deleted:
            return None
        return ListDifference(Difference.STALE_IN_LIST, listed.file_url, None, listed)
    if listed is None or listed.deleted:
        return ListDifference(Difference.MISSING_FROM_LIST, owned.file_url, owned, listed)
    differing = differing_fields(owned.as_listed(), listed)
    if not differing:
        return None
    return ListDifference(Difference.DIFFERING_IN_LIST, owned.file_url, owned, listed, differing)


def differing_fields(expected: AccountFile, listed: AccountFile) -> tuple[str, ...]:
    return tuple(name for name in COMPARED_FIELDS if getattr(expected, name) != getattr(listed, name))


def describe(difference: ListDifference) -> str:
    """For a report: which account, which file, what differs; never a delete key's value."""
    if difference.owned is None:
        assert difference.listed is not None
        return (
            f"account {difference.account_id}: {difference.listed.user_filename}, no such owned file in files"
        )
    owned = difference.owned
    about = f"account {owned.account_id}: {owned.user_filename}, {owned.size} bytes"
    if difference.kind is Difference.MISSING_FROM_LIST:
        return about + (", listed as deleted" if difference.listed is not None else ", not listed")
    assert difference.listed is not None
    return f"{about}; " + "; ".join(
        _field_change(name, difference.listed, owned.as_listed()) for name in difference.changed_fields
    )


def _field_change(name: str, listed: AccountFile, expected: AccountFile) -> str:
    if name in SECRET_FIELDS:
        return f"{name} differs"
    return f"{name}: listed {getattr(listed, name)!r}, files has {getattr(expected, name)!r}"
