"""Tagging whole articles: every sentence gets a status, who claims it, and its cue.

Paragraphs are parsed in batches (`nlp.pipe`); each parsed paragraph is analysed by
`analyse_paragraph`: the rules and the learned attribution tagger together (`learned.combine`),
or the rules alone (`tagging="rules"`, the baseline that evaluations and benchmarks report beside).
The article's front matter then turns a source into provenance: "Semafor, via The Verge".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

from index.claims import lexicon as lex
from index.claims.rules import analyse_doc, analyse_sentence, load_nlp, normalise_case, requote
from index.claims.status import ClaimStatus, SentenceAnalysis, TaggedSentence
from index.text import Paragraph, is_instruction_like, paragraphs

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

    from index.articles import Article
    from index.claims.learned.combine import LearnedTagger

Tagging = Literal["learned", "rules"]
TAGGINGS: tuple[Tagging, ...] = ("learned", "rules")


def analyse_paragraph(
    doc: Doc, tagging: Tagging = "learned", tagger: LearnedTagger | None = None
) -> list[tuple[Span, SentenceAnalysis]]:
    """Every sentence of a parsed paragraph with a letter or digit in it, and its analysis.

    Cue and source offsets in an analysis count from the start of the paragraph. `tagger`: other
    learned models than the installed ones (training and experiments).
    """
    if tagging == "rules":
        return [(sent, analyse_sentence(sent)) for sent in doc.sents if any(char.isalnum() for char in sent.text)]
    if tagger is None:
        from index.claims.learned.models import load_tagger

        tagger = load_tagger()
    return tagger.analyse(doc)


def analyse_short_text(
    doc: Doc, text: str | None = None, tagging: Tagging = "learned", tagger: LearnedTagger | None = None
) -> SentenceAnalysis:
    """A parsed headline or one-sentence text as a whole: its most doubtful sentence decides.

    `text` is the text before `normalise_case` (same length): cue and source words are quoted from it.
    """
    if tagging == "rules":
        return analyse_doc(doc, text)
    analyses = [analysis for _, analysis in analyse_paragraph(doc, tagging, tagger)]
    if not analyses:
        return analyse_doc(doc, text)
    decided = max(analyses, key=lambda analysis: analysis.status.doubt)  # the first of the most doubtful
    cues = tuple(cue for analysis in analyses for cue in analysis.cues)
    decided = replace(decided, cues=cues)
    if text is not None and text != doc.text:
        decided = replace(
            decided,
            cue=requote(decided.cue, text) if decided.cue else None,
            cues=tuple(requote(cue, text) for cue in cues),
        )
    return decided


def analyse_headline(text: str, tagging: Tagging = "learned") -> SentenceAnalysis:
    """A headline (Title Case or ALL CAPS put in sentence case first) analysed as a whole."""
    return analyse_short_text(load_nlp()(normalise_case(text)), text, tagging)


def tag_article(article: Article, tagging: Tagging = "learned") -> list[TaggedSentence]:
    return tag_articles([article], tagging=tagging)[0]


def tag_articles(
    articles: Iterable[Article], *, batch_size: int = 64, tagging: Tagging = "learned", nlp: Language | None = None
) -> list[list[TaggedSentence]]:
    """Tag every sentence of every article, parsing paragraphs in batches for speed.

    `nlp`: another loaded pipeline than `load_nlp()`'s (benchmarks compare the stock one).
    """
    articles = list(articles)
    nlp = nlp or load_nlp()
    limit = min(MAX_PARSE_CHARS, nlp.max_length)
    jobs = [
        (number, piece)
        for number, article in enumerate(articles)
        for paragraph in paragraphs(article.body)
        for piece in parse_pieces(paragraph, limit)
    ]
    analysed: list[list[tuple[int, int, str, SentenceAnalysis]]] = [[] for _ in articles]
    docs = nlp.pipe((paragraph.text for _, paragraph in jobs), batch_size=batch_size)
    for (number, paragraph), doc in zip(jobs, docs, strict=True):
        for sent, analysis in analyse_paragraph(doc, tagging):
            text = sent.text.strip()
            lead = len(sent.text) - len(sent.text.lstrip())
            start = paragraph.start + sent.start_char + lead
            analysed[number].append((start, paragraph.start, text, analysis))
    hostile: list[list[tuple[int, int]]] = [[] for _ in articles]
    for number, paragraph in jobs:
        if is_instruction_like(paragraph.text):
            hostile[number].append((paragraph.start, paragraph.start + len(paragraph.text)))
    return [_attribute(article, rows, spans) for article, rows, spans in zip(articles, analysed, hostile, strict=True)]


# Longer paragraphs are parsed in pieces: spaCy refuses texts over `nlp.max_length` (a
# 1.15-million-character paragraph once aborted a whole run), the parser's memory grows with the
# length of what one batch (`batch_size` pieces) holds, and the rules' time with the square of a
# piece's length (each cue quotes `doc.text`, which spaCy joins from every token of the piece).
# Pieces of 2,000 characters rather than 20,000 tagged a 400,000-character paragraph in about a
# quarter of the time and under half the memory. Claims are sentences: nothing is lost at a
# sentence end, and a prose paragraph is rarely longer.
MAX_PARSE_CHARS = 2_000
_SENTENCE_BREAK = re.compile(r"[.!?][\"”’')\]]*\s+")


def parse_pieces(paragraph: Paragraph, limit: int) -> list[Paragraph]:
    """A paragraph cut into pieces of at most `limit` characters, at sentence ends where there are
    any, else at spaces, else anywhere; each piece keeps its offset in the body."""
    pieces: list[Paragraph] = []
    start, text = paragraph.start, paragraph.text
    while len(text) > limit:
        window = text[:limit]
        ends = [match.end() for match in _SENTENCE_BREAK.finditer(window)]
        cut = ends[-1] if ends and ends[-1] > limit // 4 else (window.rfind(" ") + 1 or limit)
        if cut <= 0:
            cut = limit
        piece = text[:cut]
        stripped = piece.rstrip()
        if stripped:
            pieces.append(Paragraph(start, stripped))
        rest = text[cut:]
        lead = len(rest) - len(rest.lstrip())
        start, text = start + cut + lead, rest.lstrip()
    if text:
        pieces.append(Paragraph(start, text))
    return pieces


def _attribute(
    article: Article, rows: list[tuple[int, int, str, SentenceAnalysis]], hostile: list[tuple[int, int]]
) -> list[TaggedSentence]:
    """Turn analyses into tagged sentences with provenance ("Semafor, via The Verge") and, for the
    article's unconfirmed claims, who the article says has not confirmed or has denied them."""
    meta = article.meta
    withheld = _not_confirmed_by(rows)
    tagged: list[TaggedSentence] = []
    for start, base, text, analysis in rows:
        cue = analysis.cue
        source = cue.source if cue else None
        reported = analysis.status is ClaimStatus.REPORTED
        # A statement that claims are unconfirmed is the article's own observation, in its voice.
        who = None if analysis.unconfirms is not None else source
        tagged.append(
            TaggedSentence(
                start=start,
                end=start + len(text),
                text=text,
                status=analysis.status,
                attributed_to=attributed_to(analysis.status, who, meta.outlet, meta.reports_on),
                source=source,
                source_start=cue.source_start + base if cue and cue.source_start is not None else None,
                source_end=cue.source_end + base if cue and cue.source_end is not None else None,
                cue=cue.text if cue else None,
                cue_kind=cue.kind if cue else None,
                cue_start=cue.start + base if cue else None,
                cue_end=cue.end + base if cue else None,
                not_confirmed_by=_parties_for(text, withheld) if reported else (),
                predicate=analysis.predicate,
                negated=analysis.negated,
                instruction_like=analysis.addresses_reader or any(low <= start < high for low, high in hostile),
            )
        )
    return tagged


