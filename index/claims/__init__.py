"""Confirmation status of every sentence of an article, and who claims it.

`status` holds the vocabulary (statuses, cues, tagged sentences), `lexicon` the word lists,
`rules` the cue rules over a parse, and `tagger` runs them over whole articles.
"""

from index.claims.status import ClaimStatus, Cue, SentenceAnalysis, TaggedSentence

__all__ = ["ClaimStatus", "Cue", "SentenceAnalysis", "TaggedSentence"]
