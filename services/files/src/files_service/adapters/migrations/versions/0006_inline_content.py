"""files: content, the bytes of a small file kept in its row instead of the blob store.

NULL for every file stored before: their bytes stay in the blob store, where they are read as before.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("files", sa.Column("content", sa.LargeBinary(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # Kept out of line uncompressed: uploads are mostly compressed already (images, video, archives),
        # and TOAST's pglz would spend CPU on every write and read for nothing.
        op.execute("ALTER TABLE files ALTER COLUMN content SET STORAGE EXTERNAL")


def downgrade() -> None:
    # The files whose bytes are only here would lose them: a downgrade is refused while any exists.
    bind = op.get_bind()
    inline = bind.execute(sa.text("SELECT COUNT(*) FROM files WHERE content IS NOT NULL")).scalar_one()
    if inline:
        raise RuntimeError(
            f"{inline} file(s) keep their bytes in the database (content): move them to the blob store first"
        )
    with op.batch_alter_table("files") as batch:
        batch.drop_column("content")
