"""The transaction rule: refused calls are undone, failed forms answer 422, commands commit once."""

from __future__ import annotations

import click
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask, get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField

from training.db import after_commit
from training.errors import ServiceError
from training.extensions import db
from training.organizations.models import Organization, OrgKind
from training.organizations.services import create_organization
from training.transaction import commits, form_status, service_errors


def _names() -> set[str]:
    return set(db.session.scalars(sa.select(Organization.name)))


def test_refusal_undoes_only_the_calls_inside(app: Flask, ctx: None) -> None:
    top = create_organization("Before", OrgKind.FEDERAL, None)
    with service_errors() as outcome:
        create_organization("Inside", OrgKind.REGIONAL, top)
        db.session.flush()
        raise ServiceError("refused")
    assert outcome.error is not None and outcome.error.message == "refused"
    assert not outcome.ok
    assert _names() == {"Before"}
    assert get_flashed_messages(with_categories=True) == [("error", "refused")]


def test_success_keeps_the_writes(app: Flask, ctx: None) -> None:
    with service_errors() as outcome:
        create_organization("Kept", OrgKind.FEDERAL, None)
    assert outcome.ok
    assert _names() == {"Kept"}
    assert get_flashed_messages() == []


class _NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()


def test_refusal_goes_to_its_field_and_the_form_answers_422(app: Flask, database: None) -> None:
    with app.test_request_context(method="POST", data={"name": "x"}):
        form = _NameForm()
        assert form_status(form) == 200
        with service_errors(form):
            raise ServiceError("taken", field="name")
        assert form.name.errors == ["taken"]
        assert form_status(form) == 422
        assert get_flashed_messages() == []


def test_other_errors_are_not_swallowed(app: Flask, ctx: None) -> None:
    with pytest.raises(RuntimeError), service_errors():
        raise RuntimeError("bug")


def test_after_commit_callbacks_of_undone_calls_are_dropped(app: Flask, ctx: None) -> None:
    ran: list[str] = []
    after_commit(lambda: ran.append("before"))
    with service_errors():
        after_commit(lambda: ran.append("inside"))
        raise ServiceError("refused")
    db.session.commit()
    assert ran == ["before"]


def test_after_commit_callbacks_wait_for_the_real_commit(app: Flask, ctx: None) -> None:
    """A released savepoint (a service call that succeeded) is not the commit: others cannot
    see its rows yet, so mail delivery or file writes registered inside must wait."""
    ran: list[str] = []
    after_commit(lambda: ran.append("before"))
    with service_errors():
        after_commit(lambda: ran.append("inside"))
    assert ran == []
    db.session.commit()
    assert ran == ["before", "inside"]


def test_command_commits_once_or_rolls_back(app: Flask, database: None) -> None:
    @click.command()
    @click.argument("name")
    @click.option("--refuse", is_flag=True)
    @commits
    def make(name: str, refuse: bool) -> None:
        create_organization(name, OrgKind.FEDERAL, None)
        db.session.flush()
        if refuse:
            raise ServiceError("no such thing")

    runner = CliRunner()
    with app.app_context():
        refused = runner.invoke(make, ["Refused", "--refuse"])
        assert refused.exit_code == 1
        assert "no such thing" in refused.output
        assert _names() == set()
        made = runner.invoke(make, ["Made"])
        assert made.exit_code == 0, made.output
        db.session.rollback()  # a fresh transaction sees only what was committed
        assert _names() == {"Made"}
