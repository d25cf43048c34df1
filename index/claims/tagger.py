"""Tagging whole articles: every sentence gets a status, who claims it, and its cue.

Paragraphs are parsed in batches (`nlp.pipe`); each parsed paragraph is analysed by
`analyse_paragraph`: the rules and the learned attribution tagger together (`learned.combine`),
or the rules alone (`tagging="rules"`, the baseline that evaluations and benchmarks report beside).
The article's front matter then turns a source into provenance: "Semafor, via The Verge".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

from index.claims import lexicon as lex
from index.claims.context import ArticleReading, DecidedSentence, SentenceReading, decide_in_context
from index.claims.rules import analyse_doc, analyse_sentence, load_nlp, normalise_case, reference, requote
from index.claims.status import ClaimStatus, Cue, SentenceAnalysis, TaggedSentence
from index.structure import Block, read_blocks
from index.text import is_instruction_like

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

    from index.articles import Article
    from index.claims.learned.combine import LearnedTagger
    from index.claims.learned.own_voice import OwnVoice

Tagging = Literal["learned", "rules"]
TAGGINGS: tuple[Tagging, ...] = ("learned", "rules")


def read_paragraph(
    doc: Doc, tagging: Tagging = "learned", tagger: LearnedTagger | None = None
) -> list[tuple[Span, SentenceAnalysis, tuple[str, ...]]]:
    """Every sentence of a parsed paragraph with a letter or digit in it, its analysis, and the
    features the own-voice model reads of it (none for the rules alone).

    Cue and source offsets in an analysis count from the start of the paragraph. `tagger`: other
    learned models than the installed ones (training and experiments).
    """
    if tagging == "rules":
        return [(sent, analyse_sentence(sent), ()) for sent in doc.sents if any(char.isalnum() for char in sent.text)]
    if tagger is None:
        from index.claims.learned.models import load_tagger

        tagger = load_tagger()
    return tagger.analyse(doc)


def analyse_paragraph(
    doc: Doc, tagging: Tagging = "learned", tagger: LearnedTagger | None = None
) -> list[tuple[Span, SentenceAnalysis]]:
    """Every sentence of a parsed paragraph and its analysis, read alone (no context)."""
    return [(sent, analysis) for sent, analysis, _ in read_paragraph(doc, tagging, tagger)]


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


def tag_article(article: Article, tagging: Tagging = "learned") -> list[TaggedSentence]:
    return tag_articles([article], tagging=tagging)[0]


def tag_articles(
    articles: Iterable[Article], *, batch_size: int = 64, tagging: Tagging = "learned", nlp: Language | None = None
) -> list[list[TaggedSentence]]:
    """Tag every sentence of every article, parsing blocks in batches for speed.

    `nlp`: another loaded pipeline than `load_nlp()`'s (benchmarks compare the stock one).
    """
    articles = list(articles)
    decided = read_articles(articles, batch_size=batch_size, tagging=tagging, nlp=nlp)
    return [_attribute(article, sentences) for article, sentences in zip(articles, decided, strict=True)]


def read_articles(
    articles: Sequence[Article],
    *,
    batch_size: int = 64,
    tagging: Tagging = "learned",
    nlp: Language | None = None,
    tagger: LearnedTagger | None = None,
    own_voice: OwnVoice | Literal["installed"] | None = "installed",
) -> list[list[DecidedSentence]]:
    """Every sentence of every article with its final analysis (offsets into the body).

    `index.claims.context` decides each sentence's status with what lies around it (the lead-in of
    a list, the heading above, the title, the sentences before and after) and the own-voice model.
    `tagger`, `own_voice`: other models than the installed ones (training and experiments;
    `own_voice=None` reads without the own-voice model).
    """
    if own_voice == "installed":
        own_voice = _installed_own_voice() if tagging == "learned" else None
    readings = article_readings(articles, batch_size=batch_size, tagging=tagging, nlp=nlp, tagger=tagger)
    return [decide_in_context(reading, own_voice) for reading in readings]


def article_readings(
    articles: Sequence[Article],
    *,
    batch_size: int = 64,
    tagging: Tagging = "learned",
    nlp: Language | None = None,
    tagger: LearnedTagger | None = None,
) -> list[ArticleReading]:
    """Each article read as Markdown blocks (`index.structure`), every block parsed and its
    sentences analysed alone, with its headings' and title's analyses: what the context step reads."""
    nlp = nlp or load_nlp()
    limit = min(MAX_PARSE_CHARS, nlp.max_length)
    layouts = [read_blocks(article.body) for article in articles]
    jobs = [
        (number, position, piece)
        for number, blocks in enumerate(layouts)
        for position, block in enumerate(blocks)
        for piece in parse_pieces(block, limit)
    ]
    readings: list[list[SentenceReading]] = [[] for _ in articles]
    headings: list[dict[int, list[SentenceAnalysis]]] = [{} for _ in articles]
    docs = nlp.pipe((piece.text for _, _, piece in jobs), batch_size=batch_size)
    for (number, position, piece), doc in zip(jobs, docs, strict=True):
        block = layouts[number][position]
        hostile = is_instruction_like(block.text)
        for sent, analysis, features in read_paragraph(doc, tagging, tagger):
            if block.kind == "heading":
                headings[number].setdefault(position, []).append(in_body(analysis, piece))
                continue
            text = sent.text.strip()
            lead = len(sent.text) - len(sent.text.lstrip())
            start, end = piece.body_span(sent.start_char + lead, sent.start_char + lead + len(text))
            readings[number].append(
                SentenceReading(
                    position, start, end, in_body(analysis, piece), hostile, reference(sent, analysis), features
                )
            )
    titles = nlp.pipe((normalise_case(article.meta.title) for article in articles), batch_size=batch_size)
    return [
        ArticleReading(
            article.body,
            article.meta.title,
            layouts[number],
            readings[number],
            headings[number],
            analyse_short_text(title, article.meta.title, tagging, tagger),
        )
        for number, (article, title) in enumerate(zip(articles, titles, strict=True))
    ]


def _installed_own_voice() -> OwnVoice:
    from index.claims.learned.models import load_own_voice

    return load_own_voice()


def in_body(analysis: SentenceAnalysis, block: Block) -> SentenceAnalysis:
    """An analysis whose cue and source offsets count from the start of `block`'s text, moved to
    offsets into the article body."""
    if not analysis.cues and analysis.cue is None:
        return analysis

    def moved(cue: Cue) -> Cue:
        start, end = block.body_span(cue.start, cue.end)
        source_start = source_end = None
        if cue.source_start is not None and cue.source_end is not None:
            source_start, source_end = block.body_span(cue.source_start, cue.source_end)
        return replace(cue, start=start, end=end, source_start=source_start, source_end=source_end)

    cues = tuple(moved(cue) for cue in analysis.cues)
    by_identity = {id(old): new for old, new in zip(analysis.cues, cues, strict=True)}
    decided = analysis.cue
    if decided is not None:
        decided = by_identity.get(id(decided)) or moved(decided)
    return replace(analysis, cue=decided, cues=cues)


# Longer blocks are parsed in pieces: spaCy refuses texts over `nlp.max_length` (a
# 1.15-million-character paragraph once aborted a whole run), the parser's memory grows with the
# length of what one batch (`batch_size` pieces) holds, and the rules' time with the square of a
# piece's length (each cue quotes `doc.text`, which spaCy joins from every token of the piece).
# Pieces of 2,000 characters rather than 20,000 tagged a 400,000-character paragraph in about a
# quarter of the time and under half the memory. Claims are sentences: nothing is lost at a
# sentence end, and a prose paragraph is rarely longer.
MAX_PARSE_CHARS = 2_000
_SENTENCE_BREAK = re.compile(r"[.!?][\"”’')\]]*\s+")


def parse_pieces(block: Block, limit: int) -> list[Block]:
    """A block cut into pieces of at most `limit` characters, at sentence ends where there are
    any, else at spaces, else anywhere; each piece keeps its map into the body."""
    pieces: list[Block] = []
    start, text = 0, block.text
    while len(text) - start > limit:
        window = text[start : start + limit]
        ends = [match.end() for match in _SENTENCE_BREAK.finditer(window)]
        cut = ends[-1] if ends and ends[-1] > limit // 4 else (window.rfind(" ") + 1 or limit)
        if cut <= 0:
            cut = limit
        piece = window[:cut].rstrip()
        if piece.strip():
            pieces.append(block.piece(start, start + len(piece)))
        start += cut
        while start < len(text) and text[start].isspace():
            start += 1
    if start == 0:
        return [block]
    if text[start:].strip():
        pieces.append(block.piece(start, len(text.rstrip())))
    return pieces


def _attribute(article: Article, decided: list[DecidedSentence]) -> list[TaggedSentence]:
    """Turn analyses into tagged sentences with provenance ("Semafor, via The Verge") and, for the
    article's unconfirmed claims, who the article says has not confirmed or has denied them."""
    meta = article.meta
    withheld = _not_confirmed_by(article.body, decided)
    tagged: list[TaggedSentence] = []
    for sentence in decided:
        analysis, start, end = sentence.analysis, sentence.start, sentence.end
        text = article.body[start:end]
        cue = analysis.cue
        source = cue.source if cue else None
        reported = analysis.status is ClaimStatus.REPORTED
        # A statement that claims are unconfirmed is the article's own observation, in its voice.
        who = None if analysis.unconfirms is not None else source
        tagged.append(
            TaggedSentence(
                start=start,
                end=end,
                text=text,
                status=analysis.status,
                attributed_to=attributed_to(analysis.status, who, meta.outlet, meta.reports_on),
                source=source,
                source_start=cue.source_start if cue else None,
                source_end=cue.source_end if cue else None,
                cue=cue.text if cue else None,
                cue_kind=cue.kind if cue else None,
                # A cue of the title or a heading (offsets 0, 0) has no place in the body.
                cue_start=cue.start if cue and cue.end > cue.start else None,
                cue_end=cue.end if cue and cue.end > cue.start else None,
                not_confirmed_by=_parties_for(text, withheld) if reported else (),
                predicate=analysis.predicate,
                negated=analysis.negated,
                instruction_like=analysis.addresses_reader or sentence.instruction_like,
            )
        )
    return tagged


