"""Word lists behind the claim-status rules, kept apart so they can be read and reviewed alone.

Lemmas, lower case. Sources: PARC-style attribution (reporting verbs), CoNLL-2010 hedge cue
categories (modals, epistemic verbs/adverbs/adjectives), written from general knowledge of
English, not from any evaluation set.
"""

# Verbs that attribute content to a speaker. `on the record` verbs make a named speaker's
# statement `confirmed` (the party concerned said it); `claim` verbs leave it `reported`.
ON_RECORD_VERBS = frozenset(
    [
        "say",
        "tell",
        "state",
        "announce",
        "confirm",
        "write",
        "post",
        "add",
        "note",
        "explain",
        "testify",
        "declare",
        "acknowledge",
        "admit",
        "disclose",
        "reveal",
        "respond",
        "reply",
        "answer",
        "publish",
        "tweet",
    ]
)
CLAIM_VERBS = frozenset(
    [
        "claim",
        "allege",
        "report",
        "suggest",
        "warn",
        "believe",
        "fear",
        "contend",
        "maintain",
        "insist",
        "argue",
        "assert",
        "speculate",
        "predict",
        "estimate",
        "suspect",
        "worry",
        "hint",
        "imply",
        "rumor",
        "rumour",
        "charge",
        "accuse",
    ]
)
DENIAL_VERBS = frozenset(["deny", "dispute", "refute", "reject", "contradict", "debunk", "rebut", "dismiss"])
CONFIRMATION_VERBS = frozenset(["confirm", "verify", "corroborate", "substantiate", "validate"])
UNCONFIRMED_WORDS = frozenset(
    ["unconfirmed", "unverified", "unsubstantiated", "uncorroborated", "unproven", "disputed"]
)

# Adverbs that mark the sentence as second-hand without naming the source.
HEARSAY_ADVERBS = frozenset(["reportedly", "allegedly", "purportedly", "supposedly", "ostensibly"])

# Hedge cues: modality and epistemic uncertainty.
HEDGE_MODALS = frozenset(["may", "might", "could", "would"])
HEDGE_ADVERBS = frozenset(
    [
        "possibly",
        "perhaps",
        "maybe",
        "likely",
        "unlikely",
        "probably",
        "presumably",
        "potentially",
        "apparently",
        "seemingly",
        "arguably",
        "conceivably",
        "plausibly",
    ]
)
HEDGE_ADJECTIVES = frozenset(
    ["possible", "probable", "likely", "unlikely", "potential", "plausible", "uncertain", "unclear", "doubtful"]
)
HEDGE_VERBS = frozenset(
    [
        "appear",
        "seem",
        "suggest",
        "speculate",
        "suspect",
        "expect",
        "hope",
        "fear",
        "worry",
        "estimate",
        "predict",
        "believe",
        "think",
        "doubt",
        "indicate",
        "assume",
        "guess",
    ]
)
# Nouns that hedge when they govern a clause: "fears that it had slipped".
HEDGE_NOUNS = frozenset(
    ["fear", "concern", "worry", "speculation", "suspicion", "rumor", "rumour", "possibility", "hypothesis", "theory"]
)
HEDGE_PHRASES = ("in theory", "in principle", "it is possible", "it is unclear", "if so")
CONDITIONAL_MARKERS = frozenset(["if", "unless", "whether"])

# Heads of a source phrase that mean the source is not named on the record.
UNNAMED_SOURCE_HEADS = frozenset(
    [
        "official",
        "officials",
        "source",
        "sources",
        "people",
        "person",
        "insider",
        "insiders",
        "aide",
        "aides",
        "expert",
        "experts",
        "analyst",
        "analysts",
        "observer",
        "observers",
        "critic",
        "critics",
        "someone",
        "some",
        "many",
        "others",
        "report",
        "reports",
        "reporting",
        "media",
        "outlet",
        "outlets",
        "rumor",
        "rumors",
    ]
)
REPORT_NOUNS = frozenset(["report", "reports", "reporting", "story", "article", "investigation"])
