"""A cohort's trainer who does not co-author its course reviews the work and grades the essays
of their cohort's learners, and nobody else's (courses.reviewers, hooks.group_learners)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from assignments import reviewing, submitting
from assignments.files import Upload
from assignments.models import BY_TRAINER, Review, Submission
from cohorts import services as cohort_services
from cohorts.models import Cohort, CohortTrainer
from courses import learning
from courses.reviewers import ReviewScope, review_scope, reviews_learner
from quizzes import attempts
from quizzes.models import Attempt, AttemptItem
from tests.assignment_helpers import PDF, build_assignment
from tests.cohort_helpers import make_cohort
from tests.conftest import count_queries, login, post
from tests.test_essays import essay_items, essay_quiz, grade_fields, ready_learner
from training.accounts.models import Role, User
from training.accounts.services import set_roles
from training.extensions import db
from training.notifications.models import Notification

GRADE = {"level-0": "2", "level-1": "1", "feedback": "Хорошая заметка", "decision": "accepted"}


@pytest.fixture(autouse=True)
def stored_files(app, tmp_path, monkeypatch):
    """Handed-in files go to this test's own folder."""
    monkeypatch.setitem(app.config, "SUBMISSIONS_ROOT", str(tmp_path / "submissions"))


@pytest.fixture
def groups(app, users, make_user):
    """Two courses of the trainer, each with a cohort co-run by "helper" (a trainer who
    authors neither). "member" is in both cohorts; "outsider" takes both courses on their own.
    Each sent a note with a file and an essay test that waits for a grade."""
    helper = make_user("helper", Role.TRAINER, org="north")
    member, outsider = make_user("member"), make_user("outsider")
    with app.test_request_context():
        course, assignment = build_assignment(users["trainer"], slug="notes", hand_in="both")
        quiz = essay_quiz(users["trainer"])
        cohorts = [
            make_cohort(c, users["trainer"], name, co_trainers=["helper"])[0]
            for c, name in ((course, "Заметки"), (quiz.course, "Практика"))
        ]
        for cohort in cohorts:
            cohort_services.join(db.session.merge(cohort), db.session.merge(member))
        learning.enroll(outsider.id, course)
        works, tests = {}, {}
        for person in (member, outsider):
            upload = Upload(f"{person.username}.pdf", "application/pdf", PDF)
            works[person.username] = submitting.submit(
                assignment, person.id, f"Заметка {person.username}", [upload], 0
            ).id
            ready_learner(person, quiz)
            attempt = attempts.start(quiz, person.id)
            attempts.submit(attempt, person.id, {attempt.items[0].id: "Ответ"})
            tests[person.username] = attempt.id
        db.session.commit()
        return {
            "helper": helper,
            "course": course,
            "quiz": quiz,
            "cohorts": [c.id for c in cohorts],
            "works": works,
            "tests": tests,
            "file": {name: _file_of(work) for name, work in works.items()},
        }


def _file_of(submission_id: int) -> int:
    return db.session.get(Submission, submission_id).files[0].id


def signed_in(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def flat(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def review_url(groups, who: str) -> str:
    return f"/author/notes/submissions/{groups['works'][who]}"


def grade_url(groups, who: str) -> str:
    quiz = groups["quiz"]
    return f"/author/info-work/quizzes/{quiz.key}/attempts/{groups['tests'][who]}/grade"


def test_the_cohort_trainer_is_told_of_their_cohorts_work_only(app, groups):
    home = flat(signed_in(app, "helper").get("/"))
    assert "<h2>Проверка работ</h2>" in home
    assert "1 работа по заданию ждёт вашей проверки." in home  # not the outsider's
    assert "1 тест с развёрнутыми ответами ждёт оценки." in home
    queue = flat(signed_in(app, "helper").get("/author/review"))
    assert "member" in queue and "outsider" not in queue
    assert queue.count('data-label="Слушатель">member<') == 2  # the note and the essay test
    # The course filter offers the two courses where they review someone, and nothing else.
    assert re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', queue) == sorted(
        [groups["course"].title, groups["quiz"].course.title]
    )
    # The course's author still sees both learners' work.
    assert "outsider" in flat(signed_in(app, "trainer").get("/author/review"))


def test_the_cohort_trainer_reviews_a_member_and_the_learner_is_told(app, groups):
    helper = signed_in(app, "helper")
    page = flat(helper.get(review_url(groups, "member")))
    assert "Заметка member" in page and "Сохранить проверку" in page
    assert post(helper, review_url(groups, "member"), GRADE).status_code == 302
    db.session.expire_all()
    submission = db.session.get(Submission, groups["works"]["member"])
    assert submission.status == "accepted"
    assert [r.reviewer_id for r in submission.reviews] == [groups["helper"].id]
    member = db.session.scalar(sa.select(User).where(User.username == "member"))
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == member.id)
    )
    assert "assignment_accepted" in list(kinds)
    # The file the member handed in, under its own name.
    download = helper.get(
        f"/courses/notes/assignments/{submission.assignment.key}/files/{groups['file']['member']}"
    )
    assert download.status_code == 200 and download.data == PDF
    assert "member.pdf" in download.headers["Content-Disposition"]
    download.close()


