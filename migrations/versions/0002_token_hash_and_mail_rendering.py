"""registration tokens looked up by hash; mails rendered at send time

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 23:47:36.131915

"""
import hashlib

from alembic import op
import sqlalchemy as sa
import summit.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

MAIL_STATUSES_BEFORE = "status IN ('pending', 'sent', 'failed')"
MAIL_STATUSES_AFTER = "status IN ('pending', 'sending', 'sent', 'failed')"


def upgrade():
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('link_base', sa.String(length=300), nullable=False, server_default='')
        )
        batch_op.alter_column('message', existing_type=sa.LargeBinary(), nullable=True)
        batch_op.drop_constraint(op.f('ck_mail_message_mailstatus'), type_='check')
        batch_op.create_check_constraint('mailstatus', MAIL_STATUSES_AFTER)

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_hash', sa.String(length=64), nullable=True))

    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, token FROM registration")).all()
    for registration_id, token in rows:
        connection.execute(
            sa.text("UPDATE registration SET token_hash = :hash WHERE id = :id"),
            {"hash": hashlib.sha256(token.encode()).hexdigest(), "id": registration_id},
        )

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.alter_column('token_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint('uq_registration_token', type_='unique')
        batch_op.create_unique_constraint('uq_registration_token_hash', ['token_hash'])


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_constraint('uq_registration_token_hash', type_='unique')
        batch_op.create_unique_constraint('uq_registration_token', ['token'])
        batch_op.drop_column('token_hash')

    op.execute("UPDATE mail_message SET status = 'pending' WHERE status = 'sending'")
    op.execute("DELETE FROM mail_message WHERE message IS NULL")
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_mail_message_mailstatus'), type_='check')
        batch_op.create_check_constraint('mailstatus', MAIL_STATUSES_BEFORE)
        batch_op.alter_column('message', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('link_base')
