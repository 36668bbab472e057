"""Peer review, self-assessment and the weighted mix: settings, fair anonymous allocation,
reviews before the result, discarding, trainers' override, the score rule, refusals."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from assignments import peers, submitting
from assignments.files import check_uploads
from assignments.models import Assignment, PeerAllocation, Review, Submission
from tests.assignment_helpers import PDF, all_submissions, build_assignment, enroll
from tests.conftest import login, post
from training.audit import AuditEvent
from training.extensions import db
from training.notifications.models import Notification

TEXT_OF = {"anna": "Работа Анны", "boris": "Работа Бориса", "vera": "Работа Веры"}


@pytest.fixture(autouse=True)
def stored_files(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SUBMISSIONS_ROOT", str(tmp_path / "submissions"))


def flat(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


@pytest.fixture
def peer_course(app, users, make_user, clock):
    """A peer-graded assignment (K=2, score rule 60%) and three learners who sent work, in
    the order anna, boris, vera (a minute apart)."""
    course, assignment = build_assignment(
        users["trainer"], hand_in="both", review_mode="peer", peer_reviews=2, pass_rule="score"
    )
    people = {}
    for name in ("anna", "boris", "vera"):
        user = make_user(name, display_name=name.capitalize() + " Петрова")
        enroll(user, course)
        uploads = check_uploads([(f"{name}-otchet.pdf", PDF)])
        submitting.submit(db.session.merge(assignment), user.id, TEXT_OF[name], uploads, 0)
        db.session.commit()
        clock.advance(timedelta(minutes=1))
        people[name] = user
    return course, assignment, people


def client_of(app, name):
    client = app.test_client()
    login(client, name)
    return client


def base(course, assignment):
    return f"/courses/{course.slug}/assignments/{assignment.key}"


def submission_of(user) -> Submission:
    return db.session.scalar(sa.select(Submission).where(Submission.user_id == user.id))


def review_form(levels=("2", "1"), feedback="Хорошо написано"):
    return {"level-0": levels[0], "level-1": levels[1], "feedback": feedback}


def given_to(app, course, assignment, name) -> Submission:
    """Open "review peers" as `name`; the version given (read back from the form's action)."""
    page = client_of(app, name).get(base(course, assignment) + "/peers")
    assert page.status_code == 200
    found = re.search(r"/peers/(\d+)\"", page.get_data(as_text=True))
    assert found, "no work was given"
    return db.session.get(Submission, int(found.group(1)))


# ---- settings ---------------------------------------------------------------------------


def settings_form(**changes):
    form = {
        "title": "Заметка",
        "module": "osnovy",
        "task": "Напишите заметку.",
        "template": "",
        "hand_in": "text",
        "rubric": "Структура\n- 0 | Нет\n- 2 | Есть\n",
        "pass_rule": "accepted",
        "pass_percent": "60",
        "late_policy": "allow",
        "review_mode": "mix",
        "peer_reviews": "3",
        "reviews_before_result": "y",
        "weight_trainer": "50",
        "weight_peer": "30",
        "weight_self": "20",
        "required": "y",
        "is_open": "y",
    }
    form.update(changes)
    return form


def test_a_trainer_sets_a_weighted_mix_and_the_settings_page_shows_it(app, login_as, users):
    from tests.course_helpers import build_course

    build_course(users["trainer"])
    trainer = login_as("trainer")
    assert post(trainer, "/author/info-work/assignments", settings_form()).status_code == 302
    row = db.session.scalar(sa.select(Assignment))
    assert (row.review_mode, row.peer_reviews, row.reviews_before_result) == ("mix", 3, True)
    assert row.weights == {"trainer": 50, "peer": 30, "self": 20}
    shown = flat(trainer.get(f"/author/info-work/assignments/{row.key}"))
    assert re.search(r'<option selected value="mix">', shown)
    assert re.search(r'<input id="weight_peer"[^>]*name="weight_peer"[^>]*value="30"', shown)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weight_self": "30"}, "Сумма весов должна быть 100% (сейчас 110%)."),
        ({"peer_reviews": "0"}, "Каждую версию проверяют от 1 до 5 участников."),
        ({"peer_reviews": "6"}, "Каждую версию проверяют от 1 до 5 участников."),
        ({"rubric": "", "review_mode": "peer"}, "нужна шкала оценивания"),
    ],
)
def test_bad_review_settings_are_refused_and_nothing_changes(login_as, users, changes, message):
    from tests.course_helpers import build_course

    build_course(users["trainer"])
    trainer = login_as("trainer")
    r = post(trainer, "/author/info-work/assignments", settings_form(**changes))
    assert r.status_code == 422
    assert message in flat(r)
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0


