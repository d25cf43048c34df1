"""Where the sources agree and where they disagree, across articles and within one.

Claims on the same point (close in meaning, or about the same happening) are compared: a denial
of a reported claim in its own article, quantities that differ ("9 million" against "12
million"), dates or weekdays that differ ("on Monday" against "until December 15"), or one side
saying a thing happens and the other that it does not ("will reopen" against "will not
reopen"). Both sides are shown, each disputed and naming the other. A claim stated by other
outlets in their own words is corroborated by them; reprints of one wire story count once.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

import numpy as np

from bot.answering.drafts import Draft
from bot.answering.evidence import Evidence, SentenceVectors, pairwise
from index.claims import lexicon as lex
from index.claims.rules import normalise_case
from index.claims.status import ClaimStatus, TaggedSentence
from index.text import content_terms

# Two claims this similar are about the same point (MiniLM cosine).
SAME_POINT = 0.45
# A sentence of another article this similar to a claim says the same thing: it corroborates it.
SAME_CLAIM = 0.72
# Two sentences this similar that name different parties or places in the same words ("Simona
# Halep won the title" against "Angelique Kerber won the title") disagree about who or where.
SAME_WORDING = 0.7
# Quantities within this ratio are the same figure, rounded ("$19.3 billion", "$19 billion").
ROUNDING = 0.05
# At most this many claims in an answer once the other sides of disputes are added.
MAX_CLAIMS = 5


def compare_sources(
    drafts: list[Draft], evidence: Sequence[Evidence], vectors: SentenceVectors, *, about_now: bool = False
) -> list[Draft]:
    """Denials within an article, contradictions across articles (the other side is added), and
    corroboration by other outlets.

    `about_now`: the question asks how things stand now. Then, of two articles that contradict
    each other, the newer one stands and the older one is shown as older (superseded), not as a
    dispute between equals; the newer claim comes first.
    """
    drafts = link_denials(drafts)
    drafts = add_other_sides(drafts, evidence, vectors)
    drafts = mark_conflicts(drafts, vectors, about_now=about_now)
    return corroborate(drafts, evidence, vectors)


def link_denials(drafts: list[Draft]) -> list[Draft]:
    """A reported claim that its own article contradicts is disputed, and the other side is cited,
    each naming the other: a denial of the report, or the party concerned saying on the record
    that it did not happen ("no decision has been made", said by the mayor's office, against a
    trade group's word that the mayor decided).

    "Has not confirmed" only qualifies a claim (it stays reported, naming who has not confirmed
    it); a denial contradicts it, so the answer must show both sides.
    """
    result = list(drafts)
    cited = {item.key for draft in drafts for item in draft.support}
    for position, draft in enumerate(drafts):
        item = draft.support[0]
        if item.sentence.status is not ClaimStatus.REPORTED:
            continue
        other = _denied_in_article(item)
        if other is None:
            continue
        who = other.source or other.attributed_to
        result[position] = draft.disputed(who)
        other_item = Evidence(other, item.article, similarity=0.0, overlap=0.0, passage_rank=item.passage_rank)
        if other_item.key not in cited:
            cited.add(other_item.key)
            result.append(Draft(other.text, (other_item,), ClaimStatus.DISPUTED, who, (draft.who,)))
        else:  # the other side is cited already: it is disputed too, by this claim's speaker
            for number, existing in enumerate(result):
                if existing.support[0].key == other_item.key:
                    result[number] = existing.disputed(draft.who)
    return result


def _denied_in_article(item: Evidence) -> TaggedSentence | None:
    """The sentence of a reported claim's own article that denies it, if there is one."""
    claim = item.sentence
    for sentence in item.article.sentences:
        if sentence.start == claim.start or sentence.instruction_like:
            continue
        concerned = bool(content_terms(sentence.source or "") & content_terms(_without_source(claim)))
        if sentence.status is ClaimStatus.DISPUTED and sentence.cue_kind == "denial":
            if claim.not_confirmed_by or concerned:
                return sentence  # "The mayor's office denied the report.", "The water company denied it."
            continue
        other = Evidence(sentence, item.article, similarity=0.0, overlap=0.0, passage_rank=item.passage_rank)
        if _undecided_by_party(other, item) and _same_topic(sentence, claim):
            return sentence  # the party concerned: "no decision about the playing fields has been taken"
        on_record = sentence.status in (ClaimStatus.CONFIRMED, ClaimStatus.SPECULATIVE)
        if not on_record or not sentence.source or sentence.cue_kind != "attribution":
            continue
        same_happening = bool(claim.predicate) and claim.predicate == sentence.predicate
        if concerned and same_happening and happening_conflict(item, other):
            return sentence  # the party concerned, on the record
    return None


def _same_topic(first: TaggedSentence, second: TaggedSentence) -> bool:
    """Two sentences of one article about the same thing: words in common besides who speaks and
    their verb of saying."""
    saying = content_terms(f"{first.cue or ''} {second.cue or ''}")
    return bool((content_terms(_without_source(first)) & content_terms(_without_source(second))) - saying)


def _without_source(sentence: TaggedSentence) -> str:
    text = sentence.text
    if sentence.source_start is not None and sentence.source_end is not None:
        start, end = sentence.source_start - sentence.start, sentence.source_end - sentence.start
        if 0 <= start < end <= len(text):
            return text[:start] + text[end:]
    return text


def add_other_sides(drafts: list[Draft], evidence: Sequence[Evidence], vectors: SentenceVectors) -> list[Draft]:
    """Sentences of other articles that contradict a chosen claim join the answer, so a reader sees
    both sides even when one of them scored lower."""
    result = list(drafts)
    cited = {item.key for draft in drafts for item in draft.support}
    for draft in drafts:
        if len(result) >= MAX_CLAIMS:
            break
        own = draft.support[0]
        for other in evidence:
            if other.key in cited or other.article.id == own.article.id or other.sentence.instruction_like:
                continue
            if other.vector is None or own.vector is None or float(own.vector @ other.vector) < SAME_POINT:
                continue
            if contradicts(own, other):
                cited.add(other.key)
                result.append(Draft(other.sentence.text, (other,), other.sentence.status, other.sentence.attributed_to))
                break
    return result


def mark_conflicts(drafts: list[Draft], vectors: SentenceVectors, *, about_now: bool = False) -> list[Draft]:
    """Claims of different articles on the same point that contradict each other are both disputed,
    or, for a question about now, the older is superseded by the newer."""
    if len(drafts) < 2:
        return drafts
    matrix = pairwise(np.stack(_draft_vectors(drafts, vectors)))
    result = list(drafts)
    for i, first in enumerate(drafts):
        for j in range(i + 1, len(drafts)):
            second = drafts[j]
            if first.support[0].article.id == second.support[0].article.id or matrix[i, j] < SAME_POINT:
                continue
            if _story(first.support[0]) == _story(second.support[0]):
                continue  # two copies of one wire story do not dispute each other
            if not _texts_contradict(first, second):
                continue
            # A denial is a dispute about what happened, not a newer state of it.
            denial = any(_deciding(draft.support[0]) for draft in (first, second))
            order = _newer(first, second) if about_now and not denial else None
            if order is None:
                result[i] = result[i].disputed(second.who)
                result[j] = result[j].disputed(first.who)
            else:
                newer, older = (i, j) if order else (j, i)
                result[older] = result[older].superseded(result[newer].support[0].key)
    return _newest_first(result)


def _newest_first(drafts: list[Draft]) -> list[Draft]:
    """Each claim that supersedes another is moved just before it: what stands now is read first."""
    result = list(drafts)
    for older in drafts:
        for key in older.superseded_by:
            newer = next((d for d in result if d.support[0].key == key), None)
            if newer is not None and result.index(newer) > result.index(older):
                result.remove(newer)
                result.insert(result.index(older), newer)
    return result


def _newer(first: Draft, second: Draft) -> bool | None:
    """True when the first draft's article is newer, False when the second's is, None when undated or equal."""
    a, b = first.support[0].article.published, second.support[0].article.published
    if not a or not b or a == b:
        return None
    return a > b


def corroborate(drafts: list[Draft], evidence: Sequence[Evidence], vectors: SentenceVectors) -> list[Draft]:
    """Outlets besides the cited one that state the same point, in agreement; one wire story
    reprinted by several outlets counts once, under its first outlet."""
    result = []
    for draft in drafts:
        own = draft.support[0]
        if own.vector is None or draft.status is ClaimStatus.DISPUTED:
            result.append(draft)
            continue
        seen = {_story(own)}
        outlets: list[str] = []
        for other in evidence:
            story = _story(other)
            if story in seen or other.vector is None or other.article.outlet == own.article.outlet:
                continue
            if other.sentence.instruction_like or float(own.vector @ other.vector) < SAME_CLAIM:
                continue
            if other.sentence.status is not ClaimStatus.CONFIRMED or not _independent(own, other):
                continue  # an anonymous-source report, a hedge or a story retold is no corroboration
            if other.sentence.negated != own.sentence.negated:
                continue  # "will resume on Monday" is not borne out by "will not sail again until September"
            if contradicts(own, other):
                continue
            seen.add(story)
            if other.article.outlet not in outlets:
                outlets.append(other.article.outlet)
        result.append(replace(draft, corroborated_by=tuple(outlets)) if outlets else draft)
    return result


def _independent(first: Evidence, second: Evidence) -> bool:
    """Two outlets that did not take the story from each other (`reports_on` names the source)."""
    a, b = first.article, second.article
    return a.reports_on != b.outlet and b.reports_on != a.outlet and (not a.reports_on or a.reports_on != b.reports_on)


def _story(item: Evidence) -> str:
    """Which story a sentence belongs to: reprints of one wire copy share it."""
    return item.article.reprint_of or item.article.id


# --- what contradiction means -------------------------------------------------------------


def contradicts(first: Evidence, second: Evidence) -> bool:
    """Two sentences about the same point that cannot both hold as written."""
    a, b = first.sentence, second.sentence
    similar = first.vector is not None and second.vector is not None and float(first.vector @ second.vector)
    if similar and similar >= SAME_WORDING and names_conflict(first, second):
        return True
    if _about_different_things(first, second):
        return False  # "the Harlow bridge reopens Monday" and "the Kellan Bay bridge reopened Saturday"
    same_happening = bool(a.predicate) and a.predicate == b.predicate
    if numbers_conflict(a.text, b.text) and (same_happening or (similar and similar >= SAME_WORDING)):
        return True
    # About the same happening (one predicate): told to happen on different days, or to happen
    # and not to. "Said on Monday" and "said on Friday" about different things are no conflict.
    if same_happening and happening_conflict(first, second):
        return True
    # Opposite happenings on the same point: "closed" against "reopened".
    opposite = bool(a.predicate and b.predicate) and frozenset((a.predicate, b.predicate)) in lex.OPPOSITE_PREDICATES
    if opposite and similar and similar >= SAME_POINT and a.negated == b.negated:
        return _opposite_in_time(first, second)
    if similar and similar >= SAME_POINT and (_undecided_by_party(first, second) or _undecided_by_party(second, first)):
        return True
    return _denies(a.status, a.cue_kind) != _denies(b.status, b.cue_kind)


# A claim that a party will act or has decided to: what its "no decision" disputes.
_WILL = re.compile(
    r"\b(?:will|'ll|is to|are to|plans? to|intends? to|is going to|(?:has |had |have )?(?:decided|agreed|voted) to"
    r"|(?:has |had |have )?(?:approved|signed off))\b",
    re.IGNORECASE,
)


def _undecided_by_party(undecided: Evidence, claim: Evidence) -> bool:
    """The party concerned saying no decision has been made ("Brenner Steel said no decision had
    been taken on the future of its Ostrava works") against a claim that it will act ("Brenner
    Steel will close its Ostrava works, the union said")."""
    a, b = undecided.sentence, claim.sentence
    if a.predicate != "decide" or not a.negated or b.negated or not a.source or not _WILL.search(b.text):
        return False
    return bool(content_terms(a.source) & content_terms(_without_source(b)))


_NO_PLANS = re.compile(r"\bno\s+(?:plans?|intention|intent|proposals?)\b", re.IGNORECASE)


def _deciding(item: Evidence) -> bool:
    """A denial, or the party concerned saying nothing is decided or planned ("has no plans to
    close the crossing"): a dispute, never a newer state."""
    sentence = item.sentence
    if sentence.cue_kind == "denial":
        return True
    return sentence.negated and (sentence.predicate == "decide" or bool(_NO_PLANS.search(sentence.text)))


def _denies(status: ClaimStatus, cue_kind: str | None) -> bool:
    return status is ClaimStatus.DISPUTED and cue_kind == "denial"


def _texts_contradict(first: Draft, second: Draft) -> bool:
    extractive = all(len(d.support) == 1 and d.text == d.support[0].sentence.text for d in (first, second))
    if extractive:
        return contradicts(first.support[0], second.support[0])
    denial = any(_denies(item.sentence.status, item.sentence.cue_kind) for item in (*first.support, *second.support))
    return numbers_conflict(first.text, second.text) or denial


_QUANTITY = re.compile(r"(\d+(?:[.,]\d+)*)\s+(?:percent|per cent|%|[a-z]+)", re.IGNORECASE)


def quantities(text: str) -> dict[str, set[str]]:
    """Numbers by the word that follows them: "9 million dollars" -> {"million": {"9"}}."""
    found: dict[str, set[str]] = {}
    identifiers = {match.start(2) for match in _NUMBERED.finditer(text)}
    for match in _QUANTITY.finditer(text):
        if match.start(1) in identifiers:
            continue  # "number 1", "Route 9": which one, not how many
        unit = match.group(0)[len(match.group(1)) :].strip().lower()
        if unit in lex.MONTHS:
            continue  # "15 December" is a date
        found.setdefault(unit, set()).add(match.group(1).replace(",", ""))
    return found


def numbers_conflict(first: str, second: str) -> bool:
    """Same kind of quantity, no value in common: "9 million" against "12 million".

    A sentence naming two figures of a kind ("39 medals, surpassing the 37 medals") agrees with
    one naming either; figures within rounding of each other are the same.
    """
    a, b = quantities(first), quantities(second)
    return any(not _some_value_agrees(a[unit], b[unit]) for unit in a.keys() & b.keys())


def _some_value_agrees(first: set[str], second: set[str]) -> bool:
    for x in first:
        for y in second:
            try:
                low, high = sorted((float(x), float(y)))
            except ValueError:
                if x == y:
                    return True
                continue
            if high == low or (low > 0 and (high - low) / high <= ROUNDING):
                return True
    return False


_WORD_TOKEN = re.compile(r"[\w'’]+|[^\w\s]")
# Share of words two sentences must have in common, in order, to count as the same wording.
SAME_WORDS = 0.6


def names_conflict(first: Evidence, second: Evidence) -> bool:
    """The same words with a different name in one place: "Simona Halep defeated Serena Williams in
    the final" against "Angelique Kerber defeated Serena Williams in the final".

    Only what the sentences say counts, not who says it: each sentence's source phrase is left
    out, since two outlets crediting different officials for one fact agree.
    """
    a, b = _claim_words(first), _claim_words(second)
    matcher = difflib.SequenceMatcher(a=[w.lower() for w in a], b=[w.lower() for w in b], autojunk=False)
    if matcher.ratio() < SAME_WORDS:
        return False
    for operation, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if operation == "replace" and _all_names(a[a_start:a_end]) and _all_names(b[b_start:b_end]):
            return True
    return False


def _about_different_things(first: Evidence, second: Evidence) -> bool:
    """Both sentences name who or what they are about, and no name is shared, or they number
    different things of one kind ("lighthouse number 1", "lighthouse number 2"). A sentence that
    names nothing ("The bridge will not reopen") is about what its article's title names."""
    numbered_a, numbered_b = numbered(first.sentence.text), numbered(second.sentence.text)
    for kind in numbered_a.keys() & numbered_b.keys():
        if not numbered_a[kind] & numbered_b[kind]:
            return True
    if _told_apart(first.sentence.text, second.sentence.text):
        return True
    a, b = _subjects(first), _subjects(second)
    if not a or not b or a & b:
        return False
    return not (_named_in(a, second, first) or _named_in(b, first, second))


def _named_in(names: set[str], other: Evidence, own: Evidence) -> bool:
    """Names a sentence took from its title ("Regatta organisers respond") that the other sentence
    uses as common words ("the summer regatta"): the same thing, named in the title only."""
    if any(word in names for word in _claim_words(own)):
        return False  # the sentence's own names: capitals tell things apart
    words = {word.lower() for word in _WORD_TOKEN.findall(other.sentence.text)}
    return {name.lower() for name in names} <= words


# Words that tell two things of one kind apart: "the north lido" and "the south lido".
_DISTINGUISHERS = frozenset(
    ["north", "south", "east", "west", "northern", "southern", "eastern", "western", "upper", "lower", "inner",
     "outer", "old", "new", "first", "second", "third", "main", "left", "right", "front", "back", "junior",
     "senior", "men's", "women's", "boys'", "girls'", "indoor", "outdoor", "morning", "evening", "night", "day"]
)  # fmt: skip
_PAIR = re.compile(r"\b([a-z]+'?s?'?)\s+([a-z]+)\b", re.IGNORECASE)


def _told_apart(first: str, second: str) -> bool:
    """The same noun after two different distinguishing words: "the north lido" and "the south lido"."""
    a = {(noun.lower(), word.lower()) for word, noun in _PAIR.findall(first) if word.lower() in _DISTINGUISHERS}
    b = {(noun.lower(), word.lower()) for word, noun in _PAIR.findall(second) if word.lower() in _DISTINGUISHERS}
    nouns = {noun for noun, _ in a} & {noun for noun, _ in b}
    return any({w for n, w in a if n == noun}.isdisjoint({w for n, w in b if n == noun}) for noun in nouns)


_NUMBERED = re.compile(
    r"\b(number|no\.|#|route|platform|gate|line|pier|bus|flight|room|building|unit|lot|block|ward|district|"
    r"lane|track|terminal|runway|exit|station|berth|dock|highway|interstate|road|stage|phase|level|floor)\s*"
    r"(\d+[a-z]?)\b",
    re.IGNORECASE,
)


def numbered(text: str) -> dict[str, set[str]]:
    """Identifiers by kind: "lighthouse number 1" -> {"number": {"1"}}, "Route 9" -> {"route": {"9"}}."""
    found: dict[str, set[str]] = {}
    for kind, value in _NUMBERED.findall(text):
        found.setdefault(kind.lower().rstrip("."), set()).add(value.lower())
    return found


def _subjects(item: Evidence) -> set[str]:
    found = {word for word in _claim_words(item) if _all_names([word])}
    if not found:
        title = normalise_case(item.article.title)  # "Harbor Bridge To Close" has no more names than "Harbor Bridge"
        found = {word for word in _WORD_TOKEN.findall(title) if _all_names([word])}
    return found


def _claim_words(item: Evidence) -> list[str]:
    return _WORD_TOKEN.findall(_without_source(item.sentence))


def _all_names(words: list[str]) -> bool:
    """Words that name someone or somewhere: capitalised and not a function word or a date."""
    return bool(words) and all(word[:1].isupper() and word.lower().rstrip("'’s") not in lex.NOT_NAMES for word in words)


_MONTH = "|".join(sorted((*lex.MONTHS, *lex.MONTH_ABBREVIATIONS), key=len, reverse=True))
_MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", re.IGNORECASE)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\b", re.IGNORECASE)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_WEEKDAY = re.compile(r"\b(" + "|".join(lex.WEEKDAYS) + r")s?\b", re.IGNORECASE)


