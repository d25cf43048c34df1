"""Who claims a sentence, decided with what lies around it: the lead-in of a list or quotation,
the heading above it, the title, and the sentences before and after it.

Why: an attribution often sits outside the sentence it covers. "According to a leaked draft, the
plan includes:" covers the list under it; "A leaked memo reads:" the quotation under it; "Or so
the union says." the sentence before it; "Officials told the Gazette about the plan." the one
after it; a title "Bridge to close, sources say" the body sentence that restates it. Reading each
sentence alone left all of these `confirmed`.

Each such attribution is a `Frame` over some sentences. Frames from an outer clause (a lead-in, a
credit after the sentence) decide even over a speaker inside the sentence: the outermost speaker
decides, as within a sentence. Frames from around the sentence (a heading, the title, a telling
before it) cover only sentences with no speaker of their own. Of several frames the most doubtful
wins. A frame never makes a sentence less doubtful than its own reading.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from index.claims import lexicon as lex
from index.claims.learned.own_voice import OwnVoice, Place, context_features
from index.claims.status import ClaimStatus, Cue, SentenceAnalysis
from index.structure import Block
from index.text import content_terms


@dataclass(frozen=True)
class SentenceReading:
    """A sentence as read inside its block: body offsets, its analysis (offsets into the body), and
    whether its attribution points at a neighbour (`rules.reference`: "back", "ahead" or None)."""

    block: int
    start: int
    end: int
    analysis: SentenceAnalysis
    instruction_like: bool = False
    reference: str | None = None
    # What the own-voice model reads of the sentence alone (`learned.own_voice.sentence_features`).
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArticleReading:
    """Everything read of one article: its body and blocks, its sentences, and the analyses of its
    headings (by block index) and of its title (whose cue offsets count in the title)."""

    body: str
    title: str
    blocks: Sequence[Block]
    sentences: Sequence[SentenceReading]
    headings: Mapping[int, Sequence[SentenceAnalysis]]
    title_analysis: SentenceAnalysis


@dataclass(frozen=True)
class DecidedSentence:
    start: int
    end: int
    analysis: SentenceAnalysis
    instruction_like: bool = False


@dataclass(frozen=True)
class Frame:
    """An attribution from around a sentence: the status it gives and the cue that names who."""

    status: ClaimStatus
    cue: Cue | None
    outer: bool


_SPEAKING = frozenset(["attribution", "hearsay", "stance"])
# Words of a heading or title that say what follows is someone's claim: "Anonymous allegations",
# "Rumour: ...", "Unverified reports of ...".
_CLAIM_WORDS = (
    (lex.HEARSAY_NOUNS - {"word", "talk", "buzz", "leak"}) | lex.UNCONFIRMED_WORDS | lex.HEARSAY_ADVERBS
) | frozenset(
    ["allegation", "allegations", "claim", "claims", "accusation", "accusations", "rumors", "rumours", "leaks",
     "leaked", "whispers", "alleged", "unnamed", "anonymous"]
)  # fmt: skip
# Credits that distance the outlet from the claim: "Or so the union says.", "At least, that is
# what the union claims." Never on the record.
_DISTANCING = re.compile(
    r"^\W*(?:or so|so (?:says|say|claims|claim)|at least|that(?:'s| is) what|this is what)\b", re.I
)
# Cue words of a heading that frame what follows as someone's claim (stemmed, as content_terms gives them).
_SAYING = content_terms(
    " ".join(lex.SPEECH_VERBS | lex.HEARSAY_ADVERBS | lex.CLAIM_NOUNS | lex.HEARSAY_NOUNS)
    + " says said claims alleged reports reported according per learned leaked reveals revealed"
)


def _saying(cue_text: str) -> bool:
    """A heading's cue says someone claims what follows: a verb of saying, or a word that marks
    Emergent's "observing" headlines (the claim reported, not asserted)."""
    from index.claims.learned.models import load_cues

    terms = content_terms(cue_text)
    return bool(terms & _SAYING) or bool({word.lower() for word in cue_text.split()} & load_cues().observing)


