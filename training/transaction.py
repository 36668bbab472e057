"""The transaction rule for views and commands: commit once at the end, or roll back.

A request commits in `training.web.install_request_transaction` when its response is below
400 and rolls back otherwise (and on any exception). Views never commit or roll back
themselves; they use `service_errors` around a service call, which undoes that call's writes
when the service refuses and shows the refusal, and `render_form`, which answers a failed
form with 422 so the hook rolls the request back. Commands use `@commits`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import click
from flask import flash, render_template, request
from flask_wtf import FlaskForm

from training.errors import ServiceError, show_error
from training.extensions import db

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class Outcome:
    """What happened inside `service_errors`: `error` is the refusal, if there was one."""

    error: ServiceError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def service_errors(form: FlaskForm | None = None, *, show: bool = True) -> Iterator[Outcome]:
    """Run service calls in a savepoint; a ServiceError undoes them and is shown to the user.

    The refusal goes to the form field it names (or is flashed when there is no form or no
    such field); with `show=False` the caller shows `outcome.error` itself. Only ServiceError
    is caught: anything else is a bug and reaches the error handler, which rolls the whole
    request back.
    """
    outcome = Outcome()
    session = db.session()
    pending = len(session.info.get("after_commit", []))
    savepoint = session.begin_nested()
    try:
        yield outcome
    except ServiceError as error:
        savepoint.rollback()
        # Side effects registered by the undone calls must not run at the request's commit.
        del session.info.get("after_commit", [])[pending:]
        outcome.error = error
        if not show:
            return
        if form is not None:
            show_error(form, error)
        else:
            flash(error.message, "error")
    else:
        savepoint.commit()


@contextmanager
def undone() -> Iterator[None]:
    """Run the block in a savepoint that is always rolled back: the dry runs of commands."""
    savepoint = db.session.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()


def form_status(form: FlaskForm) -> int:
    """422 for a submitted form that has errors or a flashed refusal (the request then rolls
    back), else 200."""
    failed = form.errors or getattr(form, "refused", False)
    return 422 if request.method == "POST" and failed else 200


def render_form(template: str, form: FlaskForm, **context: Any) -> tuple[str, int]:
    """Render a page holding `form`, with 422 when its submission failed.

    The first field with an error gets the focus (`field.first_error`, read by the field
    macro), so keyboard and screen-reader users land where the correction is needed.
    """
    errored = next((f for f in form if f.errors), None)
    if errored is not None:
        errored.first_error = True  # type: ignore[attr-defined]
    return render_template(template, form=form, **context), form_status(form)


def commits(command: Callable[P, R]) -> Callable[P, R]:
    """A CLI command is one transaction: committed when it returns, rolled back otherwise.

    A ServiceError becomes the command's error message (exit 1); nothing it wrote remains.
    """

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = command(*args, **kwargs)
        except ServiceError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from error
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return result

    return run
