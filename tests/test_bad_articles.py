"""More than a hundred malformed article files among good ones, and property-based cases:
every good article is indexed, every bad one is reported with its file and reason, and nothing
is raised past the scanner."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.articles import ArticleError, parse_article, scan_corpus
from tests.conftest import write_article

LIMIT = 20_000
GOOD_FRONT = "---\ntitle: Good\noutlet: Daily\npublished: 2024-05-01\n---\n"

# (name, bytes) of files that must be refused, each for a reason of its own.
BROKEN_BODIES: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("whitespace", b" \n\t\r\n "),
    ("nul", b"---\ntitle: x\n---\n\x00\x01"),
    ("latin1", "---\ntitle: Caf\xe9\noutlet: y\n---\nBody".encode("latin-1")),
    ("utf16", "---\ntitle: x\noutlet: y\n---\nBody".encode("utf-16")),
    ("huge", (GOOD_FRONT + "word " * LIMIT).encode()),
    ("no-front", b"Just text."),
    ("only-fence", b"---\n"),
    ("unclosed", b"---\ntitle: x\noutlet: y\nBody"),
    ("yaml-error", b"---\ntitle: [x\noutlet: y\n---\nBody."),
    ("yaml-tab", b"---\ntitle: x\n\toutlet: y\n---\nBody."),
    ("yaml-list", b"---\n- a\n- b\n---\nBody."),
    ("yaml-scalar", b"---\njust a string\n---\nBody."),
    ("yaml-empty", b"---\n---\nBody."),
    ("no-body", GOOD_FRONT.encode()),
    ("unknown-key", b"---\ntitle: x\noutlet: y\ncolour: red\n---\nBody."),
    ("python-tag", b"---\ntitle: !!python/object/apply:os.system ['true']\noutlet: y\n---\nBody."),
    ("anchors-bomb", b"---\na: &a [x, x]\nb: &b [*a, *a]\ntitle: x\noutlet: y\n---\nBody."),
]
BAD_FIELDS: dict[str, list[str]] = {
    "title": ["", "''", "[]", "{a: 1}", "null", "'" + "t" * 600 + "'"],
    "outlet": ["", "null", "[x]", "{}", "'   '"],
    "published": [
        "05/01/2024",
        "2024-13-01",
        "2024-02-30",
        "yesterday",
        "1714521600x",
        "[2024]",
        "2024/05/01",
        "2024-5-1",
        "'0000-00-00'",
        "'99999-01-01'",
    ],
    "url": [
        "http//x",
        "www.example.com",
        "//example.com",
        "ftp://x",
        "javascript:alert(1)",
        "not a url",
        "[http://a]",
        "'" + "h" * 2100 + "'",
    ],
    "authors": ["{a: b}", "[[a]]"],
    "id": ["'has space'", "'../../etc/passwd x'", "''"],
    "reports_on": ["[a]", "{b: c}"],
}
EDGE_ENCODINGS: list[tuple[str, bytes]] = [
    ("bom", b"\xef\xbb\xbf" + GOOD_FRONT.encode() + b"Text with a BOM."),
    ("crlf", (GOOD_FRONT + "Line one.\nLine two.").replace("\n", "\r\n").encode()),
    ("cr", (GOOD_FRONT + "Line one.\nLine two.").replace("\n", "\r").encode()),
    ("mixed", (GOOD_FRONT + "One.\r\nTwo.\rThree.\n").encode()),
    ("yaml-date", b"---\ntitle: x\noutlet: y\npublished: 2024-05-01\n---\nBody."),
    ("quoted-date", b"---\ntitle: x\noutlet: y\npublished: '2024-05-01'\n---\nBody."),
    ("author-string", b"---\ntitle: x\noutlet: y\nauthors: A. Writer\n---\nBody."),
    ("unicode", "---\ntitle: Ünïcødé ✓\noutlet: 日本\n---\nТекст статьи. 文章。".encode()),
]


def malformed_files() -> list[tuple[str, bytes]]:
    files = list(BROKEN_BODIES)
    for field, values in BAD_FIELDS.items():
        for number, value in enumerate(values):
            lines = {"title": "x", "outlet": "y"}
            lines[field] = value
            front = "".join(f"{key}: {val}\n" for key, val in lines.items())
            files.append((f"bad-{field}-{number}", f"---\n{front}---\nBody.".encode()))
    # Every broken front matter again behind a BOM and with Windows line endings.
    for name, data in list(files):
        files.append((f"{name}-bom-crlf", b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")))
    return files


def test_over_a_hundred_malformed_files_among_good_ones(tmp_path: Path) -> None:
    bad = malformed_files()
    assert len(bad) >= 100
    for name, data in bad:
        (tmp_path / f"{name}.md").write_bytes(data)
    for name, data in EDGE_ENCODINGS:
        (tmp_path / f"edge-{name}.md").write_bytes(data)
    for number in range(10):
        write_article(tmp_path, f"good/{number}.md", title=f"Good {number}", outlet="Daily", body=f"Story {number}.")
    (tmp_path / "dup-a.md").write_bytes(b"---\ntitle: x\noutlet: y\nid: same\n---\nA.")
    (tmp_path / "dup-b.md").write_bytes(b"---\ntitle: x\noutlet: y\nid: same\n---\nB.")
    (tmp_path / "link.md").symlink_to(tmp_path / "good" / "0.md")
    (tmp_path / "dangling.md").symlink_to(tmp_path / "nowhere.md")

    result = scan_corpus(tmp_path, max_bytes=LIMIT)

    indexed = {article.path for article in result.articles}
    reported = {problem.path: problem.reason for problem in result.problems}
    assert {f"good/{n}.md" for n in range(10)} <= indexed
    assert {f"edge-{name}.md" for name, _ in EDGE_ENCODINGS} <= indexed
    assert "dup-a.md" in indexed and "duplicate article id 'same'" in reported["dup-b.md"]
    assert {f"{name}.md" for name, _ in bad} <= set(reported)
    assert {"link.md", "dangling.md"} <= set(reported)
    assert not indexed & set(reported)
    assert all(reason and len(reason) < 600 for reason in reported.values())
    edge = {article.path: article for article in result.articles}
    assert edge["edge-mixed.md"].body == "One.\nTwo.\nThree."
    assert edge["edge-bom.md"].content_hash == scan_corpus_one(GOOD_FRONT.encode() + b"Text with a BOM.")


def scan_corpus_one(data: bytes) -> str:
    return parse_article(data, "x.md", max_bytes=LIMIT).content_hash


def test_unreadable_and_vanishing_files_are_reported(tmp_path: Path, monkeypatch: object) -> None:
    """Permission errors and files deleted mid-scan (simulated at the read, since tests run as root)."""
    import index.articles as articles

    for name in ("ok", "locked", "gone"):
        write_article(tmp_path, f"{name}.md", title=name, outlet="Daily", body="Text.")
    real_open = articles.os.open

    def open_file(path: object, flags: int, *args: object) -> int:
        if Path(str(path)).name == "locked.md":
            raise PermissionError(13, "Permission denied")
        if Path(str(path)).name == "gone.md":
            raise FileNotFoundError(2, "No such file")
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(articles.os, "open", open_file)  # type: ignore[attr-defined]
    result = scan_corpus(tmp_path, max_bytes=LIMIT)
    assert [a.id for a in result.articles] == ["ok"]
    assert {p.path: p.reason for p in result.problems} == {
        "gone.md": "file disappeared while reading",
        "locked.md": "permission denied",
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_any_bytes_are_an_article_or_a_reason(data: bytes) -> None:
    try:
        article = parse_article(data, "x.md", max_bytes=LIMIT)
    except ArticleError as error:
        assert str(error)
    else:
        assert article.body and article.meta.title


front_values = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dates(),
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["title", "outlet", "published", "url", "authors", "id", "reports_on", "x"]),
        front_values,
        max_size=6,
    ),
    st.text(min_size=0, max_size=300),
)
def test_any_front_matter_is_an_article_or_a_reason(front: dict, body: str) -> None:
    import yaml

    data = ("---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body).encode()
    try:
        article = parse_article(data, "x.md", max_bytes=LIMIT)
    except ArticleError as error:
        assert str(error)
    else:
        assert article.meta.title.strip() and article.meta.outlet.strip() and article.body.strip()
        again = parse_article(data, "renamed.md", max_bytes=LIMIT)
        assert again.content_hash == article.content_hash


def test_file_names_never_leak_outside_the_corpus(tmp_path: Path) -> None:
    for number, name in enumerate(itertools.islice(("a b.md", "ü.md", "-x.md", "x.MD", "deep/er/y.markdown"), 5)):
        write_article(tmp_path, name, title=str(number), outlet="o", body="Body.")
    result = scan_corpus(tmp_path, max_bytes=LIMIT)
    assert len(result.articles) == 5 and not result.problems
    assert all(not Path(article.path).is_absolute() and ".." not in article.path for article in result.articles)


def test_an_article_dated_in_the_future_is_refused_by_name_with_the_reason(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    today = datetime.now(UTC).date()
    for name, published in (
        ("ahead.md", today + timedelta(days=3)),
        ("decades.md", today.replace(year=today.year + 35)),
    ):
        (tmp_path / name).write_text(f"---\ntitle: T\noutlet: O\npublished: {published.isoformat()}\n---\nText.\n")
    (tmp_path / "tomorrow.md").write_text(
        f"---\ntitle: T\noutlet: O\npublished: {(today + timedelta(days=1)).isoformat()}\n---\nText.\n"
    )
    scan = scan_corpus(tmp_path, max_bytes=100_000)
    assert [article.path for article in scan.articles] == ["tomorrow.md"]
    assert sorted(problem.path for problem in scan.problems) == ["ahead.md", "decades.md"]
    assert all("in the future" in problem.reason for problem in scan.problems)
