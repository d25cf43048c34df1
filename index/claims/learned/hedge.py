"""Is a sentence uncertain (hedged, or weaselly vague)? A logistic regression over its words and parse.

Why: the rules' hedge words catch modals and "possibly", but most uncertainty in the one labelled
set there is (CoNLL-2010, Wikipedia) is vaguer: "some believe", "is often considered", "many".
The model is fitted on the dev half of that set (it has no train split; settings by 5-fold
cross-validation on the same half) and only ever adds doubt: a sentence the tagger
would call `confirmed` becomes `speculative` (the cautious direction, since a wrong confirmed is
the worst error), and a `reported` one gets a hedge cue beside its attribution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.claims import lexicon as lex
from index.claims.learned.bags import word_bag
from index.claims.status import Cue

if TYPE_CHECKING:
    from spacy.tokens import Span

    from index.claims.learned.features import DocArrays
    from index.claims.learned.linear import LinearModel


_SAYING = lex.SPEECH_VERBS | lex.ON_RECORD_VERBS


def hedge_features(arrays: DocArrays, start: int, end: int, text: str) -> list[str]:
    """Words and word pairs of `text`, and the parse of tokens `start:end` (as `bags.parse_bag` reads
    them, from the paragraph's arrays: this runs for most sentences indexed).

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
    for i in _backshifted(arrays, start, end):
        lemma[i] = "will"
        offset = arrays.idx[i] - arrays.idx[start]
        text = text[:offset] + "will " + text[offset + len("would") :].lstrip()
    found = word_bag(text)
    for i in range(start, end):
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


def uncertainty(model: LinearModel, arrays: DocArrays, sent: Span) -> float:
    """P(uncertain) of a sentence."""
    return model.proba(hedge_features(arrays, sent.start, sent.end, sent.text))[1]


def hedge_cue(model: LinearModel, arrays: DocArrays, sent: Span) -> Cue | None:
    """The word that weighs most towards "uncertain", as a hedge cue (offsets into its paragraph).

    The model judges the whole sentence; the cue is what a reader is shown as the reason. None only
    for a sentence without words.
    """
    best, best_token = float("-inf"), -1
    for i in range(sent.start, sent.end):
        if not arrays.word[i]:
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
