"""Certificates of attendance: refused before the check-in and before the organizers'
time, granted after; what they say; their QR code opens the public page that confirms
them, and a forged code is not found; all of them as one PDF; by mail with the PDF."""

from __future__ import annotations

import io
import re

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader
from sqlalchemy import select

from summit.audit import AuditAction
from summit.badges import pdf
from summit.badges.certificate_pdf import certificates_html, write_certificates
from summit.badges.certificates import CertificateFacts
from summit.badges.render import STATIC
from summit.extensions import db
from summit.models import DeskScan, Event, MailMessage, Registration, Role, utcnow

from .helpers.accounts import sign_in
from .helpers.admin_pages import ADMIN, load_edition
from .helpers.badges import decode_qr_codes, pdf_pages, pdf_text, squeeze
from .helpers.certificates import certificates_open, check_in
from .helpers.database import audit_entries
from .helpers.mail import Inbox, wait_for
from .helpers.pages import csrf_token, page_text
from .helpers.registrations import forum_id, register_directly
from .servers import free_port

HOSTILE = '<img src="http://127.0.0.1:9/x.png"><link rel="stylesheet" href="file:///etc/passwd">'


@pytest.fixture
def liu(app, demo_event) -> tuple[int, str]:
    """刘韵洁, with a seat in the chip forum: the registration's id and private token."""
    with app.app_context():
        created = register_directly(demo_event, "liu@example.org", [forum_id("chip-machine")],
                                    "刘韵洁", organisation="紫金山实验室",
                                    latin_name="Liu Yunjie", phone="+86 138 0013 8000")
        return created.id, created.token


def certificate(client, token: str):
    return client.get(f"/r/{token}/certificate.pdf?lang=en")


def test_refused_before_the_check_in_even_once_certificates_are_open(app, client, liu):
    registration_id, token = liu
    with app.app_context():
        certificates_open(-1)
    response = certificate(client, token)
    assert response.status_code == 403
    assert "checked in" in response.json["error"]
    assert "Download my certificate" not in page_text(client.get(f"/r/{token}?lang=en"))


def test_refused_before_the_organizers_time_even_once_checked_in(app, client, liu):
    registration_id, token = liu
    with app.app_context():
        check_in(registration_id)
        certificates_open(2)
    response = certificate(client, token)
    assert response.status_code == 409
    assert "will be ready on" in response.json["error"]
    page = page_text(client.get(f"/r/{token}?lang=en"))
    assert "Your certificate of attendance will be ready on" in page
    assert "Download my certificate" not in page
    assert "no-store" in response.headers["Cache-Control"]


def test_an_event_without_a_time_gives_none(app, client, liu):
    registration_id, token = liu
    with app.app_context():
        check_in(registration_id)
    assert certificate(client, token).status_code == 404


def test_granted_after_check_in_and_time_its_qr_code_verifies(app, client, liu, tmp_path):
    registration_id, token = liu
    with app.app_context():
        check_in(registration_id)
        certificates_open(-1)
    assert "Download my certificate of attendance" in page_text(client.get(f"/r/{token}?lang=en"))

    response = certificate(client, token)

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    (text,) = pdf_pages(response.data)
    for expected in ("参会证明", "CERTIFICATEOFATTENDANCE", "刘韵洁", "LiuYunjie",
                     "2020中国国际嵌入式大会", "2020ChinaInternationalEmbeddedConference",
                     "南京", "Nanjing", "芯机联动专题",  # the forum with their seat
                     "5G新基建创造新生态主论坛"):  # the main forum, everyone's
        assert squeeze(expected) in text, expected
    (scanned,) = decode_qr_codes(response.data, tmp_path)
    address = re.fullmatch(r"http://localhost(/embedded-china-2020/certificates/(\S+))",
                           scanned.text)
    assert address, scanned.text
    assert address.group(2) in text  # the code is printed for typing too
    page = client.get(address.group(1) + "?lang=en")
    assert page.status_code == 200
    shown = page_text(page)
    assert "Genuine certificate of attendance" in shown
    assert "刘韵洁" in shown and "2020 China International Embedded Conference" in shown
    # Nothing more personal than the name and the event.
    for private in ("liu@example.org", "紫金山实验室", "138", token):
        assert private not in page.get_data(as_text=True)
    assert page.headers["X-Robots-Tag"].startswith("noindex")


