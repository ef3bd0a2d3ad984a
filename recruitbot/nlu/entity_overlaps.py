"""A place or a job type is never also a search keyword.

DIET tags the ``keyword`` of a search or an alert ("payroll" in "payroll jobs in Bristol"), and the
gazetteer (spaCy's EntityRuler) tags places and job types. DIET sometimes tags the place as a
keyword as well: a model read "alert me about payroll jobs in Bristol" with the keywords "payroll"
and "Bristol", and the alert form, which keeps a message's last keyword, offered an alert for
"Bristol · Bristol" instead of payroll jobs in Bristol. :class:`KeywordsOutsidePlaces` drops every
``keyword`` whose characters overlap a ``location`` or ``job_type`` found in the same message, by
whichever extractor; the place or job type stays.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_END, ENTITY_ATTRIBUTE_START, ENTITY_ATTRIBUTE_TYPE
from rasa.shared.nlu.training_data.message import Message

KEYWORD = "keyword"
NAMED_BY_THE_GAZETTEER = frozenset({"location", "job_type"})


def keywords_outside_places(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entities without the keywords that overlap a place or a job type."""
    spans = [(entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END]) for entity in entities
             if entity.get(ENTITY_ATTRIBUTE_TYPE) in NAMED_BY_THE_GAZETTEER]
    return [entity for entity in entities
            if entity.get(ENTITY_ATTRIBUTE_TYPE) != KEYWORD
            or not any(entity[ENTITY_ATTRIBUTE_START] < end and start < entity[ENTITY_ATTRIBUTE_END]
                       for start, end in spans)]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class KeywordsOutsidePlaces(GraphComponent):
    """Drops the keywords that are a place or a job type (see the module). Goes after every entity extractor."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> KeywordsOutsidePlaces:
        """A component with nothing to learn."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Each message's entities without its keywords that overlap a place or a job type."""
        for message in messages:
            entities = message.get(ENTITIES) or []
            kept = keywords_outside_places(entities)
            if len(kept) != len(entities):
                message.set(ENTITIES, kept, add_to_output=True)
        return messages
