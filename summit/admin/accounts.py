"""Organizer accounts, for administrators: list, create, change role, deactivate,
reset password."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from sqlalchemy import select

from ..auth import service
from ..auth.access import role_required
from ..auth.forms import AccountEditForm, AccountForm, ActiveForm, PasswordForm
from ..extensions import db
from ..models import Role, User
from . import bp
from .navigation import add_entry

add_entry("admin.accounts", _l("Accounts"), roles=(), order=85)


def _account_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _edit_page(user: User, details: AccountEditForm, password: PasswordForm, status: int = 200):
    page = render_template("admin/accounts/edit.html", user=user, form=details,
                           password_form=password)
    return current_app.make_response((page, status))


@bp.get("/accounts")
@role_required()
def accounts():
    users = db.session.scalars(select(User).order_by(User.active.desc(), User.email)).all()
    return render_template("admin/accounts/list.html", users=users)


@bp.route("/accounts/new", methods=["GET", "POST"])
@role_required()
def account_new():
    form = AccountForm()
    if form.validate_on_submit():
        try:
            user = service.add_account(db.session, current_user, form.email.data,
                                       form.password.data, Role(form.role.data), form.name.data)
        except service.AccountError as refused:
            form.email.errors.append(str(refused))
        else:
            flash(_("The account %(email)s was created.", email=user.email), "success")
            return redirect(url_for(".accounts"))
    page = render_template("admin/accounts/new.html", form=form)
    return current_app.make_response((page, 422 if form.is_submitted() else 200))


@bp.route("/accounts/<int:user_id>/edit", methods=["GET", "POST"])
@role_required()
def account_edit(user_id: int):
    user = _account_or_404(user_id)
    form = AccountEditForm(obj=user, role=user.role.value)
    if form.validate_on_submit():
        try:
            service.change_account(db.session, current_user, user, form.name.data,
                                   Role(form.role.data))
        except service.AccountError as refused:
            form.role.errors.append(str(refused))
        else:
            flash(_("The account %(email)s was saved.", email=user.email), "success")
            return redirect(url_for(".accounts"))
    return _edit_page(user, form, PasswordForm(formdata=None), 422 if form.is_submitted() else 200)


@bp.post("/accounts/<int:user_id>/password")
@role_required()
def account_password(user_id: int):
    user = _account_or_404(user_id)
    form = PasswordForm()
    if not form.validate_on_submit():
        details = AccountEditForm(formdata=None, obj=user, role=user.role.value)
        return _edit_page(user, details, form, 422)
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