# "..., rival claims", "..., sources say", "... - report": a headline's credit after its claim.
_TRAILING_CREDIT = re.compile(
    r"[,:–—-]\s*((?:[\w'’&.-]+\s+){0,4}?[\w'’&.-]+)\s+(says?|claims?|reports?|alleges?|suggests?|insists?|warns?)\s*[.!?]?\s*$",
    re.IGNORECASE,
)
# A label line is the outlet's own furniture ("Source: The Verge, reporting on a Semafor story."),
# never someone's content.
_LABEL_LINE = re.compile(
    r"\s*(?:source|sources|credit|credits|photo|photos|editor's note|correction|update|note)\s*:", re.I
)
# A sentence that opens by pointing back at a claim: "The report ...", "That claim ...".
_POINTS_BACK = re.compile(
    r"\W*(?:the|that|this|these|those|such)\s+(?:[\w'’-]+\s+){0,2}?"
    r"(?:report|claim|rumou?r|story|account|allegation|suggestion|assertion)s?\b",
    re.IGNORECASE,
)
# A title restates into a body sentence when this share of its words is there (at least two).
RESTATES = 0.5
# The body's first sentence restates a title it shares this many content words with.
LEAD_SHARES = 2


def decide_in_context(article: ArticleReading, own_voice: OwnVoice | None = None) -> list[DecidedSentence]:
    """Every sentence's final analysis: its own reading with the frames around it applied, then,
    with the own-voice model, `confirmed` in the outlet's voice only where the model is confident
    of it; elsewhere the sentence is someone's content, credited to the nearest speaker."""
    frames = _frames(article)
    framed = [_framed(sentence.analysis, found) for sentence, found in zip(article.sentences, frames, strict=True)]
    if own_voice is not None:
        features = own_voice_features(article, frames)
        doubted = [
            _outlet_voice(analysis)
            and not _LABEL_LINE.match(article.body, sentence.start)
            and not own_voice.own_voice(row, hedged=_hedged(analysis))
            for sentence, analysis, row in zip(article.sentences, framed, features, strict=True)
        ]
        doubted = _items_follow_lead_in(article, framed, frames, doubted)
        framed = [
            _borrowed(article, framed, k) if doubt else analysis
            for k, (analysis, doubt) in enumerate(zip(framed, doubted, strict=True))
        ]
    return [
        DecidedSentence(sentence.start, sentence.end, analysis, sentence.instruction_like)
        for sentence, analysis in zip(article.sentences, framed, strict=True)
    ]


def _items_follow_lead_in(
    article: ArticleReading,
    framed: Sequence[SentenceAnalysis],
    frames: Sequence[Sequence[Frame]],
    doubted: list[bool],
) -> list[bool]:
    """A list item under a lead-in the outlet states in its own voice ("Here is what changes for
    households:") is the outlet's too: PolNeAR has no lists, and its sentences after a colon are
    mostly quotations, so the model doubts the first item for the colon alone. Only where nothing
    frames the item and the lead-in itself was vouched for."""
    sentences = article.sentences
    last_of_block = {sentence.block: k for k, sentence in enumerate(sentences)}
    result = list(doubted)
    for k, sentence in enumerate(sentences):
        block = article.blocks[sentence.block]
        if not doubted[k] or block.kind != "item" or block.lead_in not in last_of_block or frames[k]:
            continue
        lead = last_of_block[block.lead_in]
        if _outlet_voice(framed[lead]) and not doubted[lead] and not frames[lead]:
            result[k] = False
    return result


