"""The transactional outbox: encoded events written in the same transaction as the change."""

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Integer, bindparam, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from files_service.adapters.tables import outbox_table
from files_service.domain.events import DomainEvent, event_subject
from files_service.domain.ports import OutboxMessage, PendingEvent

EventEncoder = Callable[[DomainEvent], bytes]

# Built once: each call passes its values as parameters.
_INSERT = insert(outbox_table)
_DELETE_ONE = delete(outbox_table).where(outbox_table.c.event_id == bindparam("event_id"))
_OLDEST = (
    select(outbox_table.c.event_id, outbox_table.c.subject, outbox_table.c.payload)
    .order_by(outbox_table.c.id)
    .limit(bindparam("limit", type_=Integer))
)
_DELETE_MANY = delete(outbox_table).where(outbox_table.c.event_id.in_(bindparam("event_ids", expanding=True)))


class SqlAlchemyOutbox:
    """Events added are written at the unit of work's commit (`write_added`), or before any read of the
    outbox, all in one statement: the uploads of a group commit cost one insert of their events, not one
    each."""

    def __init__(self, connection: AsyncConnection, encode: EventEncoder, subject_prefix: str) -> None:
        self._connection = connection
        self._encode = encode
        self._subject_prefix = subject_prefix
        self._added: list[dict[str, object]] = []

    async def add(self, event: DomainEvent) -> OutboxMessage:
        message = OutboxMessage(
            event_id=event.event_id,
            subject=event_subject(self._subject_prefix, event),
            payload=self._encode(event),
        )
        self._added.append(
            {
                "event_id": message.event_id,
                "subject": message.subject,
                "payload": message.payload,
                "created_at": event.occurred_at,
            }
        )
        return message

    async def write_added(self) -> None:
        """Inserts the events added since the last call, in the order they were added."""
        if self._added:
            rows, self._added = self._added, []
            await self._connection.execute(_INSERT, rows)

    async def oldest(self, limit: int) -> list[OutboxMessage]:
        await self.write_added()  # the transaction's own events are seen
        result = await self._connection.execute(_OLDEST, {"limit": limit})
        return [
            OutboxMessage(event_id=row.event_id, subject=row.subject, payload=row.payload) for row in result
        ]

    async def remove(self, event_id: str) -> None:
        await self.write_added()  # the transaction's own events are seen
        await self._connection.execute(_DELETE_ONE, {"event_id": event_id})

    async def remove_many(self, event_ids: Sequence[str]) -> None:
        await self.write_added()  # the transaction's own events are seen
        await self._connection.execute(_DELETE_MANY, {"event_ids": list(event_ids)})

    async def count(self) -> int:
        await self.write_added()  # the transaction's own events are seen
        return (await self._connection.execute(select(func.count()).select_from(outbox_table))).scalar_one()

    async def count_older_than(self, moment: datetime) -> int:
        await self.write_added()  # the transaction's own events are seen
        query = select(func.count()).select_from(outbox_table).where(outbox_table.c.created_at < moment)
        return (await self._connection.execute(query)).scalar_one()

    async def oldest_before(self, moment: datetime, limit: int) -> list[PendingEvent]:
        await self.write_added()  # the transaction's own events are seen
        query = (
            select(outbox_table.c.event_id, outbox_table.c.subject, outbox_table.c.created_at)
            .where(outbox_table.c.created_at < moment)
            .order_by(outbox_table.c.id)
            .limit(limit)
        )
        result = await self._connection.execute(query)
        return [PendingEvent(row.event_id, row.subject, row.created_at) for row in result]
