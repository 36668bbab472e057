"""Organizer dashboards (placeholder blueprint, filled in below)."""

from flask import Blueprint

bp = Blueprint("stats", __name__, url_prefix="/stats")
