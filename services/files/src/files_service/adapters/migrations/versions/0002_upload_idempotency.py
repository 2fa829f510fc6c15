"""upload_idempotency: the Idempotency-Key of each upload that came with one, for safe retries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload_idempotency",
        sa.Column("scope", sa.String(length=160), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("file_url", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "idempotency_key"),
    )
    op.create_index("ix_upload_idempotency_file_url", "upload_idempotency", ["file_url"])
    op.create_index("ix_upload_idempotency_created_at", "upload_idempotency", ["created_at"])


def downgrade() -> None:
    op.drop_table("upload_idempotency")