def own_voice_features(article: ArticleReading, frames: Sequence[Sequence[Frame]] | None = None) -> list[list[str]]:
    """Each sentence's own-voice features: its own, its neighbours' in the article and its place."""
    frames = frames if frames is not None else _frames(article)
    sentences = article.sentences
    speakers: dict[int, int] = {}
    for sentence in sentences:
        speakers[sentence.block] = speakers.get(sentence.block, 0) + int(_own_speaker(sentence.analysis))
    first_person = sum(1 for sentence in sentences if "fp=out" in sentence.features) / max(len(sentences), 1)
    rows = []
    for k, sentence in enumerate(sentences):
        block = article.blocks[sentence.block]
        neighbours = [sentences[j].features if 0 <= j < len(sentences) else None for j in (k - 2, k - 1, k + 1, k + 2)]
        strongest = max(frames[k], key=lambda frame: frame.status.doubt, default=None)
        place = Place(
            kind=block.kind,
            first_in_block=k == 0 or sentences[k - 1].block != sentence.block,
            last_in_block=k + 1 == len(sentences) or sentences[k + 1].block != sentence.block,
            first_block=sentence.block == sentences[0].block,
            led_in=block.lead_in is not None,
            framed=strongest.status.value if strongest is not None else None,
            block_speakers=speakers[sentence.block] - int(_own_speaker(sentence.analysis)),
            first_person_share=first_person,
        )
        rows.append(context_features(neighbours, sentence.features, place))
    return rows


def _hedged(analysis: SentenceAnalysis) -> bool:
    """Speculative for a hedge the rules read ("may", "is expected to", a question)."""
    return analysis.status is ClaimStatus.SPECULATIVE and any(
        cue.kind in ("hedge", "question") for cue in analysis.cues
    )


def _outlet_voice(analysis: SentenceAnalysis) -> bool:
    """`confirmed` or `speculative` with nobody speaking: the outlet's own statement or hedge as
    far as the sentence shows, which the own-voice model must vouch for."""
    return (
        analysis.status in (ClaimStatus.CONFIRMED, ClaimStatus.SPECULATIVE)
        and analysis.unconfirms is None
        and not analysis.addresses_reader
        and not _own_speaker(analysis)
    )


_QUOTE_MARKS = frozenset(['"', "“", "”", "‘", "’", "'"])


def _borrowed(article: ArticleReading, analyses: Sequence[SentenceAnalysis], k: int) -> SentenceAnalysis:
    """A sentence that is someone's content: the speaker of the nearest sentence with one in its
    block (the following sentence first: '"A. B." | she said.'), else of the sentence just before
    it in the previous block, with that sentence's standing (on the record if that speaker is);
    else reported, by nobody named."""
    sentences = article.sentences
    block = sentences[k].block
    text = article.body[sentences[k].start : sentences[k].end].rstrip()
    opens_quoted = text[:1] in _QUOTE_MARKS
    quoted = opens_quoted or text.rstrip(".!?")[-1:] in _QUOTE_MARKS
    before = [j for j in range(k - 1, -1, -1) if sentences[j].block == block]
    after = [j for j in range(k + 1, len(sentences)) if sentences[j].block == block]
    previous_block = [k - 1] if k > 0 and sentences[k - 1].block != block else []
    if quoted:
        # '"A. B." | she said.': the speaker's tag follows; a quotation may run on from the
        # paragraph before ('“...' opens each paragraph).
        order = after[:1] + before + (previous_block if opens_quoted else []) + after[1:]
    else:
        # Plain content goes on from what came before: "A draft ... shows X. It also proposes Y.
        # The Treasury said it did not comment." is the draft's Y, not the Treasury's.
        order = before + previous_block + after
    analysis = analyses[k]
    for j in order:
        other = analyses[j]
        if not _own_speaker(other) or other.cue is None:
            continue
        if other.status is ClaimStatus.CONFIRMED and other.cue.on_record and (quoted or j < k):
            return _with(analysis, analysis.status, other.cue)  # a party's quotation going on
        if other.status in (ClaimStatus.REPORTED, ClaimStatus.SPECULATIVE, ClaimStatus.CONFIRMED):
            return _with(analysis, ClaimStatus.REPORTED, other.cue)
    return _with(analysis, ClaimStatus.REPORTED, None)


