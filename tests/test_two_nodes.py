"""Two app nodes behind one load balancer: two gunicorn instances on one PostgreSQL database and
one Redis, with the same SECRET_KEY. A browser may land on either node at any request."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import NamedTuple

import pytest
import redis

from tests.conftest import PASSWORD, rate_limit_storage
from tests.gunicorn_helpers import (
    POSTGRES,
    Browser,
    Server,
    Site,
    build_site,
    gunicorn,
    this_worker,
)

REDIS = os.environ.get("TEST_REDIS_URL", "")

pytestmark = pytest.mark.skipif(
    not (POSTGRES and REDIS),
    reason="two nodes need a shared PostgreSQL database and Redis: runs in CI's second "
    "pass, where .ci/run sets TEST_DATABASE_URL=postgresql://... and TEST_REDIS_URL=redis://...",
)


class Nodes(NamedTuple):
    site: Site
    a: Server
    b: Server
    redis_url: str


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    """Nodes A and B (2 workers each) on one database, one Redis database of this xdist
    worker's own (emptied first), at most 3 failed logins per account and minute."""
    folder = tmp_path_factory.mktemp("two-nodes")
    site = build_site(folder, "nodes", learners=("learner", "target"))
    redis_url = rate_limit_storage(this_worker())
    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()
    settings = site.settings(LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
    try:
        with (
            gunicorn(
                site.database_url,
                folder,
                workers=2,
                name="node-a",
                settings=settings,
                REDIS_URL=redis_url,
            ) as a,
            gunicorn(
                site.database_url,
                folder,
                workers=2,
                name="node-b",
                settings=settings,
                REDIS_URL=redis_url,
            ) as b,
        ):
            yield Nodes(site, a, b, redis_url)
    finally:
        site.dispose()


def test_both_nodes_are_ready_with_the_database_and_redis(nodes):
    """Each node's readiness probe reaches the shared database and Redis."""
    for node in (nodes.a, nodes.b):
        reply = Browser(node.url).get("/readyz")
        assert reply.status == 200, reply.text
        assert '"redis":"ok"' in reply.text.replace(" ", "")


def test_a_login_on_node_a_carries_on_on_node_b(nodes):
    """Sessions are signed with the shared SECRET_KEY and kept in the shared database, and
    CSRF tokens are signed too: any node accepts what another one handed out."""
    on_a = Browser(nodes.a.url)
    on_a.login("learner")
    on_b = on_a.on(nodes.b.url)  # the same cookies, the other node

    stranger = Browser(nodes.b.url).get("/account/")
    assert stranger.status == 302 and "/account/login" in stranger.location  # really private
    account = on_b.get("/account/")
    assert account.status == 200 and "<dd>learner</dd>" in account.text
    sessions = on_b.get("/account/sessions")
    assert sessions.status == 200 and sessions.text.count("this device") == 1  # A's session

    token = on_a.token("/account/")  # from node A's page...
    saved = on_b.post("/account/", {"csrf_token": token, "display_name": "Set on node B"})
    assert saved.status == 302, saved.text[:2000]  # ...accepted by node B
    assert 'value="Set on node B"' in on_a.get("/account/").text


def test_failed_logins_count_across_both_nodes(nodes):
    """The per-account limit (3 failures a minute) lives in Redis: failures on A, B, A are
    three together, so the fourth try is refused on B although B itself saw only one (with
    counters per node it would pass), and the fifth on A too."""
    browser = Browser(nodes.a.url)
    token = browser.token("/account/login")
    wrong = {"csrf_token": token, "username": "target", "password": "not-the-password"}
    alternating = [nodes.a, nodes.b, nodes.a, nodes.b, nodes.a]
    statuses = [browser.on(node.url).post("/account/login", wrong).status for node in alternating]
    assert statuses == [422, 422, 422, 429, 429]
    # Locked out on both nodes for now, even with the right password.
    right = {**wrong, "password": PASSWORD}
    for node in (nodes.a, nodes.b):
        reply = browser.on(node.url).post("/account/login", right)
        assert reply.status == 429 and "Too many attempts" in reply.text
    # Another account is not affected.
    assert browser.on(nodes.b.url).login("learner").status == 302
    client = redis.Redis.from_url(nodes.redis_url)
    with contextlib.closing(client):
        assert any(b"account:target" in key for key in client.keys("*"))
