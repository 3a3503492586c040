"""certificates and badges at the desk: the event's desk badge layout and the time
certificates of attendance open; how often a registration's badge was printed again

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 02:40:00

"""
from alembic import op
import sqlalchemy as sa
import summit.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('badge_layout', sa.String(length=20), server_default='a6', nullable=False))
        batch_op.add_column(sa.Column('certificates_from', summit.models.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('badge_reprints', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('badge_reprints')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('certificates_from')
        batch_op.drop_column('badge_layout')
