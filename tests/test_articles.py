"""Reading and validating article files: every bad file is named with its reason."""

from __future__ import annotations

from pathlib import Path

from index.articles import scan_corpus
from tests.conftest import SEED_CORPUS, write_article

LIMIT = 50_000


def scan(folder: Path):
    return scan_corpus(folder, max_bytes=LIMIT)


def test_seed_article_has_provenance() -> None:
    result = scan(SEED_CORPUS)
    assert not result.problems
    (article,) = result.articles
    assert article.meta.outlet == "The Verge"
    assert article.meta.reports_on == "Semafor"
    assert "shared/seed/mythos-export-report.txt" in (article.meta.provenance or "")
    assert article.body.endswith("Source: The Verge, reporting on a Semafor story.")


def test_good_and_bad_files_side_by_side(tmp_path: Path) -> None:
    write_article(tmp_path, "good.md", title="Good", outlet="Daily", body="A sentence.")
    (tmp_path / "empty.md").write_text("")
    (tmp_path / "binary.md").write_bytes(b"---\x00\x01\x02")
    (tmp_path / "latin1.md").write_bytes("---\ntitle: Caf\xe9\n---\nBody".encode("latin-1"))
    (tmp_path / "huge.md").write_text("---\ntitle: x\noutlet: y\n---\n" + "word " * LIMIT)
    (tmp_path / "no-front.md").write_text("Just text, no front matter.")
    (tmp_path / "open-front.md").write_text("---\ntitle: x\noutlet: y\nbody")
    (tmp_path / "bad-yaml.md").write_text("---\ntitle: [unclosed\noutlet: y\n---\nBody.")
    (tmp_path / "no-title.md").write_text("---\noutlet: y\n---\nBody.")
    (tmp_path / "bad-date.md").write_text("---\ntitle: x\noutlet: y\npublished: 05/01/2024\n---\nBody.")
    (tmp_path / "bad-url.md").write_text("---\ntitle: x\noutlet: y\nurl: javascript:alert(1)\n---\nBody.")
    (tmp_path / "typo.md").write_text("---\ntitle: x\noutlet: y\npublsihed: 2024-01-01\n---\nBody.")
    (tmp_path / "no-body.md").write_text("---\ntitle: x\noutlet: y\n---\n\n")
    (tmp_path / "notes.json").write_text("{}")  # not an article file: ignored, not a problem

    result = scan(tmp_path)

    assert [a.id for a in result.articles] == ["good"]
    reasons = {p.path: p.reason for p in result.problems}
    assert set(reasons) == {
        "empty.md",
        "binary.md",
        "latin1.md",
        "huge.md",
        "no-front.md",
        "open-front.md",
        "bad-yaml.md",
        "no-title.md",
        "bad-date.md",
        "bad-url.md",
        "typo.md",
        "no-body.md",
    }
    assert reasons["empty.md"] == "file is empty"
    assert "binary" in reasons["binary.md"]
    assert "not UTF-8" in reasons["latin1.md"]
    assert "over the 50,000-byte limit" in reasons["huge.md"]
    assert "no front matter" in reasons["no-front.md"]
    assert "not closed" in reasons["open-front.md"]
    assert "not valid YAML" in reasons["bad-yaml.md"]
    assert "title" in reasons["no-title.md"]
    assert "published" in reasons["bad-date.md"]
    assert "url" in reasons["bad-url.md"]
    assert "publsihed" in reasons["typo.md"]
    assert "no text" in reasons["no-body.md"]


def test_bom_and_crlf_do_not_change_the_hash(tmp_path: Path) -> None:
    plain = write_article(tmp_path / "a", "x.md", title="T", outlet="O", body="One.\nTwo.")
    windows = tmp_path / "b" / "x.md"
    windows.parent.mkdir()
    windows.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes().replace(b"\n", b"\r\n"))
    (first,) = scan(tmp_path / "a").articles
    (second,) = scan(tmp_path / "b").articles
    assert first.content_hash == second.content_hash
    assert second.body == "One.\nTwo."


def test_hash_ignores_path_and_file_time_but_not_content(tmp_path: Path) -> None:
    one = write_article(tmp_path / "one", "a.md", title="T", outlet="O", body="Text.")
    write_article(tmp_path / "two", "renamed.md", title="T", outlet="O", body="Text.")
    write_article(tmp_path / "three", "a.md", title="T", outlet="O", body="Text!")
    one.touch()
    hashes = [scan(tmp_path / d).articles[0].content_hash for d in ("one", "two", "three")]
    assert hashes[0] == hashes[1] != hashes[2]


def test_ids_are_relative_paths_or_front_matter_and_unique(tmp_path: Path) -> None:
    write_article(tmp_path, "sub/story.md", title="T", outlet="O", body="Text.")
    write_article(tmp_path, "a.md", title="T", outlet="O", body="Text.", extra="id: custom-id")
    write_article(tmp_path, "b.md", title="T", outlet="O", body="Other.", extra="id: custom-id")
    result = scan(tmp_path)
    assert sorted(a.id for a in result.articles) == ["custom-id", "sub/story"]
    assert [p.path for p in result.problems] == ["b.md"]
    assert "duplicate article id 'custom-id'" in result.problems[0].reason


def test_symlinks_are_reported_not_followed(tmp_path: Path) -> None:
    target = write_article(tmp_path / "elsewhere", "t.md", title="T", outlet="O", body="Text.")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "link.md").symlink_to(target)
    result = scan(tmp_path / "corpus")
    assert not result.articles
    assert result.problems[0].path == "link.md"


def test_missing_folder_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    result = scan(tmp_path / "nope")
    assert not result.articles
    assert "does not exist" in result.problems[0].reason
