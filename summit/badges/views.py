"""Badge PDFs: the attendee's own and the organizers' batch print."""

from flask import Blueprint

bp = Blueprint("badges", __name__)
