"""when a mail's sender took it (stuck mails on the dashboard); mails per recipient

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
import summit.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', summit.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(
            'ix_mail_message_recipient_created', ['recipient', 'created_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_message_recipient_created')
        batch_op.drop_column('claimed_at')
