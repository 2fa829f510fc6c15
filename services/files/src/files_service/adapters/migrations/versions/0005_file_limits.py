"""files: expires_at, max_downloads, downloads_left, used_up_at (expiry and download limits).

Every column may be NULL, so the files stored before keep no expiry and no limit.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("files", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("files", sa.Column("max_downloads", sa.BigInteger(), nullable=True))
    op.add_column("files", sa.Column("downloads_left", sa.BigInteger(), nullable=True))
    op.add_column("files", sa.Column("used_up_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_files_expires_at", "files", ["expires_at"])
    op.create_index("ix_files_used_up_at", "files", ["used_up_at"])


def downgrade() -> None:
    op.drop_index("ix_files_used_up_at", table_name="files")
    op.drop_index("ix_files_expires_at", table_name="files")
    with op.batch_alter_table("files") as batch:
        batch.drop_column("used_up_at")
        batch.drop_column("downloads_left")
        batch.drop_column("max_downloads")
        batch.drop_column("expires_at")