# ---- allocation ---------------------------------------------------------------------------


def test_allocation_is_fair_never_own_never_the_same_author_twice(app, peer_course):
    course, assignment, people = peer_course
    # Boris gets the oldest work not his own: Anna's.
    first = given_to(app, course, assignment, "boris")
    assert first.user_id == people["anna"].id
    # Opening the page again gives the same, unreviewed one (one allocation at a time).
    assert given_to(app, course, assignment, "boris").id == first.id
    # Vera: Anna's has one allocation already, Boris's none: Boris's.
    assert given_to(app, course, assignment, "vera").user_id == people["boris"].id
    # Anna: Boris's and Vera's have fewest... Vera's has none: Vera's.
    assert given_to(app, course, assignment, "anna").user_id == people["vera"].id
    boris = client_of(app, "boris")
    url = f"{base(course, assignment)}/peers/{first.id}"
    assert post(boris, url, review_form()).status_code == 302
    # Boris has had Anna: next is Vera's, never his own, never Anna again.
    assert given_to(app, course, assignment, "boris").user_id == people["vera"].id
    allocations = db.session.scalars(sa.select(PeerAllocation)).all()
    assert all(a.author_id != a.reviewer_id for a in allocations)


def test_a_late_sender_still_gets_reviewed(app, peer_course, make_user):
    course, assignment, _people = peer_course
    for name in ("boris", "vera", "anna"):
        given_to(app, course, assignment, name)  # each work has one allocation
    late = make_user("grisha")
    enroll(late, course)
    uploads = check_uploads([("pozdno.pdf", PDF)])
    submitting.submit(db.session.merge(assignment), late.id, "Поздняя работа", uploads, 0)
    db.session.commit()
    boris = client_of(app, "boris")
    given = given_to(app, course, assignment, "boris")
    post(boris, f"{base(course, assignment)}/peers/{given.id}", review_form())
    # Boris's next one is the late sender's: it has no allocation yet.
    assert given_to(app, course, assignment, "boris").user_id == late.id


def test_a_learner_who_has_not_sent_work_is_not_given_any(app, peer_course, make_user):
    course, assignment, _people = peer_course
    outsider = make_user("dima")
    enroll(outsider, course)
    page = client_of(app, "dima").get(base(course, assignment) + "/peers")
    assert "Сначала отправьте свою работу" in flat(page)
    assert db.session.scalar(sa.select(sa.func.count(PeerAllocation.id))) == 0


# ---- anonymity ---------------------------------------------------------------------------


def test_peers_see_no_names_and_authors_see_numbered_participants(app, peer_course):
    course, assignment, people = peer_course
    work = given_to(app, course, assignment, "boris")
    html = client_of(app, "boris").get(base(course, assignment) + "/peers").get_data(as_text=True)
    anna = people["anna"]
    assert TEXT_OF["anna"] in html
    for secret in ("Anna", "anna", "Петрова", f"user/{anna.id}", f"user_id={anna.id}"):
        assert secret not in html
    file_row = work.files[0]
    download = client_of(app, "boris").get(f"{base(course, assignment)}/files/{file_row.id}")
    assert download.status_code == 200
    assert "anna" not in download.headers["Content-Disposition"]
    download.close()
    post(client_of(app, "boris"), f"{base(course, assignment)}/peers/{work.id}", review_form())
    # Anna gives her reviews so her result shows; she reads «Участник 1», never Boris's name.
    for _turn in range(2):
        mine = given_to(app, course, assignment, "anna")
        post(client_of(app, "anna"), f"{base(course, assignment)}/peers/{mine.id}", review_form())
    own = client_of(app, "anna").get(base(course, assignment)).get_data(as_text=True)
    assert "Участник 1" in own and "Хорошо написано" in own
    assert "boris" not in own.lower() and "Борис" not in own


