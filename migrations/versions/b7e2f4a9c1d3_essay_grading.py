"""essay questions graded by trainers: who graded an attempt item, when, and their feedback

Existing items were all graded on submission: the new columns stay NULL for them.

Revision ID: b7e2f4a9c1d3
Revises: c3a8d5e7f912
Create Date: 2026-12-05 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2f4a9c1d3'
down_revision = 'c3a8d5e7f912'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempt_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('graded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('graded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_attempt_items_graded_by_id_users'),
            'users',
            ['graded_by_id'],
            ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('attempt_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attempt_items_graded_by_id_users'), type_='foreignkey')
        batch_op.drop_column('comment')
        batch_op.drop_column('graded_at')
        batch_op.drop_column('graded_by_id')
