"""Every extension point of the platform, declared in the core for the packages above it.

A lower layer tells a higher one what happened, or asks it for something, through these hooks and
never through an import (tests/test_layers.py checks it). Two kinds:

- **signals** (blinker, as Flask uses) where many may listen, order does not matter and nothing is
  returned: the sender does not care who listens. Signals are process-wide, so receivers are
  module functions connected with ``weak=False`` (connecting again, for another app, is a no-op);
- **registries** (`Registry[T]`) where order matters or the caller uses what the providers return.
  Each package registers its providers in its `init_app(app)`; items are kept per app (tests build
  several apps in one process) and read back in registration order, which is layer order because
  `create_app` initialises the packages lowest layer first.

The core cannot import the classes of higher layers, so a course or a course pack is typed here as
`AnyCourse`/`AnyPack`; the callers and the providers, which live in those layers, type them fully.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeAlias, TypeVar

from blinker import Namespace
from flask import Flask, current_app

if TYPE_CHECKING:
    import sqlalchemy as sa
    from flask_babel import LazyString
    from flask_login import AnonymousUserMixin

    from training.accounts.models import User
    from training.events import LearningEvent

T = TypeVar("T")
_KEY = "training.hooks"  # app.extensions[_KEY][registry name] -> that app's items

#: A `courses.models.Course` (the core may not import it).
AnyCourse = Any
#: A `courses.packs.CoursePack` (the core may not import it).
AnyPack = Any
#: Whoever looks at a page: a signed-in `User` or Flask-Login's anonymous user.
Viewer: TypeAlias = "User | AnonymousUserMixin"


class Registry(Generic[T]):
    """An ordered extension point: what packages register on an app, in registration order."""

    def __init__(self, name: str) -> None:
        self.name = name

    def register(self, app: Flask, item: T) -> None:
        """Add `item` for `app`; called from a package's `init_app`."""
        # One dict under one key: each app owns its lists, so apps never share providers.
        app.extensions.setdefault(_KEY, {}).setdefault(self.name, []).append(item)

    def items(self, app: Flask | None = None) -> list[T]:
        """A copy of what is registered on `app` (the current app by default), in order."""
        return list((app or current_app).extensions.get(_KEY, {}).get(self.name, []))

    def __iter__(self) -> Iterator[T]:
        return iter(self.items())


# ---- signals ---------------------------------------------------------------------------------

_signals = Namespace()

progress_changed = _signals.signal("progress-changed")
"""A learner's progress in a course changed (a lesson done, a quiz passed).

Sent by courses and quizzes as ``send(None, user_id=..., course_id=...)``; receivers are
`ProgressReceiver`s (certificates issue on completion). A signal: any number may listen.
"""

event_recorded = _signals.signal("event-recorded")
"""A learning event was added to the session, in the same transaction.

Sent by training.events as ``send(None, event=...)``; receivers are `EventReceiver`s
(statistics keep their counters in step with the log). A signal: any number may listen.
"""


class ProgressReceiver(Protocol):
    """Listens to `progress_changed`: the learner and the course whose progress changed."""

    def __call__(self, sender: object, /, *, user_id: int, course_id: int) -> None: ...


class EventReceiver(Protocol):
    """Listens to `event_recorded`: the event just added (not yet flushed)."""

    def __call__(self, sender: object, /, *, event: LearningEvent) -> None: ...


# ---- the site header and the home page -------------------------------------------------------


@dataclass(frozen=True)
class NavLink:
    """A link in the site header: its (lazily translated) label, endpoint, place and audience."""

    label: LazyString  # lazy_gettext: translated each time the header renders
    endpoint: str
    order: int  # lower first; the core's and the packages' links interleave by this number
    visible: Callable[[Viewer], bool]  # True when the header shows the link to this viewer


def everyone(_viewer: Viewer) -> bool:
    """`NavLink.visible` for links every visitor sees."""
    return True


def signed_in(viewer: Viewer) -> bool:
    """`NavLink.visible` for links every signed-in user sees."""
    return bool(viewer.is_authenticated)


def holding(*roles: str) -> Callable[[Viewer], bool]:
    """`NavLink.visible` for signed-in users with any of `roles`; administrators see them too."""

    def visible(viewer: Viewer) -> bool:
        return bool(viewer.is_authenticated and (viewer.is_admin or viewer.has_role(*roles)))

    return visible


navigation: Registry[NavLink] = Registry("navigation")
"""The header's links. Provided by the core (its own pages) and each package with pages of its
own; read by training.main for base.html, which shows the visible ones sorted by `order`.
A registry: the header needs the links back, in a fixed order."""


@dataclass(frozen=True)
class FooterLink:
    """A link in every page's footer, after the privacy notice: (lazily translated) label and
    endpoint, shown to everyone."""

    label: LazyString
    endpoint: str


footer_links: Registry[FooterLink] = Registry("footer_links")
"""The footer's links to a package's public pages (certificates: the code form, for someone
handed a printed code). Read by training.main for base.html, in registration order."""


