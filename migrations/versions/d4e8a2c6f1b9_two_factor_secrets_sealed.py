"""two-factor secrets sealed at rest; the secret being enrolled kept on the session row

Revision ID: d4e8a2c6f1b9
Revises: b7c4e1a9d2f3
Create Date: 2026-12-10 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet, MultiFernet
from flask import current_app


# revision identifiers, used by Alembic.
revision = 'd4e8a2c6f1b9'
down_revision = 'b7c4e1a9d2f3'
branch_labels = None
depends_on = None

users = sa.table('users', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String))


def _box():
    # The keys of the running configuration (TWO_FACTOR_ENCRYPTION_KEYS), as the app uses them.
    keys = current_app.config['TWO_FACTOR_ENCRYPTION_KEYS']
    return MultiFernet([Fernet(key) for key in keys])


def _sealed(value):
    return value.startswith('gAAAAA')  # every Fernet token starts with its version byte


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column(
            'totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=255)
        )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_totp_secret', sa.String(length=255), nullable=True))
    bind = op.get_bind()
    box = _box()
    rows = bind.execute(sa.select(users.c.id, users.c.totp_secret).where(users.c.totp_secret.is_not(None)))
    for user_id, secret in rows.all():
        if not _sealed(secret):
            sealed = box.encrypt(secret.encode()).decode()
            bind.execute(users.update().where(users.c.id == user_id).values(totp_secret=sealed))


def downgrade():
    bind = op.get_bind()
    box = _box()
    rows = bind.execute(sa.select(users.c.id, users.c.totp_secret).where(users.c.totp_secret.is_not(None)))
    for user_id, secret in rows.all():
        if _sealed(secret):
            plain = box.decrypt(secret.encode()).decode()
            bind.execute(users.update().where(users.c.id == user_id).values(totp_secret=plain))
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_column('pending_totp_secret')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column(
            'totp_secret', existing_type=sa.String(length=255), type_=sa.String(length=64)
        )