def test_grades_stay_hidden_until_the_learner_has_given_their_reviews(app, peer_course):
    course, assignment, people = peer_course
    work = given_to(app, course, assignment, "boris")
    assert work.user_id == people["anna"].id
    post(client_of(app, "boris"), f"{base(course, assignment)}/peers/{work.id}", review_form())
    anna = client_of(app, "anna")
    hidden = flat(anna.get(base(course, assignment)))
    assert "Хорошо написано" not in hidden
    assert "Осталось проверить работ: 2." in hidden
    assert "Проверьте ещё 2 работы участников, чтобы увидеть свои оценки и отзывы." in hidden
    mine = given_to(app, course, assignment, "anna")
    post(anna, f"{base(course, assignment)}/peers/{mine.id}", review_form())
    mine = given_to(app, course, assignment, "anna")
    post(anna, f"{base(course, assignment)}/peers/{mine.id}", review_form())
    assert "Хорошо написано" in flat(anna.get(base(course, assignment)))


# ---- refusals ----------------------------------------------------------------------------


def test_reviewing_own_unallocated_or_twice_is_refused_and_nothing_changes(app, peer_course):
    course, assignment, people = peer_course
    boris = client_of(app, "boris")
    own = submission_of(people["boris"])
    url = f"{base(course, assignment)}/peers/{own.id}"
    assert post(boris, url, review_form()).status_code == 403
    vera_work = submission_of(people["vera"])  # not given to Boris
    url = f"{base(course, assignment)}/peers/{vera_work.id}"
    assert post(boris, url, review_form()).status_code == 403
    given = given_to(app, course, assignment, "boris")
    url = f"{base(course, assignment)}/peers/{given.id}"
    assert post(boris, url, review_form()).status_code == 302
    again = post(boris, url, review_form(feedback="Ещё раз"))
    assert again.status_code == 422 and "Вы уже проверили эту версию." in flat(again)
    feedback = db.session.scalars(sa.select(Review.feedback)).all()
    assert feedback == ["Хорошо написано"]


def test_another_learners_work_file_is_refused_to_a_peer_not_given_it(app, peer_course):
    course, assignment, people = peer_course
    file_id = submission_of(people["vera"]).files[0].id
    r = client_of(app, "boris").get(f"{base(course, assignment)}/files/{file_id}")
    assert r.status_code == 403


def test_only_trainers_discard_and_a_discarded_review_stops_counting(
    app, peer_course, login_as, users
):
    course, assignment, people = peer_course
    work = given_to(app, course, assignment, "boris")
    post(client_of(app, "boris"), f"{base(course, assignment)}/peers/{work.id}", review_form())
    row = db.session.scalar(sa.select(Review))
    url = f"/author/{course.slug}/reviews/{row.id}/discard"
    assert post(client_of(app, "vera"), url).status_code == 403
    db.session.expire_all()
    assert db.session.get(Review, row.id).discarded_at is None
    assert peers.result(submission_of(people["anna"])).peer_count == 1
    assert post(login_as("trainer"), url).status_code == 302
    db.session.expire_all()
    assert db.session.get(Review, row.id).discarded_at is not None
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "assignment.review_discard")
    )
    assert (event.actor_id, event.target_id) == (users["trainer"].id, str(row.id))
    assert peers.result(submission_of(people["anna"])).peer_count == 0
    # Anna's work is back at the front for the next peer (Vera), before Boris's untouched one.
    assert given_to(app, course, assignment, "vera").user_id == people["anna"].id


