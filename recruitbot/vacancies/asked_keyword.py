"""The role a candidate names when the NLU found no keyword ("any astronaut jobs?").

The NLU's keyword extractor knows the roles it was trained on; a role it has never seen would
otherwise be ignored, and the search would silently fall back to the last keyword. What is left
of a search message once places, job types, salary and the usual search words are removed is
taken as the keyword.
"""

from __future__ import annotations

import re
from typing import Any

MAX_WORDS = 3
_SEARCH_WORDS = frozenset(
    (
        "instead", "same", "also", "too", "try", "if", "how", "then", "ok", "okay", "hmm", "thanks", "ta",
        "but", "else", "other", "others", "elsewhere", "further", "afield", "area", "way", "here",
        "a", "about", "after", "all", "also", "am", "an", "and", "any", "anything", "are", "around",
        "as", "at", "available", "be", "can", "could", "current", "currently", "do", "does", "find",
        "for", "from", "get", "got", "have", "hello", "hi", "i", "i'm", "im", "in", "is", "it",
        "job", "jobs", "just", "k", "let", "like", "looking", "me", "more", "near", "need", "new",
        "nr", "of", "on", "ones", "open", "or", "over", "paying", "per", "please", "pls",
        "position", "positions", "role", "roles", "round", "search", "see", "show", "some",
        "something", "the", "there", "they", "to", "under", "vacancies", "vacancy", "want", "what",
        "whats", "what's", "with", "work", "would", "you", "your", "yours", "now", "still", "yet", "ever",
        "today",
    )
)
# Words no job title is made of: a leftover holding one is a sentence ("should i stop looking for
# jobs now?", misread as a search), not a role, so it names no keyword.
_NOT_A_ROLE = frozenset(
    (
        "should", "shall", "must", "will", "might", "may", "did", "don't", "dont", "not", "no", "stop",
        "quit", "when", "why", "who", "where", "which", "my", "we", "us",
        "he", "she", "them", "this", "that", "it's", "its", "been", "was", "were", "had", "has", "wait",
    )
)
_SALARY = re.compile(r"£?\d[\d,.]*\s*k?\+?", re.I)


def leftover_keyword(text: str, entities: list[dict[str, Any]]) -> str | None:
    """The words of ``text`` that no entity, salary or search word accounts for.

    Returns:
        Those words, or None when there are none, more than MAX_WORDS, or a word no job title
        has (a sentence, not a role).
    """
    kept = list(text)
    for entity in entities:
        start, end = entity.get("start"), entity.get("end")
        if isinstance(start, int) and isinstance(end, int):
            kept[start:end] = " " * (end - start)
    remainder = _SALARY.sub(" ", "".join(kept))
    words = [w for w in re.findall(r"[a-z][a-z'&-]*", remainder.lower()) if w not in _SEARCH_WORDS]
    if not 0 < len(words) <= MAX_WORDS or _NOT_A_ROLE.intersection(words):
        return None
    return " ".join(words)
