"""Pure rules of the files service: no database, transport, broker or disk."""