def _frames(article: ArticleReading) -> list[list[Frame]]:
    sentences = article.sentences
    found: list[list[Frame]] = [[] for _ in sentences]
    last_of_block: dict[int, int] = {}
    first_of_block: dict[int, int] = {}
    for k, sentence in enumerate(sentences):
        last_of_block[sentence.block] = k
        first_of_block.setdefault(sentence.block, k)

    for k, sentence in enumerate(sentences):
        block = article.blocks[sentence.block]
        # A list item or quotation under a lead-in: the lead-in's speaker covers it.
        if block.lead_in is not None and block.lead_in in last_of_block:
            lead = last_of_block[block.lead_in]
            frame = _frame_of(sentences[lead].analysis, outer=True)
            if (frame is None or _speaker_is_it(sentences[lead].analysis)) and found[lead]:
                # "It reads in part:" says no more than its frame: "A copy was seen by the Post."
                frame = replace(max(found[lead], key=lambda f: f.status.doubt), outer=True)
            if frame is None and _hedged(sentences[lead].analysis):
                # "Investigators are working on the theory that:": each item is only a theory.
                frame = Frame(ClaimStatus.SPECULATIVE, sentences[lead].analysis.cue, outer=False)
            if frame is None and block.kind == "quote":
                frame = Frame(ClaimStatus.REPORTED, None, outer=False)  # someone's words all the same
            if frame is not None:
                found[k].append(frame)
        # A quotation with nothing leading into it is someone's words, not the outlet's.
        elif block.kind == "quote":
            found[k].append(Frame(ClaimStatus.REPORTED, None, outer=False))
        # "Or so the union says." covers the sentence before it.
        if sentence.reference == "back" and k > 0:
            frame = _frame_of(sentence.analysis, outer=True)
            if frame is not None:
                if _DISTANCING.search(article.body[sentence.start : sentence.end]):
                    frame = replace(frame, status=ClaimStatus.REPORTED)
                found[k - 1].append(frame)
                found[k].append(frame)
        # "The report has not been confirmed by the club.": the sentence before is that report.
        if k > 0 and sentence.analysis.unconfirms is not None and _POINTS_BACK.match(article.body, sentence.start):
            told = Cue("hearsay", "", 0, 0, "unnamed sources")  # the article does not say whose report
            found[k - 1].append(Frame(ClaimStatus.REPORTED, told, outer=False))
        # "Officials told the Gazette about the plan." covers what follows, until a speaker of its own.
        if sentence.reference == "ahead":
            frame = _frame_of(sentence.analysis, outer=False)
            if frame is not None:
                for j in _told(article, k, first_of_block):
                    found[j].append(frame)
    _heading_frames(article, found, first_of_block)
    _title_frames(article, found)
    _pronoun_frames(article, found)
    return found


# "It also proposes ...", "They say ...": a document or source going on, by the verbs documents
# and sources speak with.
_GOES_ON = re.compile(
    r"\s*(?:it|they)\s+(?:also\s+|further\s+|then\s+)?"
    r"(?:propos|recommend|suggest|includ|list|call|set|outlin|detail|warn|say|said|state|show|reveal|describ|"
    r"estimat|predict|find|found|conclud|note|add|claim|envisag|plan|urg|argu|indicat|mention|cit|put)\w*\b",
    re.IGNORECASE,
)


def _pronoun_frames(article: ArticleReading, found: list[list[Frame]]) -> None:
    """ "A draft, seen by the Ledger, shows X. It also proposes Y.": "it" is the draft, so Y is the
    draft's too, whatever "It says" would make of it alone. The nearest speaker before, in the
    same paragraph or the one before, decides; only off-the-record speakers are passed on (an
    "it" after a party on the record may be that party, or anything)."""
    sentences = article.sentences
    for k, sentence in enumerate(sentences):
        if not _GOES_ON.match(article.body, sentence.start) and not _speaker_is_it(sentence.analysis):
            continue
        block = sentence.block
        for j in range(k - 1, -1, -1):
            if sentences[j].block < block - 1:
                break
            before = sentences[j].analysis
            if _own_speaker(before) and not _speaker_is_it(before):
                if before.status is ClaimStatus.REPORTED and before.cue is not None:
                    found[k].append(Frame(ClaimStatus.REPORTED, before.cue, outer=True))
                break


