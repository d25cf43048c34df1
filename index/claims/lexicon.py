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
        "recall",
        "recount",
        "mention",
        "emphasize",
        "emphasise",
        "stress",
        "reiterate",
        "observe",
        "comment",
        "remark",
        "concede",
        "show",
        "find",
        "conclude",
        "demonstrate",
    ]
)
# Verbs of evidence ("the study found that ..."): attributions only with a that-clause, not
# "found the keys" or "could find himself pitted against".
EVIDENCE_VERBS = frozenset(["show", "find", "conclude", "demonstrate", "learn"])
# Verbs of saying whose subject is a speaker even without a content clause in the same
# sentence: '"...," he said.', "she told reporters", "the company reported a loss".
SPEECH_VERBS = frozenset(
    [
        "say",
        "tell",
        "add",
        "reply",
        "respond",
        "explain",
        "note",
        "state",
        "declare",
        "testify",
        "recall",
        "claim",
        "allege",
        "report",
        "confirm",
        "announce",
        "acknowledge",
        "admit",
        "insist",
        "argue",
        "comment",
        "remark",
    ]
)
# Verbs of stance and demand ("X urged ...", "X called for ...", "X praised ...", "X wants to ..."):
# they credit a position to their subject, whose own stance it is (on the record when named),
# but only with a complement: "she asked a question", not "she asked".
STANCE_VERBS = frozenset(
    [
        "call",
        "cite",
        "want",
        "plan",
        "attack",
        "urge",
        "warn",
        "accuse",
        "praise",
        "criticize",
        "criticise",
        "ask",
        "describe",
        "quote",
        "blast",
        "condemn",
        "question",
        "demand",
        "propose",
        "echo",
        "liken",
        "defend",
        "applaud",
        "hail",
        "laud",
        "denounce",
        "decry",
        "lambaste",
        "slam",
        "mock",
        "ridicule",
        "endorse",
        "recommend",
        "threaten",
        "vow",
        "pledge",
        "promise",
        "agree",
        "insist",
        "express",
        "characterize",
        "characterise",
        "label",
        "dub",
        "brand",
        "compare",
        "thank",
        "blame",
        "credit",
        "challenge",
        "point",
        "continue",
        "note",
        "mention",
        "decline",
        "refuse",
        "support",
        "oppose",
        "encourage",
        "rule",
    ]
)
# Stance verbs that credit a position only with an infinitive: "declined to comment", "refused to pledge".
INFINITIVE_STANCE_VERBS = frozenset(["decline", "refuse"])
# Prepositions or particles that belong to the cue: "called for", "called on", "pointed to", "spoke of".
STANCE_PARTICLES = {"call": ("for", "on"), "point": ("to", "out"), "speak": ("of", "about")}
# Subjects that are not speakers: "it wants", "that plan".
NON_SPEAKER_SUBJECTS = frozenset(["it", "this", "that", "which", "what", "these", "those", "there"])
# "X is said to have ...": the subject is what the rumour is about, not who spreads it.
RAISING_VERBS = frozenset(["say", "report", "rumor", "rumour"])
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
        "complain",
        "boast",
        "vow",
        "pledge",
        "promise",
        "counter",
        "retort",
        "caution",
        "concede",
    ]
)
# "The Gazette has learned that ...": an outlet passing on what its sources told it. Kept apart from
# the lists the CRF's features read ("learning to replicate" is no attribution).
# "X has learned that", "Y heard that": hearsay told to someone, credited to the one who heard it.
# "The Ledger has learned", "the Post understands": what a paper was told, off the record.
LEARNING_VERBS = frozenset(["learn", "hear", "understand"])
DENIAL_VERBS = frozenset(
    [
        "deny",
        "dispute",
        "refute",
        "reject",
        "contradict",
        "debunk",
        "rebut",
        "dismiss",
        "retract",
        "disavow",
        "disprove",
    ]
)
# Calling a claim false: predicative ("the report is false") or on a claim noun ("fake reports").
FALSEHOOD_ADJECTIVES = frozenset(
    ["false", "untrue", "fake", "bogus", "baseless", "unfounded", "groundless", "fabricated", "incorrect", "inaccurate"]
)
# Verbs that reject a claim when its object is one: "slammed the reports", "shot down rumors".
REJECTION_VERBS = frozenset(["slam", "blast", "quash", "scotch", "squash", "shoot", "shut", "knock", "brush", "laugh"])
FALSEHOOD_NOUNS = frozenset(["hoax", "falsehood", "fabrication", "myth"])
CLAIM_NOUNS = frozenset(
    ["report", "claim", "allegation", "rumor", "rumour", "story", "news", "account", "assertion", "accusation", "photo"]
)
# What a denial can deny besides a claim noun: "denied wrongdoing", "denied any involvement".
DENIED_NOUNS = frozenset(
    ["wrongdoing", "involvement", "charge", "accusation", "responsibility", "knowledge", "link", "role", "claim",
     "allegation", "rumor", "rumour", "report", "suggestion", "assertion", "story", "account", "it", "this", "that",
     "plan", "intention", "intent", "existence", "any", "reports", "rumors", "rumours", "claims"]
)  # fmt: skip
CONFIRMATION_VERBS = frozenset(["confirm", "verify", "corroborate", "substantiate", "validate"])
UNCONFIRMED_WORDS = frozenset(
    ["unconfirmed", "unverified", "unsubstantiated", "uncorroborated", "unproven", "disputed"]
)

