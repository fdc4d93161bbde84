"""titles.py: titles compared the way a reader would."""

from __future__ import annotations

import time

import pytest

from linkaudit.config import REMOTE_TEXT_CHARS
from linkaudit.titles import normalise_title, same_title, shares_nothing


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Essence of linear algebra - YouTube", "essence of linear algebra"),
        ("  Machine   Learning\n | Coursera ", "machine learning"),
        ("[2106.09685] LoRA: Low-Rank Adaptation", "lora: low-rank adaptation"),
        ("[2106.09685v2] LoRA", "lora"),
        ("[cs/0101001] Old paper", "old paper"),
        ("Q&amp;A &#8211; part 2", "q&a - part 2"),  # separators unified
        ("YouTube", "youtube"),  # a bare site name stays
        ("GitHub - karpathy/nanoGPT: The simplest repo", "karpathy/nanogpt: the simplest repo"),
        ("Wikipedia \u2014 Transformer", "transformer"),
        ("Deep Learning \u00bb YouTube", "deep learning"),  # a guillemet separates too
    ],
)
def test_normalise_title(raw: str, normal: str) -> None:
    assert normalise_title(raw) == normal


def test_host_names_are_decorations() -> None:
    assert normalise_title("Short courses | DeepLearning.AI", host="www.deeplearning.ai") == (
        "short courses"
    )
    assert normalise_title("Blog post - Lil'Log", host="lilianweng.github.io") == (
        "blog post - lil'log"
    )


SAME = [  # must not drift: decorations, case, white space, entities, a near-identical title
    ("Essence of linear algebra", "Essence of linear algebra - YouTube"),
    ("Machine Learning", "Machine Learning | Coursera"),
    ("Machine Learning | Coursera", "Machine Learning - YouTube"),
    ("LoRA: Low-Rank Adaptation", "[2106.09685] LoRA: Low-Rank Adaptation"),
    ("Attention Is All You Need", "[1706.03762v7] Attention Is All You Need"),
    ("Attention Is All You Need", "attention  is all\nyou NEED"),
    ("Q&A with the authors", "Q&amp;A with the authors"),
    ("Transformer", "Wikipedia \u2014 Transformer"),
    ("CS231n Convolutional Neural Networks", "CS231n Convolutional Neural Network"),
    ("Deep Learning Book", "Deep Learning Book & more"),  # 3 of its 4 words
    ("Neural Networks: Zero to Hero", "Neural Networks: Zero to Hero series"),  # 5 of 6
]
DRIFT = [  # must drift: one title inside the other is not enough
    ("Welcome", "Welcome to nginx!"),
    ("Stanford CS229", "Stanford CS229 has moved \u2013 this page is no longer maintained"),
    ("Neural Networks", "Recurrent Neural Networks"),
    ("Deep Learning Book", "Deep Learning Book has moved"),
    ("Deep Learning", "Deep Learning Book (2nd edition)"),
    ("Attention Is All You Need", "This domain is for sale"),
    ("Stanford CS229", "Page not found"),
    ("Gradient descent", "descent"),  # words are not letters: "net" is not in "network"
    ("Networks", "Net"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_titles_that_name_the_same_page(a: str, b: str) -> None:
    assert same_title(a, b) and same_title(b, a)


@pytest.mark.parametrize(("a", "b"), DRIFT)
def test_titles_that_changed(a: str, b: str) -> None:
    assert not same_title(a, b) and not same_title(b, a)


def test_shares_nothing() -> None:
    assert shares_nothing("Deep Learning Book", "Cooking with Julia")
    assert not shares_nothing("Deep Learning Book", "deep-learning notes")
    assert not shares_nothing("The", "A")  # no meaningful words: nothing to judge


def test_long_titles_are_compared_in_bounded_time() -> None:
    """Titles are remote text: only their first REMOTE_TEXT_CHARS count, so comparing
    two of a million characters costs what two ordinary ones do (it took minutes)."""
    first = ("Essence of linear algebra lecture " * 30_000)[:1_000_000]
    second = "Again: " + first
    started = time.process_time()
    for _ in range(10):
        assert same_title(first, second)  # the same start: the same title
        assert not same_title(first, "Cooking with Julia " * 50_000)
        assert not shares_nothing(first, second)
    assert time.process_time() - started < 1.0
    assert len(normalise_title(first)) <= REMOTE_TEXT_CHARS + 2  # its ellipsis normalised: ...