# ---- results -----------------------------------------------------------------------------


def test_k_peer_reviews_settle_a_score_rule_and_the_author_is_told(app, peer_course):
    course, assignment, people = peer_course
    anna_work = submission_of(people["anna"])
    for name in ("boris", "vera"):
        allocation = PeerAllocation(
            assignment_id=assignment.id,
            submission_id=anna_work.id,
            author_id=people["anna"].id,
            reviewer_id=people[name].id,
            seq=1,
        )
        db.session.add(allocation)
    db.session.commit()
    post(client_of(app, "boris"), f"{base(course, assignment)}/peers/{anna_work.id}", review_form())
    assert all_submissions()[0].status == "waiting"  # one of two reviews
    post(
        client_of(app, "vera"),
        f"{base(course, assignment)}/peers/{anna_work.id}",
        review_form(levels=("1", "1")),
    )
    assert all_submissions()[0].status == "accepted"  # (4+3)/7=100% and (2+3)/7=71%: 86%
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == people["anna"].id)
    ).all()
    # Anna has not given her own reviews yet: she is told her work was reviewed, not how.
    assert kinds.count("assignment_peer_reviewed") == 2
    assert "assignment_result_waits" in kinds and "assignment_accepted" not in kinds
    assert not db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == people["boris"].id)
    ).all()


def test_the_path_and_the_certificate_wait_for_the_learners_own_reviews(app, peer_course):
    from certificates.models import Certificate
    from courses.path import DONE, WAITING, path_for

    course, assignment, people = peer_course
    anna = client_of(app, "anna")
    for key in ("intro", "plan", "reach"):
        post(anna, f"/courses/{course.slug}/lessons/{key}/done")
    anna_work = submission_of(people["anna"])
    for name in ("boris", "vera"):
        db.session.add(
            PeerAllocation(
                assignment_id=assignment.id,
                submission_id=anna_work.id,
                author_id=people["anna"].id,
                reviewer_id=people[name].id,
                seq=1,
            )
        )
    db.session.commit()
    for name in ("boris", "vera"):
        post(
            client_of(app, name), f"{base(course, assignment)}/peers/{anna_work.id}", review_form()
        )
    assert all_submissions()[0].status == "accepted"

    def step_status() -> str:
        db.session.expire_all()
        return (
            path_for(db.session.merge(course), people["anna"].id)
            .step("assignment", assignment.key)
            .status
        )

    def certificates() -> int:
        return db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Certificate)
            .where(Certificate.user_id == people["anna"].id)
        )

    assert step_status() == WAITING and certificates() == 0  # she owes two reviews
    mine = given_to(app, course, assignment, "anna")
    post(anna, f"{base(course, assignment)}/peers/{mine.id}", review_form())
    assert step_status() == WAITING and certificates() == 0  # one to go
    mine = given_to(app, course, assignment, "anna")
    post(anna, f"{base(course, assignment)}/peers/{mine.id}", review_form())
    assert step_status() == DONE and certificates() == 1  # issued with her last review


def test_a_trainer_overrides_a_peer_settled_result(app, peer_course, login_as):
    course, _assignment, people = peer_course
    anna_work = submission_of(people["anna"])
    anna_work.status = "accepted"  # as settled by peers
    db.session.commit()
    trainer = login_as("trainer")
    url = f"/author/{course.slug}/submissions/{anna_work.id}"
    r = post(trainer, url, {"level-0": "0", "level-1": "0", "decision": "revise"})
    assert r.status_code == 302
    assert all_submissions()[0].status == "revise"
    again = post(trainer, url, {"level-0": "2", "level-1": "1", "decision": "accepted"})
    assert again.status_code == 422
    assert all_submissions()[0].status == "revise"


