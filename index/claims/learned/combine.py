"""Rules and CRF together: the status, cue and source of every sentence of a parsed paragraph.

("The CRF" below is the attribution model, whichever `attribution.json` names: the BiLSTM of
`bilstm` now; both give the same per-token labels and confidences.)

Why both: the rules are precise, cheap and the only source of `disputed` and of the product's
finer readings (a named party on the record, "remains unconfirmed" as the article's own
observation, "you" never a source); the CRF, trained on PolNeAR with the rules' reading among
its features, finds the attributions the rules miss (verbs of belief, quotations running over
several sentences, sources far from their verb). So the CRF may only add doubt, never remove it:

1. A sentence that speaks to the reader, says claims are unconfirmed, or is disputed: the rules'.
2. Reported by the rules (an off-the-record speaker, hearsay): the rules', cue and source included.
3. The CRF puts the sentence inside someone's content (content share, or the scope of its
   outermost cue) while the rules found no speaker there: `reported`, credited to the CRF's
   outermost source. That cue may hold the rules' own on-the-record cue in its clause: then the
   outer speaker decides, as the rules do between their own cues. Not when the CRF's cue is a
   modal with no word of speaking or believing ("The United States may have imposed ...": the
   article's own hedge) or its source a label ("Source: ...").
4. Content with no cue of its own (a quotation going on past its sentence) keeps the rules'
   reading here: whose content it is, the context step decides with the own-voice model
   (`index.claims.context`), which reads the CRF's content share among its features.
5. What is still `confirmed` (own voice, or a party on the record) becomes `speculative` when
   the hedge model finds it uncertain (a named speaker's own "said ... that" left out of what it
   reads); a `reported` sentence it finds uncertain keeps its status (the stronger doubt) and
   gets the hedge cue among its cues.

Whatever the steps decide, the result is never less doubtful than the rules' own status for
the sentence (`_no_less_doubt`): the rules' explicit cues set a floor the CRF cannot lower.

Cues: `SentenceAnalysis.cues` holds the CRF's attribution cues (each with the source run that
depends on it) and the rules' other cues (hedges, questions, denials); `cue` is the deciding one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from index.claims import lexicon as lex
from index.claims.learned.crf import AttributionModel, SentenceLabels, outermost, scope_top, under
from index.claims.learned.features import SPEAKING_WORDS
from index.claims.learned.hedge import SPEAKING_KINDS, hedge_cue, speaker_frame, uncertainty
from index.claims.learned.own_voice import sentence_features
from index.claims.rules import analyse_sentence, second_person
from index.claims.status import ClaimStatus, Cue, SentenceAnalysis

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span

    from index.claims.learned.features import DocArrays
    from index.claims.learned.linear import LinearModel

_SPEAKING = SPEAKING_KINDS
_RULES_KEPT = frozenset(["hedge", "question", "denial", "not_confirmed", "unconfirmed"])


@dataclass(frozen=True)
class Thresholds:
    """Chosen on PolNeAR dev (content, scope) and by cross-validation on CoNLL dev (hedge)."""

    content: float = 0.5
    scope: float = 0.7
    hedge: float = 0.45


@dataclass(frozen=True)
class _Reading:
    sent: Span
    arrays: DocArrays
    rules: SentenceAnalysis
    labels: SentenceLabels
    # The CRF's attribution cues and the rules' other cues: what `SentenceAnalysis.cues` holds.
    cues: tuple[Cue, ...]
    outer: Cue | None


class LearnedTagger:
    """The CRF, the hedge model and their thresholds; `analyse` reads one parsed paragraph."""

    def __init__(self, crf: AttributionModel, hedge: LinearModel | None, thresholds: Thresholds) -> None:
        self.crf = crf
        self.hedge = hedge
        self.thresholds = thresholds

    def read(self, doc: Doc) -> list[_Reading]:
        """The rules' and the CRF's reading of every sentence with a letter or digit in it."""
        arrays = self.crf.arrays(doc)
        found: list[_Reading] = []
        for sent in doc.sents:
            if not any(char.isalnum() for char in sent.text):
                continue
            rules = analyse_sentence(sent)
            labels = _without_deeds(self.crf.read(sent.start, sent.end, arrays, rules), arrays, sent)
            crf_cues = _crf_cues(doc, labels, arrays)
            outer = next((cue for cue in crf_cues if _covers(cue, labels.outer_cue, arrays)), None)
            cues = crf_cues + tuple(cue for cue in rules.cues if cue.kind in _RULES_KEPT)
            found.append(_Reading(sent, arrays, rules, labels, cues, outer))
        return found

    def analyse(self, doc: Doc) -> list[tuple[Span, SentenceAnalysis, tuple[str, ...]]]:
        """Every sentence's reading, and the features the own-voice model reads of it."""
        found = []
        for reading in self.read(doc):
            analysis = self._decide(reading)
            if analysis is None:  # someone's content with no cue of its own: the context step decides who
                analysis = replace(reading.rules, cues=reading.cues)
            analysis = _no_less_doubt(reading.rules, self._hedged(reading, analysis))
            features = sentence_features(reading.sent, reading.arrays, analysis, reading.labels)
            found.append((reading.sent, analysis, features))
        return found

    def _decide(self, reading: _Reading) -> SentenceAnalysis | None:
        """Steps 1-3 of the module docstring; None for step 4 (decided in context)."""
        rules, labels, cues = reading.rules, reading.labels, reading.cues
        if rules.addresses_reader or rules.unconfirms is not None or rules.status is ClaimStatus.DISPUTED:
            return replace(rules, cues=cues)
        if rules.status is ClaimStatus.REPORTED:
            return replace(rules, cues=cues)
        inside = labels.content_share >= self.thresholds.content or labels.scope_share >= self.thresholds.scope
        if not inside:
            return replace(rules, cues=cues)
        outer = reading.outer
        outer_is_new = (
            outer is not None
            and outer.source is not None
            and not _known_to_rules(outer, rules)
            and not _not_a_speaker(reading, outer)
        )
        if outer_is_new and (rules.cue is None or rules.cue.kind not in _SPEAKING or _holds(reading, rules.cue)):
            return replace(rules, status=ClaimStatus.REPORTED, cue=outer, cues=cues)
        if rules.cue is not None and rules.cue.kind in _SPEAKING:
            return replace(rules, cues=cues)  # the rules' speaker (on the record) is the outermost one
        if outer is not None:
            return replace(rules, cues=cues)  # a cue the rules know, or one without a source: theirs
        return None

    def _hedged(self, reading: _Reading, analysis: SentenceAnalysis) -> SentenceAnalysis:
        """Step 5: a confirmed sentence the hedge model finds uncertain is speculative; a reported one
        stays reported (the stronger doubt) with the hedge noted among its cues."""
        if self.hedge is None or analysis.unconfirms is not None:
            return analysis
        if analysis.status not in (ClaimStatus.CONFIRMED, ClaimStatus.REPORTED):
            return analysis
        # A named speaker's "said ... that" is left out: it hedges nothing (`hedge.speaker_frame`).
        frame = speaker_frame(reading.arrays, reading.sent.start, reading.sent.end, analysis.cue)
        if uncertainty(self.hedge, reading.arrays, reading.sent, frame) < self.thresholds.hedge:
            return analysis
        cue = hedge_cue(self.hedge, reading.arrays, reading.sent, frame)
        cues = analysis.cues + ((cue,) if cue is not None else ())
        if analysis.status is ClaimStatus.REPORTED:
            return replace(analysis, cues=cues)
        # A party on the record stays the one who says it, hedged or not.
        speaker = analysis.cue if analysis.cue is not None and analysis.cue.source is not None else None
        return replace(analysis, status=ClaimStatus.SPECULATIVE, cue=speaker or cue or analysis.cue, cues=cues)


