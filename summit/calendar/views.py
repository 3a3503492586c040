"""iCal feeds and frab schedule exports."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)
