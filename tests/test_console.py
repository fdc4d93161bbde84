"""console: what `linkaudit check` shows while it runs and when it is done."""

from __future__ import annotations

from linkaudit.cli.console import Progress, summary, warnings
from linkaudit.model import Observation, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_terminal_progress_is_a_bar_with_count_rate_and_eta() -> None:
    clock = Clock()
    bar = Progress(total=100, tty=True, clock=clock)
    clock.now = 2.0
    text = bar.tick()
    assert text is not None and text.startswith("\r[")
    assert "1/100 URLs, 0.5/s, ETA 3:18" in text


def test_plain_progress_is_periodic_lines_and_always_the_last() -> None:
    clock = Clock()
    progress = Progress(total=3, tty=False, clock=clock)
    clock.now = 1.0
    assert progress.tick() == "checked 1/3 URLs, 1.0/s, ETA 0:02"
    clock.now = 2.0
    assert progress.tick() is None  # less than 5 s since the last line
    clock.now = 3.0
    assert progress.tick() == "checked 3/3 URLs, 1.0/s, ETA 0:00"


def test_summary_counts_verdicts_in_design_order() -> None:
    observations = {
        f"u{i}": Observation(url=f"u{i}", verdict=v)
        for i, v in enumerate([Verdict.DEAD, Verdict.OK, Verdict.OK, Verdict.MOVED])
    }
    assert summary(observations, 3.21) == "checked 4 URLs in 3.2 s: ok 2, moved 1, dead 1"
    assert summary({}, 0.0) == "checked 0 URLs in 0.0 s"


def test_warnings_name_the_urls_refused_for_their_private_address() -> None:
    refused = Observation("http://10.0.0.5/", Verdict.BLOCKED, flags=("private_address_refused",))
    other = Observation("https://a.example/", Verdict.BLOCKED, flags=("bot_challenge",))
    assert warnings({o.url: o for o in (other, refused)}) == [
        "1 URL not checked: on a loopback, private or link-local address "
        "(e.g. http://10.0.0.5/); pass --allow-private to check them"
    ]
    assert warnings({other.url: other}) == []