def test_the_mix_spreads_a_missing_parts_weight_over_the_present_ones(users):
    _course, assignment = build_assignment(
        users["trainer"], review_mode="mix", weight_trainer=50, weight_peer=30, weight_self=20
    )
    submission = Submission(assignment_id=assignment.id, user_id=users["learner"].id, number=1)
    db.session.add(submission)
    db.session.flush()

    def add(kind, points, reviewer=None):
        submission.reviews.append(
            Review(kind=kind, points=points, max_points=10, reviewer_id=reviewer, levels={})
        )

    add("peer", 6)
    outcome = peers.result(submission)
    assert (outcome.percent, outcome.complete) == (60, False)  # peers alone: 100% of weight
    add("self", 10, users["learner"].id)
    assert peers.result(submission).percent == 76  # (60*30 + 100*20) / 50
    add("trainer", 2, users["trainer"].id)
    outcome = peers.result(submission)
    assert outcome.percent == round(0.5 * 20 + 0.3 * 60 + 0.2 * 100)
    assert not outcome.complete  # K=2 peers needed
    add("peer", 6, users["admin"].id)
    assert peers.result(submission).complete


def test_in_a_mix_a_trainers_accept_is_checked_against_the_weighted_score(users, make_user):
    from assignments.reviewing import Grade, review
    from training.errors import ServiceError

    _course, assignment = build_assignment(
        users["trainer"],
        review_mode="mix",
        weight_trainer=50,
        weight_peer=50,
        peer_reviews=1,
        pass_rule="score",
        pass_percent=60,
    )
    peer = make_user("peer")

    def sent(name: str, peer_points: int) -> Submission:
        author = make_user(name)
        work = Submission(assignment_id=assignment.id, user_id=author.id, number=1)
        db.session.add(work)
        db.session.flush()
        work.reviews.append(
            Review(kind="peer", points=peer_points, max_points=7, reviewer_id=peer.id, levels={})
        )
        db.session.flush()
        return work

    # Peers gave 100%; the trainer's own 43% (3 of 7, below the mark alone) makes 72%: accepted.
    strong = sent("strong", 7)
    review(strong, users["trainer"], Grade({0: 0, 1: 1}, "Неплохо", "accepted"))
    assert strong.status == "accepted"
    # Peers gave 0%; the trainer's own 71% (5 of 7) makes 36%: below the mark, refused.
    weak = sent("weak", 0)
    with pytest.raises(ServiceError, match="60%"):
        review(weak, users["trainer"], Grade({0: 1, 1: 1}, "Хорошо", "accepted"))
    db.session.expire_all()
    assert weak.status == "waiting" and [r.kind for r in weak.reviews] == ["peer"]


def test_self_assessment_once_per_version(app, login_as, users):
    course, assignment = build_assignment(
        users["trainer"], hand_in="text", review_mode="self", pass_rule="score", pass_percent=50
    )
    enroll(users["learner"], course)
    submitting.submit(db.session.merge(assignment), users["learner"].id, "Текст", [], 0)
    db.session.commit()
    learner = login_as("learner")
    url = base(course, assignment)
    assert "Оцените свою работу" in flat(learner.get(url))
    assert post(learner, url + "/self", review_form(levels=("2", "1"))).status_code == 302
    assert all_submissions()[0].status == "accepted"  # 5 of 7 = 71% ≥ 50%
    again = post(learner, url + "/self", review_form(levels=("0", "0")))
    assert again.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 1


def test_the_queue_stays_constant_with_peer_reviews(app, peer_course, make_user, login_as):
    from tests.conftest import count_queries as counting

    course, assignment, _people = peer_course
    trainer = login_as("trainer")

    def statements(url):
        trainer.get(url)
        with counting() as seen:
            assert trainer.get(url).status_code == 200
        return len(seen)

    few = (statements("/author/review"), statements(f"/author/{course.slug}/submissions"))
    for name in ("boris", "vera", "anna"):
        work = given_to(app, course, assignment, name)
        post(client_of(app, name), f"{base(course, assignment)}/peers/{work.id}", review_form())
    many = (statements("/author/review"), statements(f"/author/{course.slug}/submissions"))
    assert few == many
    assert "100% (1)" in flat(trainer.get("/author/review"))