def _no_less_doubt(rules: SentenceAnalysis, analysis: SentenceAnalysis) -> SentenceAnalysis:
    """The safety floor: a combined reading less doubtful than the rules' is replaced by the rules'
    (with the combined cues). The steps above never do this; the guard keeps it so whatever a
    retrained model or a later edit does."""
    if analysis.status.doubt < rules.status.doubt:
        return replace(rules, cues=analysis.cues)
    return analysis


# "Source: The Verge, ..." is a label line, not someone speaking.
_LABEL_WORDS = frozenset(["source", "sources", "credit", "credits", "photo", "note", "editor's note", "update"])


def _not_a_speaker(reading: _Reading, outer: Cue) -> bool:
    """CRF readings that credit words to someone who is not saying or believing anything: a cue
    with no word of speaking or believing in it (a modal of the article's own voice, "The United
    States may have imposed ..."; an act, "The senator introduced a bill to ..."), and a label
    before a colon ("Source: ...")."""
    if (outer.source or "").strip().lower() in _LABEL_WORDS:
        return True
    run = reading.labels.outer_cue or ()
    arrays = reading.arrays
    speaking = _speaking_words()
    return not any(arrays.lemma[i] in speaking or arrays.lower[i] in speaking for i in run) and not any(
        arrays.is_quote[i] or arrays.lower[i] in (":", "―", "—", "-") for i in run
    )


