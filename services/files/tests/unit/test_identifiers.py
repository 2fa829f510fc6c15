import pytest

from files_service.domain.identifiers import (
    FILE_URL_ALPHABET,
    could_be_file_url,
    new_delete_key,
    new_file_url,
    new_storage_key,
)


def test_new_file_url_draws_ten_characters_from_the_url_alphabet():
    urls = {new_file_url(".mp4", include_ext=False) for _ in range(200)}

    assert all(len(url) == 10 and set(url) <= set(FILE_URL_ALPHABET) for url in urls)
    assert len(urls) == 200


def test_new_file_url_uses_every_symbol_of_the_alphabet_at_every_position():
    urls = [new_file_url("", include_ext=False) for _ in range(3000)]

    assert all({url[position] for url in urls} == set(FILE_URL_ALPHABET) for position in range(10))


def test_new_file_url_appends_the_extension_when_asked():
    url = new_file_url(".mp4", include_ext=True)

    assert url.endswith(".mp4") and len(url) == 14 and set(url[:10]) <= set(FILE_URL_ALPHABET)


def test_new_file_url_alphabet_is_url_safe_letters_digits_dash_underscore():
    assert set(FILE_URL_ALPHABET) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def test_new_file_url_uses_the_whole_alphabet_over_many_draws():
    seen = set("".join(new_file_url("", include_ext=False) for _ in range(2000)))

    assert seen == set(FILE_URL_ALPHABET)


def test_new_delete_key_is_a_uuid_string_and_storage_key_is_hex():
    assert len(new_delete_key()) == 36 and new_delete_key().count("-") == 4
    assert len(new_storage_key()) == 32 and int(new_storage_key(), 16) >= 0


def test_could_be_file_url_rejects_empty_and_absurdly_long_urls():
    assert could_be_file_url("a" * 64)
    assert not could_be_file_url("a" * 65)
    assert not could_be_file_url("")


@pytest.mark.parametrize("file_url", ["abc\x00def", "a b", "a/b", "%00", "é", "abc\n"])
def test_could_be_file_url_rejects_characters_no_file_url_has(file_url):
    assert not could_be_file_url(file_url)


def test_could_be_file_url_accepts_a_new_url_with_its_extension():
    assert could_be_file_url(new_file_url(".tar+gz", include_ext=True))
