"""Badges: what the PDF says and in which face, that the QR scans to the check-in code,
that long texts shrink and never overflow, page counts per layout, the URL fetcher,
who may download what, the CLI and `doctor`.

Rendering tests that need no database build ``BadgeFacts`` directly and run once;
those that go through registrations run on every database backend.
"""

from __future__ import annotations

import io
import math
import os
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from summit.badges import pdf
from summit.badges.fit import Box, fit, text_width
from summit.badges.fonts import check_fonts
from summit.badges.layouts import LAYOUTS
from summit.badges.render import STATIC, BadgeFacts, badges_html, write_badges
from summit.extensions import db
from summit.models import RegistrationCategory, Role
from summit.registration import service as registration
from summit.urls import serving_at

from .helpers.accounts import make_accounts, sign_in_as
from .helpers.admin_pages import ADMIN
from .helpers.badges import decode_qr_codes, facts, pdf_pages, pdf_text, squeeze
from .helpers.pages import csrf_token
from .helpers.registrations import attend

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LONG_LATIN_NAME = "Maximilian Alexander Fitzgerald-Montgomery von Hohenzollern XI"
LONG_CHINESE_ORGANISATION = "国家可信嵌入式软件工程技术研究中心长三角嵌入式系统与软件产业"
HOSTILE = '<img src="file:///etc/passwd">'


def render(badges: list[BadgeFacts], layout: str = "a6", **options) -> bytes:
    out = io.BytesIO()
    write_badges(badges, LAYOUTS[layout], out, **options)
    return out.getvalue()


def font_names(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


# --- the fit rule -------------------------------------------------------------------


def test_a_long_latin_name_shrinks_and_breaks_only_between_words():
    assert len(LONG_LATIN_NAME) >= 60
    box = LAYOUTS["a6"].design.full_name.box
    fitted = fit(LONG_LATIN_NAME, box)
    assert 1 < len(fitted.lines) <= box.max_lines
    assert fitted.size_pt < box.max_pt
    # Every line is made of whole words (a hyphenated word may end a line at its hyphen).
    words = LONG_LATIN_NAME.replace("-", "- ").split()
    assert [word for line in fitted.lines for word in line.replace("-", "- ").split()] == words
    widest_mm = max(text_width(line) for line in fitted.lines) * fitted.size_pt / 72 * 25.4
    assert widest_mm <= box.width_mm
    assert len(fitted.lines) * fitted.size_pt * 1.3 / 72 * 25.4 <= box.height_mm


def test_short_chinese_names_are_large_and_spaced_out():
    box = LAYOUTS["a6"].design.full_name.box
    for name in ("王伟", "何积丰"):
        fitted = fit(name, box)
        assert fitted.lines == (name,) and fitted.size_pt == box.max_pt
        assert fitted.letter_spacing_em > 0
    assert fit("欧阳娜娜娜", box).letter_spacing_em == 0
    assert fit("Wang Wei", box).letter_spacing_em == 0


def test_chinese_text_breaks_between_characters_and_keeps_brackets_with_their_words():
    fitted = fit("2020中国国际嵌入式大会（Embedded China）", Box(40, 20, 20, max_lines=2))
    assert len(fitted.lines) == 2
    assert "".join(fitted.lines).replace(" ", "") == "2020中国国际嵌入式大会（EmbeddedChina）"
    assert not any(line.startswith(("）", "China）")) for line in fitted.lines[1:])


def text_boxes(box, inside=None):
    """(text box, {"badge": …, "p": …, "line": …}: the boxes it is in) for every text box
    under ``box``. Anonymous boxes share their parent's element, so the first box met for
    an element is the element's own."""
    inside = dict(inside or {})
    if box.element is not None:
        if "badge" in (box.element.get("class") or "").split() and "badge" not in inside:
            inside["badge"] = box
        elif box.element_tag == "p" and "p" not in inside:
            inside["p"] = box
    if isinstance(box, boxes.LineBox):
        inside["line"] = box
    if isinstance(box, boxes.TextBox) and box.text.strip():
        yield box, inside
    for child in getattr(box, "children", []):
        yield from text_boxes(child, inside)


@pytest.mark.parametrize("layout", ["a6", "a4-8up"])
def test_long_names_and_organisations_stay_inside_the_badge_as_fitted(layout):
    hard = facts(full_name=LONG_LATIN_NAME, latin_name="",
                 organisation=LONG_CHINESE_ORGANISATION,
                 forums=(("2020 Yangtze River Delta Embedded Systems Innovation and Development",
                          "#146c2e"), ("Convergence of 5G, AI and Big Data", "#0b57d0")))
    assert len(LONG_CHINESE_ORGANISATION) == 30
    fetcher = pdf.StaticFilesFetcher(STATIC)
    html = badges_html([hard, facts(full_name="王伟")], LAYOUTS[layout], "fit")
    document = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher).render()
    seen = 0
    for page in document.pages:
        for text, inside in text_boxes(page._page_box):
            badge, paragraph = inside["badge"], inside["p"]
            for outer in (badge, paragraph):
                left = outer.border_box_x() - 0.5
                right = outer.border_box_x() + outer.border_width() + 0.5
                assert left <= text.position_x and text.position_x + text.width <= right, (
                    text.text, (outer.element.get("class")))
                # Lines, not glyph boxes: a CJK face's box is taller than its ink.
                line = inside["line"]
                top = outer.border_box_y() - 0.5
                bottom = outer.border_box_y() + outer.border_height() + 0.5
                assert top <= line.position_y and line.position_y + line.height <= bottom, (
                    text.text, (outer.element.get("class")))
            seen += 1
    assert seen > 20
    # Nothing wrapped on its own: each paragraph has exactly the lines the fit rule chose.
    page_text = pdf_pages(document.write_pdf())[0]
    for line in fit(LONG_LATIN_NAME, LAYOUTS[layout].design.full_name.box).lines:
        assert squeeze(line) in page_text