# Verbs of saying that are as often deeds done to a thing: "recalled every batch", "published a
# notice", "issued a fine". Others with an object ("announced a plan", "criticised the policy") are
# attributions as PolNeAR counts them.
_DEED_SENSES = frozenset(["recall", "publish", "post", "issue", "release", "file", "record", "log", "register"])
# Verbs that deny or reject a claim, or decide on an application: "denied planning permission".
_DECIDING_VERBS = frozenset(["deny", "reject", "refuse", "dismiss", "uphold", "grant", "approve", "throw"])
# What is applied for: deciding on it is an act, not a word about a claim.
_APPLICATIONS = frozenset(
    ["permission", "appeal", "application", "request", "bid", "bail", "entry", "access", "visa", "motion",
     "petition", "licence", "license", "parole", "asylum", "admission", "proposal", "offer", "loan", "grant",
     "funding", "planning", "injunction", "case", "lawsuit", "suit", "challenge", "complaint", "objection",
     "rise", "increase", "cut", "plan", "measure", "bill", "budget", "deal", "merger", "takeover", "tender",
     "contract", "nomination", "amendment", "resolution", "settlement", "scheme", "policy"]
)  # fmt: skip
# Verbs of owning up that are deeds when something is taken in: "admitted to hospital".
_ADMITTED_TO = frozenset(["admit"])


def _without_deeds(labels: SentenceLabels, arrays: DocArrays, sent: Span) -> SentenceLabels:
    """The CRF's reading less the cues that are deeds done to a thing ("Halvorsen Foods has
    recalled every batch", "the agency has published a recall notice"): PolNeAR taught it
    "recall" and "publish" as verbs of saying. When every cue was one, nothing is content."""
    verbs = [i for run in labels.cues for i in run if _deed(arrays, sent, i)]
    if not verbs:
        return labels
    # A run inside the deed's own clause goes with it ("voted 7-2 on Tuesday | to ban ..."), unless
    # someone speaks in it ("The council voted to ban parking, a spokesman said" misparsed).
    speaking = _speaking_words()
    deeds = [
        run
        for run in labels.cues
        if any(i in verbs for i in run)
        or (
            all(any(under(i, verb, arrays.head) for verb in verbs) for i in run)
            and not any(arrays.lemma[i] in speaking for i in run)
        )
    ]
    cues = tuple(run for run in labels.cues if run not in deeds)
    if cues:
        if labels.outer_cue in deeds:
            return replace(labels, cues=cues, outer_cue=None, outer_source=None)
        return replace(labels, cues=cues)
    return replace(
        labels,
        cues=(),
        outer_cue=None,
        outer_source=None,
        content_share=0.0,
        scope_share=0.0,
        content_probability=0.0,
        cue_probability=0.0,
    )


