"""The progress helper of long commands: plain periodic lines in logs, a bar on terminals."""

from __future__ import annotations

import io

import pytest

from training.progress import Progress, duration, silent, track


class Clock:
    """A clock the test moves by hand (tests never sleep)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_a_log_gets_a_line_every_ten_percent_with_counts_and_an_estimate():
    out, clock = io.StringIO(), Clock()
    with Progress("Replaying", 1000, unit="events", stream=out, clock=clock) as advance:
        for _ in range(10):
            clock.now += 2
            advance(50)  # 5% each: a line at every second call
    assert lines(out) == [
        "Replaying: started, 1,000 events",
        "Replaying: 100/1,000 events (10%), 4 s, about 36 s left",
        "Replaying: 200/1,000 events (20%), 8 s, about 32 s left",
        "Replaying: 300/1,000 events (30%), 12 s, about 28 s left",
        "Replaying: 400/1,000 events (40%), 16 s, about 24 s left",
        "Replaying: 500/1,000 events (50%), 20 s, about 20 s left",
        "Replaying: done, 500 events in 20 s",
    ]


def test_slow_work_still_gets_a_line_every_thirty_seconds():
    out, clock = io.StringIO(), Clock()
    with Progress("Purging", 1000, unit="accounts", stream=out, clock=clock) as advance:
        advance(1)
        clock.now += 29
        advance(1)  # under 10% and under 30 s: nothing yet
        clock.now += 1
        advance(1)
    assert lines(out) == [
        "Purging: started, 1,000 accounts",
        "Purging: 3/1,000 accounts (0%), 30 s, about 2 h 46 min left",
        "Purging: done, 3 accounts in 30 s",
    ]


def test_work_of_unknown_size_says_when_it_starts_and_ends():
    out, clock = io.StringIO(), Clock()
    with Progress("pg_dump", None, stream=out, clock=clock):
        clock.now += 75
    assert lines(out) == ["pg_dump: started", "pg_dump: done, 0 in 1 min 15 s"]


def test_a_failure_is_reported_as_stopped_and_still_raised():
    out, clock = io.StringIO(), Clock()
    with pytest.raises(RuntimeError), Progress("Copying", 10, stream=out, clock=clock) as advance:
        advance(4)
        raise RuntimeError("disk full")
    assert lines(out)[-1] == "Copying: stopped after 4, 0 s"


def test_a_terminal_gets_a_bar_with_counts():
    out = Terminal()
    for _ in track(range(5), "Writing the archive", 5, unit="files", stream=out):
        pass
    text = out.getvalue()
    assert "Writing the archive" in text and "5/5" in text and "\r" in text
    assert text.splitlines()[-1] == "Writing the archive: done, 5 files in 0 s"


def test_the_silent_reporter_writes_nothing(capsys):
    with silent("Anything", 10, "rows") as advance:
        advance(3)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (59.4, "59 s"),
        (60, "1 min"),
        (185, "3 min 5 s"),
        (3600, "1 h"),
        (3720, "1 h 2 min"),
    ],
)
def test_durations_read_like_a_person_would_say_them(seconds, text):
    assert duration(seconds) == text