# --- what the PDF says -------------------------------------------------------------


def test_the_badge_prints_name_organisation_category_and_forums_in_a_cjk_face():
    data = render([facts()])
    (page,) = pdf_pages(data)
    for expected in ("刘韵洁", "LiuYunjie", "紫金山实验室", "演讲嘉宾", "SPEAKER",
                     "5G与人工智能及大数据融合", "2020中国国际嵌入式大会", "7Q4M2X9KD0HT"):
        assert expected in page
    faces = {name.split("+", 1)[-1].replace("-", "") for name in font_names(data)}
    assert {"NotoSansCJKSC", "NotoSansCJKSCBold"} <= faces  # the name in both weights
    assert "LiberationSans" in faces  # the Latin face


def test_the_qr_code_scans_to_exactly_the_checkin_code(tmp_path):
    codes = decode_qr_codes(render([facts(checkin_code="K3XR3XDW3CP5")]), tmp_path)
    assert [(code.text, code.format) for code in codes] == [
        ("K3XR3XDW3CP5", zxingcpp.BarcodeFormat.QRCode)]


def test_user_text_prints_literally_and_the_fetcher_is_never_asked_for_it():
    fetcher = pdf.StaticFilesFetcher(STATIC)
    hostile = facts(full_name=HOSTILE, organisation='<link rel="stylesheet" href="http://127.0.0.1:9/x.css">&amp;',
                    latin_name="<script>x</script>")
    data = pdf.html_to_pdf(badges_html([hostile], LAYOUTS["a6"], "x"), str(STATIC), fetcher)
    (page,) = pdf_pages(data)
    assert squeeze(HOSTILE) in page
    assert squeeze('href="http://127.0.0.1:9/x.css">&amp;') in page
    assert fetcher.refused == []
    assert [url.rsplit("/", 2)[-2:] for url in fetcher.served] == [["css", "badge.css"]]


