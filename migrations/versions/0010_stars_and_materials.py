"""stars and materials: sessions attendees star through their private link, and a
session's slides (a PDF in the database or an S3-compatible store) and video or
recording links

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 02:31:34.354634

"""
from alembic import op
import sqlalchemy as sa
import summit.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('session_material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('slides', 'video', 'recording', name='materialkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('uploaded_by', sa.String(length=300), nullable=False),
    sa.Column('uploaded_at', summit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'slides') = (url = '')", name=op.f('ck_session_material_file_or_link')),
    sa.ForeignKeyConstraint(['session_id'], ['programme_session.id'], name=op.f('fk_session_material_session_id_programme_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_material'))
    )
    with op.batch_alter_table('session_material', schema=None) as batch_op:
        batch_op.create_index('ix_session_material_session', ['session_id'], unique=False)

    op.create_table('session_star',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('starred_at', summit.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_session_star_registration_id_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['programme_session.id'], name=op.f('fk_session_star_session_id_programme_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('registration_id', 'session_id', name=op.f('pk_session_star'))
    )
    with op.batch_alter_table('session_star', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_star_session_id'), ['session_id'], unique=False)



def downgrade():
    with op.batch_alter_table('session_star', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_star_session_id'))

    op.drop_table('session_star')
    with op.batch_alter_table('session_material', schema=None) as batch_op:
        batch_op.drop_index('ix_session_material_session')

    op.drop_table('session_material')
