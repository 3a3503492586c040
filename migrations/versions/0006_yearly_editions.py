"""yearly editions: an event's status, roles per event, mails and audit entries keyed
by event, badge codes unique per event

A database of one event upgrades in place: that event is published and keeps every
row; each organizer and check-in account gets its role at every event the database
holds; mails and audit entries belong to their registration's event, or else to the
first event (the only one before this revision, unless SUMMIT_EVENT chose among
several).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 21:10:00.000000

"""
from alembic import op
import sqlalchemy as sa
import summit.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

EVENT_STATUS = sa.Enum(
    'draft', 'published', 'archived', name='eventstatus', native_enum=False,
    create_constraint=True, length=20,
)
ROLE = sa.Enum(
    'admin', 'organizer', 'checkin', name='role', native_enum=False, create_constraint=True,
    length=20,
)
# Audit entries about the site itself rather than an event's data.
SITE_OBJECT_TYPES = ("user",)


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('status', EVENT_STATUS, server_default='published', nullable=False)
        )

    op.create_table(
        'event_role',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('role', ROLE, nullable=False),
        sa.CheckConstraint("role IN ('organizer', 'checkin')", name=op.f('ck_event_role_per_event_role')),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_role_event_id_event'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_event_role_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'event_id', name=op.f('pk_event_role')),
    )
    with op.batch_alter_table('event_role', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_role_event_id'), ['event_id'], unique=False)
    op.execute(
        "INSERT INTO event_role (user_id, event_id, role) "
        "SELECT user_account.id, event.id, user_account.role FROM user_account, event "
        "WHERE user_account.role IN ('organizer', 'checkin')"
    )

    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_mail_message_event_id'), ['event_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_mail_message_event_id_event'), 'event', ['event_id'], ['id'],
            ondelete='CASCADE',
        )
    op.execute(
        "UPDATE mail_message SET event_id = (SELECT registration.event_id FROM registration "
        "WHERE registration.id = mail_message.registration_id)"
    )
    op.execute(
        "UPDATE mail_message SET event_id = (SELECT min(id) FROM event) WHERE event_id IS NULL"
    )

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_entry_event_id'), ['event_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_audit_entry_event_id_event'), 'event', ['event_id'], ['id'],
            ondelete='CASCADE',
        )
    op.execute(
        "UPDATE audit_entry SET event_id = (SELECT registration.event_id FROM registration "
        "WHERE audit_entry.object_type = 'registration' "
        "AND CAST(registration.id AS VARCHAR(40)) = audit_entry.object_id)"
    )
    site_types = ", ".join(f"'{object_type}'" for object_type in SITE_OBJECT_TYPES)
    op.execute(
        "UPDATE audit_entry SET event_id = (SELECT min(id) FROM event) "
        f"WHERE event_id IS NULL AND object_type NOT IN ({site_types})"
    )

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_constraint('uq_registration_checkin_code', type_='unique')
        batch_op.create_index(batch_op.f('ix_registration_checkin_code'), ['checkin_code'], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f('uq_registration_event_id_checkin_code'), ['event_id', 'checkin_code']
        )


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_registration_event_id_checkin_code'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_registration_checkin_code'))
        batch_op.create_unique_constraint('uq_registration_checkin_code', ['checkin_code'])

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_entry_event_id_event'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_entry_event_id'))
        batch_op.drop_column('event_id')

    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mail_message_event_id_event'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_mail_message_event_id'))
        batch_op.drop_column('event_id')

    with op.batch_alter_table('event_role', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_role_event_id'))
    op.drop_table('event_role')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_event_eventstatus'), type_='check')
        batch_op.drop_column('status')
