"""A private link goes only to the address's owner: a cancelled registration comes back
only through its mail, with a new link, and mailing links again is limited per address."""

from __future__ import annotations

import re

from sqlalchemy import select

from summit.extensions import db
from summit.models import MailMessage, Registration, RegistrationStatus
from summit.registration.service import LINK_MAILS_PER_HOUR

from .helpers.pages import DEMO, csrf_token, page_text
from .helpers.registrations import form_fields, outbox_mails, post_registration

VICTIM = "liu.yunjie@pml.example.cn"
PRIVATE_LINK = re.compile(r"/r/([\w-]{20,})")
AGAIN_LINK = re.compile(rf"http://localhost({DEMO}/register/again/[\w.-]+)")


def newest_mail_body(app) -> str:
    return outbox_mails(app)[-1].get_body(("plain",)).get_content()


def test_a_cancelled_attendees_link_never_reaches_whoever_types_their_address(
    app, client, demo_event
):
    # The victim registers and cancels.
    registered = post_registration(client)
    old_token = PRIVATE_LINK.search(registered.headers["Location"]).group(1)
    cancel = client.post(f"/r/{old_token}/cancel", data={
        "csrf_token": csrf_token(client, f"/r/{old_token}/cancel"), "confirm": "y"})
    cancel.close()
    assert cancel.status_code == 302

    # Someone else posts the address: told to check the mail, shown no link.
    attacker = app.test_client()
    attacker.get(f"{DEMO}/register?lang=en")
    typed = post_registration(attacker, email=VICTIM.upper(), full_name="冒名者",
                              organisation="别处")
    assert typed.status_code == 200 and "Location" not in typed.headers
    assert "We have sent a mail to it" in page_text(typed)
    assert not PRIVATE_LINK.search(typed.get_data(as_text=True))
    assert attacker.get(f"/r/{old_token}").status_code == 200  # nothing re-activated yet
    with app.app_context():
        (registration,) = db.session.scalars(select(Registration)).all()
        assert registration.status == RegistrationStatus.CANCELLED
        assert registration.full_name == "刘韵洁"
    # The mail goes to the victim: a link to register again, not the private link.
    mail = outbox_mails(app)[-1]
    assert mail["To"].addresses[0].addr_spec == VICTIM
    body = newest_mail_body(app)
    again = AGAIN_LINK.search(body).group(1)
    assert not PRIVATE_LINK.search(body)
    assert attacker.get(again[:-3] + "xyz").status_code == 404  # a forged key

    # The victim registers again with the mail's link: their details, a new link.
    form = client.get(again + "?lang=en")
    assert form.status_code == 200 and "刘韵洁" in form.get_data(as_text=True)
    assert "Welcome back" in page_text(form)
    fields = {**form_fields(organisation="东南大学", email="attacker@evil.example"),
              "csrf_token": csrf_token(client, again)}
    back = client.post(again, data=fields)
    back.close()
    assert back.status_code == 302
    new_token = PRIVATE_LINK.search(back.headers["Location"]).group(1)
    assert new_token != old_token

    # The old link shows nothing; the new one shows the registration; the key is spent.
    assert client.get(f"/r/{old_token}").status_code == 404
    page = client.get(f"/r/{new_token}?lang=en")
    assert page.status_code == 200 and "东南大学" in page_text(page)
    assert VICTIM in page_text(page)  # the address stays the owner's
    assert client.get(again).status_code == 404
    assert f"/r/{new_token}" in newest_mail_body(app)  # the confirmation
    with app.app_context():
        # The attacker never received anything.
        recipients = set(db.session.scalars(select(MailMessage.recipient)))
        assert recipients == {VICTIM}


def test_mailing_links_again_is_limited_per_address(app, client, demo_event):
    registered = post_registration(client)
    token = PRIVATE_LINK.search(registered.headers["Location"]).group(1)
    others = app.test_client()
    others.get(f"{DEMO}/register?lang=en")
    for _ in range(LINK_MAILS_PER_HOUR):
        assert post_registration(others).status_code == 200
    refused = post_registration(others)
    assert refused.status_code == 429
    assert "several times in the last hour" in page_text(refused)
    client.get(f"{DEMO}/register?lang=en")
    resend = client.post(f"/r/{token}/resend", data={
        "csrf_token": csrf_token(client, f"/r/{token}")}, follow_redirects=True)
    assert "several times in the last hour" in page_text(resend)
    with app.app_context():
        kinds = db.session.scalars(select(MailMessage.kind)).all()
        assert kinds.count("link") == LINK_MAILS_PER_HOUR
    # Another address is not held back by this one's count.
    assert post_registration(others, email="someone.else@example.org").status_code == 302
