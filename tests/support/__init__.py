"""Real infrastructure for the tests: a private nats-server, fresh PostgreSQL databases, free ports."""
