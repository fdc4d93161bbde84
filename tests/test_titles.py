"""titles.py: titles compared the way a reader would."""

from __future__ import annotations

import pytest

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


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Attention Is All You Need", "[1706.03762] Attention Is All You Need", True),
        ("Attention Is All You Need", "attention is all you need", True),
        ("CS231n Convolutional Neural Networks", "CS231n Convolutional Neural Network", True),
        ("Attention Is All You Need", "This domain is for sale", False),
        ("Stanford CS229", "Page not found", False),
    ],
)
def test_same_title(a: str, b: str, same: bool) -> None:
    assert same_title(a, b) is same


def test_shares_nothing() -> None:
    assert shares_nothing("Deep Learning Book", "Cooking with Julia")
    assert not shares_nothing("Deep Learning Book", "deep-learning notes")
    assert not shares_nothing("The", "A")  # no meaningful words: nothing to judge