# Adverbs that mark the sentence as second-hand without naming the source.
HEARSAY_ADVERBS = frozenset(["reportedly", "allegedly", "purportedly", "supposedly", "ostensibly"])
# Adjectives that do the same for a noun: "the rumoured buyer", "the alleged attacker".
HEARSAY_ADJECTIVES = frozenset(["rumoured", "rumored", "alleged", "purported", "supposed"])

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
    ["possible", "probable", "likely", "unlikely", "potential", "plausible", "uncertain", "unclear", "doubtful",
     "poised"]
)  # fmt: skip
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
# Nouns that attribute a clause to their owner: "Trump's claim that ...", "her insistence that ...".
ASSERTION_NOUNS = frozenset(
    [
        "claim",
        "allegation",
        "assertion",
        "accusation",
        "contention",
        "insistence",
        "suggestion",
        "belief",
        "argument",
        "prediction",
        "warning",
        "promise",
        "statement",
    ]
)
# Adjectives that hedge only as predicates: "its fate is unknown", not "an unknown gunman".
PREDICATIVE_HEDGE_ADJECTIVES = frozenset(["unknown", "unsure", "undetermined", "unresolved"])
HEDGE_PHRASES = (
    "in theory",
    "in principle",
    "it is possible",
    "it is unclear",
    "if so",
    "in doubt",
    "remains to be seen",
    "not clear",
    "not known",
)
# Agentless passives of judgement that hide who judges ("is widely regarded as", "is considered").
WEASEL_PASSIVE_VERBS = frozenset(["consider", "regard", "view", "see", "deem", "rumor", "rumour", "reckon"])
CONDITIONAL_MARKERS = frozenset(["if", "unless", "whether"])

# Labels that open a headline like a speaker's name ("BREAKING: ...", "URGENT: ...") but name no one.
HEADLINE_KICKERS = frozenset(
    [
        "breaking",
        "urgent",
        "update",
        "updated",
        "exclusive",
        "watch",
        "video",
        "photos",
        "alert",
        "opinion",
        "analysis",
        "editorial",
        "live",
        "developing",
        "just",
        "in",
        "new",
        "report",
        "note",
        "editor",
        "correction",
        "q",
        "a",
    ]
)
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
        "claims",
    ]
)
REPORT_NOUNS = frozenset(["report", "reports", "reporting", "story", "article", "investigation"])
# Heads of a short phrase before or after a headline colon that names who says it ("Officials: ...").
SOURCE_NOUNS = (
    UNNAMED_SOURCE_HEADS
    | REPORT_NOUNS
    | frozenset(
        ["poll", "survey", "study", "spokesman", "spokeswoman", "spokesperson", "police", "witness", "witnesses"]
    )
)


