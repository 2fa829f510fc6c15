import logging

from gateway.connection_limits import MAX_LINGERING, REFUSAL_LOG_INTERVAL_SECONDS, ConnectionLimiter, Refusal


def test_a_client_at_its_cap_is_refused_while_other_clients_are_admitted():
    limiter = ConnectionLimiter(max_total=10, max_per_client=2)
    assert [limiter.admit("198.51.100.1") for _ in range(3)] == [None, None, Refusal.CLIENT_FULL]
    assert limiter.admit("198.51.100.2") is None
    assert limiter.open_connections == 3


def test_the_gateway_cap_refuses_every_client_once_reached():
    limiter = ConnectionLimiter(max_total=2, max_per_client=5)
    assert [limiter.admit(f"198.51.100.{i}") for i in range(3)] == [None, None, Refusal.GATEWAY_FULL]


def test_a_released_connection_makes_room_for_its_client_again():
    limiter = ConnectionLimiter(max_total=10, max_per_client=1)
    assert limiter.admit("2001:db8::1") is None
    assert limiter.admit("2001:db8::1") is Refusal.CLIENT_FULL
    limiter.release("2001:db8::1")
    assert limiter.admit("2001:db8::1") is None and limiter.open_connections == 1


def test_trusted_proxies_count_toward_the_total_only():
    limiter = ConnectionLimiter(max_total=4, max_per_client=1, uncapped_clients=["10.0.0.0/8", "192.0.2.9"])
    proxies = ["10.1.2.3", "10.1.2.3", "192.0.2.9", "192.0.2.9"]
    assert [limiter.admit(address) for address in proxies] == [None] * 4
    assert limiter.admit("10.1.2.3") is Refusal.GATEWAY_FULL
    for address in proxies:
        limiter.release(address)
    assert limiter.open_connections == 0


def test_every_address_is_uncapped_when_every_proxy_is_trusted():
    limiter = ConnectionLimiter(max_total=3, max_per_client=1, uncapped_clients=["*"])
    assert [limiter.admit("203.0.113.5") for _ in range(3)] == [None] * 3


def test_a_connection_of_unknown_address_counts_toward_the_total_only():
    limiter = ConnectionLimiter(max_total=2, max_per_client=1)
    assert [limiter.admit(None) for _ in range(3)] == [None, None, Refusal.GATEWAY_FULL]


def test_refused_connections_linger_only_up_to_the_bound():
    limiter = ConnectionLimiter(max_total=1, max_per_client=1)
    assert all(limiter.start_lingering() for _ in range(MAX_LINGERING))
    assert not limiter.start_lingering()
    limiter.stop_lingering()
    assert limiter.start_lingering()


def test_refusals_carry_the_answer_the_client_gets():
    assert (Refusal.GATEWAY_FULL.status_code, Refusal.CLIENT_FULL.status_code) == (503, 429)


def test_refusals_are_logged_at_most_once_a_minute_with_their_count(caplog):
    now = [1000.0]
    limiter = ConnectionLimiter(max_total=1, max_per_client=1, clock=lambda: now[0])
    limiter.admit("198.51.100.1")
    with caplog.at_level(logging.WARNING, logger="gateway.connection_limits"):
        for _ in range(5):
            limiter.admit("198.51.100.2")
            now[0] += 1
        now[0] += REFUSAL_LOG_INTERVAL_SECONDS
        limiter.admit("198.51.100.3")
    assert [record.getMessage() for record in caplog.records] == [
        "1 connection(s) refused since the last report: FU_GATEWAY_MAX_CONNECTIONS reached (1 open)",
        "5 connection(s) refused since the last report: FU_GATEWAY_MAX_CONNECTIONS reached (1 open)",
    ]
