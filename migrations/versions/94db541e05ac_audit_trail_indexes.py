"""audit trail: indexes for the actor filter and personal data exports

Revision ID: 94db541e05ac
Revises: 6e8dd46ca9e3
Create Date: 2026-12-01 22:54:48.417271

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '94db541e05ac'
down_revision = '6e8dd46ca9e3'
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE INDEX works on SQLite too: no batch (table copy) needed.
    # actor_id: the admin page's "done by" filter, and ON DELETE SET NULL when an account goes.
    op.create_index('ix_audit_events_actor_id', 'audit_events', ['actor_id'], unique=False)
    # (target_type, target_id): the events about one account, for its owner's data export.
    op.create_index(
        'ix_audit_events_target', 'audit_events', ['target_type', 'target_id'], unique=False
    )


def downgrade():
    op.drop_index('ix_audit_events_target', table_name='audit_events')
    op.drop_index('ix_audit_events_actor_id', table_name='audit_events')
