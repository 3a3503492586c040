"""Organizers' accounts: signing in and out, throttling, remember-me, cookies, the
create-admin command and account management by administrators."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from summit.auth import roles, service
from summit.demo.seed import SLUG
from summit.extensions import db
from summit.models import AuditEntry, Event, EventRole, LoginAttempt, Role, User, utcnow

from .helpers.accounts import (
    PASSWORDS,
    email_of,
    sign_in_as,
)
from .helpers.accounts import sign_in_with_the_form as sign_in
from .helpers.admin_pages import ADMIN
from .helpers.concurrency import in_step
from .helpers.pages import csrf_token, page_text, post_form


def set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


# --- signing in and out ---------------------------------------------------------------


def test_an_admin_page_sends_a_visitor_to_the_login_page_and_back(app, client, demo_event,
                                                                  accounts):
    response = client.get(f"{ADMIN}/forums?lang=en")
    assert response.status_code == 302
    assert response.location.startswith("/admin/login?next=")
    login_page = client.get(response.location)
    assert "Please sign in to open this page." in page_text(login_page)

    response = sign_in(client, email_of(Role.ORGANIZER), PASSWORDS[Role.ORGANIZER],
                       next_url=f"{ADMIN}/forums")
    assert response.status_code == 302 and response.location == f"{ADMIN}/forums"
    assert client.get(f"{ADMIN}/forums").status_code == 200


def test_signing_in_without_a_next_page_lands_on_the_admin(app, client, accounts):
    response = sign_in_as(client, Role.ORGANIZER)
    assert response.location == "/admin/"
    landing = client.get("/admin/")
    assert landing.status_code == 302
    assert landing.location in (f"{ADMIN}/dashboard", f"{ADMIN}/sessions")


@pytest.mark.parametrize("target", [
    "//evil.example/admin", "https://evil.example/", "/\\evil.example", "http:/evil.example",
    "javascript:alert(1)", "/admin/%0d%0aLocation:%20https://evil.example", "admin/forums",
])
def test_after_signing_in_nobody_is_sent_to_another_site(app, client, accounts, target):
    response = sign_in(client, email_of(Role.ADMIN), PASSWORDS[Role.ADMIN], next_url=target)
    assert response.status_code == 302
    assert response.location == "/admin/"


def test_a_wrong_password_or_unknown_email_says_so_and_signs_nobody_in(app, client, accounts):
    for email, password in ((email_of(Role.ADMIN), "not-the-password"),
                            ("nobody@example.org", "whatever-password")):
        response = sign_in(client, email, password)
        assert response.status_code == 422
        assert "The email address or the password is not right" in page_text(response)
        assert client.get(f"{ADMIN}/sessions").status_code == 302


def test_email_is_matched_whatever_its_case(app, client, accounts):
    response = sign_in(client, "  ORGANIZER@Example.ORG ", PASSWORDS[Role.ORGANIZER])
    assert response.status_code == 302


def test_logout_is_a_post_that_clears_the_session(app, client, accounts):
    sign_in_as(client, Role.ORGANIZER)
    with client.session_transaction() as session:
        session["left_over"] = "from before"
    assert client.get("/admin/logout").status_code == 405

    token = csrf_token(client, f"{ADMIN}/audit")
    response = client.post("/admin/logout?lang=en", data={"csrf_token": token})
    assert response.status_code == 302 and response.location == "/admin/login"
    with client.session_transaction() as session:
        assert "left_over" not in session and "_user_id" not in session
    assert "You have signed out." in page_text(client.get("/admin/login?lang=en"))
    assert client.get(f"{ADMIN}/sessions").status_code == 302


def test_remember_me_is_off_unless_ticked(app, client, accounts):
    page = client.get("/admin/login").get_data(as_text=True)
    checkbox = re.search(r'<input[^>]*name="remember"[^>]*>', page).group(0)
    assert "checked" not in checkbox

    plain = sign_in_as(client, Role.ORGANIZER)
    assert "remember_token" not in set_cookies(plain)

    other = app.test_client()
    remembered = sign_in(other, email_of(Role.ORGANIZER), PASSWORDS[Role.ORGANIZER],
                         remember=True)
    cookie = set_cookies(remembered)["remember_token"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # Logging out deletes the remember-me cookie as well.
    token = csrf_token(other, f"{ADMIN}/audit")
    logout = other.post("/admin/logout", data={"csrf_token": token})
    assert set_cookies(logout)["remember_token"].startswith("remember_token=;")


def test_the_session_cookie_is_httponly_and_samesite_lax(app, client, accounts):
    cookie = set_cookies(sign_in_as(client, Role.ORGANIZER))["session"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_marks_the_login_cookies_secure(monkeypatch):
    from summit.config import from_environment

    monkeypatch.setenv("SUMMIT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    settings = from_environment()
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]


def test_a_deactivated_account_is_signed_out_and_cannot_sign_in(app, client, accounts):
    sign_in_as(client, Role.ORGANIZER)
    with app.app_context():
        db.session.execute(update(User).where(User.id == accounts[Role.ORGANIZER])
                           .values(active=False))
        db.session.commit()
    assert client.get(f"{ADMIN}/sessions").status_code == 302
    response = sign_in(client, email_of(Role.ORGANIZER), PASSWORDS[Role.ORGANIZER])
    assert response.status_code == 422


def test_a_new_password_signs_out_the_sessions_opened_with_the_old_one(
    app, client, demo_event, accounts
):
    sign_in_as(client, Role.ORGANIZER)
    other_device = app.test_client()
    sign_in_as(other_device, Role.ORGANIZER)
    assert other_device.get(f"{ADMIN}/sessions").status_code == 200
    with app.app_context():
        organizer = db.session.get(User, accounts[Role.ORGANIZER])
        admin = db.session.get(User, accounts[Role.ADMIN])
        service.set_password(db.session, admin, organizer, "a-brand-new-password")
        db.session.commit()
    for device in (client, other_device):
        assert device.get(f"{ADMIN}/sessions").status_code == 302
    sign_in(client, email_of(Role.ORGANIZER), "a-brand-new-password")
    assert client.get(f"{ADMIN}/sessions").status_code == 200


# --- ending sessions: a copied cookie opens nothing once its session is ended -------------


def signed_in_cookies(app, role: Role) -> tuple:
    """Sign in on a device of one's own with "keep me signed in" ticked; returns that
    device and copies of its session and remember-me cookies."""
    device = app.test_client()
    response = sign_in(device, email_of(role), PASSWORDS[role], remember=True)
    assert response.status_code == 302, page_text(response)
    copies = {name: device.get_cookie(name).value for name in ("session", "remember_token")}
    return device, copies


def replay(app, name: str, value: str):
    """Open an admin page from a browser that holds nothing but this copied cookie."""
    browser = app.test_client()
    browser.set_cookie(name, value)
    return browser.get(f"{ADMIN}/audit")


def assert_copies_open_nothing(app, copies: dict[str, str]) -> None:
    for name, value in copies.items():
        response = replay(app, name, value)
        assert response.status_code == 302, name
        assert response.location.startswith("/admin/login"), name


def test_copied_cookies_work_until_signing_out_and_never_after(app, accounts):
    device, copies = signed_in_cookies(app, Role.ORGANIZER)
    for name, value in copies.items():
        assert replay(app, name, value).status_code == 200, name
    other_device, _ = signed_in_cookies(app, Role.ORGANIZER)

    token = csrf_token(device, f"{ADMIN}/audit")
    assert device.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert_copies_open_nothing(app, copies)
    # Signing out ends the account's sessions on every device.
    assert other_device.get(f"{ADMIN}/audit").status_code == 302
    # Signing in again opens a new session that works.
    assert sign_in(device, email_of(Role.ORGANIZER), PASSWORDS[Role.ORGANIZER]).status_code == 302
    assert device.get(f"{ADMIN}/audit").status_code == 200


def test_a_session_from_before_a_deactivation_stays_ended_after_reactivation(
    app, client, accounts
):
    _device, copies = signed_in_cookies(app, Role.ORGANIZER)
    sign_in_as(client, Role.ADMIN)
    organizer = accounts[Role.ORGANIZER]
    for active in ("0", "1"):
        response = post_form(client, f"/admin/accounts/{organizer}/active",
                             page="/admin/accounts", active=active, confirm="y")
        assert response.status_code == 302
    assert_copies_open_nothing(app, copies)
    assert sign_in(app.test_client(), email_of(Role.ORGANIZER),
                   PASSWORDS[Role.ORGANIZER]).status_code == 302


def test_a_new_password_ends_the_sessions_and_remember_me_cookies_from_before(
    app, client, accounts
):
    _device, copies = signed_in_cookies(app, Role.ORGANIZER)
    sign_in_as(client, Role.ADMIN)
    organizer = accounts[Role.ORGANIZER]
    response = post_form(client, f"/admin/accounts/{organizer}/password",
                         page=f"/admin/accounts/{organizer}/edit",
                         password="brand-new-password", confirm="brand-new-password")
    assert response.status_code == 302
    assert_copies_open_nothing(app, copies)


def test_an_admin_who_sets_their_own_password_stays_signed_in_only_here(app, client, accounts):
    sign_in_as(client, Role.ADMIN)
    _device, copies = signed_in_cookies(app, Role.ADMIN)
    own = accounts[Role.ADMIN]
    response = post_form(client, f"/admin/accounts/{own}/password",
                         page=f"/admin/accounts/{own}/edit",
                         password="brand-new-password", confirm="brand-new-password")
    assert response.status_code == 302
    assert client.get("/admin/accounts").status_code == 200
    assert_copies_open_nothing(app, copies)


def test_create_admin_update_ends_the_sessions_of_the_account(app, accounts, monkeypatch):
    _device, copies = signed_in_cookies(app, Role.ORGANIZER)
    monkeypatch.setenv("SUMMIT_ADMIN_PASSWORD", "reset-from-the-shell")
    result = app.test_cli_runner().invoke(
        args=["summit", "create-admin", email_of(Role.ORGANIZER), "--update", "--role",
              "organizer"])
    assert result.exit_code == 0, result.output
    assert_copies_open_nothing(app, copies)


def test_passwords_are_hashed_with_scrypt_and_never_logged(app, client, accounts, caplog):
    with app.app_context():
        user = service.create_user(db.session, "new@example.org", "a-new-password", Role.ADMIN)
        assert user.password_hash.startswith("scrypt:32768:8:1$")
        assert "a-new-password" not in user.password_hash
        assert service.password_matches(user, "a-new-password")
        assert not service.password_matches(user, "a-new-passwor")
    caplog.set_level(logging.DEBUG)
    sign_in(client, email_of(Role.ADMIN), "a-wrong-secret-123")
    sign_in_as(client, Role.ADMIN)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert PASSWORDS[Role.ADMIN] not in logged and "a-wrong-secret-123" not in logged


# --- throttling -------------------------------------------------------------------------


def fail(client, email: str, times: int) -> None:
    for _ in range(times):
        assert sign_in(client, email, "wrong-password-000").status_code == 422


def test_five_failures_for_an_account_pause_signing_in_whatever_the_password(
    app, client, accounts
):
    email = email_of(Role.ADMIN)
    fail(client, email, 5)
    right = post_form(client, "/admin/login?lang=en", "/admin/login", email=email,
                      password=PASSWORDS[Role.ADMIN])
    wrong = post_form(client, "/admin/login?lang=en", "/admin/login", email=email,
                      password="wrong-password-000")
    # The refusal is the same for the right and a wrong password: it is no oracle.
    assert right.status_code == wrong.status_code == 429
    assert page_text(right) == page_text(wrong)
    assert "Too many failed sign-in attempts" in page_text(right)
    assert "try again in 15 minutes" in page_text(right)
    assert int(right.headers["Retry-After"]) == 15 * 60
    assert client.get(f"{ADMIN}/sessions").status_code == 302

    # From another address too: the account is what is paused.
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    assert sign_in(elsewhere, email, PASSWORDS[Role.ADMIN]).status_code == 429
    # Other accounts are not affected from another address.
    assert sign_in(elsewhere, email_of(Role.ORGANIZER),
                   PASSWORDS[Role.ORGANIZER]).status_code == 302

    # Fifteen minutes after the failures, the account may sign in again.
    with app.app_context():
        for attempt in db.session.scalars(select(LoginAttempt)):
            attempt.at -= timedelta(minutes=16)
        db.session.commit()
    assert sign_in(client, email, PASSWORDS[Role.ADMIN]).status_code == 302


def test_five_failures_from_an_address_pause_it_for_every_account(app, client, accounts):
    for index in range(5):
        fail(client, f"guess{index}@example.org", 1)
    assert sign_in(client, email_of(Role.ORGANIZER), PASSWORDS[Role.ORGANIZER]).status_code == 429
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert sign_in(other, email_of(Role.ORGANIZER), PASSWORDS[Role.ORGANIZER]).status_code == 302


def test_four_failures_do_not_pause_and_a_success_clears_the_account(app, app_context, accounts):
    email, address, now = email_of(Role.ADMIN), "203.0.113.9", utcnow()
    for minute in range(4):
        assert service.authenticate(db.session, email, "wrong-password-000", address,
                                    now + timedelta(minutes=minute)) is None
    user = service.authenticate(db.session, email, PASSWORDS[Role.ADMIN], "203.0.113.10",
                                now + timedelta(minutes=5))
    assert user is not None and user.last_login_at is not None
    # Four more failures after the success: still not paused.
    for minute in range(4):
        service.authenticate(db.session, email, "wrong-password-000", "203.0.113.11",
                             now + timedelta(minutes=6 + minute))
    assert service.authenticate(db.session, email, PASSWORDS[Role.ADMIN], "203.0.113.12",
                                now + timedelta(minutes=11)) is not None


def test_refused_attempts_do_not_extend_the_pause(app, app_context, accounts):
    email, now = email_of(Role.ADMIN), utcnow()
    for second in range(5):
        service.authenticate(db.session, email, "wrong-password-000", "203.0.113.9",
                             now + timedelta(seconds=second))
    for minute in (1, 5, 14):
        with pytest.raises(service.SignInRefused):
            service.authenticate(db.session, email, PASSWORDS[Role.ADMIN], "203.0.113.9",
                                 now + timedelta(minutes=minute))
    later = now + timedelta(minutes=15, seconds=1)
    assert service.authenticate(db.session, email, PASSWORDS[Role.ADMIN], "203.0.113.9",
                                later) is not None


# --- flask summit create-admin ------------------------------------------------------------


def test_create_admin_reads_the_password_from_the_environment(app, monkeypatch):
    monkeypatch.setenv("SUMMIT_ADMIN_PASSWORD", "from-the-environment")
    result = app.test_cli_runner().invoke(args=["summit", "create-admin", "Ops@Example.org"])
    assert result.exit_code == 0, result.output
    assert "from-the-environment" not in result.output
    with app.app_context():
        user = service.find_user(db.session, "ops@example.org")
        assert user.role == Role.ADMIN and user.active
        assert service.password_matches(user, "from-the-environment")
    client = app.test_client()
    assert sign_in(client, "ops@example.org", "from-the-environment").status_code == 302
    assert client.get("/admin/accounts").status_code == 200


def test_create_admin_prompts_for_the_password_and_takes_a_role(app, demo_event, monkeypatch):
    monkeypatch.delenv("SUMMIT_ADMIN_PASSWORD", raising=False)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["summit", "create-admin", "desk2@example.org", "--role",
                                 "checkin", "--event", "embedded-china-2020"],
                           input="typed-password\ntyped-password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = service.find_user(db.session, "desk2@example.org")
        assert user.role == Role.CHECKIN
        assert service.password_matches(user, "typed-password")

    again = runner.invoke(args=["summit", "create-admin", "desk2@example.org"],
                          input="other-password\nother-password\n")
    assert again.exit_code != 0 and "exists already" in again.output
    short = runner.invoke(args=["summit", "create-admin", "short@example.org"],
                          input="short\nshort\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    updated = runner.invoke(args=["summit", "create-admin", "desk2@example.org", "--update"],
                            input="other-password\nother-password\n")
    assert updated.exit_code == 0, updated.output
    with app.app_context():
        user = service.find_user(db.session, "desk2@example.org")
        assert user.role == Role.ADMIN and service.password_matches(user, "other-password")
        assert service.find_user(db.session, "short@example.org") is None


# --- account management --------------------------------------------------------------------


def test_an_admin_creates_an_account_that_can_sign_in(app, client, accounts):
    sign_in_as(client, Role.ADMIN)
    response = post_form(client, "/admin/accounts/new", email="Volunteer@Example.org",
                         name="张志愿", password="volunteer-pass", confirm="volunteer-pass")
    with app.app_context():
        volunteer_id = service.find_user(db.session, "volunteer@example.org").id
    # On to the page where it gets its roles at events.
    assert (response.status_code, response.location) == (
        302, f"/admin/accounts/{volunteer_id}/edit")
    duplicate = post_form(client, "/admin/accounts/new?lang=en", email="volunteer@example.org",
                          password="volunteer-pass", confirm="volunteer-pass")
    assert duplicate.status_code == 422
    assert "An account with this email exists already." in page_text(duplicate)
    mismatch = post_form(client, "/admin/accounts/new?lang=en", email="x@example.org",
                         password="volunteer-pass", confirm="other-pass!")
    assert mismatch.status_code == 422 and "The two passwords differ." in page_text(mismatch)

    volunteer = app.test_client()
    assert sign_in(volunteer, "volunteer@example.org", "volunteer-pass").status_code == 302
    # No role at any event yet: nothing to open.
    assert volunteer.get(f"{ADMIN}/sessions").status_code == 403
    assert volunteer.get(f"{ADMIN}/checkin").status_code == 403
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "user")
                                   ).one()
        assert entry.action == "create" and entry.actor == email_of(Role.ADMIN)
        assert entry.event_id is None  # the site's own log
        assert entry.after == {"email": "volunteer@example.org", "name": "张志愿",
                               "role": "organizer", "active": True}


def test_an_admin_gives_and_takes_away_roles_at_events(app, client, accounts):
    sign_in_as(client, Role.ADMIN)
    with app.app_context():
        volunteer = service.create_user(db.session, "volunteer@example.org", "volunteer-pass")
        db.session.commit()
        volunteer_id = volunteer.id
        event_id = db.session.scalars(select(Event.id)).one()
    edit = f"/admin/accounts/{volunteer_id}/edit"
    roles = f"/admin/accounts/{volunteer_id}/roles"
    person = app.test_client()
    sign_in(person, "volunteer@example.org", "volunteer-pass")

    unchosen = post_form(client, f"{roles}?lang=en", page=edit, event="", role="checkin")
    assert unchosen.status_code == 422 and "Choose an event." in page_text(unchosen)
    assert post_form(client, roles, page=edit, event=str(event_id), role="checkin"
                     ).status_code == 302
    assert "Check-in staff" in page_text(client.get("/admin/accounts?lang=en"))
    assert person.get(f"{ADMIN}/checkin").status_code == 200
    assert person.get(f"{ADMIN}/registrations").status_code == 403

    # A role given replaces the one held there.
    assert post_form(client, roles, page=edit, event=str(event_id), role="organizer"
                     ).status_code == 302
    assert person.get(f"{ADMIN}/registrations").status_code == 200

    removed = post_form(client, f"{roles}/{event_id}/remove", page=edit)
    assert removed.status_code == 302
    assert person.get(f"{ADMIN}/registrations").status_code == 403
    assert person.get(f"{ADMIN}/checkin").status_code == 403
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.action, e.before, e.after, e.event_id) for e in entries] == [
            ("grant_role", None, {"event": SLUG, "role": "checkin"}, None),
            ("grant_role", {"event": SLUG, "role": "checkin"},
             {"event": SLUG, "role": "organizer"}, None),
            ("remove_role", {"event": SLUG, "role": "organizer"}, None, None),
        ]
    site_log = page_text(client.get("/admin/audit?lang=en"))
    assert "Role at an event given" in site_log and "Role at an event taken away" in site_log


def test_an_admin_makes_an_account_administrator_resets_a_password_and_deactivates(
    app, client, accounts
):
    sign_in_as(client, Role.ADMIN)
    organizer_id = accounts[Role.ORGANIZER]
    edit = f"/admin/accounts/{organizer_id}/edit"
    assert post_form(client, edit, name="Org", administrator="y").status_code == 302
    response = post_form(client, f"/admin/accounts/{organizer_id}/password", page=edit,
                         password="brand-new-password", confirm="brand-new-password")
    assert response.status_code == 302
    assert post_form(client, f"/admin/accounts/{organizer_id}/active", page="/admin/accounts",
                     active="0", confirm="y").status_code == 302

    with app.app_context():
        user = db.session.get(User, organizer_id)
        assert (user.role, user.name, user.active) == (Role.ADMIN, "Org", False)
        assert service.password_matches(user, "brand-new-password")
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.action, e.before, e.after) for e in entries] == [
            ("update", {"name": "", "role": "organizer"}, {"name": "Org", "role": "admin"}),
            ("reset_password", None, None),
            ("deactivate", {"active": True}, {"active": False}),
        ]
        assert all("brand-new-password" not in repr(e.__dict__) for e in entries)
    assert sign_in(app.test_client(), email_of(Role.ORGANIZER),
                   "brand-new-password").status_code == 422

    assert post_form(client, f"/admin/accounts/{organizer_id}/active", page="/admin/accounts",
                     active="1").status_code == 302
    administrator = app.test_client()
    assert sign_in(administrator, email_of(Role.ORGANIZER),
                   "brand-new-password").status_code == 302
    assert administrator.get("/admin/accounts").status_code == 200
    # And back: an account that is no administrator keeps only its roles at events.
    assert post_form(client, edit, name="Org").status_code == 302
    assert administrator.get("/admin/accounts").status_code == 403
    assert administrator.get(f"{ADMIN}/registrations").status_code == 200


def test_an_admin_cannot_lock_themselves_out(app, client, accounts):
    sign_in_as(client, Role.ADMIN)
    own = accounts[Role.ADMIN]
    demoted = post_form(client, f"/admin/accounts/{own}/edit?lang=en", name="Me")
    assert demoted.status_code == 422
    assert "You cannot change your own role." in page_text(demoted)
    response = post_form(client, f"/admin/accounts/{own}/active", page="/admin/accounts",
                         active="0", confirm="y")
    assert response.status_code == 302
    assert "You cannot deactivate your own account." in page_text(
        client.get("/admin/accounts?lang=en"))
    with app.app_context():
        user = db.session.get(User, own)
        assert user.active and user.role == Role.ADMIN


# --- two administrators changing one account's roles at once ---------------------------


def role_change(admin_id: int, user_id: int, event_id: int, role: Role | None):
    """For in_step: an administrator grants ``role`` (or, for None, takes the role away)."""
    def act(session):
        actor, user = session.get(User, admin_id), session.get(User, user_id)
        event = session.get(Event, event_id)
        if role is None:
            roles.remove_event_role(session, actor, user, event)
        else:
            roles.grant_event_role(session, actor, user, event, role)
        return "done"
    return act


def role_entries(user_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "user",
                                 AuditEntry.object_id == str(user_id),
                                 AuditEntry.action.in_(["grant_role", "remove_role"]))
        .order_by(AuditEntry.id)))


@pytest.fixture
def newcomer(app, accounts, demo_event) -> int:
    with app.app_context():
        user = service.create_user(db.session, "newcomer@example.org", "a-long-password",
                                   Role.ORGANIZER)
        db.session.commit()
        return user.id


def test_two_administrators_granting_one_role_at_once_both_succeed_with_one_entry(
    app, accounts, demo_event, newcomer
):
    admin = accounts[Role.ADMIN]
    results = in_step(app, [role_change(admin, newcomer, demo_event, Role.ORGANIZER)] * 2,
                      after_reading="event_role")
    assert results == ["done", "done"]  # neither ran into the other's row (a 500)
    with app.app_context():
        assert db.session.scalars(select(EventRole.role).where(
            EventRole.user_id == newcomer)).all() == [Role.ORGANIZER]
        assert [(entry.before, entry.after) for entry in role_entries(newcomer)] == [
            (None, {"event": SLUG, "role": "organizer"})]


def test_two_different_grants_at_once_the_last_wins_and_each_change_is_logged(
    app, accounts, demo_event, newcomer
):
    admin = accounts[Role.ADMIN]
    results = in_step(app, [role_change(admin, newcomer, demo_event, Role.ORGANIZER),
                            role_change(admin, newcomer, demo_event, Role.CHECKIN)],
                      after_reading="event_role")
    assert results == ["done", "done"]
    with app.app_context():
        (held,) = db.session.scalars(select(EventRole).where(EventRole.user_id == newcomer))
        first, last = role_entries(newcomer)
        assert first.before is None
        assert last.before == first.after and last.after != first.after
        assert last.after == {"event": SLUG, "role": held.role.value}


def test_two_administrators_taking_a_role_away_at_once_log_it_once(
    app, accounts, demo_event, newcomer
):
    admin = accounts[Role.ADMIN]
    with app.app_context():
        roles.grant_event_role(db.session, None, db.session.get(User, newcomer),
                               db.session.get(Event, demo_event), Role.CHECKIN)
    results = in_step(app, [role_change(admin, newcomer, demo_event, None)] * 2,
                      after_reading="event_role")
    assert results == ["done", "done"]
    with app.app_context():
        assert db.session.scalars(select(EventRole).where(
            EventRole.user_id == newcomer)).all() == []
        assert [entry.action for entry in role_entries(newcomer)] == [
            "grant_role", "remove_role"]
