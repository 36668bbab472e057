"""attempt items: per-attempt opaque tokens for the values the answer form serves

Revision ID: b7c4e1a9d2f3
Revises: 94db541e05ac
Create Date: 2026-12-02 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7c4e1a9d2f3'
down_revision = '94db541e05ac'
branch_labels = None
depends_on = None


def upgrade():
    # Existing items get no tokens: their pages keep serving the real values (AttemptItem.token).
    # The server default only fills those rows; the model supplies the value from now on.
    with op.batch_alter_table('attempt_items', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('tokens', sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
    with op.batch_alter_table('attempt_items', schema=None) as batch_op:
        batch_op.alter_column('tokens', server_default=None)


def downgrade():
    with op.batch_alter_table('attempt_items', schema=None) as batch_op:
        batch_op.drop_column('tokens')
