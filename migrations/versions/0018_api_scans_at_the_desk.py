"""api scans at the desk: a scan made through the REST API is kept with the desks'
scans, marked with its token

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 06:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('desk_scan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_token_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_desk_scan_api_token_id_api_token'),
                                    'api_token', ['api_token_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('desk_scan', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_desk_scan_api_token_id_api_token'),
                                 type_='foreignkey')
        batch_op.drop_column('api_token_id')
