"""Organizers' login and logout."""

from __future__ import annotations

import math

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..extensions import db
from ..models import utcnow
from ..user_input import local_path
from . import service
from .forms import LoginForm

bp = Blueprint("auth", __name__, url_prefix="/admin")


def _login_page(form: LoginForm, status: int, **extra):
    page = render_template("auth/login.html", form=form, **extra)
    return current_app.make_response((page, status))


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = local_path(request.args.get("next")) or url_for("admin.index")
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    if not form.validate_on_submit():
        return _login_page(form, 422 if form.is_submitted() else 200)
    try:
        user = service.authenticate(
            db.session, form.email.data, form.password.data, request.remote_addr or "unknown"
        )
    except service.SignInRefused as refused:
        minutes = max(1, math.ceil((refused.retry_at - utcnow()).total_seconds() / 60))
        response = _login_page(form, 429, refused_minutes=minutes)
        response.headers["Retry-After"] = str(minutes * 60)
        return response
    if user is None:
        return _login_page(form, 422, wrong=True)
    # A fresh session: nothing from before signing in survives into it.
    session.clear()
    login_user(user, remember=form.remember.data)
    return redirect(target)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Copies of this session's cookies, and the account's other sessions, end too.
        service.sign_out(db.session, current_user._get_current_object())
    # Cleared first: logout_user() then leaves the note that deletes a remember-me cookie.
    session.clear()
    logout_user()
    flash(_("You have signed out."), "success")
    response = redirect(url_for(".login"))
    # What the check-in desk kept on this device (the event's list, its service worker
    # and cached pages) goes with the session.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response
