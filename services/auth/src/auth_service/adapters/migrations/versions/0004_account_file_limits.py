"""account_files.expires_at and max_downloads: each listed file's expiry (NULL: never) and download
limit (NULL: none), from its upload event, so that a listing drops expired files and asks files for
the downloads left only of the limited ones. Rows listed before this revision keep NULL until the
reconciliation (which compares both with files' records) corrects them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("account_files", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("account_files", sa.Column("max_downloads", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account_files") as batch:
        batch.drop_column("max_downloads")
        batch.drop_column("expires_at")
