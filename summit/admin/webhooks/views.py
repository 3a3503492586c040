"""/admin/<event>/webhooks: the addresses told of the event's changes, for its organizers
and the site's administrators. A new webhook's secret is shown once, on the page its
creation redirects to (``shown_once``); each webhook's page shows its last deliveries.
A webhook is turned off rather than deleted, so that its log stays."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import webhooks
from ...auth.access import acting_user, role_required
from ...events.current import require_event
from ...extensions import db
from ...models import Role, WebhookKind
from .. import bp, shown_once
from ..addresses import EVENT
from ..navigation import add_entry
from .forms import KIND_LABELS, DisableForm, WebhookForm

add_entry("admin.webhooks_page", _l("Webhooks"), roles=(Role.ORGANIZER,), order=71)
SHOWN_ONCE = "webhook"


def _page(event, form: WebhookForm, secret: str | None = None, status: int = 200):
    return render_template(
        "admin/webhooks.html", event=event, form=form, disable_form=DisableForm(),
        webhooks=webhooks.event_webhooks(db.session, event.id), secret=secret,
        kind_labels=KIND_LABELS), status


@bp.route(f"{EVENT}/webhooks", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def webhooks_page():
    event = require_event()
    form = WebhookForm()
    if not form.is_submitted():
        return _page(event, form, secret=shown_once.take(SHOWN_ONCE, event.id))
    if not form.validate():
        return _page(event, form, status=422)
    try:
        webhook, secret = webhooks.create_webhook(
            db.session, acting_user(), event.id, form.url.data,
            [WebhookKind(value) for value in form.kinds.data])
    except webhooks.RefusedAddress:
        form.url.errors = [_("This address cannot receive webhooks: use an https:// address "
                             "whose name resolves to public addresses only.")]
        return _page(event, form, status=422)
    flash(_("Webhook for %(url)s created. Copy its secret now: it is shown only this once.",
            url=webhook.url), "success")
    shown_once.keep_for_next_page(SHOWN_ONCE, event.id, secret)
    return redirect(url_for(".webhooks_page"), 303)


@bp.get(f"{EVENT}/webhooks/<int:webhook_id>")
@role_required(Role.ORGANIZER)
def webhook_log(webhook_id: int):
    event = require_event()
    webhook = webhooks.find_webhook(db.session, event.id, webhook_id)
    if webhook is None:
        abort(404)
    return render_template("admin/webhook_log.html", event=event, webhook=webhook,
                           deliveries=webhooks.delivery_log(db.session, webhook.id),
                           kind_labels=KIND_LABELS)


@bp.post(f"{EVENT}/webhooks/<int:webhook_id>/disable")
@role_required(Role.ORGANIZER)
def webhook_disable(webhook_id: int):
    event = require_event()
    if not DisableForm().validate_on_submit():
        abort(400)
    webhook = webhooks.disable_webhook(db.session, acting_user(), event.id, webhook_id)
    if webhook is None:
        abort(404)
    flash(_("Webhook for %(url)s turned off: it is told of nothing more.", url=webhook.url),
          "success")
    return redirect(url_for(".webhooks_page"))