def times(text: str) -> set[str]:
    """The days a sentence names: "december-15", "monday", "2024-03-03"."""
    found: set[str] = set()
    for month, day in _MONTH_DAY.findall(text):
        found.add(f"{_month(month)}-{int(day)}")
    for day, month in _DAY_MONTH.findall(text):
        found.add(f"{_month(month)}-{int(day)}")
    for _year, month, day in _ISO_DATE.findall(text):
        found.add(f"{lex.MONTHS[int(month) - 1] if 1 <= int(month) <= 12 else month}-{int(day)}")
    found |= {weekday.lower() for weekday in _WEEKDAY.findall(text)}
    return found


def _month(name: str) -> str:
    lowered = name.lower().rstrip(".")
    return lex.MONTH_ABBREVIATIONS.get(lowered, lowered)


def times_conflict(first: str, second: str) -> bool:
    """Both name when, and no day is the same: "on Monday" against "until December 15"."""
    a, b = times(first), times(second)
    return bool(a) and bool(b) and not (a & b)


# When something was said is not when it happens: "said on Tuesday that it will open ...".
_SAID_ON = re.compile(
    r"\b(?:said|says|told|announced|stated|reported|confirmed|added|wrote|warned|denied)\b[^.,;]{0,25}?\bon\s+"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\bon\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s*,?\s+(?:said|told|announced|stated)\b",
    re.IGNORECASE,
)
_UNTIL = re.compile(r"\b(?:until|till|before)\b", re.IGNORECASE)
_FUTURE = re.compile(r"\b(?:will|'ll|shall|next|from|starting|is to|are to|going to)\b", re.IGNORECASE)