@dataclass(frozen=True)
class HomeSection:
    """A section of the home page: `render` returns HTML from the package's own autoescaped
    template (empty to show nothing to this viewer); `order` places it, lower first."""

    render: Callable[[], str]
    order: int


home_sections: Registry[HomeSection] = Registry("home_sections")
"""Sections of the home page. Provided by assignments (work waiting for a trainer's review) and
courses (my courses, the catalog's newest); called by training.main.home, sorted by `order`."""


# ---- course pages ----------------------------------------------------------------------------


class StepSource(Protocol):
    """A package's steps of courses' learning paths and learners' states of them.

    Gets published courses, learner ids (maybe none) and `since` (count only what was done
    after it); returns a `courses.path.Found`, reading the database in one statement however
    many courses and learners it is asked about.
    """

    def __call__(
        self, courses: list[AnyCourse], user_ids: list[int], since: datetime | None, /
    ) -> Any: ...


path_steps: Registry[StepSource] = Registry("path_steps")
"""Steps of the learning path besides lessons: module tests and the final test (quizzes), later
assignments. Provided by those packages; called by courses.path for every progress figure and
"what next". A registry: steps are placed in registration order within their module."""


@dataclass(frozen=True)
class ModuleDates:
    """When a module opens for a learner and when its work is due (either may be None)."""

    opens_at: datetime | None = None
    due_at: datetime | None = None


class DatesSource(Protocol):
    """Module dates of learners in courses: {(user id, course id, module key): ModuleDates}.

    Gets published courses and learner ids (never empty); reads the database in one statement
    however many it is asked about.
    """

    def __call__(
        self, courses: list[AnyCourse], user_ids: list[int], /
    ) -> dict[tuple[int, int, str], ModuleDates]: ...


path_dates: Registry[DatesSource] = Registry("path_dates")
"""Open and due dates of modules for learners (a cohort's schedule). Provided by cohorts;
called by courses.path, which locks a module's steps until it opens and shows both dates. A
registry: the first provider that dates a module decides; none registered, no dates."""


class CourseSection(Protocol):
    """HTML for a course page shown to `user` (signed in and enrolled): "" shows nothing."""

    def __call__(self, course: AnyCourse, user: User, /) -> str: ...


course_sections: Registry[CourseSection] = Registry("course_sections")
"""Blocks on a course page for an enrolled learner (a cohort's announcements). Provided by
cohorts; called by the courses course view. A registry: blocks are shown in order."""


class CourseTeacher(Protocol):
    """Whether `user` (signed in) teaches the course without being one of its authors."""

    def __call__(self, course: AnyCourse, user: User, /) -> bool: ...


course_teachers: Registry[CourseTeacher] = Registry("course_teachers")
"""Who, besides a course's authors and administrators, reads its published lessons without
enrolling (to answer the questions under them). Provided by cohorts (the trainers of its
cohorts); called by the courses lesson view. A registry: any provider saying yes decides."""


class GroupLearners(Protocol):
    """The learners whose work `user` reviews as the trainer of their group: a statement
    selecting (learner_id, course_id) pairs, or None when the user runs no group."""

    def __call__(self, user: User, /) -> sa.Select | None: ...


group_learners: Registry[GroupLearners] = Registry("group_learners")
"""Whose work a trainer reviews besides that of the courses they author: the learners of the
groups they run, course by course. Provided by cohorts (a cohort's trainers and members);
read by courses.reviewers, which assignments and quizzes ask who reviews sent work and essays.
A registry: the pairs of every provider count."""


class CompletionNotice(Protocol):
    """HTML telling a learner what finishing the course gave them (e.g. the certificate)."""

    def __call__(self, course: AnyCourse, user: User, /) -> str: ...


completion_notices: Registry[CompletionNotice] = Registry("completion_notices")
"""What the course-end page and the final result page announce once a course is finished.
Provided by certificates (PDF, check page, public name); called by courses and quizzes. A
registry: notices are shown in order; an empty string shows nothing."""


class Awards(Protocol):
    """For a learner's courses, what they earned: {course id: (label, url)}, in one statement."""

    def __call__(self, course_ids: list[int], user_id: int, /) -> dict[int, tuple[str, str]]: ...


course_awards: Registry[Awards] = Registry("course_awards")
"""What a learner earned in each course, shown on course cards (home, catalog) and the course
page. Provided by certificates; called by courses. A registry: the first award of a course
shown is the first provider's."""


class AuthorLinks(Protocol):
    """Links for the course's authoring page: [(label, url)]."""

    def __call__(self, course: AnyCourse, /) -> list[tuple[str, str]]: ...


author_course_links: Registry[AuthorLinks] = Registry("author_course_links")
"""Tools of other packages on a course's authoring page. Provided by quizzes and certificates;
called by the courses authoring view. A registry: providers return links, shown in order."""


class MediaUse(Protocol):
    """Whether learners are shown something that refers to the course's file `filename`."""

    def __call__(self, course: AnyCourse, filename: str, /) -> bool: ...


