"""Quiz submission under load: each simulated learner logs in, then starts and submits attempts.

Run by bench/load.py (locust headless, its own virtualenv). Learners are bench-learner-01..NN
with the password in BENCH_PASSWORD; the quiz address is in BENCH_QUIZ.
"""

import itertools
import os
import random
import re

from locust import HttpUser, between, task

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RADIO = re.compile(r'type="radio" name="([^"]+)" value="([^"]+)"')
NUMBERS = itertools.count(1)


class Learner(HttpUser):
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        self.username = f"bench-learner-{next(NUMBERS):02d}"
        page = self.client.get("/account/login", name="login page").text
        self.client.post(
            "/account/login",
            data={
                "csrf_token": TOKEN.search(page).group(1),
                "username": self.username,
                "password": os.environ["BENCH_PASSWORD"],
            },
            name="login",
        )

    @task
    def take_the_quiz(self) -> None:
        quiz = os.environ["BENCH_QUIZ"]
        page = self.client.get(quiz, name="quiz page").text
        response = self.client.post(
            quiz + "/start", data={"csrf_token": TOKEN.search(page).group(1)}, name="start"
        )
        attempt_url = response.url
        form = response.text
        answers = {}
        for name, value in RADIO.findall(form):
            answers.setdefault(name, []).append(value)
        data = {name: random.choice(values) for name, values in answers.items()}
        data.update(csrf_token=TOKEN.search(form).group(1), page="0", action="submit")
        with self.client.post(attempt_url, data=data, name="submit", catch_response=True) as r:
            if "/result" not in r.url:
                r.failure(f"submission did not reach the result page: {r.url}")