def _opposite_in_time(first: Evidence, second: Evidence) -> bool:
    """Opposite happenings, unless one is a state "until" a day the other's happening is not
    before: "will remain closed until 26 October" is "will not resume until 26 October", so it
    contradicts "will run again from Saturday 17 October" and holds with "reopens on 27 October"."""
    for state, other in ((first, second), (second, first)):
        if not _UNTIL.search(state.sentence.text):
            continue
        until_days = days(_SAID_ON.sub(" ", state.sentence.text), state.article.published)
        other_days = days(_SAID_ON.sub(" ", other.sentence.text), other.article.published)
        if until_days and other_days:
            return any(day < min(until_days) for day in other_days)
    return True


def happening_conflict(first: Evidence, second: Evidence) -> bool:
    """Two claims about one happening that cannot both hold: it happens and it does not, or on
    different days. Days are dates, with weekdays resolved against each article's date ("will
    resume on Monday" in an article of Friday 1 March is 4 March); "will not run again until
    March 12" holds against "resumes on March 15" and contradicts "resumes on Monday 4 March"."""
    a, b = first.sentence, second.sentence
    days_a = days(_SAID_ON.sub(" ", a.text), first.article.published)
    days_b = days(_SAID_ON.sub(" ", b.text), second.article.published)
    if a.negated != b.negated:
        negative = a if a.negated else b
        negative_days, positive_days = (days_a, days_b) if a.negated else (days_b, days_a)
        if _UNTIL.search(negative.text) and negative_days and positive_days:
            until = min(negative_days)
            return any(day < until for day in positive_days)
        return True
    if days_a and days_b:
        return not (days_a & days_b)
    return times_conflict(a.text, b.text)