def test_the_fetcher_serves_static_files_only(tmp_path):
    fetcher = pdf.StaticFilesFetcher(STATIC)
    css = fetcher.fetch(fetcher.base_url + "css/badge.css")
    assert css.read().startswith(b"/*") and css.content_type == "text/css"
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    for url in ("file:///etc/passwd", outside.as_uri(), fetcher.base_url + "../pyproject.toml",
                fetcher.base_url + "css/../../summit/config.py", "http://127.0.0.1:9/x.png",
                "https://example.org/x.png", "data:text/css,body{color:red}", "ftp://x/y",
                "file://otherhost" + str(STATIC / "css/badge.css"), fetcher.base_url + "css"):
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 10


def test_html_that_asks_for_outside_resources_renders_without_them():
    """Were user text ever to reach the HTML unescaped, nothing outside would be fetched."""
    fetcher = pdf.StaticFilesFetcher(STATIC)
    html = ('<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head><body>'
            '<img src="file:///etc/passwd"><img src="data:image/svg+xml,<svg xmlns=\'http://www.w3.org/2000/svg\'/>">'
            '<p style="background: url(https://example.org/x.png)">text</p></body></html>')
    data = pdf.html_to_pdf(html, str(STATIC), fetcher)
    assert fetcher.served == []
    assert len(fetcher.refused) == 4
    assert not PdfReader(io.BytesIO(data)).pages[0]["/Resources"].get("/XObject")  # no image


# --- characters beyond the Latin and CJK faces ---------------------------------------

DRAGON_NAME = "李🐉龙"
# Unassigned in Unicode, and a private-use character of plane 15: no font has them.
NO_FONT_HAS = "\u0378\U000f0000"


def coloured_pixels_of_the_name(data: bytes) -> int:
    """Pixels of clear colour (not black, grey or white) where an A6 badge prints the name."""
    png = subprocess.run(["pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-singlefile", "-png",
                          "-"], input=data, capture_output=True, check=True).stdout
    image = Image.open(io.BytesIO(png)).convert("RGB")
    slot = LAYOUTS["a6"].design.full_name
    px = 72 / 25.4
    name = image.crop((round(slot.left * px), round(slot.top * px),
                       round((slot.left + slot.box.width_mm) * px),
                       round((slot.top + slot.box.height_mm) * px)))
    return sum(count for count, (r, g, b) in name.getcolors(name.width * name.height)
               if max(r, g, b) - min(r, g, b) > 80)


def test_an_emoji_in_a_name_prints_in_colour_from_the_emoji_face():
    data = render([facts(full_name=DRAGON_NAME, organisation="Party 🎉 Lab 🎓")])
    faces = {name.split("+", 1)[-1].replace("-", "") for name in font_names(data)}
    assert any(face.startswith("NotoColorEmoji") for face in faces), faces
    assert coloured_pixels_of_the_name(data) > 100
    text = pdf_text(data)
    assert DRAGON_NAME in text and "Party🎉Lab🎓" in text
    # Without emoji, nothing comes from the emoji face: not even the digits, which it has.
    plain = render([facts(full_name="李龙")])
    assert not any("Emoji" in name for name in font_names(plain))
    assert coloured_pixels_of_the_name(plain) == 0


def test_a_character_no_font_has_is_left_out_instead_of_printing_a_box():
    data = render([facts(full_name=f"Anna{NO_FONT_HAS[0]} Schmidt",
                         latin_name="", organisation=f"Acme {NO_FONT_HAS[1]}Lab 🐉")])
    text = pdf_text(data)
    assert "AnnaSchmidt" in text and "AcmeLab🐉" in text
    assert not any(char in text for char in NO_FONT_HAS)


# --- layouts and long runs -----------------------------------------------------------


@pytest.mark.parametrize("layout, per_page", [("a6", 1), ("a4-4up", 4), ("a4-8up", 8)])
def test_page_counts_follow_the_layout(layout, per_page):
    badges = [facts(full_name=f"代表{n}", checkin_code=f"CODE{n:08d}") for n in range(9)]
    reader = PdfReader(io.BytesIO(render(badges, layout)))
    assert len(reader.pages) == math.ceil(9 / per_page)
    width_mm = float(reader.pages[0].mediabox.width) / 72 * 25.4
    assert round(width_mm) == LAYOUTS[layout].page_width


