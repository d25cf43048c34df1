"""Is a sentence the outlet's own voice? A logistic regression over the sentence and its neighbours.

Why: `confirmed` must rest on positive evidence. A sentence in which no rule and no CRF cue finds a
speaker is not therefore the outlet's own word: it may carry on a quotation, restate what someone
was said to have told the paper, or use a cue no list knows. PolNeAR marks every attribution's
content span, often over several sentences, so a sentence outside every content span is the
outlet's own voice: that is the label. The model reads what the paragraph pass saw of the sentence
(its status and cue, the CRF's content and scope shares, quotation marks, first-person words, its
verbs) and the same of the sentences before and after it, and of its place in the article.

The threshold is chosen on PolNeAR dev for precision: a sentence is taken as the outlet's own
voice only when the model is confident; below it the sentence is someone's content (the
context step then credits the nearest speaker, or nobody in particular).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Span

    from index.claims.learned.crf import SentenceLabels
    from index.claims.learned.features import DocArrays
    from index.claims.learned.linear import LinearModel
    from index.claims.status import SentenceAnalysis

_FIRST_PERSON = frozenset(["i", "me", "my", "mine", "we", "us", "our", "ours", "myself", "ourselves"])
_SECOND_PERSON = frozenset(["you", "your", "yours", "yourself"])
# Features a neighbour contributes (with a prefix): who speaks there and how it is quoted.
_NEIGHBOUR_KINDS = ("st=", "ck=", "con=", "scope=", "q=", "qs=", "qe=", "fp=", "crf=", "end=")


def _bucket(share: float) -> str:
    return "0" if share <= 0.0 else "lo" if share < 0.34 else "mid" if share < 0.67 else "hi"


def _fine(probability: float) -> str:
    return str(min(int(probability * 10), 9))


def sentence_features(
    sent: Span, arrays: DocArrays, analysis: SentenceAnalysis, labels: SentenceLabels | None
) -> tuple[str, ...]:
    """What the paragraph pass saw of one sentence, as binary features."""
    a = arrays
    tokens = range(sent.start, sent.end)
    words = [i for i in tokens if a.word[i]]
    cue = analysis.cue
    found = [
        f"st={analysis.status.value}",
        f"ck={cue.kind if cue else '-'}|{int(bool(cue and cue.source))}|{int(bool(cue and cue.on_record))}",
    ]
    for other in analysis.cues:
        found.append(f"cues={other.kind}")
    if labels is not None:
        found += [
            f"con={_bucket(labels.content_share)}",
            f"conp={_fine(labels.content_probability)}",
            f"cuep={_fine(labels.cue_probability)}",
            f"scope={_bucket(labels.scope_share)}",
            f"crf={min(len(labels.cues), 2)}|{min(len(labels.sources), 2)}",
        ]
    quoted = sum(1 for i in words if a.quote[i]) / len(words) if words else 0.0
    first = next((i for i in tokens if not a.space[i]), sent.start)
    last = next((i for i in reversed(tokens) if not a.space[i]), sent.end - 1)
    before_last = next((i for i in range(last - 1, sent.start - 1, -1) if not a.space[i]), last)
    found += [
        f"q={_bucket(quoted)}",
        f"qs={a.quote[first]}{int(a.is_quote[first])}",
        f"qe={int(a.is_quote[last])}",
        f"end={a.lower[before_last] if a.is_quote[last] else a.lower[last]}",
        f"len={min(len(words) // 8, 5)}",
    ]
    found.append(f"qspan={_quote_spans(a, tokens)}")
    outside = [i for i in words if not a.quote[i]]
    if any(a.lower[i] in _FIRST_PERSON for i in outside):
        found.append("fp=out")
    if any(a.lower[i] in _FIRST_PERSON for i in words if a.quote[i]):
        found.append("fp=in")
    if any(a.lower[i] in _SECOND_PERSON for i in outside):
        found.append("sp=out")
    found.append(f"w0={a.lower[first] if a.pos[first] in ('ADV', 'CCONJ', 'SCONJ', 'PRON', 'DET') else a.pos[first]}")
    for i in words:
        if a.head[i] == i:
            found.append(f"root={a.lemma[i]}")
            found.append(f"rootx={a.lexc[i] or '-'}|{a.children[i]}")
        if a.pos[i] in ("VERB", "AUX"):
            found.append(f"v={a.lemma[i]}")
            if a.children[i]:
                found.append(f"v|ch={a.lemma[i]}|{a.children[i]}")
        if a.lexc[i]:
            found.append(f"lx={a.lexc[i]}|{a.pos[i]}")
        if a.tag[i] == "MD":
            found.append(f"md={a.lemma[i]}")
    found.append(f"propn={min(sum(1 for i in words if a.pos[i] == 'PROPN'), 3)}")
    found += _generic(a, words)
    return tuple(found)


def _generic(a: DocArrays, words: list[int]) -> list[str]:
    """The root's tense and its subject's kind: a statement in the generic present about a kind of
    thing ("In distillation, a 'student' AI is trained on ...", "A tidal barrier is a movable gate")
    explains; it is rarely anyone's quoted claim."""
    root = next((i for i in words if a.head[i] == i), None)
    if root is None:
        return []
    tags = {a.tag[j] for j in words if a.head[j] == root and a.dep[j] in ("aux", "auxpass")} | {a.tag[root]}
    tense = "past" if tags & {"VBD"} else "modal" if "MD" in tags else "present" if tags & {"VBZ", "VBP"} else "other"
    subject = next((j for j in words if a.head[j] == root and a.dep[j] in ("nsubj", "nsubjpass")), None)
    if subject is None:
        kind = "none"
    elif a.pos[subject] == "PROPN":
        kind = "name"
    elif a.pos[subject] == "PRON":
        kind = "pronoun"
    else:
        determiners = {a.lower[j] for j in words if a.head[j] == subject and a.dep[j] in ("det", "poss")}
        kind = "a" if determiners & {"a", "an"} else "the" if determiners else "bare"
    return [f"tense={tense}", f"subj={kind}", f"tense|subj={tense}|{kind}"]


