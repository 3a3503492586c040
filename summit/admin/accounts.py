"""Accounts, for the site's administrators: list, create, make an administrator or
not, give and take roles at events, deactivate, reset password."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from sqlalchemy import select

from .. import labels
from ..auth import roles, service
from ..auth.access import role_required
from ..auth.forms import (
    AccountEditForm,
    AccountForm,
    ActiveForm,
    EventRoleForm,
    PasswordForm,
    RemoveRoleForm,
)
from ..extensions import db
from ..i18n import localized
from ..models import Event, Role, User
from . import bp
from .navigation import add_entry

add_entry("admin.accounts", _l("Accounts"), roles=(), order=85)


def _account_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _details_form(user: User, **formdata) -> AccountEditForm:
    """The name and site role (from the request unless ``formdata=None``)."""
    return AccountEditForm(obj=user, administrator=user.role == Role.ADMIN, **formdata)


def _event_role_form(**formdata) -> EventRoleForm:
    form = EventRoleForm(**formdata)
    form.offer([(event.id, localized(event, "name") or event.slug)
                for event in roles.all_events(db.session)])
    return form


def _edit_page(user: User, details: AccountEditForm | None = None,
               password: PasswordForm | None = None, grant: EventRoleForm | None = None,
               status: int = 200):
    page = render_template(
        "admin/accounts/edit.html", user=user,
        form=details or _details_form(user, formdata=None),
        password_form=password or PasswordForm(formdata=None),
        grant_form=grant or _event_role_form(formdata=None),
        held=roles.roles_by_account(db.session).get(user.id, []),
        remove_form=RemoveRoleForm(),
    )
    return current_app.make_response((page, status))


@bp.get("/accounts")
@role_required()
def accounts():
    users = db.session.scalars(select(User).order_by(User.active.desc(), User.email)).all()
    return render_template("admin/accounts/list.html", users=users,
                           held=roles.roles_by_account(db.session))


@bp.route("/accounts/new", methods=["GET", "POST"])
@role_required()
def account_new():
    form = AccountForm()
    if form.validate_on_submit():
        try:
            user = service.add_account(db.session, current_user, form.email.data,
                                       form.password.data, form.administrator.data,
                                       form.name.data)
        except service.AccountError as refused:
            form.email.errors.append(str(refused))
        else:
            flash(_("The account %(email)s was created.", email=user.email), "success")
            # Where its roles at events are given.
            return redirect(url_for(".account_edit", user_id=user.id))
    page = render_template("admin/accounts/new.html", form=form)
    return current_app.make_response((page, 422 if form.is_submitted() else 200))


@bp.route("/accounts/<int:user_id>/edit", methods=["GET", "POST"])
@role_required()
def account_edit(user_id: int):
    user = _account_or_404(user_id)
    form = _details_form(user)
    if form.validate_on_submit():
        try:
            service.change_account(db.session, current_user, user, form.name.data,
                                   form.administrator.data)
        except service.AccountError as refused:
            form.administrator.errors.append(str(refused))
        else:
            flash(_("The account %(email)s was saved.", email=user.email), "success")
            return redirect(url_for(".accounts"))
    return _edit_page(user, form, status=422 if form.is_submitted() else 200)


@bp.post("/accounts/<int:user_id>/roles")
@role_required()
def account_grant_role(user_id: int):
    """Give the account a role at an event."""
    user = _account_or_404(user_id)
    form = _event_role_form()
    if not form.validate_on_submit():
        return _edit_page(user, grant=form, status=422)
    event = db.session.get(Event, int(form.event.data))
    roles.grant_event_role(db.session, current_user, user, event, Role(form.role.data))
    flash(_("%(email)s is now %(role)s at %(event)s.", email=user.email,
            role=labels.ROLES[Role(form.role.data)], event=localized(event, "name")),
          "success")
    return redirect(url_for(".account_edit", user_id=user.id))


@bp.post("/accounts/<int:user_id>/roles/<int:event_id>/remove")
@role_required()
def account_remove_role(user_id: int, event_id: int):
    """Take away the account's role at an event."""
    user = _account_or_404(user_id)
    event = db.session.get(Event, event_id) or abort(404)
    if not RemoveRoleForm().validate_on_submit():
        abort(400)
    roles.remove_event_role(db.session, current_user, user, event)
    flash(_("%(email)s holds no role at %(event)s any more.", email=user.email,
            event=localized(event, "name")), "success")
    return redirect(url_for(".account_edit", user_id=user.id))


@bp.post("/accounts/<int:user_id>/password")
@role_required()
def account_password(user_id: int):
    user = _account_or_404(user_id)
    form = PasswordForm()
    if not form.validate_on_submit():
        return _edit_page(user, password=form, status=422)
    service.set_password(db.session, current_user, user, form.password.data)
    if user.id == current_user.id:
        # Their other sessions end; the one that set the password goes on.
        login_user(user)
    flash(_("The password of %(email)s was changed.", email=user.email), "success")
    return redirect(url_for(".accounts"))


def _deactivate_page(user: User, form: ActiveForm, status: int = 200):
    page = render_template("admin/accounts/deactivate.html", user=user, form=form)
    return current_app.make_response((page, status))


@bp.route("/accounts/<int:user_id>/active", methods=["GET", "POST"])
@role_required()
def account_active(user_id: int):
    """GET asks to confirm a deactivation; POST deactivates (confirmed) or reactivates."""
    user = _account_or_404(user_id)
    form = ActiveForm()
    if not form.is_submitted():
        form.active.data = "0"
        return _deactivate_page(user, form)
    if not form.validate():
        if set(form.errors) != {"confirm"}:
            abort(400)
        return _deactivate_page(user, form, 422)
    try:
        service.set_active(db.session, current_user, user, form.active.data == "1")
    except service.AccountError as refused:
        flash(str(refused), "error")
    else:
        if user.active:
            flash(_("The account %(email)s can sign in again.", email=user.email), "success")
        else:
            flash(_("The account %(email)s is deactivated and signed out.", email=user.email),
                  "success")
    return redirect(url_for(".accounts"))
