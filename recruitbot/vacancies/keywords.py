"""Search words: what counts in a keyword, and how to loosen a keyword that found nothing."""

from __future__ import annotations

from recruitbot.vacancies.scope import words

# Words that say "a job" rather than which job; searching for them would match everything.
_FILLER = frozenset(
    {
        "a", "an", "and", "any", "for", "in", "of", "or", "the", "to", "with", "some", "something",
        "job", "jobs", "role", "roles", "vacancy", "vacancies", "position", "positions",
        "work", "opening", "openings", "opportunity", "opportunities", "post", "posts",
    }
)  # fmt: skip

# Words that say how senior a job is or what kind of doer, not what field it is in:
# "senior payroll clerk" is first loosened to "payroll".
_LEVEL_WORDS = frozenset(
    {
        "senior", "junior", "trainee", "graduate", "entry", "level", "lead", "head", "principal",
        "assistant", "clerk", "officer", "administrator", "executive", "coordinator", "co",
        "ordinator", "specialist", "advisor", "adviser", "consultant", "associate", "manager",
        "supervisor", "team", "leader", "apprentice", "part", "time", "full", "temporary", "permanent",
    }
)  # fmt: skip

# Phrases that lose their meaning when split ("customer service" is not "customer").
_COMPOUNDS = frozenset(
    {
        "customer service", "human resources", "data entry", "credit control", "accounts payable",
        "accounts receivable", "front of house", "business development", "office manager",
        "personal assistant", "executive assistant", "project management", "health and safety",
        "facilities management", "call centre", "contact centre", "purchase ledger", "sales ledger",
    }
)  # fmt: skip

# The nearest related field for a keyword that found nothing, a curated one-step map.
RELATED_KEYWORDS = {
    "bookkeeper": "accounts",
    "bookkeeping": "accounts",
    "book keeper": "accounts",
    "accounts payable": "accounts",
    "accounts receivable": "accounts",
    "purchase ledger": "accounts",
    "sales ledger": "accounts",
    "credit control": "accounts",
    "credit controller": "accounts",
    "payroll": "accounts",
    "accountant": "finance",
    "accounts": "finance",
    "finance": "accounts",
    "receptionist": "reception",
    "reception": "administrator",
    "front of house": "reception",
    "secretary": "administrator",
    "secretarial": "administrator",
    "pa": "personal assistant",
    "personal assistant": "executive assistant",
    "executive assistant": "personal assistant",
    "data entry": "administrator",
    "typist": "administrator",
    "office": "administrator",
    "admin": "office",
    "administration": "office",
    "hr": "human resources",
    "human resources": "hr",
    "recruiter": "recruitment",
    "recruitment": "hr",
    "call centre": "customer service",
    "contact centre": "customer service",
    "telesales": "sales",
    "business development": "sales",
    "sales": "business development",
    "marketing": "communications",
    "communications": "marketing",
    "pr": "communications",
    "paralegal": "legal",
    "solicitor": "legal",
    "conveyancer": "legal",
    "legal": "paralegal",
    "it": "technology",
    "developer": "software",
    "programmer": "software",
    "software": "developer",
    "procurement": "purchasing",
    "purchasing": "procurement",
    "buyer": "procurement",
    "logistics": "supply chain",
    "supply chain": "logistics",
}

# Acronyms that are also everyday words in running text ("it" in "IT support"): they are
# searched in titles and sectors only, or every summary would match.
TITLE_ONLY_TERMS = frozenset({"it"})

# Short forms people type, searched together with what they stand for. Words are matched
# by stem ("accounts" finds "accountant"), not by prefix, so "admin" needs spelling out.
ABBREVIATIONS = {
    "admin": ("administrator", "administration"),
    "exec": ("executive",),
    "recep": ("receptionist", "reception"),
    "mgr": ("manager",),
    "asst": ("assistant",),
    "acct": ("accounts",),
    "accts": ("accounts",),
    "hr": ("human resources",),
    "pa": ("personal assistant",),
    "pr": ("public relations",),
    "it": ("information technology",),
    "ops": ("operations",),
    "dev": ("developer",),
}


def search_terms(keyword: str | None) -> list[str]:
    """The words of ``keyword`` that narrow a search, lower case, in order, without repeats."""
    # "manager's" is the word "managers" to someone searching, which stems as "manager" does.
    found = words((keyword or "").replace("'", ""))
    return list(dict.fromkeys(word for word in found if word not in _FILLER))


def field_terms(text: str | None) -> list[str]:
    """The search terms of ``text`` that name a field of work, without level words.

    "Senior Payroll Clerk" gives ["payroll"]; a text of level words only keeps them all.
    """
    terms = search_terms(text)
    return [term for term in terms if term not in _LEVEL_WORDS] or terms


def loosened_keywords(keyword: str) -> list[str]:
    """Ever looser forms of ``keyword``, each finding all that the one before finds and more.

    First the level words go ("senior payroll clerk" -> "payroll"), then trailing words one
    at a time, never splitting a known compound ("customer service").
    """
    terms = search_terms(keyword)
    steps: list[str] = []
    if field_terms(keyword) != terms:
        terms = field_terms(keyword)
        steps.append(" ".join(terms))
    while len(terms) > 1 and " ".join(terms) not in _COMPOUNDS:
        terms = terms[:-1]
        steps.append(" ".join(terms))
    return steps


def related_keyword(keyword: str) -> str | None:
    """A neighbouring field to try when even the loosest form of ``keyword`` finds nothing."""
    written = " ".join(search_terms(keyword))
    loosest = ([written, *loosened_keywords(keyword)])[-1]
    related = RELATED_KEYWORDS.get(loosest) or RELATED_KEYWORDS.get(written)
    return related if related not in (None, loosest, written) else None


def term_alternatives(term: str) -> tuple[str, ...]:
    """What a search term may match: itself, and what it abbreviates (each may be a phrase)."""
    return (term, *ABBREVIATIONS.get(term, ()))
