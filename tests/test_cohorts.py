"""Cohorts: trainers create and edit them; learners join by link, code or a trainer's hand;
every refusal says why and changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from cohorts.models import Cohort, CohortMember, CohortTrainer
from courses.models import Enrollment
from tests.cohort_helpers import make_cohort
from tests.conftest import csrf_token, login, post
from tests.course_helpers import build_course
from training.accounts.models import Role, User
from training.db import utcnow
from training.extensions import db

LINK_RE = re.compile(r"/cohorts/join/([0-9A-Z]+)")


def text(response) -> str:
    return response.get_data(as_text=True)


def members() -> list[tuple[int, int]]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(CohortMember.cohort_id, CohortMember.user_id)).all())


def enrollments() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment))


@pytest.fixture
def course(users):
    return build_course(users["trainer"])


def settings_form(**overrides) -> dict[str, str]:
    today = utcnow().date()
    form = {
        "name": "Школа актива",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=28)).isoformat(),
        "capacity": "",
        "organization": "",
        "co_trainers": "",
    }
    form.update(overrides)
    return form


def test_trainer_creates_a_cohort_and_sees_its_link_once(login_as, course, make_user):
    make_user("helper", Role.TRAINER, org="north")
    client = login_as("trainer")
    response = post(client, "/cohorts/new/info-work", settings_form(co_trainers="helper"))
    assert response.status_code == 302
    cohort = db.session.scalar(sa.select(Cohort))
    page = text(client.get(response.headers["Location"]))
    code = LINK_RE.search(page).group(1)
    assert cohort.code_hash != code and len(cohort.code_hash) == 64  # stored hashed
    assert code not in text(client.get(f"/cohorts/{cohort.id}/settings"))  # shown once
    trainers = db.session.scalars(sa.select(CohortTrainer.user_id)).all()
    assert len(trainers) == 2
    assert cohort.ends_at > cohort.starts_at


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_on": "2020-01-01"}, "Группа должна заканчиваться позже, чем начинается"),
        ({"co_trainers": "learner"}, "не тренер"),
        ({"co_trainers": "nobody-here"}, "Нет учётной записи"),
        ({"capacity": "0"}, "От 1 до 10 000"),
        ({"name": ""}, "Это обязательное поле"),
    ],
)
def test_bad_cohort_settings_are_refused_and_nothing_is_made(login_as, course, overrides, message):
    client = login_as("trainer")
    response = post(client, "/cohorts/new/info-work", settings_form(**overrides))
    assert response.status_code == 422
    assert message in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == 0


def test_a_bad_module_date_is_refused(login_as, course):
    client = login_as("trainer")
    response = post(client, "/cohorts/new/info-work", settings_form(**{"opens-osnovy": "32.13"}))
    assert response.status_code == 422
    assert "не дата" in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cohort)) == 0


def test_learner_joins_by_link_and_is_enrolled(client, users, course):
    cohort, code = make_cohort(course, users["trainer"])
    login(client, "learner")
    page = text(client.get(f"/cohorts/join/{code}"))
    assert "Вступить" in page
    response = post(client, f"/cohorts/join/{code}")
    assert response.status_code == 302
    assert members() == [(cohort.id, users["learner"].id)]
    assert db.session.get(Enrollment, (users["learner"].id, course.id)) is not None
    post(client, f"/cohorts/join/{code}")  # twice is once
    assert len(members()) == 1


def test_a_new_person_registers_through_the_link_into_the_cohort_organization(
    client, users, course, org_tree
):
    cohort, code = make_cohort(course, users["trainer"], organization_id=org_tree["south"].id)
    page = text(client.get(f"/cohorts/join/{code}"))
    assert "Создать учётную запись" in page or "учётную запись" in page
    data = {
        "username": "newbie",
        "password": "long unrelated words",
        "confirm": "long unrelated words",
    }
    response = post(client, f"/cohorts/join/{code}", data)
    assert response.status_code == 302, text(response)
    newbie = db.session.scalar(sa.select(User).where(User.username == "newbie"))
    assert newbie.organization_id == org_tree["south"].id
    assert members() == [(cohort.id, newbie.id)]
    assert "Весенняя школа" in text(client.get("/courses/info-work"))  # logged in, in it


def test_regenerating_the_code_kills_the_old_link(client, users, course):
    cohort, old = make_cohort(course, users["trainer"])
    login(client, "trainer")
    post(client, f"/cohorts/{cohort.id}/code")
    page = text(client.get(f"/cohorts/{cohort.id}/settings"))
    new = LINK_RE.search(page).group(1)
    assert new != old
    assert client.get(f"/cohorts/join/{old}").status_code == 404
    assert client.get(f"/cohorts/join/{new}").status_code == 200


def _refused(client, code: str, message: str, status: int = 422) -> None:
    before = (members(), enrollments())
    page = client.get(f"/cohorts/join/{code}")
    assert message in text(page)
    response = post(client, f"/cohorts/join/{code}")
    assert response.status_code == status
    assert message in text(response)
    assert (members(), enrollments()) == before


def test_joining_a_full_cohort_is_refused(client, users, course, make_user):
    cohort, code = make_cohort(course, users["trainer"], capacity=1)
    db.session.add(
        CohortMember(cohort_id=cohort.id, user_id=make_user("first").id, course_id=course.id)
    )
    db.session.commit()
    login(client, "learner")
    _refused(client, code, "В группе нет мест")


def test_joining_an_ended_cohort_is_refused(client, users, course, clock):
    _cohort, code = make_cohort(course, users["trainer"])
    clock.advance(timedelta(days=31))
    login(client, "learner")
    _refused(client, code, "Эта группа уже закончила")


def test_joining_a_second_cohort_of_the_same_course_is_refused(client, users, course):
    _first, first_code = make_cohort(course, users["trainer"], name="Первая")
    _second, code = make_cohort(course, users["trainer"], name="Вторая")
    login(client, "learner")
    post(client, f"/cohorts/join/{first_code}")
    _refused(client, code, "Вы уже проходите этот курс с группой «Первая»")


def test_forged_code_is_refused(client, users, course):
    make_cohort(course, users["trainer"])
    login(client, "learner")
    before = members()
    response = client.get("/cohorts/join/AAAAAAAAAAAA")
    assert response.status_code == 404 and "Ссылка недействительна" in text(response)
    token = csrf_token(client)
    assert client.post("/cohorts/join/AAAAAAAAAAAA", data={"csrf_token": token}).status_code == 404
    assert members() == before


def test_a_code_of_another_course_is_refused_on_the_course_page(client, users, course):
    other = build_course(users["trainer"], slug="other-course")
    _cohort, code = make_cohort(other, users["trainer"])
    login(client, "learner")
    post(client, "/courses/info-work/enroll")
    response = post(client, "/cohorts/course/info-work/code", {"code": code}, follow_redirects=True)
    assert "Этот код — для группы другого курса" in text(response)
    assert members() == []
    response = post(client, "/cohorts/course/other-course/code", {"code": code})
    assert response.headers["Location"] == f"/cohorts/join/{code}"


def test_trainer_adds_accounts_by_username_with_a_result_for_each(client, users, course, make_user):
    cohort, _code = make_cohort(course, users["trainer"], capacity=2)
    make_user("anna")
    make_user("boris")
    login(client, "trainer")
    response = post(
        client, f"/cohorts/{cohort.id}/members", {"usernames": "anna\nghost, anna\nboris\nlearner"}
    )
    page = text(response)
    assert response.status_code == 200
    assert "добавлен" in page and "нет такой учётной записи" in page and "В группе нет мест" in page
    assert len(members()) == 2


def test_cohort_pages_are_for_its_trainers_and_admins(client, users, course, make_user):
    cohort, _code = make_cohort(course, users["trainer"])
    learner = users["learner"]
    db.session.add(CohortMember(cohort_id=cohort.id, user_id=learner.id, course_id=course.id))
    db.session.commit()
    make_user("stranger", Role.TRAINER, org="north")
    pages = [
        f"/cohorts/{cohort.id}",
        f"/cohorts/{cohort.id}/settings",
        f"/cohorts/{cohort.id}/gradebook.csv",
        f"/cohorts/{cohort.id}/learners/{learner.id}",
    ]
    for who in ("learner", "stranger"):
        other = client.application.test_client()
        login(other, who)
        for page in pages:
            assert other.get(page).status_code == 403, (who, page)
    admin = client.application.test_client()
    login(admin, "admin")
    for page in pages:
        assert admin.get(page).status_code == 200, page


def test_trainer_edits_the_cohort_and_an_admin_does_not_become_its_trainer(
    client, users, course, make_user
):
    cohort, _code = make_cohort(course, users["trainer"])
    login(client, "trainer")
    page = text(client.get(f"/cohorts/{cohort.id}/settings"))
    assert 'value="Весенняя школа"' in page
    form = settings_form(name="Осенняя школа", capacity="10", **{"due-osnovy": "2030-01-15"})
    assert post(client, f"/cohorts/{cohort.id}/settings", form).status_code == 302
    db.session.expire_all()
    assert (cohort.name, cohort.capacity) == ("Осенняя школа", 10)
    admin = client.application.test_client()
    login(admin, "admin")
    response = post(admin, f"/cohorts/{cohort.id}/settings", settings_form())
    assert response.status_code == 422 and "Назовите хотя бы одного тренера" in text(response)
    response = post(admin, f"/cohorts/{cohort.id}/settings", settings_form(co_trainers="trainer"))
    assert response.status_code == 302
    trainers = db.session.scalars(sa.select(CohortTrainer.user_id)).all()
    assert trainers == [users["trainer"].id]


def test_places_cannot_drop_below_the_learners_already_in(client, users, course, make_user):
    cohort, _code = make_cohort(course, users["trainer"])
    for name in ("anna", "boris"):
        person = make_user(name)
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=person.id, course_id=course.id))
    db.session.commit()
    login(client, "trainer")
    response = post(client, f"/cohorts/{cohort.id}/settings", settings_form(capacity="1"))
    assert response.status_code == 422 and "В группе уже больше слушателей" in text(response)
    db.session.expire_all()
    assert cohort.capacity is None and cohort.name == "Весенняя школа"


def test_a_newcomer_cannot_register_into_a_full_cohort(client, users, course, make_user):
    cohort, code = make_cohort(course, users["trainer"], capacity=1)
    person = make_user("first")
    db.session.add(CohortMember(cohort_id=cohort.id, user_id=person.id, course_id=course.id))
    db.session.commit()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    data = {
        "username": "late",
        "password": "long unrelated words",
        "confirm": "long unrelated words",
    }
    response = post(client, f"/cohorts/join/{code}", data)
    assert response.status_code == 422 and "В группе нет мест" in text(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == count