def verification_path(app, client, token: str) -> str:
    with app.app_context():
        certificates_open(-1)
    data = certificate(client, token).data
    return "/" + re.search(r"(embedded-china-2020/certificates/[0-9]+-[A-Z2-7]{26})",
                           pdf_text(data)).group(1)


@pytest.mark.parametrize("forge", [
    lambda code: code[:-1] + ("A" if code[-1] != "A" else "B"),  # one character changed
    lambda code: str(int(code.split("-")[0]) + 1) + "-" + code.split("-")[1],  # another id
    lambda code: "1-" + "A" * 26,
    lambda code: "not-a-code",
    lambda code: "9" * 40 + "-" + code.split("-")[1],
])
def test_a_forged_code_is_not_found(app, client, liu, forge):
    registration_id, token = liu
    with app.app_context():
        check_in(registration_id)
        other = register_directly(db.session.scalars(select(Event)).first().id,
                                  "other@example.org", [], "何积丰")
        check_in(other.id)
    path = verification_path(app, client, token)
    prefix, code = path.rsplit("/", 1)
    assert client.get(path).status_code == 200
    response = client.get(f"{prefix}/{forge(code)}?lang=en")
    assert response.status_code == 404
    assert "No certificate of attendance of this event has this code." in page_text(response)
    assert "何积丰" not in page_text(response)


def test_a_code_stops_verifying_when_the_check_in_is_undone(app, client, liu):
    registration_id, token = liu
    with app.app_context():
        check_in(registration_id)
    path = verification_path(app, client, token)
    with app.app_context():
        db.session.get(Registration, registration_id).checked_in_at = None
        db.session.commit()
    assert client.get(path).status_code == 404


def test_a_code_of_one_event_verifies_at_that_event_only(app, client, liu):
    registration_id, token = liu
    with app.app_context():
        check_in(registration_id)
    path = verification_path(app, client, token)
    with app.app_context():
        load_edition("edition-b")
    assert client.get(path.replace("embedded-china-2020", "edition-b")).status_code == 404


def test_user_text_prints_literally_and_the_renderer_fetches_nothing_of_it():
    fetcher = pdf.StaticFilesFetcher(STATIC)
    facts = CertificateFacts(
        full_name=HOSTILE, latin_name="<script>x</script>", event_zh="大会", event_en="Conf",
        dates_zh="2020年11月25日至27日", dates_en="Nov 25 – 27, 2020", city_zh="南京",
        city_en="Nanjing", forums=(("<b>论坛</b>", "<b>Forum</b>"),), code="1-ABC",
        verify_url="http://summit.test/x/certificates/1-ABC")
    data = pdf.html_to_pdf(certificates_html([facts]), str(STATIC), fetcher)
    (page,) = pdf_pages(data)
    assert squeeze(HOSTILE)[:30] in page
    assert squeeze("<b>论坛</b>") in page
    assert fetcher.refused == []
    assert [url.rsplit("/", 2)[-2:] for url in fetcher.served] == [["css", "certificate.css"]]


def test_organizers_download_all_certificates_as_one_pdf(app, client, liu):
    registration_id, _ = liu
    with app.app_context():
        event_id = db.session.scalars(select(Event)).first().id
        check_in(registration_id)
        check_in(register_directly(event_id, "he@example.org", [], "何积丰").id)
        register_directly(event_id, "absent@example.org", [], "缺席者")  # never came
        certificates_open(-1)
    sign_in(app, client, Role.ORGANIZER)
    assert "2 attendees were checked in" in page_text(client.get(f"{ADMIN}/certificates"))
    response = client.get(f"{ADMIN}/certificates.pdf")
    assert response.status_code == 200
    pages = pdf_pages(response.data)
    assert len(pages) == 2
    assert "何积丰" in pages[0] and "刘韵洁" in pages[1]  # pinyin order: He, Liu
    assert not any("缺席者" in page for page in pages)


