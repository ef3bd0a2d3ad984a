"""Whether a domain is empty, without building an empty domain to compare it with every time.

Rasa's ``Domain.is_empty`` (rasa/shared/core/domain.py) is::

    return self.as_dict() == Domain.empty().as_dict()

and the processor asks it for every message it parses (``_check_for_unseen_features``): an empty
domain is built from scratch each time, with its default intents, actions and session settings,
about 1 % of the Rasa server's busy time (py-spy, 2026-11-28). :func:`is_empty` compares with the
data of one empty domain, built once; :func:`install` makes it every domain's in this process (the Rasa
server). ``tests/core/test_empty_domain.py`` compares it with Rasa's.
"""

from __future__ import annotations

import functools
from typing import Any

from rasa.shared.core.domain import Domain

RASAS_IS_EMPTY = Domain.is_empty


@functools.cache
def _empty_data() -> dict[str, Any]:
    """What ``Domain.empty().as_dict()`` gives, made once (no one else holds this domain to change it)."""
    return Domain.empty().as_dict()


def is_empty(self: Domain) -> bool:
    """``Domain.is_empty``: whether the domain's data is an empty domain's."""
    return bool(self.as_dict() == _empty_data())


def install() -> None:
    """Make :func:`is_empty` every domain's in this process."""
    Domain.is_empty = is_empty
