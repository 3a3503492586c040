"""badge pages: each registration's badge rendered beforehand, one page per single-badge
layout, for batch prints assembled from pages

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 06:10:00

"""
import sqlalchemy as sa
from alembic import op

import summit.models  # noqa: F401  (custom column types such as UTCDateTime)

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'badge_page',
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('layout', sa.String(length=20), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        sa.Column('fonts', sa.Text(), nullable=False),
        sa.Column('rendered_at', summit.models.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'],
                                name=op.f('fk_badge_page_registration_id_registration'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('registration_id', 'layout', name=op.f('pk_badge_page')),
    )


def downgrade():
    op.drop_table('badge_page')
