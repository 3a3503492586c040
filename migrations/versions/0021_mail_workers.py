"""mail workers' signs of life: while one is running, requests leave their mail to it

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 06:00:00

"""
from alembic import op
import sqlalchemy as sa

import summit.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_worker',
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('seen_at', summit.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_mail_worker')),
    )
    with op.batch_alter_table('mail_worker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_worker_seen_at'), ['seen_at'], unique=False)


def downgrade():
    with op.batch_alter_table('mail_worker', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_worker_seen_at'))
    op.drop_table('mail_worker')
