"""A deterministic generator of news-like articles for speed and memory measurements.

Not for quality measurements (those use the public data sets in ../shared/data): the text is
template prose, but it has the length, sentence shapes and attribution cues of news.
"""

from __future__ import annotations

import random
from pathlib import Path

PLACES = ["Riverside", "Northport", "Elmwood", "Lakeview", "Harborton", "Cedar Falls", "Westbrook", "Milltown"]
THINGS = ["bridge", "library", "power plant", "school district", "port authority", "water utility", "rail line"]
PEOPLE = ["Mayor Dana Ortiz", "Governor Lee", "Councillor Amir Haddad", "Director Ruth Sato", "Chief Ana Ruiz"]
OUTLETS = ["Coastal Tribune", "Valley Herald", "Northern Ledger", "Riverside Gazette", "Metro Daily"]
SENTENCES = [
    "The {thing} in {place} will close for {n} days for repairs, officials said on {day}.",
    "According to a report from the {outlet}, {person} plans to sell the {thing} to a private operator.",
    "{person} denied the report on {day}, calling it premature.",
    "The repairs could cost as much as {n} million dollars, according to budget documents.",
    "Residents reportedly fear that fees may rise after the work is finished.",
    "The {thing} opened in {year} and serves about {n},000 people a year.",
    "If the council approves the plan, construction would begin in {month}.",
    "{person} said the city had set aside {n} million dollars for the project.",
    "Critics claim the contract was awarded without a proper tender.",
    "The agency has not confirmed the figures, which remain unverified.",
    "Engineers inspected the {thing} twice last year and found corrosion in {n} places.",
    "Local businesses said traffic fell by {n} percent during the last closure.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
MONTHS = ["March", "April", "June", "September", "November"]


def article_text(rng: random.Random, sentences: int) -> str:
    paragraphs, current = [], []
    for _ in range(sentences):
        template = rng.choice(SENTENCES)
        current.append(
            template.format(
                thing=rng.choice(THINGS),
                place=rng.choice(PLACES),
                person=rng.choice(PEOPLE),
                outlet=rng.choice(OUTLETS),
                day=rng.choice(DAYS),
                month=rng.choice(MONTHS),
                n=rng.randint(2, 90),
                year=rng.randint(1950, 2020),
            )
        )
        if len(current) >= rng.randint(2, 4):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n".join(paragraphs)


def write_corpus(folder: Path, count: int, *, seed: int = 7, sentences: int = 24) -> list[Path]:
    """`count` articles of about `sentences` sentences (about 2,300 characters) each."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        outlet = rng.choice(OUTLETS)
        path = folder / f"{number:05d}.md"
        path.write_text(
            "---\n"
            f'title: "{rng.choice(PLACES)} {rng.choice(THINGS)} update {number}"\n'
            f"outlet: {outlet}\n"
            f"published: 2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\n"
            "---\n" + article_text(rng, sentences) + "\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def touch_fraction(paths: list[Path], fraction: float, *, seed: int = 11) -> int:
    """Change the text of a fraction of the articles, as new reporting would."""
    rng = random.Random(seed)
    chosen = rng.sample(paths, max(1, int(len(paths) * fraction)))
    for path in chosen:
        path.write_text(path.read_text(encoding="utf-8") + "\nThe story was updated with new figures.\n")
    return len(chosen)
