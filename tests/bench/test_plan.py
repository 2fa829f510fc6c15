"""Both plans measure the points the hot-path table reads."""

import pytest

from bench.plan import FULL, KIB, MIB, QUICK, Plan


@pytest.mark.parametrize("plan", [FULL, QUICK])
def test_each_plan_has_the_table_points_and_every_sample_it_sends(plan):
    assert {plan.get_clients, plan.upload_clients} <= set(plan.concurrencies)
    assert {KIB, 64 * KIB, MIB, 100 * MIB} <= set(plan.sample_sizes)


def test_the_full_plan_spans_1_to_64_clients_and_1_kib_to_100_mib():
    assert (min(FULL.concurrencies), max(FULL.concurrencies)) == (1, 64)
    assert (min(FULL.sizes), max(FULL.sizes)) == (KIB, 100 * MIB)


def test_a_plan_without_the_table_points_is_refused():
    with pytest.raises(ValueError, match="must include 32"):
        Plan("bad", 1, 1, concurrencies=(1, 16), sizes=(100 * MIB,))
