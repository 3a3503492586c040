"""withdrawn mails and stopped mailings: a mail that is never to be sent (its registration
was cancelled, its mailing stopped) and a mailing an organizer stopped while it was sending

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-07 06:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020'
# Chained on 0016 to be tried on its own; the lead chains it on the head when merging.
down_revision = '0018'
branch_labels = None
depends_on = None

MAIL_STATUSES_BEFORE = "status IN ('pending', 'sending', 'sent', 'failed')"
MAIL_STATUSES_AFTER = "status IN ('pending', 'sending', 'sent', 'failed', 'withdrawn')"
MAILING_STATES_BEFORE = "state IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled')"
MAILING_STATES_AFTER = (
    "state IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled', 'stopped')")
# The tables whose status is a MailStatus (the webhooks' deliveries share the outbox's).
MAIL_STATUS_TABLES = ('mail_message', 'webhook_delivery')


def _check(table: str, name: str, condition: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
        batch_op.create_check_constraint(name, condition)


def upgrade():
    for table in MAIL_STATUS_TABLES:
        _check(table, 'mailstatus', MAIL_STATUSES_AFTER)
    _check('mailing', 'mailingstate', MAILING_STATES_AFTER)


def downgrade():
    # A withdrawn mail was never sent and never will be: without the state, it goes.
    op.execute("DELETE FROM mail_message WHERE status = 'withdrawn'")
    op.execute("UPDATE mailing SET state = 'sent' WHERE state = 'stopped'")
    _check('mailing', 'mailingstate', MAILING_STATES_BEFORE)
    for table in MAIL_STATUS_TABLES:
        _check(table, 'mailstatus', MAIL_STATUSES_BEFORE)
