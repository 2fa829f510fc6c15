"""Moving anonymous uploads into an account (POST /api/transfer), with every service a process."""

import time

from support.api import assert_auth_error, assert_error, bearer, client, get_files, listed, register, uploaded


def transfer(c, token: str, *items: dict):
    return c.post(
        "/api/transfer",
        headers=bearer(token),
        json={"data": [{"file_url": item["file_url"], "key": item["key"]} for item in items]},
    )


def test_claimed_files_are_in_the_very_next_listing_and_refusals_change_nothing(base_url):
    with client(base_url) as c:
        token = register(c)["accessToken"]
        other_token = register(c)["accessToken"]
        first = uploaded(c, "first.txt", b"1")
        second = uploaded(c, "second.txt", b"22")
        anonymous = uploaded(c, "anonymous.txt", b"3")
        theirs = uploaded(c, "theirs.txt", b"4", token=other_token)

        r = transfer(
            c,
            token,
            first,
            {"file_url": anonymous["file_url"], "key": first["key"]},
            theirs,
            second,
            {"file_url": "NeverStored", "key": first["key"]},
        )

        assert r.status_code == 200, r.text
        assert r.json() == {
            "status": "success",
            "data": [
                {"file_url": first["file_url"], "claimed": True, "reason": None},
                {"file_url": anonymous["file_url"], "claimed": False, "reason": "wrong_key"},
                {"file_url": theirs["file_url"], "claimed": False, "reason": "owned_by_another_account"},
                {"file_url": second["file_url"], "claimed": True, "reason": None},
                {"file_url": "NeverStored", "claimed": False, "reason": "unknown_file"},
            ],
        }
        files = get_files(c, token)
        assert [f["file_url"] for f in files] == [second["file_url"], first["file_url"]], "newest first"
        assert [(f["key"], f["user_filename"], f["size"]) for f in files] == [
            (second["key"], "second.txt", 2),
            (first["key"], "first.txt", 1),
        ]
        assert listed(c, other_token) == [theirs["file_url"]]
        # The wrong key took nothing, and the file is served as before.
        assert c.get(f"/file/{anonymous['file_url']}").content == b"3"
        again = transfer(c, token, first, {"file_url": anonymous["file_url"], "key": theirs["key"]})
        assert [(item["claimed"], item["reason"]) for item in again.json()["data"]] == [
            (False, "already_yours"),
            (False, "wrong_key"),
        ]
        assert listed(c, token) == [second["file_url"], first["file_url"]]


def test_the_claim_event_keeps_the_listing_as_it_is_and_a_delete_still_wins(base_url):
    with client(base_url) as c:
        token = register(c)["accessToken"]
        kept = uploaded(c, "kept.txt", b"1")
        deleted = uploaded(c, "deleted.txt", b"2")
        assert [item["claimed"] for item in transfer(c, token, kept, deleted).json()["data"]] == [True, True]

        assert c.get(f"/api/delete/{deleted['file_url']}", params={"key": deleted["key"]}).status_code == 200

        # The claims' events arrive after the listing was written; neither duplicates nor brings back a file.
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            assert listed(c, token) == [kept["file_url"]]
            time.sleep(0.2)


def test_a_transfer_of_101_files_is_refused_and_claims_nothing(base_url):
    with client(base_url) as c:
        token = register(c)["accessToken"]
        anonymous = uploaded(c, "anonymous.txt", b"1")
        items = [anonymous] + [{"file_url": f"F{n:09}", "key": "k"} for n in range(100)]

        assert_error(
            transfer(c, token, *items), 400, "Too many files to transfer (at most 100 per request)", 7
        )
        assert_error(
            transfer(c, token),
            400,
            'No files to transfer provided: send {"data": [{"file_url": ..., "key": ...}]}',
            6,
        )
        assert listed(c, token) == []
        assert transfer(c, token, anonymous).json()["data"][0]["claimed"] is True


def test_a_transfer_needs_a_valid_token(base_url):
    with client(base_url) as c:
        anonymous = uploaded(c, "anonymous.txt", b"1")
        body = {"data": [{"file_url": anonymous["file_url"], "key": anonymous["key"]}]}

        assert_auth_error(c.post("/api/transfer", json=body), -1, "No Authorization header provided")
        assert_auth_error(
            c.post("/api/transfer", json=body, headers=bearer("x.y.z")), -4, "Invalid access token"
        )
        token = register(c)["accessToken"]
        assert transfer(c, token, anonymous).json()["data"][0]["claimed"] is True