def _told(article: ArticleReading, k: int, first_of_block: Mapping[int, int]) -> list[int]:
    """The sentences after a telling one that are what was told: the rest of its block until a
    sentence with a speaker of its own, or the first sentence of the next block."""
    sentences = article.sentences
    block = sentences[k].block
    following = [j for j in range(k + 1, len(sentences)) if sentences[j].block == block]
    if not following:
        following = [j for j in range(k + 1, len(sentences)) if sentences[j].block == block + 1][:1]
        if not following or article.blocks[block + 1].kind == "heading":
            return []
    told = []
    for j in following:
        if _own_speaker(sentences[j].analysis) and not _speaker_is_it(sentences[j].analysis):
            break
        told.append(j)
    return told


def _heading_frames(article: ArticleReading, found: list[list[Frame]], first_of_block: Mapping[int, int]) -> None:
    """A heading that attributes or hedges ("What the report claims", "Anonymous allegations")
    covers the first paragraph under it, and any sentence of its section that restates it."""
    for position, analyses in article.headings.items():
        heading = article.blocks[position]
        frame = _heading_frame(heading.text, analyses)
        if frame is None:
            continue
        under = [
            k for k, sentence in enumerate(article.sentences) if article.blocks[sentence.block].heading == position
        ]
        if not under:
            continue
        first_block = article.sentences[under[0]].block
        terms = _claim_terms(heading.text, frame)
        for k in under:
            sentence = article.sentences[k]
            if sentence.block == first_block or _restates(terms, article.body[sentence.start : sentence.end]):
                found[k].append(frame)


