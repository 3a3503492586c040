"""/admin/registrations: the list, one registration, the changes organizers make,
the CSV export and the import of invited guests."""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ... import labels
from ...auth.access import ORGANIZERS, acting_user, role_required
from ...events.current import require_event
from ...extensions import db
from ...i18n import localized
from ...models import (
    AuditEntry,
    MailMessage,
    Registration,
    RegistrationCategory,
    RegistrationStatus,
)
from ...outbox import deliver_after_response
from ...registration import listing, questions, seats, service
from ...registration import organizer as changes
from ...registration.details import AttendeeDetails
from ...registration.errors import (
    AlreadyRegistered,
    NotWaiting,
    OverlappingForums,
    UnknownForum,
)
from ...registration.forms import attendee_details
from ...registration.forum_times import ForumTimetable, describe_clashes, timetable
from ...user_input import database_int
from ...web import csv_download
from .. import bp
from ..addresses import EVENT
from ..navigation import add_entry
from . import csv_io
from .forms import (
    ActionForm,
    AddRegistrationForm,
    ConfirmCancelForm,
    ImportConfirmForm,
    ImportUploadForm,
    RegistrationDetailsForm,
    RegistrationFilterForm,
    ReprintForm,
)

HISTORY_SHOWN = 50

add_entry("admin.registrations", _l("Registrations"), roles=ORGANIZERS, order=30)


def _forum_names(event) -> list[tuple[int, str]]:
    forums = service.choosable_forums(db.session, event)
    return [(forum.id, localized(forum, "name")) for forum in forums]


def _offer_forums(form: RegistrationDetailsForm, event) -> ForumTimetable:
    """The form's forum choices; returns them with their times, alternatives grouped."""
    forums = service.choosable_forums(db.session, event)
    form.forums.choices = [(forum.id, localized(forum, "name")) for forum in forums]
    return timetable(db.session, forums, event.timezone)


def _warn_of_overlap(form: RegistrationDetailsForm, refused: OverlappingForums) -> None:
    """Nothing saved: say which forums clash and offer the override."""
    form.forums.errors.append(describe_clashes(
        refused.pairs, _("Tick “Hold both anyway” to keep them all.")))


def filters_from_request(event) -> tuple[RegistrationFilterForm, listing.RegistrationQuery]:
    """The list's form filled from the query string, and the query it asks for; a value
    that does not fit is shown as an error and left out."""
    form = RegistrationFilterForm(formdata=request.args)
    asked = questions.event_questions(db.session, event.id, retired=True)
    form.offer(_forum_names(event), questions.filter_options(asked))
    form.validate()

    def value(field):
        return None if field.errors else field.data or None

    status, category, forum = value(form.status), value(form.category), value(form.forum)
    yes_no = {"yes": True, "no": False}
    query = listing.RegistrationQuery(
        search=form.q.data or "",
        status=RegistrationStatus(status) if status else None,
        category=RegistrationCategory(category) if category else None,
        forum_id=int(forum) if forum else None,
        checked_in=yes_no.get(value(form.checked_in)),
        badge_printed=yes_no.get(value(form.printed)),
        answer=questions.answer_match(asked, value(form.answer) or ""),
        sort=value(form.sort) or "created",
        descending=value(form.order) != "asc",
        page=value(form.page) or 1,
        per_page=int(value(form.per_page) or listing.DEFAULT_PAGE_SIZE),
    )
    return form, query


def _labels_in_this_language() -> SimpleNamespace:
    """summit.labels with every label translated once: a page of 200 rows then costs a
    few dozen translations instead of a thousand lazy ones."""
    return SimpleNamespace(**{
        name: {key: str(text) for key, text in value.items()}
        for name, value in vars(labels).items()
        if name.isupper() and isinstance(value, dict)
    })


def _list_url(**changes_to_args) -> str:
    """This list's address with some query arguments changed (None drops one)."""
    arguments = request.args.to_dict()
    arguments.update(changes_to_args)
    return url_for("admin.registrations", **{k: v for k, v in arguments.items() if v is not None})


