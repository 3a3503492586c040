"""speaker page: a speaker's affiliation and bio in Chinese and English, their photo, and
the times they can speak

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 06:10:00

"""
from alembic import op
import sqlalchemy as sa

import summit.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def _has_chinese(text):
    return any("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" for char in text)


def upgrade():
    with op.batch_alter_table('proposal_speaker', schema=None) as batch_op:
        batch_op.add_column(sa.Column('affiliation_zh', sa.String(length=300), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('affiliation_en', sa.String(length=300), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('bio_zh', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('bio_en', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('photo', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('photo_type', sa.String(length=50), nullable=False,
                                      server_default=''))
    # What a speaker typed went under Chinese or English by what it is written in, as the
    # programme's speaker received it.
    connection = op.get_bind()
    speakers = sa.table('proposal_speaker', sa.column('id'), sa.column('affiliation'),
                        sa.column('bio'), sa.column('affiliation_zh'),
                        sa.column('affiliation_en'), sa.column('bio_zh'), sa.column('bio_en'))
    for row in connection.execute(sa.select(speakers.c.id, speakers.c.affiliation,
                                            speakers.c.bio)).all():
        values = {}
        for name in ('affiliation', 'bio'):
            text = getattr(row, name) or ''
            values[f'{name}_{"zh" if _has_chinese(text) else "en"}'] = text
        connection.execute(speakers.update().where(speakers.c.id == row.id).values(**values))
    with op.batch_alter_table('proposal_speaker', schema=None) as batch_op:
        batch_op.drop_column('affiliation')
        batch_op.drop_column('bio')

    op.create_table('speaker_availability',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_speaker_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', summit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', summit.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_speaker_availability_ends_after_start')),
    sa.ForeignKeyConstraint(['proposal_speaker_id'], ['proposal_speaker.id'], name=op.f('fk_speaker_availability_proposal_speaker_id_proposal_speaker'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_speaker_availability'))
    )
    with op.batch_alter_table('speaker_availability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_speaker_availability_proposal_speaker_id'), ['proposal_speaker_id'], unique=False)


def downgrade():
    with op.batch_alter_table('speaker_availability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speaker_availability_proposal_speaker_id'))
    op.drop_table('speaker_availability')

    with op.batch_alter_table('proposal_speaker', schema=None) as batch_op:
        batch_op.add_column(sa.Column('affiliation', sa.String(length=300), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('bio', sa.Text(), nullable=False, server_default=''))
    op.execute("UPDATE proposal_speaker SET affiliation = CASE WHEN affiliation_zh <> '' "
               "THEN affiliation_zh ELSE affiliation_en END, "
               "bio = CASE WHEN bio_zh <> '' THEN bio_zh ELSE bio_en END")
    with op.batch_alter_table('proposal_speaker', schema=None) as batch_op:
        for name in ('photo_type', 'photo', 'bio_en', 'bio_zh', 'affiliation_en',
                     'affiliation_zh'):
            batch_op.drop_column(name)
