"""A question as factdesk takes it: in the text normal form, one line, within the length limit."""

from __future__ import annotations

from bot.answering.errors import QuestionError
from index.text import normalise


def clean_question(question: str | bytes, *, max_chars: int) -> str:
    """The question in the same normal form as article text, so look-alike letters and invisible
    characters cannot hide words from the relevance rules or the prompt fence."""
    if isinstance(question, bytes):
        try:
            question = question.decode("utf-8")
        except UnicodeDecodeError as error:
            raise QuestionError(f"The question is not valid UTF-8 text (bad byte at offset {error.start}).") from None
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:
        raise QuestionError("The question is not valid UTF-8 text.") from None
    text = " ".join(normalise(question).split())
    if not text:
        raise QuestionError("The question is empty: ask something about the articles.")
    if len(text) > max_chars:
        raise QuestionError(f"The question is {len(text):,} characters long; the limit is {max_chars:,}.")
    if not any(char.isalnum() for char in text):
        raise QuestionError("The question has no words in it.")
    return text
