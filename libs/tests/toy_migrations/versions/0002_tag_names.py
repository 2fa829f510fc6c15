"""tags get a name"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.add_column("tags", sa.Column("name", sa.String, nullable=True))
