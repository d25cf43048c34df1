"""Small text helpers shared by the feed and page readers."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

_BLOCKS = frozenset(
    {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "section", "article", "br"}
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def one_line(text: str) -> str:
    """Collapse all whitespace (newlines included): front-matter values are single lines."""
    return " ".join(text.split())


def paragraphs(text: str) -> str:
    """Normalise extracted text to paragraphs separated by one blank line."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n"))
    return "\n\n".join(line for line in lines if line)


def html_to_text(fragment: str) -> str:
    """Plain paragraphs from an HTML fragment (a feed entry's content). Text, not markup, is kept:
    the indexer reads sentences. Plain text without tags comes back unchanged but for spacing."""
    if "<" not in fragment:
        return paragraphs(fragment)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return paragraphs(re.sub(r"<[^>]+>", " ", fragment))
    for element in list(root.iter("script", "style")):
        element.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCKS:
            element.tail = "\n" + (element.tail or "")
            if element.tag.lower() != "br":
                element.text = "\n" + (element.text or "")
    return paragraphs(root.text_content())