def _inflections(lemmas: list[str]) -> frozenset[str]:
    """A verb's lemma with its -s, -ed and -ing forms ("deny": denies, denied, denying)."""
    forms: set[str] = set()
    for lemma in lemmas:
        stem = lemma[:-1] if lemma.endswith("e") else lemma
        if lemma.endswith("y"):
            forms |= {lemma, lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
        else:
            forms |= {lemma, lemma + "s", stem + "ed", stem + "ing"}
    return frozenset(forms)


# Words that already tell a reader a claim is not established, in an answer's own text: an
# unconfirmed claim worded with one of them needs no "According to X," in front.
HEDGED_WORDING = (
    frozenset(["according to", "said", "says", "not confirmed", "has not confirmed"])
    | HEARSAY_ADVERBS
    | (HEDGE_MODALS - {"would"})
    | HEDGE_ADVERBS
    | UNCONFIRMED_WORDS
    | _inflections(["report", "allege", "claim", "deny", "dispute", "suggest", "say"])
    | frozenset(["reportedly"])
)

# Time words, for telling when claims on the same point disagree about when something happens.
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
MONTH_ABBREVIATIONS = {month[:3]: month for month in MONTHS} | {"sept": "september"}

# Capitalised words that are not names: sentence openers and function words, months and weekdays
# (dates are compared on their own).
NOT_NAMES = frozenset(
    ["the", "a", "an", "this", "that", "these", "those", "it", "he", "she", "they", "we", "i", "in", "on", "at",
     "after", "before", "but", "and", "or", "as", "so", "for", "from", "with", "by", "of", "to", "if", "when",
     "while", "there", "here", "his", "her", "its", "their", "our", "one", "two", "three", "meanwhile",
     "however", "according", "also", "still", "now", "then", "today", "yesterday", "tomorrow", "last", "next",
     *MONTHS, *WEEKDAYS, *MONTH_ABBREVIATIONS]
)  # fmt: skip

# English function words, left out when comparing a question's words with a sentence's. Written
# here rather than imported from spaCy so that answering never loads the parser (or torch).
_STOP_WORDS = """a about above across after afterwards again against all almost alone along already also although
    always am among amongst an and another any anyhow anyone anything anyway anywhere are around as at
    be became because become becomes becoming been before beforehand behind being below beside besides
    between beyond both but by can cannot could did do does doing done down due during each either else
    elsewhere enough even ever every everyone everything everywhere except few for former formerly from
    further had has have having he hence her here hereafter hereby herein hereupon hers herself him
    himself his how however i if in indeed into is it its itself just last latter latterly least less
    made make many may me meanwhile might mine more moreover most mostly much must my myself namely
    neither never nevertheless next no nobody none noone nor not nothing now nowhere of off often on once
    one only onto or other others otherwise our ours ourselves out over own per perhaps please quite
    rather really same seem seemed seeming seems several she should since so some somehow someone
    something sometime sometimes somewhere still such than that the their theirs them themselves then
    thence there thereafter thereby therefore therein thereupon these they this those though through
    throughout thru thus to together too toward towards under until up upon us used using various very
    via was we well were what whatever when whence whenever where whereafter whereas whereby wherein
    whereupon wherever whether which while whither who whoever whole whom whose why will with within
    without would yet you your yours yourself yourselves"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

# Predicates that say opposite things of one happening ("the bridge closed" against "the bridge
# reopened"): two claims about the same point with these predicates disagree.
OPPOSITE_PREDICATES = frozenset(
    frozenset(pair)
    for pair in [
        ("open", "close"),
        ("reopen", "close"),
        ("open", "closed"),
        ("reopen", "closed"),
        ("resume", "closed"),
        ("resume", "close"),
        ("resume", "suspend"),
        ("resume", "halt"),
        ("start", "stop"),
        ("begin", "end"),
        ("lift", "impose"),
        ("approve", "reject"),
        ("pass", "fail"),
        ("win", "lose"),
        ("rise", "fall"),
        ("increase", "decrease"),
        ("hire", "fire"),
        ("accept", "reject"),
        ("confirm", "deny"),
        ("allow", "ban"),
        ("arrive", "leave"),
        ("open", "shut"),
        ("reopen", "shut"),
        ("proceed", "cancel"),
        ("stay on", "resign"),
        ("stay on", "quit"),
        ("stay on", "step down"),
        ("stay on", "leave"),
        ("resume", "cancel"),
        ("hold", "cancel"),
        ("proceed", "postpone"),
        ("keep", "sell"),
    ]
)
# Phrasal and near-synonymous predicates that name one happening, so that claims about it compare:
# "will go ahead" is "will proceed", "called off" is "cancelled", "will run again" is "will resume".
SAME_HAPPENING = {
    "go ahead": "proceed",
    "take place": "proceed",
    "call off": "cancel",
    "scrap": "cancel",
    "axe": "cancel",
    "shut down": "close",
    "shut": "close",
    "close down": "close",
    "run again": "resume",
    "sail again": "resume",
    "fly again": "resume",
    "operate again": "resume",
    "play again": "resume",
    "restart": "resume",
    "start again": "resume",
    "open again": "reopen",
    "stay open": "open",
    "step down": "resign",
    "quit": "resign",
    "stand down": "resign",
    "remain on": "stay on",
    "continue": "proceed",
}
# Words of a question that ask about how things stand now rather than about a past event.
CURRENT_STATE_WORDS = frozenset(
    ["now", "currently", "still", "today", "yet", "latest", "current", "anymore", "ongoing"]
)
PRESENT_AUXILIARIES = frozenset(["is", "are", "does", "do", "has", "have", "can"])

# --- who can speak on the record --------------------------------------------------------------
# `confirmed` rests on positive evidence: a speaker is on the record only when it is recognised as
# a party (a name, a pronoun standing for one, or an institution or office holder below), and only
# about its own act. Everything else that "says" something (what circulates, what is written down,
# what is posted, another news outlet) leaves the claim `reported`.

# Institutions and office holders: parties that act, and can speak on the record about their acts.
_PARTY_NOUNS = """ministry department office agency council authority government administration police force
    company firm corporation business bank court board commission committee union association group
    federation league club team school university college hospital airline carrier operator utility
    city state county district municipality province region ministry embassy consulate army military navy
    campaign party regulator watchdog parliament congress senate legislature assembly cabinet
    organization organisation foundation charity institute museum library airport railway trust
    spokesperson spokesman spokeswoman minister mayor governor president premier chancellor chairman
    chairwoman chair director chief secretary senator representative lawmaker legislator commissioner
    ceo executive manager prosecutor judge lawyer attorney sheriff coach owner founder principal
    superintendent administrator inspector regulator treasurer comptroller auditor ambassador
    headteacher dean provost rector bishop pope king queen prince princess monarch council
    councillor councilman councilwoman alderman supervisor warden captain commander general admiral
    operator developer manufacturer maker retailer producer publisher studio label network
    panel jury tribunal magistrate coroner justice justices inquiry inquest"""
PARTY_NOUNS = frozenset(_PARTY_NOUNS.split())
# People in general: who an act can belong to besides institutions ("the driver", "a teacher").
_PERSON_NOUNS = """man woman men women person people boy girl child children student teacher driver pilot worker
    employee staff resident residents neighbour neighbor victim suspect witness officer doctor nurse
    patient customer passenger owner tenant landlord farmer fisherman fishermen voter voters candidate
    member members fan fans player players athlete actor actress singer artist author writer scientist
    researcher engineer soldier citizen citizens family families parent parents mother father son
    daughter husband wife friend rival opponent critic critics activist activists protester protesters
    investor investors buyer seller contractor vendor supplier partner client"""
PERSON_NOUNS = frozenset(_PERSON_NOUNS.split())
# What circulates by word of mouth: never a party, never on the record ("rumours say ...",
# "word on the street is that ...", "gossip has it that ...").
HEARSAY_NOUNS = frozenset(
    ["rumor", "rumour", "gossip", "whisper", "chatter", "talk", "buzz", "word", "speculation", "scuttlebutt",
     "grapevine", "hearsay", "leak", "murmur", "innuendo", "tittle-tattle"]
)  # fmt: skip
# What is written down: a memo or document "says", "shows", "reads" what its authors claim.
DOCUMENT_NOUNS = frozenset(
    ["memo", "memorandum", "document", "draft", "email", "e-mail", "letter", "record", "file", "filing",
     "note", "minutes", "transcript", "dossier", "cable", "message", "text", "chat", "recording",
     "presentation", "slide", "briefing", "paper", "papers", "spreadsheet", "invoice", "contract", "leak"]
)  # fmt: skip
# What is posted: social media speaks for whoever posted it, anonymously as far as the article says.
SOCIAL_NOUNS = frozenset(
    ["post", "tweet", "video", "clip", "thread", "blog", "forum", "platform", "influencer", "user",
     "account", "meme", "livestream", "stream", "screenshot", "media", "channel", "page", "group chat"]
)  # fmt: skip
# News outlets and their people: another outlet's reporting is reported, whatever verb it uses
# ("Reuters has confirmed that ...", "the paper has learned that ...").
MEDIA_NOUNS = frozenset(
    ["paper", "newspaper", "outlet", "broadcaster", "station", "magazine", "tabloid", "daily", "newsroom",
     "wire", "journalist", "reporter", "correspondent", "columnist", "editor", "press", "media", "newsletter",
     "podcast", "network", "television", "tv", "radio"]
)  # fmt: skip
# Words in the names of news outlets ("the Coastal Tribune", "Bayview Daily News") and outlets named alone.
OUTLET_NAME_WORDS = frozenset(
    ["times", "post", "tribune", "gazette", "herald", "journal", "daily", "news", "telegraph", "guardian",
     "chronicle", "observer", "mail", "press", "wire", "bulletin", "courier",
     "dispatch", "ledger", "register", "inquirer", "examiner", "monitor", "weekly", "magazine", "radio", "tv",
     "television", "broadcasting", "reuters", "bloomberg", "afp", "bbc", "cnn", "nbc", "cbs", "abc", "npr",
     "axios", "politico", "semafor", "verge", "associated", "agence", "presse", "xinhua", "tass", "kyodo", "yonhap",
     "tribune-review", "echo", "star", "mercury", "argus", "clarion", "beacon", "sentinel", "advertiser", "express",
     "mirror", "citizen", "globe", "enquirer", "messenger", "advocate", "banner", "voice", "sun", "record",
     "recorder", "gleaner", "bugle", "informer"]
)  # fmt: skip
# Sources that are never a party on the record, whatever verb they take.
NOT_A_PARTY = HEARSAY_NOUNS | DOCUMENT_NOUNS | SOCIAL_NOUNS | MEDIA_NOUNS | REPORT_NOUNS
