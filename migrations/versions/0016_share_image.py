"""share image: an event's own picture for links shared in chats, instead of the one
drawn from its name and dates

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 03:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share_image', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('share_image_type', sa.String(length=50),
                                      nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('share_image_type')
        batch_op.drop_column('share_image')
