"""files: an index on (owner_account_id, size), from which an account's usage (its quotas) is read.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_files_owner_account_id_size", "files", ["owner_account_id", "size"])


def downgrade() -> None:
    op.drop_index("ix_files_owner_account_id_size", table_name="files")