def _sort_url(key: str, query: listing.RegistrationQuery) -> str:
    """Sort by ``key``; a second click on the sorted column turns the order round."""
    descending = not query.descending if query.sort == key else key == "created"
    return _list_url(sort=key, order="desc" if descending else "asc", page=None)


@bp.get(f"{EVENT}/registrations")
@role_required(*ORGANIZERS)
def registrations():
    event = require_event()
    form, query = filters_from_request(event)
    page = listing.list_page(db.session, event, query)
    export_args = {k: v for k, v in request.args.items()
                   if k not in {"page", "per_page", "codes"}}
    return render_template(
        "admin/registrations.html",
        event=event,
        form=form,
        query=query,
        page=page,
        page_url=lambda number: _list_url(page=number),
        sort_url=lambda key: _sort_url(key, query),
        export_url=url_for("admin.registration_export", **export_args),
        export_codes_url=url_for("admin.registration_export", **export_args, codes="1"),
        labels=_labels_in_this_language(),
    )


@bp.get(f"{EVENT}/registrations/export.csv")
@role_required(*ORGANIZERS)
def registration_export():
    event = require_event()
    _form, query = filters_from_request(event)
    codes = request.args.get("codes") == "1"
    data = csv_io.export_csv(db.session, event, query, codes=codes)
    filename = f"registrations-{event.slug}{'-codes' if codes else ''}.csv"
    return csv_download(data, filename)


def _registration_or_404(event, registration_id: int) -> Registration:
    registration = listing.with_seats(db.session, event, registration_id)
    if registration is None:
        abort(404)
    return registration


def _details(form: RegistrationDetailsForm) -> AttendeeDetails:
    return attendee_details(form, RegistrationCategory(form.category.data), form.locale.data)


def _already_registered_message(existing: Registration) -> str:
    return _("This address belongs to another registration: %(name)s.", name=existing.full_name)


def _details_as_they_stand(event, registration: Registration
                           ) -> tuple[RegistrationDetailsForm, ForumTimetable]:
    """The details form filled in from the registration (nothing sent), and its forums."""
    form = RegistrationDetailsForm(obj=registration, formdata=None)
    forum_times = _offer_forums(form, event)
    form.forums.data = sorted(changes.active_forum_ids(registration))
    return form, forum_times


def _detail_page(event, registration: Registration, form: RegistrationDetailsForm,
                 forum_times: ForumTimetable, status=200, asked: list | None = None,
                 sheet: questions.AnswerSheet | None = None):
    history = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == changes.OBJECT_TYPE,
               AuditEntry.object_id == str(registration.id))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(HISTORY_SHOWN)
    ).all()
    mails = db.session.scalars(
        select(MailMessage)
        .where(MailMessage.registration_id == registration.id)
        .order_by(MailMessage.created_at.desc(), MailMessage.id.desc())
    ).all()
    if asked is None:
        asked = questions.asked_questions(db.session, event.id, registration.category)
    page = render_template(
        "admin/registrations_detail.html",
        event=event,
        registration=registration,
        summary=seats.attendee_summary(db.session, registration),
        form=form,
        reprint_form=ReprintForm(formdata=None),
        history=history,
        forum_names={seat.forum.slug: str(localized(seat.forum, "name"))
                     for seat in registration.seats},
        mails=mails,
        timetable=forum_times,
        answer_rows=questions.answer_rows(
            questions.event_questions(db.session, event.id, retired=True), registration),
        asked=asked,
        sheet=sheet or questions.sheet_of(asked, registration),
    )
    return page, status