def test_check_in_staff_may_not_download_or_mail_certificates(app, client, liu):
    sign_in(app, client, Role.CHECKIN)
    assert client.get(f"{ADMIN}/certificates").status_code == 403
    assert client.get(f"{ADMIN}/certificates.pdf").status_code == 403


@pytest.fixture
def smtp_server(app, monkeypatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    yield inbox
    controller.stop()


def test_organizers_mail_each_attendee_their_certificate(app, client, liu, smtp_server,
                                                         tmp_path):
    registration_id, _ = liu
    with app.app_context():
        check_in(registration_id)
        certificates_open(-1)
    sign_in(app, client, Role.ORGANIZER)
    response = client.post(f"{ADMIN}/certificates/mail", data={
        "csrf_token": csrf_token(client, f"{ADMIN}/certificates")})
    assert response.status_code == 302
    response.close()
    def with_certificate():
        # The registration's own confirmation may go out in the same round.
        return [message for message in smtp_server.messages
                if any(part.get_content_type() == "application/pdf"
                       for part in message.iter_attachments())]

    assert wait_for(with_certificate, 20)
    (message,) = with_certificate()
    assert message["To"].addresses[0].addr_spec == "liu@example.org"
    (attachment,) = message.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    data = attachment.get_content()
    assert "刘韵洁" in pdf_pages(data)[0]
    (scanned,) = decode_qr_codes(data, tmp_path)
    assert scanned.text in message.get_body(("plain",)).get_content()
    with app.app_context():
        (entry,) = audit_entries(AuditAction.MAIL_CERTIFICATES)
        assert entry.after == {"mails": 1}
    again = client.post(f"{ADMIN}/certificates/mail", data={
        "csrf_token": csrf_token(client, f"{ADMIN}/certificates")})
    again.close()
    assert "has been mailed their certificate already" in page_text(
        client.get(f"{ADMIN}/certificates"))
    with app.app_context():
        assert len(db.session.scalars(
            select(MailMessage).where(MailMessage.kind == "certificate")).all()) == 1


def test_no_certificate_is_mailed_before_their_time(app, client, liu, smtp_server):
    registration_id, _ = liu
    with app.app_context():
        check_in(registration_id)
        certificates_open(3)
    sign_in(app, client, Role.ORGANIZER)
    response = client.post(f"{ADMIN}/certificates/mail", data={
        "csrf_token": csrf_token(client, f"{ADMIN}/certificates")})
    response.close()
    assert "No certificate was mailed: their time has not come." in page_text(
        client.get(f"{ADMIN}/certificates"))
    with app.app_context():
        assert audit_entries(AuditAction.MAIL_CERTIFICATES) == []
        assert db.session.scalars(
            select(MailMessage).where(MailMessage.kind == "certificate")).all() == []


def test_a_long_run_of_certificates_renders_in_order_on_other_processes():
    facts = [CertificateFacts(
        full_name=f"参会者{number:03d}", latin_name="", event_zh="大会", event_en="Conference",
        dates_zh="2020年11月25日", dates_en="Nov 25, 2020", city_zh="", city_en="", forums=(),
        code=f"{number}-X", verify_url=f"http://summit.test/c/{number}")
        for number in range(60)]
    out = io.BytesIO()
    write_certificates(facts, out, workers=2)
    pages = pdf_pages(out.getvalue())
    assert [page[page.index("参会者") + 3:][:3] for page in pages] == [
        f"{number:03d}" for number in range(60)]
    assert len(PdfReader(io.BytesIO(out.getvalue())).pages) == 60


def test_where_doors_were_scanned_the_certificate_names_the_forums_entered(app, client, liu):
    registration_id, token = liu  # seated in the chip forum
    with app.app_context():
        check_in(registration_id)
        certificates_open(-1)
        event_id = db.session.get(Registration, registration_id).event_id
        db.session.add(DeskScan(event_id=event_id, scan_id="door-1", code="X",
                                registration_id=registration_id,
                                forum_id=forum_id("5g-ai-big-data"), outcome="checked_in",
                                scanned_at=utcnow()))
        db.session.commit()
    (text,) = pdf_pages(certificate(client, token).data)
    assert "5G与人工智能及大数据融合" in text
    assert "芯机联动专题" not in text and "主论坛" not in text