def days(text: str, published: str | None) -> set[date]:
    """The calendar days a sentence names, as dates: month and day in the article's year, ISO
    dates, and weekdays counted from the article's date (forward for what will happen, back for
    what did). Empty without an article date to count from, except for ISO dates."""
    found: set[date] = set()
    for year, month, day in _ISO_DATE.findall(text):
        with contextlib.suppress(ValueError):
            found.add(date(int(year), int(month), int(day)))
    if not published:
        return found
    try:
        base = date.fromisoformat(published)
    except ValueError:
        return found
    for month, day in _MONTH_DAY.findall(text):
        found |= _on(base, _month(month), int(day))
    for day, month in _DAY_MONTH.findall(text):
        found |= _on(base, _month(month), int(day))
    forward = bool(_FUTURE.search(text))
    for weekday in _WEEKDAY.findall(text):
        target = lex.WEEKDAYS.index(weekday.lower())
        offset = (target - base.weekday()) % 7
        if forward:
            found.add(base + timedelta(days=offset))
        else:
            found.add(base - timedelta(days=(base.weekday() - target) % 7))
    return found


def _on(base: date, month: str, day: int) -> set[date]:
    with contextlib.suppress(ValueError):
        return {date(base.year, lex.MONTHS.index(month) + 1, day)}
    return set()


def _draft_vectors(drafts: list[Draft], vectors: SentenceVectors) -> list[np.ndarray]:
    """An extractive claim is its sentence, whose embedding is usually known already."""
    known = [draft.support[0].vector if draft.text == draft.support[0].sentence.text else None for draft in drafts]
    missing = [i for i, vector in enumerate(known) if vector is None]
    if missing:
        embedded = vectors.texts([drafts[i].text for i in missing])
        for i, vector in zip(missing, embedded, strict=True):
            known[i] = vector
    return [vector for vector in known if vector is not None]
