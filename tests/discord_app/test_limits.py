"""Labels are shortened between words, never inside one (the issue's "Jupy…" labels)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.discord_app.formatting import shorten

word = st.builds(
    lambda head, body, tail: head + body + tail,
    st.sampled_from(["", "(", "'"]),
    st.text(alphabet="abcdefXYZé'.-", min_size=1, max_size=14).filter(lambda w: w[0].isalpha()),
    st.sampled_from(["", ",", ";", ":", ")", "."]),
)
words = st.lists(word, min_size=1, max_size=12)


@given(words, st.integers(min_value=2, max_value=60))
def test_a_shortened_label_ends_on_a_whole_word(parts: list[str], limit: int) -> None:
    text = " ".join(parts)
    label = shorten(text, limit)
    assert len(label) <= limit
    if label == text:
        return
    assert label.endswith("…")
    kept = label[:-1].split()
    if len(parts[0]) >= limit:  # one word longer than the room: nothing else is possible
        return
    assert kept, label
    assert kept[:-1] == parts[: len(kept) - 1]
    assert kept[-1] in (parts[len(kept) - 1], parts[len(kept) - 1].rstrip(",;:-("))


def test_examples_from_the_seed() -> None:
    text = "Install Python and set up a Jupyter notebook environment."
    assert shorten(text, 40) == "Install Python and set up a Jupyter…"
    assert shorten("Complete a Kaggle competition (e.g., Titanic)", 40) == (
        "Complete a Kaggle competition (e.g.…"
    )
    # A long word late in the label no longer gets cut inside: the label ends before it.
    assert shorten("Read about hyperparameteroptimisationstrategies", 30) == "Read about…"
    assert shorten("Supercalifragilisticexpialidocious", 10) == "Supercali…"