def _deed(arrays: DocArrays, sent: Span, verb: int) -> bool:
    """A verb of saying used as a deed on a thing, with nothing said: "We have recalled all
    batches", "the coastguard reported 14 rescues" (the rules' reading of the deed stands)."""
    children = [i for i in range(sent.start, sent.end) if arrays.head[i] == verb and i != verb]
    if arrays.pos[verb] == "VERB" and arrays.lemma[verb] in _ADMITTED_TO:
        # "Six people were admitted to hospital": taken in, not owning up.
        passive = any(arrays.dep[i] == "nsubjpass" for i in children)
        return passive and any(arrays.dep[i] == "prep" and arrays.lower[i] in ("to", "into") for i in children)
    if arrays.pos[verb] == "VERB" and arrays.lemma[verb] == "vote":
        # "The council voted 7-2 to ban overnight lorry parking": a decision taken, not a word said
        return any(arrays.dep[i] == "xcomp" for i in children)
    if arrays.pos[verb] == "VERB" and arrays.lemma[verb] in _DECIDING_VERBS:
        # "The council denied planning permission", "the court rejected the appeal": a decision
        # on an application, not a denial of a claim ("denied the allegations" stays one).
        return any(arrays.dep[i] == "dobj" and arrays.lemma[i] in _APPLICATIONS for i in children)
    if arrays.pos[verb] != "VERB" or arrays.lemma[verb] not in _DEED_SENSES:
        return False
    if any(arrays.dep[i] in ("ccomp", "parataxis", "xcomp", "dative") for i in children):
        return False
    return any(
        arrays.dep[i] == "dobj"
        and arrays.pos[i] == "NOUN"
        and arrays.lemma[i] not in lex.PERSON_NOUNS | lex.MEDIA_NOUNS | lex.PARTY_NOUNS
        for i in children
    )


@lru_cache(maxsize=1)
def _speaking_words() -> frozenset[str]:
    """Words of speaking or believing: the lexicon's, and the cue lemmas of PolNeAR train that are
    not acts or stances ("rejected the appeal", "introduced a bill", "voted to approve" are deeds)."""
    from index.claims.learned.models import load_cues

    return SPEAKING_WORDS | lex.REPORT_NOUNS | (load_cues().strong - lex.STANCE_VERBS)


def _crf_cues(doc: Doc, labels: SentenceLabels, arrays: DocArrays) -> tuple[Cue, ...]:
    """Each CUE run as an attribution cue, with the SRC run that depends on it (else the nearest).

    A source that is the reader ("you") or a thing ("how it responds") is left out: never anyone's claim.
    A SRC run of punctuation alone (the comma after "Donald Trump, in particular,") is no source.
    """
    found: list[Cue] = []
    sources = [list(run) for run in labels.sources if any(arrays.word[i] for i in run)]
    for run in labels.cues:
        _, source = outermost(labels.start, labels.end, [list(run)], sources, arrays)
        start, end = arrays.idx[run[0]], arrays.end[run[-1]]
        if source is not None:
            low, high = arrays.idx[source[0]], arrays.end[source[-1]]
            text = doc.text[low:high]
            if not second_person(text) and text.lower() not in lex.NON_SPEAKER_SUBJECTS:
                found.append(Cue("attribution", doc.text[start:end], start, end, text, low, high))
                continue
        found.append(Cue("attribution", doc.text[start:end], start, end))
    return tuple(found)


def _covers(cue: Cue, run: tuple[int, ...] | None, arrays: DocArrays) -> bool:
    return run is not None and cue.start == arrays.idx[run[0]] and cue.end == arrays.end[run[-1]]


def _overlaps(first: Cue, second: Cue) -> bool:
    return first.start < second.end and second.start < first.end


def _known_to_rules(cue: Cue, rules: SentenceAnalysis) -> bool:
    """The rules have a speaking cue on the same words."""
    return any(other.kind in _SPEAKING and _overlaps(cue, other) for other in rules.cues)


def _holds(reading: _Reading, inner: Cue) -> bool:
    """The CRF's outermost cue has the rules' cue inside its clause: the outer speaker decides."""
    labels, arrays = reading.labels, reading.arrays
    if labels.outer_cue is None:
        return False
    top = scope_top(list(labels.outer_cue), arrays)
    return any(
        under(i, top, arrays.head)
        for i in range(labels.start, labels.end)
        if inner.start <= arrays.idx[i] < inner.end and i not in labels.outer_cue
    )
