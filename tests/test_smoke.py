from tests.conftest import login, post


def test_home(client):
    r = client.get("/")
    assert r.status_code == 200


def test_login(client, users):
    login(client, "admin")
    assert client.get("/admin/users").status_code == 200
    r = post(client, "/account/logout")
    assert r.status_code == 302