public_media_uses: Registry[MediaUse] = Registry("public_media_uses")
"""Uses of a course's media beyond its published lessons (question texts). Provided by quizzes;
called by courses before serving a file to someone who cannot edit the course. A registry: the
first provider that says yes decides."""


class PublishCheck(Protocol):
    """Problems a trainer should know before publishing the course's draft: [message]."""

    def __call__(self, course: AnyCourse, /) -> list[str]: ...


publish_checks: Registry[PublishCheck] = Registry("publish_checks")
"""Warnings on a course's publish page (e.g. a required quiz closed to learners or without
questions, a module with neither lessons nor quizzes). Provided by quizzes; called by the
courses publish view, which lists them before the button. A registry: providers return
translated messages, shown in registration order; they inform and never block."""


class LessonSection(Protocol):
    """HTML shown below a lesson's text to `viewer`: an enrolled learner (`learning` True), or
    one who teaches the course reading it without enrolling.

    Gets the course, the lesson's key, the viewer and `learning`; returns HTML from the
    provider's own autoescaped template ("" for nothing). The lesson page's statements are
    counted: a section reads the database in at most one statement.
    """

    def __call__(
        self, course: AnyCourse, lesson_key: str, viewer: Viewer, learning: bool, /
    ) -> str: ...


lesson_sections: Registry[LessonSection] = Registry("lesson_sections")
"""Sections below a published lesson's text (not in an author's preview). Provided by cohorts
(the questions under the lesson); called by the courses lesson view, which renders them in
order. A registry: the page needs the HTML back, in a fixed order."""


# ---- course packs ----------------------------------------------------------------------------


class PackExporter(Protocol):
    """Writes a package's part of a course into the pack being built (mutates `pack`)."""

    def __call__(self, course: AnyCourse, pack: AnyPack, /) -> None: ...


class PackImporter(Protocol):
    """Applies a package's part of an imported pack to the course; raises PackError to refuse."""

    def __call__(self, course: AnyCourse, pack: AnyPack, user: User, /) -> None: ...


pack_exporters: Registry[PackExporter] = Registry("pack_exporters")
"""Parts of a course pack beyond the outline. Provided by quizzes and certificates; called by
courses when a pack is built. A registry: a fixed order keeps exports byte-for-byte equal."""

pack_importers: Registry[PackImporter] = Registry("pack_importers")
"""Applying those parts on import. Provided by quizzes and certificates; called by courses
inside the import's transaction. A registry: layer order (quizzes exist before a certificate
rule names them) and the first refusal stops the import."""


# ---- demo data and personal data -------------------------------------------------------------

DemoLoader = Callable[[], list[str]]
"""Loads a package's demo content once; returns what it added (e.g. ["2 courses"])."""

demo_loaders: Registry[DemoLoader] = Registry("demo_loaders")
"""Demo content of the packages. Provided by courses (starter courses) and stats (activity);
called by `flask demo load` after the core's accounts. A registry: layer order (activity needs
the courses) and the command reports what each returned."""

PersonalDataExporter = Callable[["User"], dict[str, Any]]
"""A package's files of a person's export: {file name: bytes, or JSON-able for *.json}."""

PersonalDataEraser = Callable[["User"], None]
"""Erases or detaches a package's rows about a person; may raise ServiceError to refuse."""

personal_data_exporters: Registry[PersonalDataExporter] = Registry("personal_data_exporters")
"""Files of the person's data export. Provided by each package holding personal data; called by
training.privacy. A registry: providers return files (two claiming one name is a bug)."""

personal_data_erasers: Registry[PersonalDataEraser] = Registry("personal_data_erasers")
"""Account deletion's parts, in its one transaction. Provided by each package holding personal
data; called by training.privacy highest layer first (reverse registration order), before the
core anonymises the learning record and deletes the account. A registry: order matters."""

RetentionPurger = Callable[["sa.Select", bool], tuple[str, int]]
"""Applies the retention rule to a package's rows of inactive accounts (`inactive`: a SELECT of
their user ids; `dry_run`: only count); returns what it did and how many rows, for the report."""

retention_purgers: Registry[RetentionPurger] = Registry("retention_purgers")
"""Parts of `flask privacy purge` beyond the learning record and messages. Provided by packages
keeping what people wrote (questions under lessons); called by training.privacy in layer order."""


# ---- notifications ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification: its name, its label on the preferences page, the sentence it
    shows and the page it leads to, both built from the facts stored with each notification
    (`text` runs in the reader's language; `link` returns a path on this site, or None)."""

    name: str  # stored with each notification; at most 40 characters
    label: LazyString
    text: Callable[[dict[str, Any]], str]
    link: Callable[[dict[str, Any]], str | None]
    email_by_default: bool = True  # with a verified address, also by e-mail unless turned off


notification_kinds: Registry[NotificationKind] = Registry("notification_kinds")
"""The kinds of in-app notification. Provided by the core (a reset code issued for my account,
a role granted) and by packages for their own events (certificates: a certificate issued);
read by training.notifications, which stores, shows, mails and offers preferences per kind
without knowing who sends. A registry: the preferences page lists kinds in this order, and a
notification of a kind nobody registered is a bug."""
