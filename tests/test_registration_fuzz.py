"""Random and hostile form data never breaks /register: no 5xx, a clear error for bad
input, and no row unless what was sent is valid."""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from summit.extensions import db
from summit.models import Registration

from .helpers.pages import DEMO, csrf_token

HOSTILE = [
    "",
    " ",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1; DROP TABLE registration; --",
    "Robert'); DROP TABLE seat;--",
    "\x00\x01\x1b[31m",
    "line\nbreak\r\n",
    "\u202eevil\u202c",
    "😀🎉🚀" * 20,
    "何" * 150,
    "a" * 5000,
    "=HYPERLINK(\"http://x\")",
    "%00%0d%0a",
    "{{ 7*7 }}",
]
text = st.one_of(st.text(max_size=120), st.sampled_from(HOSTILE))
emails = st.one_of(st.emails(), text, st.sampled_from(["a@b", "@x.cn", "x@localhost",
                                                       "名字@例子.中国", "UPPER@Example.COM"]))


def _valid_stored(registration: Registration) -> bool:
    def printable(value: str) -> bool:
        return not any(unicodedata.category(c).startswith("C") for c in value)

    try:
        validate_email(registration.email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return (
        0 < len(registration.full_name) <= 100
        and printable(registration.full_name)
        and 0 < len(registration.organisation) <= 200
        and printable(registration.organisation)
        and registration.email == registration.email.strip().lower()
        and registration.category.value in {"delegate", "student", "press"}
    )


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    full_name=text, latin_name=text, email=emails, phone=text, organisation=text,
    job_title=text,
    category=st.sampled_from(["delegate", "student", "press", "vip", "staff", "", "x" * 50]),
    consent=st.sampled_from(["y", "", "on", None]),
    forums=st.lists(st.one_of(st.sampled_from(["2", "3", "4", "5"]), text), max_size=4),
    website=st.sampled_from(["", "", "", "http://spam.example"]),
    csrf=st.sampled_from(["valid", "valid", "valid", "missing", "wrong"]),
)
def test_hostile_registrations(app, client, demo_event, full_name, latin_name, email, phone,
                               organisation, job_title, category, consent, forums, website,
                               csrf):
    token = csrf_token(client, f"{DEMO}/register")
    data = {"full_name": full_name, "latin_name": latin_name, "email": email, "phone": phone,
            "organisation": organisation, "job_title": job_title, "category": category,
            "forums": forums, "website": website}
    if consent is not None:
        data["consent"] = consent
    if csrf == "valid":
        data["csrf_token"] = token
    elif csrf == "wrong":
        data["csrf_token"] = token[:-4] + "AAAA"

    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Registration))
    response = client.post(f"{DEMO}/register?lang=en", data=data)
    response.close()
    with app.app_context():
        after = db.session.scalar(select(func.count()).select_from(Registration))
        newest = db.session.scalars(select(Registration).order_by(Registration.id.desc())).first()

    assert response.status_code < 500
    html = response.get_data(as_text=True)
    if csrf != "valid":
        assert response.status_code == 400
        assert after == before
    elif response.status_code == 302:
        assert after == before + 1
        assert _valid_stored(newest)
        assert website == ""
    elif response.status_code == 200:
        assert "already registered" in html
        assert after == before
    else:
        assert response.status_code == 422
        assert after == before
        assert 'class="error"' in html or 'class="form-errors"' in html
