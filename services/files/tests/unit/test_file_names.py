import pytest

from files_service.domain.errors import BadExtension, BadFilename
from files_service.domain.file_names import parse_file_name


@pytest.mark.parametrize(
    ("raw", "user_filename", "ext"),
    [
        ("test.mp4", "test.mp4", ".mp4"),
        ("Holiday.Photo.JPG", "Holiday.Photo.JPG", ".jpg"),
        ("archive.tar.gz", "archive.tar.gz", ".gz"),
        ("../../etc/passwd.txt", "passwd.txt", ".txt"),
        ("C:\\Users\\me\\notes.md", "notes.md", ".md"),
        ("mixed/dir\\name.c++", "name.c++", ".c++"),
        (".bashrc", ".bashrc", ".bashrc"),
        ("x." + "a" * 16, "x." + "a" * 16, "." + "a" * 16),
        ("under_score.a-b_c+d", "under_score.a-b_c+d", ".a-b_c+d"),
    ],
)
def test_parse_file_name_keeps_last_component_and_lowercases_extension(raw, user_filename, ext):
    parsed = parse_file_name(raw)

    assert (parsed.user_filename, parsed.ext) == (user_filename, ext)


@pytest.mark.parametrize("raw", ["", "dir/", "dir\\", "a" * 252 + ".txt", "bad\x00name.txt", "tab\tname.txt"])
def test_parse_file_name_rejects_empty_long_or_control_names(raw):
    with pytest.raises(BadFilename):
        parse_file_name(raw)


def test_parse_file_name_accepts_exactly_255_characters():
    raw = "a" * 251 + ".txt"

    assert parse_file_name(raw).user_filename == raw


@pytest.mark.parametrize(
    "raw",
    ["README", "name.", "x." + "a" * 17, "photo.jp g", "photo.jpé", "photo.jp*g", "dotted.dir/noext"],
)
def test_parse_file_name_rejects_missing_or_invalid_extension(raw):
    with pytest.raises(BadExtension):
        parse_file_name(raw)