def _title_frames(article: ArticleReading, found: list[list[Frame]]) -> None:
    """A title that attributes or hedges covers the body sentences that restate it."""
    frame = _heading_frame(article.title, [article.title_analysis])
    if frame is None:
        return
    # The title's cue offsets count in the title, not the body: keep who, not where.
    cue = frame.cue
    if cue is not None:
        cue = replace(cue, start=0, end=0, source_start=None, source_end=None)
    frame = replace(frame, cue=cue)
    terms = _claim_terms(article.title, frame)
    for k, sentence in enumerate(article.sentences):
        text = article.body[sentence.start : sentence.end]
        # The lead sentence tells the headline's story in other words ("Glenmore Rail said to be
        # axing its night trains" over "Glenmore Rail will withdraw all of its overnight services"):
        # sharing who or what the story is about is enough there.
        # A short title ("Insiders say mayor will quit": mayor, quit) needs half its words.
        lead = k == 0 and len(terms & content_terms(text)) >= min(LEAD_SHARES, max(1, len(terms) // 2))
        if lead or _restates(terms, text):
            found[k].append(frame)


def _heading_frame(text: str, analyses: Sequence[SentenceAnalysis]) -> Frame | None:
    """What a heading or title says of the text under it: someone's claim ("..., sources say",
    "Rumour: ...", "Anonymous allegations"), or a hedge ("Bridge may close"). A heading about an
    attitude ("Why distillation worries officials") frames nothing."""
    credit = _TRAILING_CREDIT.search(text)
    if credit is not None:  # "Grocer to leave high street, rival claims": headline syntax the parser misreads
        return Frame(ClaimStatus.REPORTED, Cue("attribution", credit.group(2), 0, 0, credit.group(1)), outer=False)
    for analysis in analyses:
        cue = analysis.cue
        if analysis.status is ClaimStatus.SPECULATIVE and (cue is None or cue.kind in ("hedge", "vague")):
            return Frame(analysis.status, cue, outer=False)
        if analysis.status is ClaimStatus.REPORTED and cue is not None and _saying(cue.text):
            return Frame(analysis.status, cue, outer=False)
        if (
            analysis.status is ClaimStatus.REPORTED
            and cue is not None
            and cue.text in (":", "-", "–", "—")
            and cue.source
        ):
            return Frame(analysis.status, cue, outer=False)  # "Sources: ...", "Report - ..."
    words = re.findall(r"[\w'’-]+", text)
    for number, word in enumerate(words):
        if word.lower() in _CLAIM_WORDS:
            # Who claims it is what the heading calls it: "rumour", "anonymous allegations".
            before = words[number - 1].lower() if number else ""
            said = (
                f"{before} {word.lower()}"
                if before in ("anonymous", "unnamed", "unverified", "online")
                else word.lower()
            )
            return Frame(ClaimStatus.REPORTED, Cue("hearsay", word, 0, 0, said), outer=False)
    return None


def _claim_terms(text: str, frame: Frame) -> set[str]:
    """The content words of a heading or title, less the words of its credit ("sources say")."""
    said = content_terms(frame.cue.text) | content_terms(frame.cue.source or "") if frame.cue is not None else set()
    return content_terms(text) - said - content_terms(" ".join(_CLAIM_WORDS))


def _restates(terms: set[str], sentence: str) -> bool:
    shared = len(terms & content_terms(sentence))
    return shared >= 2 and shared >= RESTATES * len(terms)


def _own_speaker(analysis: SentenceAnalysis) -> bool:
    cue = analysis.cue
    return cue is not None and cue.kind in _SPEAKING and cue.source is not None


def _speaker_is_it(analysis: SentenceAnalysis) -> bool:
    """A speaker that is only "it" or "they": who it is, the sentences before say ("A copy was
    obtained by the Gazette. It says: ..."), so their frames still reach it."""
    cue = analysis.cue
    return cue is not None and (cue.source or "").strip().lower() in ("it", "they")


def _frame_of(analysis: SentenceAnalysis, *, outer: bool) -> Frame | None:
    """The frame a sentence's own attribution casts over others: reported when it is someone's
    word off the record, confirmed when a party on the record speaks, speculative when hedged."""
    if analysis.addresses_reader:
        return None
    cue = analysis.cue
    if analysis.status is ClaimStatus.REPORTED:
        return Frame(ClaimStatus.REPORTED, cue, outer)
    if not _own_speaker(analysis) or cue is None:
        return None
    if analysis.status is ClaimStatus.SPECULATIVE:
        return Frame(ClaimStatus.SPECULATIVE, cue, outer)
    if analysis.status is ClaimStatus.CONFIRMED:
        return Frame(ClaimStatus.CONFIRMED if cue.on_record else ClaimStatus.REPORTED, cue, outer)
    return None


def _framed(analysis: SentenceAnalysis, frames: Sequence[Frame]) -> SentenceAnalysis:
    """A sentence's reading with the most doubtful frame that applies to it."""
    if not frames or analysis.status is ClaimStatus.DISPUTED or analysis.addresses_reader:
        return analysis
    if analysis.unconfirms is not None:
        return analysis
    own = _own_speaker(analysis) and not _speaker_is_it(analysis)
    applicable = [frame for frame in frames if frame.outer or not own]
    if not applicable:
        return analysis
    frame = max(applicable, key=lambda frame: (frame.status.doubt, frame.outer))
    if frame.status.doubt < analysis.status.doubt:
        return analysis  # a frame never removes doubt
    if frame.status is ClaimStatus.REPORTED:
        if analysis.status is ClaimStatus.REPORTED and own:
            return analysis if not frame.outer else _with(analysis, ClaimStatus.REPORTED, frame.cue)
        return _with(analysis, ClaimStatus.REPORTED, frame.cue)
    if frame.status is ClaimStatus.SPECULATIVE:
        return _with(analysis, ClaimStatus.SPECULATIVE, frame.cue)
    # A party on the record covers the sentence: confirmed, its word (a hedge inside stays one).
    status = ClaimStatus.SPECULATIVE if analysis.status is ClaimStatus.SPECULATIVE else ClaimStatus.CONFIRMED
    return _with(analysis, status, frame.cue)


def _with(analysis: SentenceAnalysis, status: ClaimStatus, cue: Cue | None) -> SentenceAnalysis:
    cues = analysis.cues if cue is None or cue in analysis.cues else (*analysis.cues, cue)
    return replace(analysis, status=status, cue=cue, cues=cues)
