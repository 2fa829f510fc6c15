"""The files service's Alembic migration history (env.py and versions/), shipped inside the package."""