@bp.route(f"{EVENT}/registrations/<int:registration_id>", methods=["GET", "POST"])
@role_required(*ORGANIZERS)
def registration_detail(registration_id: int):
    event = require_event()
    registration = _registration_or_404(event, registration_id)
    if request.method != "POST":
        return _detail_page(event, registration, *_details_as_they_stand(event, registration))
    form = RegistrationDetailsForm(obj=registration)
    forum_times = _offer_forums(form, event)
    if not form.validate():
        return _detail_page(event, registration, form, forum_times, 422)
    # A cancelled registration keeps no seats; only its details can change.
    forum_ids = (
        None if registration.status == RegistrationStatus.CANCELLED else form.forums.data or []
    )
    try:
        changed = changes.update_registration(
            db.session, acting_user(), registration, _details(form), forum_ids,
            overlap_allowed=form.hold_overlapping.data,
        )
    except AlreadyRegistered as taken:
        db.session.rollback()
        form.email.errors.append(_already_registered_message(taken.registration))
        return _detail_page(event, _registration_or_404(event, registration_id), form,
                            forum_times, 422)
    except UnknownForum:
        db.session.rollback()
        form.forums.errors.append(_("One of the chosen forums no longer exists."))
        return _detail_page(event, _registration_or_404(event, registration_id), form,
                            forum_times, 422)
    except OverlappingForums as refused:
        db.session.rollback()
        _warn_of_overlap(form, refused)
        return _detail_page(event, _registration_or_404(event, registration_id), form,
                            forum_times, 422)
    flash(_("Saved.") if changed else _("Nothing was changed."), "success")
    return deliver_after_response(redirect(url_for(".registration_detail",
                                                   registration_id=registration_id)))


