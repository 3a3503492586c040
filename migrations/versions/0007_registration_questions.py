"""registration questions: an event's own questions on its form, their choices, and
each registration's answers (one JSON value per answer, typed by the question's kind)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 23:35:15.275234

"""
from alembic import op
import sqlalchemy as sa
import summit.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('short_text', 'long_text', 'choice', 'multiple', 'yes_no', 'number', 'date', name='questionkind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('label_zh', sa.String(length=300), nullable=False),
    sa.Column('label_en', sa.String(length=300), nullable=False),
    sa.Column('help_zh', sa.Text(), nullable=False),
    sa.Column('help_en', sa.Text(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('pattern', sa.String(length=300), nullable=False),
    sa.Column('condition_question_id', sa.Integer(), nullable=True),
    sa.Column('condition_value', sa.String(length=40), nullable=False),
    sa.Column('retired_at', summit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', summit.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['condition_question_id'], ['question.id'], name=op.f('fk_question_condition_question_id_question'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_question_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question'))
    )
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index('ix_question_event_position', ['event_id', 'position'], unique=False)

    op.create_table('answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_answer_question_id_question'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_answer_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer')),
    sa.UniqueConstraint('registration_id', 'question_id', name=op.f('uq_answer_registration_id_question_id'))
    )
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index('ix_answer_question', ['question_id'], unique=False)

    op.create_table('question_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('label_zh', sa.String(length=300), nullable=False),
    sa.Column('label_en', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_choice_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_choice')),
    sa.UniqueConstraint('question_id', 'key', name=op.f('uq_question_choice_question_id_key'))
    )


def downgrade():
    op.drop_table('question_choice')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index('ix_answer_question')

    op.drop_table('answer')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index('ix_question_event_position')

    op.drop_table('question')