def test_a4_sheets_carry_crop_marks_on_the_cut_lines():
    for key in ("a4-4up", "a4-8up"):
        layout = LAYOUTS[key]
        marks = layout.marks()
        assert marks, key
        inner_cuts = [layout.margin_x + i * layout.design.width for i in range(1, layout.columns)]
        for x in inner_cuts:
            assert any(abs(mark.left + mark.width / 2 - x) < 0.01 for mark in marks)
    assert LAYOUTS["a6"].marks() == []


@pytest.mark.parametrize("threaded", [False, True], ids=["command", "threaded-server"])
def test_a_long_run_renders_in_chunks_on_other_processes_and_keeps_the_order(threaded):
    """A command forks its workers; a process with other threads (a web server) starts
    them from the fork server instead."""
    badges = [facts(full_name=f"代表{n:02d}", checkin_code=f"CODE{n:08d}") for n in range(9)]
    result = {}

    def run() -> None:
        result["pdf"] = render(badges, "a4-4up", chunk_badges=4, workers=2)

    if threaded:
        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=300)
    else:
        run()
    pages = pdf_pages(result["pdf"])
    assert len(pages) == 3
    order = [n for page in pages for n in range(9) if f"代表{n:02d}" in page]
    assert order == list(range(9))


def test_without_a_cjk_font_a_pdf_is_still_made_and_the_log_says_why(tmp_path):
    """A fontconfig that knows only the Latin face: a real machine without CJK fonts."""
    latin = check_fonts()
    assert latin.latin_family is not None
    latin_dir = Path(subprocess.run(["fc-match", "-f", "%{file}", latin.latin_family],
                                    capture_output=True, text=True, check=True).stdout).parent
    config = tmp_path / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?><fontconfig><dir>{latin_dir}</dir>'
                      f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>")
    script = textwrap.dedent(f"""
        import io
        from summit.badges.fonts import check_fonts
        from summit.badges.layouts import LAYOUTS
        from summit.badges.render import write_badges
        from tests.helpers.badges import facts
        assert not check_fonts().cjk_ok
        out = io.BytesIO()
        write_badges([facts()], LAYOUTS["a6"], out)
        open({str(tmp_path / "badge.pdf")!r}, "wb").write(out.getvalue())
    """)
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "without a CJK font" in result.stderr and "fonts-noto-cjk" in result.stderr
    assert len(PdfReader(tmp_path / "badge.pdf").pages) == 1

    doctor = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "app", "summit", "doctor"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
        env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'doctor.db'}",
             "SUMMIT_INSTANCE_PATH": str(tmp_path)})
    assert doctor.returncode == 1
    assert "CJK font" in doctor.stdout and "FAIL" in doctor.stdout
    assert "fonts-noto-cjk" in doctor.stdout


# --- through registrations: the attendee's download, the organizers' print, the CLI ----


@pytest.fixture
def attendees(app, demo_event) -> dict[str, tuple[int, str, str]]:
    with app.app_context():
        return {
            "liu": attend(demo_event, "刘韵洁", "liu@example.org", ["5g-ai-big-data"],
                          latin_name="Liu Yunjie", organisation="紫金山实验室",
                          category=RegistrationCategory.SPEAKER),
            "he": attend(demo_event, "何积丰", "he@example.org", ["chip-machine"],
                         organisation="上海产业技术研究院", category=RegistrationCategory.VIP),
            "anna": attend(demo_event, "Anna Schmidt", "anna@example.org", ["chip-machine"],
                           organisation="Acme Embedded GmbH", locale="en",
                           category=RegistrationCategory.SPEAKER),
        }


def test_an_attendee_downloads_their_own_badge(app, client, attendees):
    _, token, code = attendees["liu"]
    page = client.get(f"/r/{token}")
    assert f'href="/r/{token}/badge.pdf"' in page.get_data(as_text=True)
    response = client.get(f"/r/{token}/badge.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "private" in response.headers["Cache-Control"]
    assert "no-store" in response.headers["Cache-Control"]
    (text,) = pdf_pages(response.data)
    for expected in ("刘韵洁", "紫金山实验室", "演讲嘉宾", "5G与人工智能及大数据融合", code):
        assert expected in text
    assert "何积丰" not in text


def test_a_token_fetches_only_its_own_badge_and_a_wrong_one_nothing(app, client, attendees):
    _, token, _ = attendees["he"]
    (text,) = pdf_pages(client.get(f"/r/{token}/badge.pdf").data)
    assert "何积丰" in text and "刘韵洁" not in text
    for wrong in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "x" * 43, "short"):
        assert client.get(f"/r/{wrong}/badge.pdf").status_code == 404


