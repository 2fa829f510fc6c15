"""Checks of single answers against what the contract and the ledger say they must be."""

from __future__ import annotations

from typing import Any

from loadgen.api import Api
from loadgen.ledger import FileRecord
from loadgen.plan import UploadStep

NOT_FOUND = {"status": "error", "message": "File not found"}


def upload_reply_problems(reply: dict[str, Any], step: UploadStep, synced: bool) -> list[str]:
    ext = "." + step.filename.rsplit(".", 1)[1].lower()
    expected = {
        "status": "success",
        "message": "File uploaded successfully",
        "ext": ext,
        "user_filename": step.filename,
        "synced": synced,
        "auth_error": {},
    }
    problems = [
        f"{name} is {reply.get(name)!r}, expected {value!r}"
        for name, value in expected.items()
        if reply.get(name) != value
    ]
    file_url = str(reply.get("file_url", ""))
    if file_url.endswith(ext) != step.include_ext:
        problems.append(f"file_url {file_url!r} with include_ext={step.include_ext}")
    if not str(reply.get("file_url_full", "")).endswith(f"/file/{file_url}"):
        problems.append(f"file_url_full {reply.get('file_url_full')!r} does not end in /file/{file_url}")
    return problems


def token_reply_problems(reply: dict[str, Any], username: str, message: str) -> list[str]:
    problems = []
    if (reply.get("status"), reply.get("username"), reply.get("message")) != ("success", username, message):
        problems.append(f"unexpected answer {reply!r}")
    if not isinstance(reply.get("accessToken"), str) or not reply["accessToken"]:
        problems.append("no accessToken")
    return problems


async def check_download(api: Api, kind: str, record: FileRecord, prefix: str = "/file/") -> None:
    fetched = await api.fetch(kind, prefix + record.file_url)
    if fetched is None:
        return
    if (fetched.size, fetched.sha256) != (record.size, record.sha256):
        api.mismatch(
            kind,
            f"{record.file_url}: {fetched.size} bytes with sha256 {fetched.sha256}, "
            f"expected {record.size} bytes with sha256 {record.sha256}",
        )
    if fetched.headers.get("etag") != f'"{record.sha256}"':
        api.mismatch(kind, f"{record.file_url}: ETag {fetched.headers.get('etag')!r}, expected the sha256")


async def check_range(api: Api, record: FileRecord, first: int, last: int) -> None:
    kind = "download range"
    fetched = await api.fetch(
        kind, f"/file/{record.file_url}", expect=206, headers={"Range": f"bytes={first}-{last}"}
    )
    if fetched is None:
        return
    expected = record.content.sha256(first, last + 1)
    if (fetched.size, fetched.sha256) != (last - first + 1, expected):
        api.mismatch(
            kind,
            f"{record.file_url} bytes {first}-{last}: {fetched.size} bytes with sha256 "
            f"{fetched.sha256}, expected {last - first + 1} bytes with sha256 {expected}",
        )
    content_range = f"bytes {first}-{last}/{record.size}"
    if fetched.headers.get("content-range") != content_range:
        api.mismatch(
            kind,
            f"{record.file_url}: Content-Range {fetched.headers.get('content-range')!r}, "
            f"expected {content_range!r}",
        )


async def check_gone(api: Api, kind: str, record: FileRecord) -> None:
    reply = await api.json_call(kind, "GET", f"/file/{record.file_url}", expect=404)
    if reply is not None and reply != NOT_FOUND:
        api.mismatch(kind, f"{record.file_url}: 404 with {reply!r}")