def _quote_spans(a: DocArrays, tokens: range) -> str:
    """How the sentence quotes: "none", "scare" (only quoted words or short phrases: a 'student'
    AI), or "speech" (a quoted run of four words or more: someone's words)."""
    runs: list[int] = []
    current = 0
    for i in tokens:
        if a.quote[i] and a.word[i]:
            current += 1
        elif current:
            runs.append(current)
            current = 0
    if current:
        runs.append(current)
    if not runs:
        return "none"
    return "speech" if max(runs) >= 4 else "scare"


@dataclass(frozen=True)
class Place:
    """Where a sentence stands: its block's kind, first or last in its block, whether the block is
    led into, the strongest frame around it, how many other sentences of its block have a speaker,
    and how much of the article speaks in the first person (an opinion piece's "we")."""

    kind: str
    first_in_block: bool
    last_in_block: bool
    first_block: bool
    led_in: bool
    framed: str | None
    block_speakers: int
    first_person_share: float


def context_features(neighbours: Sequence[Sequence[str] | None], own: Sequence[str], place: Place) -> list[str]:
    """A sentence's features with its neighbours' (two before, two after: prefixed p2:, p:, n:, n2:)
    and its place."""
    found = list(own)
    for prefix, neighbour in zip(("p2:", "p:", "n:", "n2:"), neighbours, strict=True):
        if neighbour is None:
            found.append(prefix + "none")
            continue
        found += [prefix + feature for feature in neighbour if feature.startswith(_NEIGHBOUR_KINDS)]
    found += [
        f"block={place.kind}",
        f"pos={int(place.first_in_block)}{int(place.last_in_block)}",
        f"first_block={int(place.first_block)}",
        f"led_in={int(place.led_in)}",
        f"framed={place.framed or '-'}",
        f"block_speakers={min(place.block_speakers, 2)}",
        f"doc_fp={_bucket(place.first_person_share)}",
    ]
    return found


class OwnVoice:
    """The model and its two thresholds, both chosen on dev: `threshold` for a sentence stated
    plainly (`confirmed` or vaguely worded), `hedged_threshold` for one the rules found hedged
    ("may", "is expected to"), which is the outlet's own hedge unless the model is fairly sure the
    sentence is someone's content."""

    def __init__(self, model: LinearModel) -> None:
        self.model = model
        self.threshold = model.threshold
        self.hedged_threshold = float(str(model.meta.get("hedged_threshold", model.threshold)))

    def probability(self, features: Sequence[str]) -> float:
        index = self.model.classes.index("own")
        return self.model.proba(features)[index]

    def own_voice(self, features: Sequence[str], *, hedged: bool = False) -> bool:
        return self.probability(features) >= (self.hedged_threshold if hedged else self.threshold)
