"""Raw file events from the bus, (subject, bytes), decoded and handed to the read model."""

import logging

from google.protobuf.message import DecodeError
from prometheus_client import Counter

from auth_service.domain.account_files import FileEvent, FileUploaded
from auth_service.domain.errors import UnprocessableEvent
from auth_service.entrypoints import convert
from auth_service.service import AccountFilesProjection
from fileuploader.events.v1 import file_events_pb2

logger = logging.getLogger(__name__)


class FileEventHandler:
    """`applied` counts each event taken, by kind and outcome (applied, dropped, failed); a batch's
    uploads count one by one."""

    def __init__(self, projection: AccountFilesProjection, subject_prefix: str, applied: Counter) -> None:
        self._projection = projection
        self._uploaded_subject = f"{subject_prefix}.uploaded"
        self._uploaded_batch_subject = f"{subject_prefix}.uploaded.batch"
        self._deleted_subject = f"{subject_prefix}.deleted"
        self._applied = applied

    async def __call__(self, subject: str, payload: bytes) -> None:
        if subject == self._uploaded_batch_subject:
            await self._apply_batch(payload)
            return
        kind = self._kind(subject)
        try:
            await self._projection.apply(self.decode(subject, payload))
        except UnprocessableEvent:
            self._applied.labels(kind, "dropped").inc()
            raise
        except Exception:
            self._applied.labels(kind, "failed").inc()
            raise
        self._applied.labels(kind, "applied").inc()

    async def _apply_batch(self, payload: bytes) -> None:
        """Its uploads in one transaction: all applied or, when that fails, none."""
        try:
            uploads = self.decode_batch(payload)
        except UnprocessableEvent:
            self._applied.labels("uploaded", "dropped").inc()
            raise
        try:
            await self._projection.apply_uploads(uploads)
        except Exception:
            self._applied.labels("uploaded", "failed").inc(len(uploads))
            raise
        self._applied.labels("uploaded", "applied").inc(len(uploads))

    def decode_batch(self, payload: bytes) -> list[FileUploaded]:
        """A batch's uploads, oldest first; one without a file_url is dropped (and counted) alone."""
        try:
            events = file_events_pb2.FileUploadedBatch.FromString(payload).events
        except DecodeError as error:
            raise UnprocessableEvent(
                f"undecodable payload on {self._uploaded_batch_subject}: {error}"
            ) from error
        uploads = [convert.file_uploaded_from_pb(event) for event in events if event.file_url]
        if dropped := len(events) - len(uploads):
            logger.error("dropping %d upload event(s) without a file_url from a batch", dropped)
            self._applied.labels("uploaded", "dropped").inc(dropped)
        return uploads

    def _kind(self, subject: str) -> str:
        return {self._uploaded_subject: "uploaded", self._deleted_subject: "deleted"}.get(subject, "unknown")

    def decode(self, subject: str, payload: bytes) -> FileEvent:
        try:
            if subject == self._uploaded_subject:
                event: FileEvent = convert.file_uploaded_from_pb(
                    file_events_pb2.FileUploaded.FromString(payload)
                )
            elif subject == self._deleted_subject:
                event = convert.file_deleted_from_pb(file_events_pb2.FileDeleted.FromString(payload))
            else:
                raise UnprocessableEvent(f"unknown subject {subject!r}")
        except DecodeError as error:
            raise UnprocessableEvent(f"undecodable payload on {subject}: {error}") from error
        if not event.file_url:
            raise UnprocessableEvent(f"event on {subject} without a file_url")
        return event