def _not_confirmed_by(rows: list[tuple[int, int, str, SentenceAnalysis]]) -> list[tuple[str, tuple[str, ...]]]:
    """(party, words naming the claims) for each party the article says has not confirmed, or has
    denied, its reports: "the White House has not confirmed the report", "the office denied the
    report". No words: every reported claim of the article."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for _, _, text, analysis in rows:
        if analysis.unconfirms is not None and analysis.unconfirmed_by:
            found.append((analysis.unconfirmed_by, analysis.unconfirms))
        elif analysis.status is ClaimStatus.DISPUTED and analysis.cue is not None and _mentions_report(text):
            found.append((analysis.cue.source or "the article", ()))
    return found


def _parties_for(text: str, withheld: list[tuple[str, tuple[str, ...]]]) -> tuple[str, ...]:
    lowered = text.lower()
    parties = [party for party, words in withheld if not words or any(word in lowered for word in words)]
    return tuple(dict.fromkeys(parties))


def _mentions_report(text: str) -> bool:
    lowered = text.lower()
    return any(noun in lowered for noun in ("report", "claim", "story"))


def attributed_to(status: ClaimStatus, source: str | None, outlet: str, reports_on: str | None) -> str:
    """Who claims a sentence. Reports of a report name the chain: "Semafor, via The Verge"."""
    chain = f"{reports_on}, via {outlet}" if reports_on else outlet
    if not source or (source == "unnamed sources" and reports_on):
        return chain if status is ClaimStatus.REPORTED else outlet
    cleaned = source.strip(" ,;:\"'“”")
    if status in (ClaimStatus.CONFIRMED, ClaimStatus.DISPUTED):
        return cleaned  # the party on the record, or the one denying
    lowered = cleaned.lower()
    if reports_on and (reports_on.lower() in lowered or _is_report_phrase(lowered)):
        return chain
    if reports_on:
        return f"{cleaned} (per {chain})"
    if _is_report_phrase(lowered):
        return f"{cleaned} (via {outlet})"
    return cleaned


def _is_report_phrase(lowered: str) -> bool:
    words = re.findall(r"[a-z]+", lowered)
    return bool(words) and any(word in lex.REPORT_NOUNS for word in words[-3:])
