"""The load generator behind scripts/loadtest.py: a seeded workload, clients that check every answer,
a ledger of what each account must list, memory sampling and the final report."""