def test_cancelled_and_waitlisted_registrations_get_no_badge(app, client, attendees):
    registration_id, token, _ = attendees["liu"]
    with app.app_context():
        from summit.models import Registration, RegistrationStatus

        with serving_at("http://summit.test"):
            registration.cancel(db.session, db.session.get(Registration, registration_id))
        waiting = db.session.get(Registration, attendees["he"][0])
        waiting.status = RegistrationStatus.WAITLISTED
        db.session.commit()
    gone = client.get(f"/r/{token}/badge.pdf?lang=en")
    assert gone.status_code == 410 and "cancelled" in gone.get_json()["error"]
    assert "badge.pdf" not in client.get(f"/r/{token}").get_data(as_text=True)
    waiting = client.get(f"/r/{attendees['he'][1]}/badge.pdf?lang=en")
    assert waiting.status_code == 409 and "confirmed" in waiting.get_json()["error"]


def test_the_batch_print_needs_an_organizer(app, client, attendees):
    make_accounts(app)
    anonymous = client.get(f"{ADMIN}/badges.pdf")
    assert anonymous.status_code in (302, 401)
    if anonymous.status_code == 302:
        assert anonymous.location.startswith("/admin/login")
    sign_in_as(client, Role.CHECKIN)
    assert client.get(f"{ADMIN}/badges.pdf").status_code == 403


def test_organizers_print_sheets_in_the_order_of_the_filter(app, client, attendees):
    make_accounts(app)
    sign_in_as(client, Role.ORGANIZER)
    response = client.get(f"{ADMIN}/badges.pdf?layout=a4-4up&order=organisation")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    (page,) = pdf_pages(response.data)
    # Acme… < 上海… < 紫金山… by organisation.
    assert page.index("AnnaSchmidt") < page.index("何积丰") < page.index("刘韵洁")

    speakers = pdf_pages(client.get(f"{ADMIN}/badges.pdf?category=speaker").data)
    assert len(speakers) == 2
    assert "AnnaSchmidt" in speakers[0] and "刘韵洁" in speakers[1]  # by name

    chip = pdf_pages(client.get(f"{ADMIN}/badges.pdf?forum=chip-machine&layout=a4-8up").data)
    assert len(chip) == 1 and "何积丰" in chip[0] and "刘韵洁" not in chip[0]


def test_badges_by_name_come_in_pinyin_order(app, client, demo_event):
    with app.app_context():
        for number, name in enumerate(["张伟", "欧阳娜娜", "Zoe Adams", "李明"]):
            attend(demo_event, name, f"person{number}@example.org", [])
    make_accounts(app)
    sign_in_as(client, Role.ORGANIZER)
    pages = pdf_pages(client.get(f"{ADMIN}/badges.pdf?order=name").data)
    # 李 lǐ, 欧阳 ōuyáng, 张 zhāng, then Zoe: not the characters' code points (张 < 李 < 欧).
    names = ["李明", "欧阳娜娜", "张伟", "ZoeAdams"]
    assert [next(name for name in names if name in page) for page in pages] == names


