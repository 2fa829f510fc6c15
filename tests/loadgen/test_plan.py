"""The seeded workload of the load test."""

import pytest

from loadgen.plan import KIB, LOGIN_EVERY, MIB, account_of, build_plan, parse_size


def test_parse_size_reads_binary_units():
    assert [parse_size(text) for text in ("512", "1KB", "1 kb", "20MB", "1.5M", "1GiB")] == [
        512,
        KIB,
        KIB,
        20 * MIB,
        3 * MIB // 2,
        1024 * MIB,
    ]


@pytest.mark.parametrize("text", ["", "MB", "1 parsec", "-1KB"])
def test_parse_size_rejects_what_is_not_a_size(text):
    with pytest.raises(ValueError):
        parse_size(text)


def test_plan_is_the_same_for_the_same_seed_and_differs_for_another():
    assert build_plan(5, 4, 50, KIB, MIB) == build_plan(5, 4, 50, KIB, MIB)
    assert build_plan(5, 4, 50, KIB, MIB) != build_plan(6, 4, 50, KIB, MIB)


def test_sizes_stay_within_bounds_and_include_both_extremes():
    sizes = build_plan(1, 8, 500, KIB, 20 * MIB).sizes
    assert min(sizes) == KIB and max(sizes) == 20 * MIB


def test_sizes_are_skewed_to_small_files():
    sizes = sorted(build_plan(1, 8, 1000, KIB, 20 * MIB).sizes)
    assert sizes[len(sizes) // 2] < 1 * MIB < sum(sizes) / len(sizes)


def test_uploads_are_dealt_round_robin_to_every_client():
    plan = build_plan(1, 3, 10, KIB, MIB)
    assert [[step.number for step in client.steps] for client in plan.clients] == [
        [0, 3, 6, 9],
        [1, 4, 7],
        [2, 5, 8],
    ]


def test_every_eighth_client_is_anonymous_and_clients_4k_and_4k_plus_1_share_an_account():
    accounts = [account_of(client) for client in range(8)]
    assert accounts == ["shared0", "shared0", "own2", "own3", "shared1", "shared1", "own6", None]


def test_clients_log_in_again_every_few_uploads():
    steps = build_plan(1, 1, 3 * LOGIN_EVERY, KIB, MIB).clients[0].steps
    assert [step.number for step in steps if step.login_first] == [LOGIN_EVERY, 2 * LOGIN_EVERY]


def test_byte_ranges_lie_inside_their_file():
    steps = [step for client in build_plan(2, 4, 400, 1, MIB).clients for step in client.steps]
    ranges = [(step.byte_range, step.size) for step in steps if step.byte_range]
    assert ranges and all(0 <= first <= last < size for (first, last), size in ranges)
