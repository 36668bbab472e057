"""Quiz submission under load: each simulated learner logs in, then starts and submits attempts.

Run by bench/load.py (locust headless, its own virtualenv). Learners are bench-learner-01..NN
with the password in BENCH_PASSWORD; the quiz address is in BENCH_QUIZ.

The figures cover the quiz cycles only: learners wait until every one of them has logged in
(password hashing is slow on purpose), then the statistics start afresh.
"""

import itertools
import os
import random
import re

from gevent.event import Event
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RADIO = re.compile(r'type="radio" name="([^"]+)" value="([^"]+)"')
ACTION = re.compile(r'<form method="post" action="([^"]+/attempts/\d+)"')
NUMBERS = itertools.count(1)
LOGGED_IN = itertools.count(1)
EVERYONE_IN = Event()


class Learner(FastHttpUser):
    # locust's lighter client: python-requests takes much of the CPU the server shares
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        """Log in, then wait for everyone else to (the figures start afresh then)."""
        self.username = f"bench-learner-{next(NUMBERS):02d}"
        for _try in range(5):  # 32 slow password hashes at once may meet a busy database
            if self.log_in():
                break
        if next(LOGGED_IN) == self.environment.parsed_options.num_users:
            self.environment.runner.stats.reset_all()  # what follows is the quiz alone
            EVERYONE_IN.set()
        EVERYONE_IN.wait()

    def log_in(self) -> bool:
        """The login form, as a learner sends it; whether it let the learner in."""
        page = self.client.get("/account/login", name="login page").text
        response = self.client.post(
            "/account/login",
            data={
                "csrf_token": TOKEN.search(page).group(1),
                "username": self.username,
                "password": os.environ["BENCH_PASSWORD"],
            },
            name="login",
        )
        return response.status_code == 200 and 'name="password"' not in response.text

    @task
    def take_the_quiz(self) -> None:
        """One cycle: the quiz page, start (to the attempt page), random answers, submit."""
        quiz = os.environ["BENCH_QUIZ"]
        page = self.client.get(quiz, name="quiz page").text
        # The start redirects to the attempt page (followed, and timed with it).
        form = self.client.post(
            quiz + "/start", data={"csrf_token": TOKEN.search(page).group(1)}, name="start"
        ).text
        attempt_url = ACTION.search(form).group(1)
        answers = {}
        for name, value in RADIO.findall(form):
            answers.setdefault(name, []).append(value)
        data = {name: random.choice(values) for name, values in answers.items()}
        data.update(csrf_token=TOKEN.search(form).group(1), page="0", action="submit")
        # The submission redirects to the result page: followed, and timed with it.
        with self.client.post(attempt_url, data=data, name="submit", catch_response=True) as r:
            if 'class="score"' not in r.text:
                r.failure("submission did not reach the result page")