def test_the_work_of_a_learner_outside_their_cohorts_is_refused_and_unchanged(app, groups):
    helper = signed_in(app, "helper")
    url = review_url(groups, "outsider")
    assert helper.get(url).status_code == 403
    assert post(helper, url, GRADE).status_code == 403
    key = db.session.get(Submission, groups["works"]["outsider"]).assignment.key
    download = helper.get(f"/courses/notes/assignments/{key}/files/{groups['file']['outsider']}")
    assert download.status_code == 403
    download.close()
    db.session.expire_all()
    assert db.session.get(Submission, groups["works"]["outsider"]).status == "waiting"
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0
    # A submission of another course under this course's address is not found at all.
    assert (
        helper.get("/author/info-work/submissions/" + str(groups["works"]["member"])).status_code
        == 404
    )


def test_the_cohort_trainer_grades_a_members_essay_but_not_an_outsiders(app, groups):
    member = db.session.scalar(sa.select(User).where(User.username == "member"))
    member.display_name = "Мария Петрова"  # named as every other page names learners
    db.session.commit()
    helper = signed_in(app, "helper")
    page = flat(helper.get(grade_url(groups, "member")))
    # Not an author of the test: back to the home page and its review block, not to authoring.
    assert '<a href="/">← На главную страницу</a>' in page
    assert f'href="/author/info-work/quizzes/{groups["quiz"].key}"' not in page
    assert "<dt>Слушатель</dt><dd>Мария Петрова</dd>" in page.replace("> <", "><")
    attempt = db.session.get(Attempt, groups["tests"]["member"])
    item = essay_items(attempt)[0]
    assert (
        post(helper, grade_url(groups, "member"), grade_fields(item, "1", "Верно")).status_code
        == 302
    )
    outsider_attempt = db.session.get(Attempt, groups["tests"]["outsider"])
    theirs = essay_items(outsider_attempt)[0]
    assert helper.get(grade_url(groups, "outsider")).status_code == 403
    refused = post(helper, grade_url(groups, "outsider"), grade_fields(theirs, "1", "Верно"))
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(AttemptItem, item.id).graded_at is not None
    assert db.session.get(Attempt, attempt.id).score is not None
    assert db.session.get(AttemptItem, theirs.id).graded_at is None
    assert db.session.get(Attempt, outsider_attempt.id).score is None


def test_leaving_the_cohort_or_the_trainer_role_ends_the_right(app, groups, users):
    url = review_url(groups, "member")
    assert signed_in(app, "helper").get(url).status_code == 200
    with app.test_request_context():
        cohort_id = groups["cohorts"][0]
        db.session.delete(db.session.get(CohortTrainer, (cohort_id, groups["helper"].id)))
        db.session.commit()
    assert signed_in(app, "helper").get(url).status_code == 403
    # Still in the essay test's cohort: that one stays theirs, until the role goes.
    assert signed_in(app, "helper").get(grade_url(groups, "member")).status_code == 200
    with app.test_request_context():
        helper = db.session.merge(groups["helper"])
        set_roles(helper, {Role.LEARNER})
        db.session.commit()
        assert review_scope(helper).empty
    assert signed_in(app, "helper").get(grade_url(groups, "member")).status_code == 403
    home = flat(signed_in(app, "helper").get("/"))
    assert "Проверка работ" not in home


def test_the_cohort_learner_page_leads_to_the_review_and_the_grading(app, groups):
    helper = signed_in(app, "helper")
    member = db.session.scalar(sa.select(User).where(User.username == "member"))
    notes, practice = groups["cohorts"]
    page = flat(helper.get(f"/cohorts/{notes}/learners/{member.id}"))
    assert f'<a href="{review_url(groups, "member")}">Заметка для сайта</a>' in page
    page = flat(helper.get(f"/cohorts/{practice}/learners/{member.id}"))
    assert f'<a href="{grade_url(groups, "member")}">оценить ответы</a>' in page


