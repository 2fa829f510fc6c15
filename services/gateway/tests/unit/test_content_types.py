import pytest

from gateway.content_types import (
    ACTIVE_CONTENT_EXTENSIONS,
    Confinement,
    MediaType,
    may_redirect,
    media_type_for,
)

TEXT_PLAIN = "text/plain; charset=utf-8"


@pytest.mark.parametrize(
    "ext,content_type",
    [
        (".png", "image/png"),
        (".jpg", "image/jpeg"),
        (".jpeg", "image/jpeg"),
        (".gif", "image/gif"),
        (".webp", "image/webp"),
        (".avif", "image/avif"),
        (".bmp", "image/bmp"),
        (".ico", "image/x-icon"),
        (".mp4", "video/mp4"),
        (".webm", "video/webm"),
        (".mov", "video/quicktime"),
        (".mkv", "video/x-matroska"),
        (".ogv", "video/ogg"),
        (".mp3", "audio/mpeg"),
        (".ogg", "audio/ogg"),
        (".oga", "audio/ogg"),
        (".opus", "audio/ogg"),
        (".wav", "audio/wav"),
        (".flac", "audio/flac"),
        (".m4a", "audio/mp4"),
        (".aac", "audio/aac"),
        (".txt", TEXT_PLAIN),
        (".csv", "text/csv; charset=utf-8"),
        (".md", "text/markdown; charset=utf-8"),
        (".json", "application/json"),
        (".pdf", "application/pdf"),
        (".css", "text/css; charset=utf-8"),
        (".zip", "application/zip"),
        (".gz", "application/gzip"),
        (".tar", "application/x-tar"),
        (".7z", "application/x-7z-compressed"),
        (".rar", "application/vnd.rar"),
        (".PNG", "image/png"),
    ],
)
def test_media_type_is_inline_when_extension_is_known(ext, content_type):
    media = media_type_for(ext)
    assert media.content_type == content_type and media.inline


@pytest.mark.parametrize("ext", sorted(ACTIVE_CONTENT_EXTENSIONS))
def test_media_type_is_sandboxed_plain_text_when_content_is_active(ext):
    assert media_type_for(ext) == MediaType(TEXT_PLAIN, inline=True, confinement=Confinement.SANDBOX)


def test_media_type_keeps_svg_under_sandbox():
    assert media_type_for(".svg") == MediaType("image/svg+xml", inline=True, confinement=Confinement.SANDBOX)


@pytest.mark.parametrize(
    "ext",
    [
        ".png",
        ".jpg",
        ".gif",
        ".webp",
        ".avif",
        ".ico",
        ".mp4",
        ".webm",
        ".mov",
        ".mp3",
        ".ogg",
        ".wav",
        ".flac",
        ".m4a",
    ],
)
def test_media_type_lets_images_audio_and_video_keep_their_origin_but_run_nothing(ext):
    assert media_type_for(ext).confinement is Confinement.NO_SCRIPT


@pytest.mark.parametrize("ext", [".txt", ".csv", ".md", ".css", ".json", ".zip", ".svg"])
def test_media_type_sandboxes_text_and_everything_not_image_audio_or_video(ext):
    assert media_type_for(ext).confinement is Confinement.SANDBOX


def test_media_type_leaves_only_pdf_unconfined():
    assert media_type_for(".pdf").confinement is Confinement.NONE


@pytest.mark.parametrize("ext", [".qqzz", "", ".exe", ".php"])
def test_media_type_is_octet_stream_attachment_when_extension_is_unknown(ext):
    assert media_type_for(ext) == MediaType(
        "application/octet-stream", inline=False, confinement=Confinement.SANDBOX
    )


@pytest.mark.parametrize("ext", [*sorted(ACTIVE_CONTENT_EXTENSIONS), ".svg", ".SVG", ".Html"])
def test_active_content_is_never_redirected(ext):
    assert not may_redirect(ext)


@pytest.mark.parametrize("ext", [".png", ".mp4", ".txt", ".pdf", ".zip", ".json", ".qqzz"])
def test_inert_content_may_be_redirected(ext):
    assert may_redirect(ext)
