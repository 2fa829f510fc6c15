"""Adapters: the only code that touches SQLAlchemy, NATS and the disk."""
