"""group mailings: an organizer's mail to a chosen group of registrations, one row per
recipient linked to its mail in the outbox, and the outbox's token bucket (its send rate)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:33:01.405220

"""
from alembic import op
import sqlalchemy as sa
import summit.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_send_rate',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('tokens', sa.Double(), nullable=False),
    sa.Column('refilled_at', summit.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_mail_send_rate'))
    )
    op.create_table('mailing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('subject_zh', sa.String(length=300), nullable=False),
    sa.Column('subject_en', sa.String(length=300), nullable=False),
    sa.Column('body_zh', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'scheduled', 'sending', 'sent', 'cancelled', name='mailingstate', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('send_at', summit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('link_base', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', summit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', summit.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('queued_at', summit.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.Column('finished_at', summit.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_mailing_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_mailing_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['user_account.id'], name=op.f('fk_mailing_sent_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailing'))
    )
    with op.batch_alter_table('mailing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailing_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_mailing_state_send_at', ['state', 'send_at'], unique=False)

    op.create_table('mailing_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mailing_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('mail_id', sa.Integer(), nullable=True),
    sa.Column('test', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['mail_id'], ['mail_message.id'], name=op.f('fk_mailing_recipient_mail_id_mail_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mailing_id'], ['mailing.id'], name=op.f('fk_mailing_recipient_mailing_id_mailing'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_mailing_recipient_registration_id_registration'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailing_recipient')),
    sa.UniqueConstraint('mail_id', name=op.f('uq_mailing_recipient_mail_id')),
    sa.UniqueConstraint('mailing_id', 'registration_id', name=op.f('uq_mailing_recipient_mailing_id_registration_id'))
    )


def downgrade():
    op.drop_table('mailing_recipient')
    with op.batch_alter_table('mailing', schema=None) as batch_op:
        batch_op.drop_index('ix_mailing_state_send_at')
        batch_op.drop_index(batch_op.f('ix_mailing_event_id'))

    op.drop_table('mailing')
    op.drop_table('mail_send_rate')
