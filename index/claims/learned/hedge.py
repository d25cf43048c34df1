"""Is a sentence uncertain (hedged, or weaselly vague)? A logistic regression over its words and parse.

Why: the rules' hedge words catch modals and "possibly", but most uncertainty in the one labelled
set there is (CoNLL-2010, Wikipedia) is vaguer: "some believe", "is often considered", "many".
The model is fitted on the dev half of that set (it has no train split; settings by 5-fold
cross-validation on the same half) and only ever adds doubt: a sentence the tagger
would call `confirmed` becomes `speculative` (the cautious direction, since a wrong confirmed is
the worst error), and a `reported` one gets a hedge cue beside its attribution.

A named speaker's own frame ("The trust said on Monday that ...": the verb of saying and the
"that" of its clause) is left out of what the model reads (`speaker_frame`): Wikipedia's weasels
("it is said that") taught it those words as doubt, and a speaker who is named hedges nothing by
saying. The model judges what the speaker says.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from index.claims import lexicon as lex
from index.claims.learned.bags import word_bag
from index.claims.status import Cue

if TYPE_CHECKING:
    from spacy.tokens import Span

    from index.claims.learned.features import DocArrays
    from index.claims.learned.linear import LinearModel


_SAYING = lex.SPEECH_VERBS | lex.ON_RECORD_VERBS
# The cue kinds of someone speaking.
SPEAKING_KINDS = frozenset(["attribution", "stance", "hearsay"])


def hedge_features(arrays: DocArrays, start: int, end: int, text: str, frame: Collection[int] = ()) -> list[str]:
    """Words and word pairs of `text`, and the parse of tokens `start:end` (as `bags.parse_bag` reads
    them, from the paragraph's arrays: this runs for most sentences indexed), less the tokens of
    `frame` (a named speaker's frame, `speaker_frame`).

    A "would" that is the past of "will" in reported speech ("the trust said it would close the
    ward") is read as "will": Wikipedia's hedges taught the model "would" and "said" as doubt."""
    lemma, pos, dep, tag, lexc, head = (
        arrays.lemma,
        arrays.pos,
        arrays.dep,
        arrays.tag,
        arrays.lexc,
        arrays.head,
    )
    lemma = list(lemma)
    base = arrays.idx[start] if end > start else 0
    for i in sorted(frame, reverse=True):  # blanked, so that every offset stays where it was
        low, high = arrays.idx[i] - base, arrays.end[i] - base
        text = text[:low] + " " * (high - low) + text[high:]
    for i in _backshifted(arrays, start, end):
        lemma[i] = "will"
        offset = arrays.idx[i] - arrays.idx[start]
        text = text[:offset] + "will " + text[offset + len("would") :].lstrip()
    found = word_bag(text)
    for i in range(start, end):
        if i in frame:
            continue
        cls = lexc[i]
        if cls:
            found += ["lx=" + cls, "lx|p=" + cls + "|" + pos[i], "lx|d=" + cls + "|" + dep[i]]
            if dep[i] == "ROOT":
                found.append("rootlx=" + cls)
        if tag[i] == "MD":
            found.append("md=" + lemma[i])
        if dep[i] == "neg":
            found += ["neg|h=" + lemma[head[i]], "neg"]
        found.append("l|p=" + lemma[i] + "|" + pos[i])
    return found


def _backshifted(arrays: DocArrays, start: int, end: int) -> list[int]:
    """Tokens "would" under a clause a past verb of saying governs, last first (text offsets stay
    right while the text is edited from the end)."""
    found = []
    for i in range(start, end):
        if arrays.lower[i] != "would" or arrays.tag[i] != "MD":
            continue
        clause = arrays.head[i]
        speaker = arrays.head[clause]
        if arrays.dep[clause] == "ccomp" and arrays.tag[speaker] in ("VBD", "VBN") and arrays.lemma[speaker] in _SAYING:
            found.append(i)
    return found[::-1]


def speaker_frame(arrays: DocArrays, start: int, end: int, cue: Cue | None) -> tuple[int, ...]:
    """The tokens of a named speaker's frame in the sentence `start:end`: the words of its speaking
    cue ("said"), and the "that" of a clause that cue governs. Empty when the deciding cue is not a
    speaker's, or names no one ("it is said that": the weasel is the hedge)."""
    if cue is None or cue.kind not in SPEAKING_KINDS or cue.source is None:
        return ()
    words = [i for i in range(start, end) if cue.start <= arrays.idx[i] < cue.end]
    clauses = {j for j in range(start, end) if arrays.head[j] in words and j not in words}
    marks = [j for j in range(start, end) if arrays.dep[j] == "mark" and arrays.head[j] in clauses]
    return tuple(sorted({*words, *marks}))


def uncertainty(model: LinearModel, arrays: DocArrays, sent: Span, frame: Collection[int] = ()) -> float:
    """P(uncertain) of a sentence, less a named speaker's frame."""
    return model.proba(hedge_features(arrays, sent.start, sent.end, sent.text, frame))[1]


def hedge_cue(model: LinearModel, arrays: DocArrays, sent: Span, frame: Collection[int] = ()) -> Cue | None:
    """The word that weighs most towards "uncertain", as a hedge cue (offsets into its paragraph).

    The model judges the whole sentence; the cue is what a reader is shown as the reason. None only
    for a sentence without words (outside the speaker's frame).
    """
    best, best_token = float("-inf"), -1
    for i in range(sent.start, sent.end):
        if not arrays.word[i] or i in frame:
            continue
        weight = 0.0
        for feature in ("w=" + arrays.lower[i], "l|p=" + arrays.lemma[i] + "|" + arrays.pos[i]):
            values = model.weights.get(feature)
            if values is not None:
                weight += values[1] - values[0]
        if weight > best:
            best, best_token = weight, i
    if best_token < 0:
        return None
    start, end = arrays.idx[best_token], arrays.end[best_token]
    return Cue("vague", sent.doc.text[start:end], start, end)