@bp.route(f"{EVENT}/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
@role_required(*ORGANIZERS)
def registration_cancel(registration_id: int):
    event = require_event()
    registration = _registration_or_404(event, registration_id)
    if registration.status == RegistrationStatus.CANCELLED:
        flash(_("This registration is cancelled already."), "error")
        return redirect(url_for(".registration_detail", registration_id=registration_id))
    form = ConfirmCancelForm()
    if form.validate_on_submit():
        moved_up = changes.cancel(db.session, acting_user(), registration)
        flash(_("The registration is cancelled; its place and seats went to the next in line.")
              if moved_up else _("The registration is cancelled; nobody was waiting for it."),
              "success")
        return deliver_after_response(redirect(url_for(".registration_detail",
                                                       registration_id=registration_id)))
    page = render_template("admin/registrations_cancel.html", event=event,
                           registration=registration, form=form)
    return page, 422 if form.is_submitted() else 200


@bp.post(f"{EVENT}/registrations/<int:registration_id>/promote")
@role_required(*ORGANIZERS)
def registration_promote(registration_id: int):
    event = require_event()
    registration = _registration_or_404(event, registration_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    given = form.forum_id.data or ""
    try:
        forum_id = database_int(given) if given else None
    except ValueError:
        abort(400)
    try:
        changes.promote(db.session, acting_user(), registration, forum_id)
    except NotWaiting:
        db.session.rollback()
        flash(_("There was nothing to promote: it is not on that waiting list any more."),
              "error")
    else:
        flash(_("Promoted from the waiting list; we have told them by mail."), "success")
    return deliver_after_response(redirect(url_for(".registration_detail",
                                                   registration_id=registration_id)))


@bp.post(f"{EVENT}/registrations/<int:registration_id>/answers")
@role_required(*ORGANIZERS)
def registration_answers(registration_id: int):
    """Organizers change the answers at any time, the attendee's window closed or not
    (an invoice's title corrected on the phone)."""
    event = require_event()
    registration = _registration_or_404(event, registration_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    asked = questions.asked_questions(db.session, event.id, registration.category)
    sheet = questions.read_sheet(asked, request.form)
    if not sheet.valid:
        return _detail_page(event, registration, *_details_as_they_stand(event, registration),
                            422, asked, sheet)
    changed = service.save_answers(db.session, registration, sheet, acting_user())
    flash(_("Saved.") if changed else _("Nothing was changed."), "success")
    return deliver_after_response(redirect(url_for(".registration_detail",
                                                   registration_id=registration_id)))


@bp.post(f"{EVENT}/registrations/<int:registration_id>/resend")
@role_required(*ORGANIZERS)
def registration_resend(registration_id: int):
    event = require_event()
    registration = _registration_or_404(event, registration_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    changes.resend_link(db.session, acting_user(), registration)
    flash(_("The private link is on its way to %(email)s.", email=registration.email), "success")
    return deliver_after_response(redirect(url_for(".registration_detail",
                                                   registration_id=registration_id)))


@bp.route(f"{EVENT}/registrations/new", methods=["GET", "POST"])
@role_required(*ORGANIZERS)
def registration_new():
    event = require_event()
    form = AddRegistrationForm()
    forum_times = _offer_forums(form, event)
    if not form.is_submitted():
        form.locale.data = event.default_locale
    existing = None
    if form.validate_on_submit():
        try:
            registration = changes.add(db.session, acting_user(), event, _details(form),
                                       form.forums.data or [],
                                       beyond_capacity=form.beyond_capacity.data,
                                       overlap_allowed=form.hold_overlapping.data)
        except AlreadyRegistered as taken:
            db.session.rollback()
            existing = taken.registration
            form.email.errors.append(_("This address is registered already."))
        except UnknownForum:
            db.session.rollback()
            form.forums.errors.append(_("One of the chosen forums no longer exists."))
        except OverlappingForums as refused:
            db.session.rollback()
            _warn_of_overlap(form, refused)
        else:
            flash(_("%(name)s is registered; the confirmation with the private link is on its "
                    "way.", name=registration.full_name), "success")
            return deliver_after_response(redirect(url_for(".registration_detail",
                                                           registration_id=registration.id)))
    page = render_template("admin/registrations_new.html", event=event, form=form,
                           existing=existing, timetable=forum_times)
    return page, 422 if form.is_submitted() else 200


# --- importing invited guests ----------------------------------------------------


def _import_page(event, form: ImportUploadForm, status: int = 200, **preview):
    page = render_template("admin/registrations_import.html", event=event, form=form, **preview)
    return page, status


@bp.route(f"{EVENT}/registrations/import", methods=["GET", "POST"])
@role_required(*ORGANIZERS)
def registration_import():
    """Upload a guest list and see what importing it would do; nothing is written here."""
    event = require_event()
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return _import_page(event, form, 422 if form.is_submitted() else 200)
    category = RegistrationCategory(form.category.data)
    try:
        text = csv_io.decode(form.file.data.read())
        plan = csv_io.plan_import(db.session, event, text, category,
                                  overlap_allowed=form.hold_overlapping.data)
    except csv_io.ImportFileError as error:
        form.file.errors.append(str(error))
        return _import_page(event, form, 422)
    confirm = None
    if plan.valid:
        sealed = csv_io.seal(current_app.secret_key, {
            "text": text, "category": category.value,
            "beyond_capacity": bool(form.beyond_capacity.data),
            "hold_overlapping": bool(form.hold_overlapping.data),
        })
        if len(sealed) > current_app.config["MAX_FORM_MEMORY_SIZE"] - 1024:
            form.file.errors.append(_("This file is too large to import at once; split it."))
            return _import_page(event, form, 422)
        confirm = ImportConfirmForm(sealed=sealed)
    return _import_page(event, form, 200 if plan.valid else 422, plan=plan, confirm=confirm)


@bp.post(f"{EVENT}/registrations/import/confirm")
@role_required(*ORGANIZERS)
def registration_import_confirm():
    """Import the previewed list: every guest, or, if any row fails now, nobody."""
    event = require_event()
    confirm = ImportConfirmForm()
    payload = (
        csv_io.unseal(current_app.secret_key, confirm.sealed.data)
        if confirm.validate_on_submit() else None
    )
    if payload is None:
        flash(_("The preview has expired or was altered; please upload the file again."), "error")
        return redirect(url_for(".registration_import"))
    try:
        plan, registrations = csv_io.import_guests(
            db.session, acting_user(), event, payload["text"],
            RegistrationCategory(payload["category"]),
            beyond_capacity=payload["beyond_capacity"],
            overlap_allowed=payload.get("hold_overlapping", False),
        )
    except csv_io.ImportFileError as error:
        flash(str(error), "error")
        return redirect(url_for(".registration_import"))
    if not registrations:
        flash(_("Nothing was imported: some rows are no longer valid."), "error")
        return _import_page(event, ImportUploadForm(formdata=None), 409, plan=plan)
    flash(_("Imported %(count)d guests; their confirmations are on their way.",
            count=len(registrations)), "success")
    return deliver_after_response(redirect(url_for(".registrations", sort="created")))
