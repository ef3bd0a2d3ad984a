"""The domain sent to the action server once, then named by its digest in every custom action call.

Rasa 3.6 puts the whole domain in the body of every custom action call (``RemoteAction.
_action_call_format``: ``result["domain"] = domain.as_dict()``): about 24 KB of JSON that the Rasa
server encodes and the action server decodes for every search, form check and alert action, the
same bytes each time until another model is loaded. Rasa's own way out, ``enable_selective_domain``,
sends no domain at all to actions that do not declare they need it, and every action of ours reads
its responses and forms from it.

So both sides agree on a name for it instead:

- the Rasa server (:func:`call_body`) sends ``DIGEST_KEY``, the SHA-256 of the domain's JSON,
  in place of the domain; when the action server asks for the domain (it was never sent it, or has
  forgotten it), the call goes again with both;
- the action server (:class:`KnownDomains`) keeps the domains it was sent by their digests, and
  puts the one named back into the call before rasa-sdk reads it, so every action gets the domain
  exactly as before. A digest it does not know (it has just started, or forgot an old model's
  domain) is answered with ``DOMAIN_WANTED_STATUS`` and ``DOMAIN_WANTED`` in the body, and the Rasa
  server makes the same call again with the domain in it (``rasa_server.BoundedRemoteAction``).

A call the action server cannot read this way (compressed, Rasa's ``COMPRESS_ACTION_SERVER_REQUEST``)
carries the domain as Rasa sends it, and a domain whose JSON cannot be made is always sent whole.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rasa.shared.core.domain import Domain

DIGEST_KEY = "recruitbot_domain_digest"
DOMAIN_KEY = "domain"  # where Rasa puts it, and rasa-sdk reads it (rasa_sdk/executor.py)
DOMAIN_WANTED_STATUS = 409
DOMAIN_WANTED = "domain wanted"
KEPT_DOMAINS = 4  # one per model loaded lately: each Rasa server names the model it serves

# Per Domain object (Rasa keeps one per loaded model): the digest of its data, computed once.
_digests: dict[int, tuple[weakref.ref[Domain], str | None]] = {}


def digest(domain: Domain) -> str | None:
    """The SHA-256 (hex) of the domain's data as sorted JSON; None when it cannot be written as JSON."""
    known = _digests.get(id(domain))
    if known is not None and known[0]() is domain:
        return known[1]
    try:
        text = json.dumps(domain.as_dict(), sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):  # keys of several types, or a value JSON cannot hold
        value = None
    else:
        value = hashlib.sha256(text.encode()).hexdigest()
    key = id(domain)
    _digests[key] = (weakref.ref(domain, lambda _gone: _digests.pop(key, None)), value)
    return value


def call_body(body: dict[str, Any], domain: Domain, *, with_domain: bool) -> dict[str, Any]:
    """Rasa's call ``body`` with the domain named by its digest (``with_domain``: named and sent).

    A body without the domain (Rasa's selective domain left it out) is left alone.
    """
    if DOMAIN_KEY not in body:
        return body
    name = digest(domain)
    if name is None:
        return body
    named = {key: value for key, value in body.items() if with_domain or key != DOMAIN_KEY}
    named[DIGEST_KEY] = name
    return named


def is_domain_wanted(status: int, text: str | bytes | None) -> bool:
    """Whether an action server's error answer (its status and body) asks for the call again with the domain."""
    if status != DOMAIN_WANTED_STATUS or not text:
        return False
    try:
        answer = json.loads(text)
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("error") == DOMAIN_WANTED


class KnownDomains:
    """The action server's side: the domains Rasa sent, by digest, the last ``size`` of them."""

    def __init__(self, size: int = KEPT_DOMAINS) -> None:
        self._size = size
        self._domains: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def fill_in(self, call: dict[str, Any]) -> bool:
        """Give ``call`` its domain: remember a domain sent with its digest, or put back the one named.

        False when the call names a domain this server does not know (the caller asks for it).
        A call without a digest is left as it is (Rasa's own calls).
        """
        name = call.pop(DIGEST_KEY, None)
        if not isinstance(name, str):
            return True
        domain = call.get(DOMAIN_KEY)
        if isinstance(domain, dict):
            self._domains[name] = domain
            self._domains.move_to_end(name)
            while len(self._domains) > self._size:
                self._domains.popitem(last=False)
            return True
        known = self._domains.get(name)
        if known is None:
            return False
        self._domains.move_to_end(name)
        call[DOMAIN_KEY] = known
        return True

    def __len__(self) -> int:
        return len(self._domains)
