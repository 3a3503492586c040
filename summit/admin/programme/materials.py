"""A session's materials in the programme editor: upload slides, add a link to a video or
a recording, remove one. The rules are the programme's materials service, which a
speaker's own page calls as well."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...auth.access import role_required
from ...events.current import require_event
from ...extensions import db
from ...models import MaterialKind, Role
from ...programme import materials
from ...programme import service as programme
from ...programme.forms import MaterialLinkForm, SlidesForm
from .. import bp
from ..addresses import EVENT
from .views import ConfirmForm

guard = role_required(Role.ORGANIZER)
MATERIALS = f"{EVENT}/sessions/<int:session_id>/materials"


@bp.url_value_preprocessor
def room_for_slides(endpoint: str | None, _values: dict | None) -> None:
    """Slides may be larger than any other form; said before the CSRF check reads the body."""
    if endpoint == "admin.material_slides":
        request.max_content_length = materials.max_upload_request_bytes()


def _session(session_id: int):
    return programme.find_session(db.session, require_event(), session_id) or abort(404)


def _page(item, slides_form=None, link_form=None, status: int = 200):
    page = render_template(
        "admin/programme/materials.html", event=require_event(), item=item,
        materials=materials.materials_of(db.session, item),
        slides_form=slides_form or SlidesForm(formdata=None),
        link_form=link_form or MaterialLinkForm(formdata=None),
        delete_form=ConfirmForm(), max_mb=f"{materials.max_upload_bytes() / (1024 * 1024):g}")
    return current_app.make_response((page, status))


def _show(form, rejected: materials.MaterialRejected) -> None:
    form[rejected.field if rejected.field in form else "url"].errors.append(rejected.message)


@bp.get(MATERIALS)
@guard
def materials_page(session_id: int):
    return _page(_session(session_id))


@bp.post(f"{MATERIALS}/slides")
@guard
def material_slides(session_id: int):
    item = _session(session_id)
    form = SlidesForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            materials.add_slides(db.session, current_user, item, title=form.title.data or "",
                                 filename=upload.filename or "", data=upload.read())
        except materials.MaterialRejected as rejected:
            _show(form, rejected)
        else:
            flash(_("The slides are on the session page."), "success")
            return redirect(url_for(".materials_page", session_id=item.id))
    return _page(item, slides_form=form, status=422)


@bp.post(f"{MATERIALS}/link")
@guard
def material_link(session_id: int):
    item = _session(session_id)
    form = MaterialLinkForm()
    if form.validate_on_submit():
        try:
            materials.add_link(db.session, current_user, item, kind=MaterialKind(form.kind.data),
                               title=form.title.data or "", url=form.url.data)
        except materials.MaterialRejected as rejected:
            _show(form, rejected)
        else:
            flash(_("The link is on the session page."), "success")
            return redirect(url_for(".materials_page", session_id=item.id))
    return _page(item, link_form=form, status=422)


@bp.post(f"{MATERIALS}/<int:material_id>/delete")
@guard
def material_delete(session_id: int, material_id: int):
    found = materials.find_material(db.session, require_event(), session_id, material_id)
    if found is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    materials.remove(db.session, current_user, found)
    flash(_("Removed."), "success")
    return redirect(url_for(".materials_page", session_id=session_id))
