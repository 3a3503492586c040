"""proposals: an event's call for speakers, proposals and their speakers (each with a
private link), reviews, reviewers (a role per event, limited to forums or not), and
unscheduled sessions (no times yet) for accepted proposals

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 02:32:39.969801

"""
from alembic import op
import sqlalchemy as sa
import summit.models  # noqa: F401  (custom column types such as UTCDateTime)


OLD_ROLES = ('admin', 'organizer', 'checkin')
NEW_ROLES = (*OLD_ROLES, 'reviewer')
TIME = summit.models.UTCDateTime(timezone=True)


def _role_type(roles):
    return sa.Enum(*roles, name='role', native_enum=False, create_constraint=True, length=20)


def _roles(old, new, per_event):
    """The role columns' checks: the site's accounts and the roles held at events."""
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=_role_type(old), type_=_role_type(new),
                              existing_nullable=False)
    with op.batch_alter_table('event_role', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=_role_type(old), type_=_role_type(new),
                              existing_nullable=False)
        batch_op.drop_constraint(op.f('ck_event_role_per_event_role'), type_='check')
        batch_op.create_check_constraint('per_event_role', f"role IN ({per_event})")


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    _roles(OLD_ROLES, NEW_ROLES, "'organizer', 'checkin', 'reviewer'")
    op.create_table('proposal_call',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('opens_at', summit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closes_at', summit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('guidelines_zh', sa.Text(), nullable=False),
    sa.Column('guidelines_en', sa.Text(), nullable=False),
    sa.Column('session_kinds', sa.JSON(), nullable=False),
    sa.Column('durations', sa.JSON(), nullable=False),
    sa.Column('anonymised', sa.Boolean(), nullable=False),
    sa.Column('score_min', sa.Integer(), nullable=False),
    sa.Column('score_max', sa.Integer(), nullable=False),
    sa.Column('accept_subject_zh', sa.String(length=300), nullable=False),
    sa.Column('accept_subject_en', sa.String(length=300), nullable=False),
    sa.Column('accept_body_zh', sa.Text(), nullable=False),
    sa.Column('accept_body_en', sa.Text(), nullable=False),
    sa.Column('reject_subject_zh', sa.String(length=300), nullable=False),
    sa.Column('reject_subject_en', sa.String(length=300), nullable=False),
    sa.Column('reject_body_zh', sa.Text(), nullable=False),
    sa.Column('reject_body_en', sa.Text(), nullable=False),
    sa.CheckConstraint('score_min >= 0 AND score_max > score_min AND score_max <= 100', name=op.f('ck_proposal_call_score_scale')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_proposal_call_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_proposal_call'))
    )
    op.create_table('proposal_call_forum',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_proposal_call_forum_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['forum_id'], ['forum.id'], name=op.f('fk_proposal_call_forum_forum_id_forum'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'forum_id', name=op.f('pk_proposal_call_forum'))
    )
    with op.batch_alter_table('proposal_call_forum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_call_forum_forum_id'), ['forum_id'], unique=False)

    op.create_table('reviewer_forum',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['forum_id'], ['forum.id'], name=op.f('fk_reviewer_forum_forum_id_forum'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_reviewer_forum_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_reviewer_forum_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'event_id', 'forum_id', name=op.f('pk_reviewer_forum'))
    )
    with op.batch_alter_table('reviewer_forum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewer_forum_forum_id'), ['forum_id'], unique=False)

    op.create_table('proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('forum_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('opening', 'keynote', 'talk', 'panel', 'ceremony', 'break', name='sessionkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('title_zh', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('abstract_zh', sa.Text(), nullable=False),
    sa.Column('abstract_en', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('submitted', 'in_review', 'accepted', 'rejected', 'confirmed', 'withdrawn', name='proposalstate', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('pending_decision', sa.Enum('accept', 'reject', name='decision', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('created_at', summit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', summit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', summit.models.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("title_zh <> '' OR title_en <> ''", name=op.f('ck_proposal_has_title')),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_proposal_duration_positive')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_proposal_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['forum_id'], ['forum.id'], name=op.f('fk_proposal_forum_id_forum'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['programme_session.id'], name=op.f('fk_proposal_session_id_programme_session'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal'))
    )
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_event_state', ['event_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_forum_id'), ['forum_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_session_id'), ['session_id'], unique=False)

    op.create_table('proposal_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', summit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', summit.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_review_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_proposal_review_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_review')),
    sa.UniqueConstraint('proposal_id', 'user_id', name=op.f('uq_proposal_review_proposal_id_user_id'))
    )
    with op.batch_alter_table('proposal_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_review_user_id'), ['user_id'], unique=False)

    op.create_table('proposal_speaker',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('affiliation', sa.String(length=300), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('speaker_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_speaker_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['speaker_id'], ['speaker.id'], name=op.f('fk_proposal_speaker_speaker_id_speaker'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_speaker')),
    sa.UniqueConstraint('proposal_id', 'email', name=op.f('uq_proposal_speaker_proposal_id_email')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_proposal_speaker_token_hash'))
    )
    with op.batch_alter_table('proposal_speaker', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_speaker_speaker_id'), ['speaker_id'], unique=False)

    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposal_speaker_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_mail_message_proposal_speaker_id'), ['proposal_speaker_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_mail_message_proposal_speaker_id_proposal_speaker'), 'proposal_speaker', ['proposal_speaker_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('programme_session', schema=None) as batch_op:
        batch_op.alter_column('starts_at', existing_type=TIME, nullable=True)
        batch_op.alter_column('ends_at', existing_type=TIME, nullable=True)
        batch_op.create_check_constraint('both_times_or_none',
                                         '(starts_at IS NULL) = (ends_at IS NULL)')


def downgrade():
    # Unscheduled sessions and reviewers have no place in the older schema.
    op.execute("DELETE FROM programme_session WHERE starts_at IS NULL")
    op.execute("DELETE FROM event_role WHERE role = 'reviewer'")
    op.execute("UPDATE user_account SET role = 'organizer' WHERE role = 'reviewer'")
    with op.batch_alter_table('programme_session', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_programme_session_both_times_or_none'), type_='check')
        batch_op.alter_column('ends_at', existing_type=TIME, nullable=False)
        batch_op.alter_column('starts_at', existing_type=TIME, nullable=False)

    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mail_message_proposal_speaker_id_proposal_speaker'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_mail_message_proposal_speaker_id'))
        batch_op.drop_column('proposal_speaker_id')

    with op.batch_alter_table('proposal_speaker', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_speaker_speaker_id'))

    op.drop_table('proposal_speaker')
    with op.batch_alter_table('proposal_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_review_user_id'))

    op.drop_table('proposal_review')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_session_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_forum_id'))
        batch_op.drop_index('ix_proposal_event_state')

    op.drop_table('proposal')
    with op.batch_alter_table('reviewer_forum', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewer_forum_forum_id'))

    op.drop_table('reviewer_forum')
    with op.batch_alter_table('proposal_call_forum', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_call_forum_forum_id'))

    op.drop_table('proposal_call_forum')
    op.drop_table('proposal_call')
    _roles(NEW_ROLES, OLD_ROLES, "'organizer', 'checkin'")