def test_the_scope_is_one_statement_and_matches_the_rule(app, groups, users):
    with app.test_request_context():
        helper = db.session.merge(groups["helper"])
        assert helper.has_role(Role.TRAINER)  # loaded, as the request's user is
        with count_queries() as seen:
            scope = review_scope(helper)
        assert len(seen) == 1
        course, other = groups["course"], groups["quiz"].course
        assert scope.whole == [] and scope.partial == sorted([course.id, other.id])
        assert scope.course_ids == scope.partial and not scope.empty
        member, outsider = (
            db.session.scalar(sa.select(User.id).where(User.username == name))
            for name in ("member", "outsider")
        )
        course = db.session.merge(course)
        assert reviews_learner(course, member, helper)
        assert not reviews_learner(course, outsider, helper)
        author = review_scope(db.session.merge(users["trainer"]))
        assert author.whole == sorted([course.id, other.id]) and author.partial == []
        assert review_scope(db.session.merge(users["admin"])).whole is None
        assert review_scope(db.session.merge(users["learner"])).empty
        # Narrowed to one course, and to a course outside the scope.
        assert scope.narrowed(course.id).partial == [course.id]
        assert scope.narrowed(99_999).empty
        assert ReviewScope(None, []).narrowed(course.id).whole == [course.id]


def test_discarding_a_review_follows_whose_work_it_is(app, groups, users):
    """A cohort's trainer may discard a review of their member's work (only peer reviews are
    discarded: a trainer's is refused with a message) and not one of an outsider's."""
    with app.test_request_context():
        reviews = {
            who: Review(
                submission_id=groups["works"][who],
                reviewer_id=users["trainer"].id,
                kind=BY_TRAINER,
                levels={},
                feedback="",
            )
            for who in ("member", "outsider")
        }
        db.session.add_all(reviews.values())
        db.session.commit()
        ids = {who: review.id for who, review in reviews.items()}
    helper = signed_in(app, "helper")
    refused = post(helper, f"/author/notes/reviews/{ids['outsider']}/discard")
    assert refused.status_code == 403
    allowed = post(helper, f"/author/notes/reviews/{ids['member']}/discard")
    assert allowed.status_code == 302
    assert "Отклонить можно только отзыв участника." in flat(helper.get(allowed.location))
    db.session.expire_all()
    assert all(db.session.get(Review, i).discarded_at is None for i in ids.values())


def test_the_cohort_form_says_what_co_trainers_may_do(app, groups):
    page = flat(signed_in(app, "trainer").get(f"/cohorts/{groups['cohorts'][0]}/settings"))
    assert "проверяют работы её слушателей и оценивают их развёрнутые ответы" in page


def test_the_cohort_page_lists_its_learners_work_waiting_for_review(app, groups):
    notes, practice = groups["cohorts"]
    for who in ("helper", "trainer"):  # the co-trainer, and the author who runs it too
        page = flat(signed_in(app, who).get(f"/cohorts/{notes}"))
        waiting = page.split("<h2>Ждут вашей проверки</h2>")[1].split("<h2>Журнал</h2>")[0]
        assert f'href="{review_url(groups, "member")}"' in waiting, who
        assert '<span class="step-kind">Задание</span>' in waiting
        assert 'data-label="Слушатель">member</td>' in waiting
        assert "outsider" not in waiting and "Ничего не ждёт проверки." not in waiting
    essays = flat(signed_in(app, "helper").get(f"/cohorts/{practice}"))
    assert f'href="{grade_url(groups, "member")}"' in essays
    assert grade_url(groups, "outsider") not in essays
    assert post(signed_in(app, "helper"), review_url(groups, "member"), GRADE).status_code == 302
    page = flat(signed_in(app, "helper").get(f"/cohorts/{notes}"))
    assert '<h2>Ждут вашей проверки</h2> <p class="muted">Ничего не ждёт проверки.</p>' in page


def test_the_desk_counts_what_waits_in_each_cohort_in_two_statements(app, groups):
    page = flat(signed_in(app, "helper").get("/cohorts/"))
    for cohort_id in groups["cohorts"]:  # the member's note in one, their essay test in the other
        cell = f'data-label="Ждут проверки"><a href="/cohorts/{cohort_id}">1</a></td>'
        assert cell in page
    with app.test_request_context(), count_queries() as seen:
        counts = cohort_services.waiting_by_cohort([*groups["cohorts"], 99_999])
    assert counts == {groups["cohorts"][0]: 1, groups["cohorts"][1]: 1, 99_999: 0}
    assert len(seen) == 2
    assert post(signed_in(app, "helper"), review_url(groups, "member"), GRADE).status_code == 302
    page = flat(signed_in(app, "helper").get("/cohorts/"))
    assert 'data-label="Ждут проверки">0</td>' in page


def test_pending_works_are_one_light_statement_oldest_first(app, groups):
    notes = groups["cohorts"][0]
    with app.test_request_context():
        scope = cohort_services.members_scope(db.session.get(Cohort, notes))
        with count_queries() as seen:
            works = reviewing.pending_works(scope)
        assert len(seen) == 1  # no reviews, files or users loaded one by one
        assert [(w.title, w.learner) for w in works] == [("Заметка для сайта", "member")]
        assert works[0].url == review_url(groups, "member")
        everyone = reviewing.pending_works(ReviewScope(None, []))
        assert [w.learner for w in everyone] == ["member", "outsider"]
        assert reviewing.pending_works(ReviewScope.of_courses([])) == []
