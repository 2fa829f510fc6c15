"""notes and tags, as create_all made them before migrations existed"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "notes", sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.String, nullable=False)
    )
    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True))