def test_late_registrants_badges_are_printed_apart_from_those_printed_before(
    app, client, attendees
):
    make_accounts(app)
    sign_in_as(client, Role.ORGANIZER)
    # The first run: He Jifeng's badge is printed and noted as printed on the screen.
    screen = client.get(f"{ADMIN}/printing?show=1&category=vip&lang=en").get_data(as_text=True)
    assert "1 badge matches." in screen
    ids = re.search(r'name="ids" type="hidden" value="([\d,]+)"', screen).group(1)
    noted = client.post(f"{ADMIN}/printing/mark", data={
        "csrf_token": csrf_token(client, f"{ADMIN}/printing"), "ids": ids})
    assert noted.status_code == 302

    late = pdf_pages(client.get(f"{ADMIN}/badges.pdf?printed=no").data)
    assert len(late) == 2 and not any("何积丰" in page for page in late)
    (before,) = pdf_pages(client.get(f"{ADMIN}/badges.pdf?printed=yes").data)
    assert "何积丰" in before
    screen = client.get(f"{ADMIN}/printing?show=1&printed=no&lang=en").get_data(as_text=True)
    assert "2 badges match." in screen
    assert f"{ADMIN}/badges.pdf?printed=no" in screen


def test_the_printing_screen_and_the_command_list_attendees_whose_badge_leaves_characters_out(
    app, client, attendees, demo_event, tmp_path
):
    with app.app_context():
        lost_id, _, _ = attend(demo_event, f"Zoë{NO_FONT_HAS[0]} Li", "zoe@example.org",
                               organisation=f"Lab {NO_FONT_HAS[1]}")
        attend(demo_event, DRAGON_NAME, "dragon@example.org", organisation="🎓 Academy")
    make_accounts(app)
    sign_in_as(client, Role.ORGANIZER)
    response = client.get(f"{ADMIN}/printing?show=1&lang=en")
    assert response.status_code == 200
    screen = response.get_data(as_text=True)
    assert "1 badge leaves out characters that no installed font can print." in screen
    lost = screen[screen.index("Characters no badge font has"):]
    assert f'href="{ADMIN}/registrations/{lost_id}"' in lost
    assert "U+0378" in lost and "U+F0000" in lost
    # Emoji print; Chinese and Latin names print whole.
    assert DRAGON_NAME not in lost and "刘韵洁" not in lost and "Anna Schmidt" not in lost
    (page,) = [page for page in pdf_pages(client.get(f"{ADMIN}/badges.pdf").data)
               if "Zoë" in page]
    assert "ZoëLi" in page and not any(char in page for char in NO_FONT_HAS)

    clean = client.get(f"{ADMIN}/printing?show=1&category=speaker&lang=en").get_data(as_text=True)
    assert "Characters no badge font has" not in clean

    result = app.test_cli_runner().invoke(args=["summit", "badges", "--out",
                                                str(tmp_path / "all.pdf")])
    assert result.exit_code == 0, result.output
    assert f"Left out of #{lost_id} " in result.output and "U+0378 U+F0000" in result.output


@pytest.mark.parametrize("query, complaint", [
    ("layout=a5", "layout"), ("printed=maybe", "printed"), ("category=alien", "category"),
    ("status=cancelled", "ancelled"), ("status=everything", "status"),
    ("order=age", "order"), ("forum=nowhere", "forum"),
])
def test_bad_filters_are_a_clear_400(app, client, attendees, query, complaint):
    make_accounts(app)
    sign_in_as(client, Role.ADMIN)
    response = client.get(f"{ADMIN}/badges.pdf?{query}&lang=en")
    assert response.status_code == 400
    assert complaint in response.get_json()["error"]


def test_the_badges_command_writes_a_pdf_file(app, attendees, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "speakers.pdf"
    result = runner.invoke(args=["summit", "badges", "--out", str(out), "--layout", "a4-4up",
                                 "--category", "speaker"])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 badges on 1 page (a4-4up)" in result.output
    assert len(PdfReader(out).pages) == 1
    refused = runner.invoke(args=["summit", "badges", "--out", str(out), "--layout", "b5"])
    assert refused.exit_code == 2 and "layout" in refused.output


def test_doctor_reports_database_fonts_and_subsetting(app):
    result = app.test_cli_runner().invoke(args=["summit", "doctor"])
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert result.exit_code == 0, result.output
    assert "ok" in lines["Database"]
    assert "ok" in lines["CJK"] and "Noto Sans CJK" in lines["CJK"]
    assert "ok" in lines["HarfBuzz"]
    assert "ok" in lines["Emoji"] and "Noto Color Emoji" in lines["Emoji"]
