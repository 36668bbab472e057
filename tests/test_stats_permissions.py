"""Who may read which statistics: every stats route, every way of changing the URL."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, login

# Exports that write an audit row are buttons (POST).
POST_ONLY = {"/stats/learners.csv", "/stats/learners.xlsx"}


def fetch(client, url: str):
    """Open a statistics address as its page would: GET, or POST with CSRF for an export."""
    if url.split("?")[0] in POST_ONLY:
        return client.post(url, data={"csrf_token": csrf_token(client)})
    return client.get(url)


def stats_paths(app) -> list[str]:
    """Every statistics address, pages and CSV and XLSX exports alike (from the URL map)."""
    paths = sorted(
        rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("stats.")
    )
    assert len(paths) >= 17  # five pages, six exports in two formats each
    return paths


def test_an_organizer_is_refused_every_other_branch_however_the_url_is_changed(
    app, login_as, org_tree
):
    client = login_as("organizer")  # organizer of the northern region
    for path in stats_paths(app):
        own = fetch(client, f"{path}?org={org_tree['north'].id}")
        assert own.status_code == 200, path
        below = fetch(client, f"{path}?org={org_tree['school'].id}")
        assert below.status_code == 200, path
        for other in ("south", "college", "south_local", "top"):
            for query in (
                f"?org={org_tree[other].id}",
                f"?org={org_tree[other].id}&period=all",
                f"?period=4&org={org_tree[other].id}&course=&language=ru",
            ):
                response = fetch(client, path + query)
                assert response.status_code == 403, (path, query)
                assert "text/csv" not in response.content_type
                assert "spreadsheetml" not in response.content_type
        # several org parameters: the first one counts, and it is checked
        assert (
            fetch(
                client, f"{path}?org={org_tree['south'].id}&org={org_tree['north'].id}"
            ).status_code
            == 403
        )


@pytest.mark.parametrize("org", ["999999", "abc", "-1", "1.5"])
def test_unknown_organizations_are_not_found(app, login_as, org):
    client = login_as("organizer")
    for path in stats_paths(app):
        assert fetch(client, f"{path}?org={org}").status_code == 404, (path, org)


@pytest.mark.parametrize("role", ["learner", "trainer"])
def test_learners_and_trainers_have_no_statistics(app, login_as, role):
    client = login_as(role)
    for path in stats_paths(app):
        assert fetch(client, path).status_code == 403, path


def test_anonymous_visitors_are_sent_to_log_in(app, client):
    for path in stats_paths(app):
        response = fetch(client, path)
        assert response.status_code == 302 and "/account/login" in response.location, path


def test_admins_see_every_branch(app, login_as, org_tree):
    client = login_as("admin")
    for path in stats_paths(app):
        for name in ("top", "south", "college"):
            assert fetch(client, f"{path}?org={org_tree[name].id}").status_code == 200, path


def test_an_organizer_of_a_primary_organization_sees_only_it(app, make_user, org_tree):
    from training.accounts.models import Role

    make_user("schoolhead", Role.ORGANIZER, org="school")
    client = app.test_client()
    login(client, "schoolhead")
    for path in stats_paths(app):
        assert fetch(client, path).status_code == 200, path
        assert fetch(client, f"{path}?org={org_tree['north_local'].id}").status_code == 403, path
