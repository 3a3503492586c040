"""Login throttling, kept in the database so that it holds across workers and machines.

After ``MAX_FAILURES`` failed sign-ins for one account, or from one address,
within ``WINDOW``, further attempts are refused without looking at the
password, until the oldest of those failures is ``WINDOW`` old. Refused
attempts are not counted, so the lock lifts by itself; a successful sign-in
clears an account's count (not an address's: one account of one's own must not
buy more guesses at the others).

Each attempt is written as a failure *before* it is judged, so that parallel
requests see each other: a burst of guesses cannot slip between "count" and
"record".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..models import LoginAttempt

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
# Attempts older than this are deleted as new ones arrive.
KEEP = timedelta(days=1)


def open_attempt(session: Session, email: str, address: str, now: datetime) -> LoginAttempt:
    """Record an attempt as failed until proven otherwise, and commit it."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - KEEP))
    attempt = LoginAttempt(email=email, address=address[:64], succeeded=False, at=now)
    session.add(attempt)
    session.commit()
    return attempt


def _last_success(session: Session, email: str, attempt: LoginAttempt):
    return session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.email == email,
            LoginAttempt.succeeded.is_(True),
            LoginAttempt.id < attempt.id,
        )
    )


def _retry_at(session: Session, *conditions) -> datetime | None:
    """When the failures matching ``conditions`` stop blocking; None when they do not."""
    failures = session.scalars(
        select(LoginAttempt.at)
        .where(LoginAttempt.succeeded.is_(False), *conditions)
        .order_by(LoginAttempt.at.desc())
        .limit(MAX_FAILURES)
    ).all()
    if len(failures) < MAX_FAILURES:
        return None
    return failures[-1] + WINDOW


def refused_until(session: Session, attempt: LoginAttempt) -> datetime | None:
    """The time from which ``attempt``'s account and address may try again, when
    the failures before it refuse it now; None when it may go ahead."""
    since = attempt.at - WINDOW
    earlier = (LoginAttempt.id < attempt.id, LoginAttempt.at > since)
    last_success = _last_success(session, attempt.email, attempt)
    account_since = max(since, last_success) if last_success is not None else since
    by_account = _retry_at(
        session, *earlier, LoginAttempt.email == attempt.email, LoginAttempt.at > account_since
    )
    by_address = _retry_at(session, *earlier, LoginAttempt.address == attempt.address)
    blocking = [moment for moment in (by_account, by_address) if moment is not None]
    return max(blocking) if blocking else None


def withdraw(session: Session, attempt: LoginAttempt) -> None:
    """A refused attempt does not count against anyone. Commits."""
    session.delete(attempt)
    session.commit()