def _not_confirmed_by(body: str, decided: list[DecidedSentence]) -> list[tuple[str, tuple[str, ...]]]:
    """(party, words naming the claims) for each party the article says has not confirmed, or has
    denied, its reports: "the White House has not confirmed the report", "the office denied the
    report". No words: every reported claim of the article."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for sentence in decided:
        analysis = sentence.analysis
        if analysis.unconfirms is not None and analysis.unconfirmed_by:
            found.append((analysis.unconfirmed_by, analysis.unconfirms))
        elif (
            analysis.status is ClaimStatus.DISPUTED
            and analysis.cue is not None
            and _mentions_report(body[sentence.start : sentence.end])
        ):
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
    if status is ClaimStatus.REPORTED and source and _names_itself(source, outlet):
        source = "unnamed sources"  # "..., Pennant News understands" in Pennant News: told by whom, it does not say
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


def _names_itself(source: str, outlet: str) -> bool:
    """The outlet credits itself: "Pennant News (understands)", "this newspaper (has learned)"."""
    words = re.sub(r"^(?:the|this)\s+", "", source.strip().lower())
    return words in (re.sub(r"^the\s+", "", outlet.strip().lower()), "newspaper", "paper", "website", "site")


def _is_report_phrase(lowered: str) -> bool:
    words = re.findall(r"[a-z]+", lowered)
    return bool(words) and any(word in lex.REPORT_NOUNS for word in words[-3:])
