"""What the services share about their databases: the schema runner, the `migrate` command, Alembic's
entry, the outage classification, the UTC column type. Imported only by services that use SQLAlchemy."""
