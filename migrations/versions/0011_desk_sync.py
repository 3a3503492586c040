"""desk sync: every scan a desk sends, by its own id; indexes for what changed since

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 02:32:07

"""
from alembic import op
import sqlalchemy as sa
import summit.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('desk_scan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('scan_id', sa.String(length=36), nullable=False),
    sa.Column('desk', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('forum_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('desk_outcome', sa.String(length=20), nullable=False),
    sa.Column('conflict', sa.Boolean(), nullable=False),
    sa.Column('scanned_at', summit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', summit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_desk_scan_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['forum_id'], ['forum.id'], name=op.f('fk_desk_scan_forum_id_forum'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_desk_scan_registration_id_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_desk_scan_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_scan')),
    sa.UniqueConstraint('event_id', 'scan_id', name=op.f('uq_desk_scan_event_id_scan_id'))
    )
    with op.batch_alter_table('desk_scan', schema=None) as batch_op:
        batch_op.create_index('ix_desk_scan_event_conflict', ['event_id', 'conflict'], unique=False)
        batch_op.create_index('ix_desk_scan_forum_registration', ['forum_id', 'registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_desk_scan_registration_id'), ['registration_id'], unique=False)

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.create_index('ix_registration_event_updated', ['event_id', 'updated_at'], unique=False)

    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.create_index('ix_seat_updated', ['updated_at'], unique=False)



def downgrade():
    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.drop_index('ix_seat_updated')

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_event_updated')

    with op.batch_alter_table('desk_scan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_scan_registration_id'))
        batch_op.drop_index('ix_desk_scan_forum_registration')
        batch_op.drop_index('ix_desk_scan_event_conflict')

    op.drop_table('desk_scan')
