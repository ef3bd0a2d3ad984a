"""Rasa's own command line, with every custom action call bounded in time and failing politely.

``python -m recruitbot.rasa_server run ...`` is ``python -m rasa run ...`` after one change,
made by :func:`install_action_bound` (and four for speed, described at the end). Why it is needed,
in Rasa 3.6.21:

- a custom action is one HTTP call with a fixed five-minute bound, which endpoints.yml cannot
  change (``rasa/core/actions/action.py``, ``RemoteAction.run``; ``DEFAULT_REQUEST_TIMEOUT = 60 * 5``)::

      response: Any = await self.action_endpoint.request(
          json=modified_json if modified_json else json_body,
          method="post",
          timeout=DEFAULT_REQUEST_TIMEOUT,

- when that call fails, the turn goes on without a word to the user
  (``rasa/core/processor.py``, ``MessageProcessor._run_action``)::

      except Exception:
          logger.exception(
              f"Encountered an exception while running action '{action.name()}'."
              "Bot will continue, but the actions events are lost. "

So with the action server stopped the user hears nothing, and with it stuck the user waits five
minutes (longer than the conversation lock's 60 s) and then hears nothing. Every caller builds a
``RemoteAction`` itself (``action_for_name_or_text``, form validation in
``rasa/core/actions/forms.py``, custom slot mappings in ``ActionExtractSlots``), so the one place
that covers them all is ``RemoteAction`` itself: :class:`BoundedRemoteAction` replaces it in the
two modules that name it. A call that times out (RECRUITBOT_ACTION_TIMEOUT_SECONDS, 2.5 s by
default, so on an idle server the user hears back within 3 s), cannot connect or gets an error
status becomes the response ``utter_action_unavailable`` and a WARNING naming the action and
"degraded" (never the user's text). The bound counts the time this server was free to hear the
answer (see :meth:`BoundedRemoteAction._bounded`): a plain ``asyncio.wait_for`` also counted the
time the server spent on other conversations' messages. At 50 concurrent conversations on a slow
machine, 0 to 63 action calls (searches, form validations) in a benchmark run of 1,467 messages
got the apology that way (six runs), and none in two runs since (one with a first version of this
bound). An action's own rejection (HTTP 400) still goes to Rasa as before.

A form stays in a sane state. When its validation fails, the answers Rasa extracted for it are
emptied, so the form asks the same question again (after the apology) instead of keeping an
unchecked answer. When Rasa extracted nothing ("no", a question), the form rejects the turn as it
does when validation finds nothing, so the rules for cancelling or asking a question in the middle
still apply (that turn's apology is dropped with the form's events); the next message works as usual.

It also checks each response against Rasa's schema for it faster: ``RemoteAction._validate_action_result``
calls ``jsonschema.validate``, which checks the schema itself and compiles a validator on every call
(``jsonschema/validators.py``: ``cls.check_schema(schema)``, then ``cls(schema)``), about 15 ms of a
turn's CPU here. :class:`BoundedRemoteAction` does both once, and checks each event against the one event
type it names instead of all 23 (:class:`ResponseCheck`, the same answer in a tenth of the time); an invalid
response still gets Rasa's error.

The model loads without tracing a training step (:func:`install_fast_model_load`). To give each
TensorFlow model (DIET, the ResponseSelector) its variables before reading their trained values,
Rasa trains it for one step on one example (``rasa/utils/tensorflow/models.py``, ``RasaModel.load``)::

        # need to train on 1 example to build weights of the correct size
        model.compile(
            optimizer=tf.keras.optimizers.Adam(learning_rate), run_eagerly=run_eagerly
        )
        data_generator = RasaBatchDataGenerator(model_data_example, batch_size=1)
        model.fit(data_generator, verbose=False)

``fit`` first traces Keras' training function into a graph: gradients through the transformer,
the CRF and the optimizer, all for one step whose results ``load_weights`` overwrites at once.
That trace was about 55 of the 74 s the model took to load here, and its graph stayed in memory
(about 320 MB). :func:`load_without_training_trace` takes no training step at all when the model is
loaded for prediction: one eager prediction creates every variable a prediction uses, the weights
file is read into them (an error if any of them is missing from it; the optimizer's state is left
in the file), and the inference graph is traced as Rasa traces it. Running the training step, even
eagerly, left about 190 MB more in the process on a CPU where TensorFlow turns its oneDNN operations
on (AVX-512): ``malloc_trim`` got none of it back there, while it did with ``TF_ENABLE_ONEDNN_OPTS=0``.
A model loaded to be trained further takes Rasa's step, run eagerly, and keeps its optimizer. The
parsed messages are identical (``tests/test_fast_model_load.py`` compares them with Rasa's own loading).

And once the model has loaded, :func:`install_heap_freeze` moves every object then alive into Python's
permanent generation (``gc.freeze``). The loaded model is a great many long-lived objects, and each
full collection walked them all: a pause of 0.3 to 0.7 s, blocking every conversation, every few
hundred messages. Frozen, they are never walked, and never freed (the model lives as long as the server).
Then the C heap's free pages go back to the system (:func:`release_free_memory`).

Custom action calls reuse their connections (recruitbot/kept_alive.py): Rasa opens a new HTTP session
and connection for every call; :class:`BoundedRemoteAction` calls through one kept-alive session, which
:func:`install_session_close` closes when the server stops. And they name the domain by its digest instead
of carrying all of it every time (recruitbot/domain_digest.py): the action server asks for it when it
does not know that digest, and the call is made once more with the domain.
The rule policy finds the rules that apply with the same answers about ten times faster
(recruitbot/rule_search.py), the policies' states of the conversation are carried on from their
last prediction instead of rebuilt from the session's first event (recruitbot/state_history.py), the
prediction graph runs node after node instead of through dask (recruitbot/graph_runner.py), events
find their class by name in an index (recruitbot/event_types.py), the count featurizers read each
word's n-grams once (recruitbot/count_vectors.py), a tracker's applied events are carried on from
the last time they were asked for (recruitbot/applied_events.py), and whether the domain is empty is
asked of one empty domain made once (recruitbot/empty_domain.py), and the tracker copied before each
action is made from the tracker's state instead of a replay of its events (recruitbot/tracker_copy.py),
and Rasa's debug log lines get no deep copies while they are dropped (recruitbot/log_copies.py);
:func:`main` installs them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import gc
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import rasa.core.actions.action
import rasa.core.actions.forms
import rasa.core.run
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.__main__ import main as rasa_main
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.core.constants import COMPRESS_ACTION_SERVER_REQUEST_ENV_NAME, DEFAULT_COMPRESS_ACTION_SERVER_REQUEST
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.events import ActionExecuted, Event, SlotSet
from rasa.shared.exceptions import RasaException
from rasa.utils.common import get_bool_env_variable
from rasa.utils.endpoints import ClientResponseError

from recruitbot import (
    applied_events,
    count_vectors,
    domain_digest,
    empty_domain,
    event_types,
    graph_runner,
    log_copies,
    rule_search,
    state_history,
    tracker_copy,
)
from recruitbot.kept_alive import close_sessions, kept_alive
from recruitbot.settings import Settings, load_settings

if TYPE_CHECKING:
    from rasa.core.agent import Agent
    from rasa.core.channels import OutputChannel
    from rasa.core.nlg import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.tensorflow.model_data import RasaModelData
    from rasa.utils.tensorflow.models import RasaModel

APOLOGY_RESPONSE = "utter_action_unavailable"
STEP_S = 0.1  # the action bound's clock ticks (BoundedRemoteAction._bounded)
BUSY_LIMIT = 4  # and however busy the server, no call waits longer than this many bounds

log = logging.getLogger(__name__)


class BoundedRemoteAction(RemoteAction):
    """A custom action whose call gives up after ``timeout_s`` and then apologises to the user."""

    timeout_s: float = Settings.action_timeout_seconds  # install_action_bound sets the configured one

    def __init__(self, name: str, action_endpoint: EndpointConfig | None) -> None:
        super().__init__(name, kept_alive(action_endpoint))
        self._with_domain = False  # the action server asked for the domain: send it with its digest

    async def run(
        self,
        output_channel: OutputChannel,
        nlg: NaturalLanguageGenerator,
        tracker: DialogueStateTracker,
        domain: Domain,
    ) -> list[Event]:
        """Run the action on the action server; on timeout or failure, the apology instead of its events."""
        try:
            return await self._bounded(self._asked_domain_again(
                lambda: super(BoundedRemoteAction, self).run(output_channel, nlg, tracker, domain)))
        except ActionExecutionRejection:
            raise
        except asyncio.TimeoutError:
            reason = f"no answer within {self.timeout_s:g} s"
        except RasaException as exc:
            reason = _failure(exc)
        log.warning("custom action %s degraded (%s): the user got %s", self.name(), reason, APOLOGY_RESPONSE)
        return await self._apology(output_channel, nlg, tracker) + self._unvalidated(tracker, domain)

    async def _asked_domain_again(self, call: Callable[[], Awaitable[list[Event]]]) -> list[Event]:
        """Rasa's ``call``, made once more with the domain when the action server does not know its digest."""
        try:
            return await call()
        except RasaException as exc:
            refusal = exc.__cause__
            if self._with_domain or not (isinstance(refusal, ClientResponseError)
                                         and domain_digest.is_domain_wanted(refusal.status, refusal.text)):
                raise
        self._with_domain = True
        return await call()

    def _action_call_format(self, tracker: DialogueStateTracker, domain: Domain) -> dict[str, Any]:
        """Rasa's call body, naming the domain by its digest instead of sending it (recruitbot/domain_digest.py)."""
        body = super()._action_call_format(tracker, domain)
        if get_bool_env_variable(COMPRESS_ACTION_SERVER_REQUEST_ENV_NAME, DEFAULT_COMPRESS_ACTION_SERVER_REQUEST):
            return body  # rasa-sdk reads a compressed call itself, before the action server could fill it in
        return domain_digest.call_body(body, domain, with_domain=self._with_domain)

    async def _bounded(self, call: Awaitable[list[Event]]) -> list[Event]:
        """``call``'s result, or ``asyncio.TimeoutError`` once it has had ``timeout_s`` of the event loop's time.

        The clock runs in steps of :data:`STEP_S`, and only a step whose timer fires on time counts:
        a late one means this server was busy with other conversations (a parse holds the loop), when
        the action server's answer could not have been read anyway. So a busy server does not blame the
        action server for its own queue, and an idle one gives up after ``timeout_s``, as before. However
        busy, it gives up after :data:`BUSY_LIMIT` times ``timeout_s`` of wall time.
        """
        task = asyncio.ensure_future(call)
        loop = asyncio.get_running_loop()
        hard_deadline = loop.time() + self.timeout_s * BUSY_LIMIT
        counted = 0.0
        try:
            while counted < self.timeout_s and loop.time() < hard_deadline:
                step = min(STEP_S, self.timeout_s - counted)
                due = loop.time() + step
                done, _ = await asyncio.wait({task}, timeout=step)
                if done:
                    return task.result()
                if loop.time() - due <= STEP_S / 2:
                    counted += step
            if task.done():  # finished just as the last step ended
                return task.result()
        finally:
            if not task.done():
                task.cancel()
                await asyncio.wait({task})
        raise asyncio.TimeoutError

    def _validate_action_result(self, result: dict[str, Any]) -> bool:
        """Rasa's check of the action server's response, with the validator built once instead of on every call."""
        if _response_validator().is_valid(result):
            return True
        return bool(super()._validate_action_result(result))  # raises Rasa's own error, with its message

    @staticmethod
    async def _apology(
        output_channel: OutputChannel, nlg: NaturalLanguageGenerator, tracker: DialogueStateTracker,
    ) -> list[Event]:
        message = await nlg.generate(APOLOGY_RESPONSE, tracker, output_channel.name())
        if not message:
            log.error("the model has no response %s: the user got no apology", APOLOGY_RESPONSE)
            return []
        message["utter_action"] = APOLOGY_RESPONSE
        return [create_bot_utterance(message)]

    def _unvalidated(self, tracker: DialogueStateTracker, domain: Domain) -> list[Event]:
        """For a form's validation: empty the slots it was to check, so the form asks for them again."""
        if self.name() not in {f"validate_{form}" for form in domain.form_names}:
            return []
        # FormAction sends the candidates as the SlotSet events after its own ActionExecuted.
        candidates: list[Event] = []
        for event in reversed(tracker.events):
            if isinstance(event, ActionExecuted):
                break
            if isinstance(event, SlotSet) and event.key != REQUESTED_SLOT:
                candidates.append(SlotSet(event.key, None))
        return candidates


def _compiled(schema: dict[str, Any]) -> Validator:
    # What jsonschema.validate(result, schema) does on every call, done once: pick the draft's
    # validator class, check the schema against its meta-schema, compile it.
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


class ResponseCheck:
    """Rasa's schema for an action server's response, checked with the answer ``jsonschema`` gives, in less time.

    Each event in the response must match exactly one of the schema's 23 event types (a ``oneOf``),
    and ``jsonschema`` validates every event against all 23 in full to count the matches: 1.9 ms for
    a search's response of seven events here, 6 % of the Rasa server's busy time. Each type's schema
    requires its own ``"event"`` value (a ``const``) and no two share one, so every type but the one
    an event names fails on that value: the event matches exactly one type exactly when it matches
    the type it names. This checks the response without the ``oneOf``, then each event against the
    type it names only. A schema not of that shape (another Rasa) is checked whole, as before.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        self._whole: Validator | None = None
        events = schema.get("properties", {}).get("events", {})
        item = events.get("items", {}) if isinstance(events, dict) else {}
        types = item.get("oneOf") if isinstance(item, dict) else None
        names = [kind.get("properties", {}).get("event", {}).get("const") for kind in types or []]
        if not types or None in names or len(set(names)) != len(names):
            self._whole = _compiled(schema)
            return
        without_types = {**schema, "properties": {**schema["properties"], "events": {
            **events, "items": {key: value for key, value in item.items() if key != "oneOf"}}}}
        self._outline = _compiled(without_types)
        self._types = {name: _compiled(kind) for name, kind in zip(names, types, strict=True)}

    def is_valid(self, response: Any) -> bool:
        """True exactly when ``jsonschema.validate(response, schema)`` would raise nothing."""
        if self._whole is not None:
            return bool(self._whole.is_valid(response))
        if not self._outline.is_valid(response):
            return False
        for event in response.get("events") or []:  # objects with a string "event": the outline says so
            kind = self._types.get(event["event"])
            if kind is None or not kind.is_valid(event):
                return False
        return True


@functools.cache
def _response_validator() -> ResponseCheck:
    return ResponseCheck(RemoteAction.action_response_format_spec())


def _failure(exc: RasaException) -> str:
    # Rasa's messages hold the action server's response body: name only the status or the error's kind.
    underlying = exc.__cause__ or exc.__context__ or exc
    status = getattr(underlying, "status", None)
    if status:
        return f"the action server answered {status}"
    return f"the action server could not be reached ({type(underlying).__name__})"


def install_action_bound(timeout_s: float) -> None:
    """Make every custom action call in this process a :class:`BoundedRemoteAction` giving up after ``timeout_s``."""
    BoundedRemoteAction.timeout_s = timeout_s
    rasa.core.actions.action.RemoteAction = BoundedRemoteAction
    rasa.core.actions.forms.RemoteAction = BoundedRemoteAction


def install_session_close() -> None:
    """Make the server close the action calls' kept-alive sessions when it stops (see recruitbot/kept_alive.py)."""
    close_resources = rasa.core.run.close_resources

    @functools.wraps(close_resources)
    async def close_resources_and_sessions(*args: Any, **kwargs: Any) -> None:
        await close_resources(*args, **kwargs)
        await close_sessions()

    rasa.core.run.close_resources = close_resources_and_sessions


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``; elsewhere, nothing).

    Loading the model frees a great deal (the training step's tensors, the archive's buffers), but
    glibc keeps freed memory for later allocations: the server held about 240 MB it no longer used.
    """
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        log.debug("no glibc malloc_trim here: freed memory stays with the process")


def install_heap_freeze() -> None:
    """Make the server freeze its heap (``gc.freeze``) right after it has loaded the model."""
    load_agent = rasa.core.run.load_agent_on_start

    @functools.wraps(load_agent)
    async def load_agent_then_freeze(*args: Any, **kwargs: Any) -> Agent:
        agent = await load_agent(*args, **kwargs)
        gc.collect()  # what loading left as garbage is freed, not frozen
        gc.freeze()
        release_free_memory()
        return agent

    rasa.core.run.load_agent_on_start = load_agent_then_freeze


def load_without_training_trace(
    cls: type[RasaModel],
    model_file_name: str,
    model_data_example: RasaModelData,
    predict_data_example: RasaModelData | None = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    """``RasaModel.load`` for prediction without its training step; with it, run eagerly, to train further.

    Rasa compiles the model and trains it for one step on one example only to create its variables,
    then reads the trained weights into them. For prediction, one eager prediction creates every
    variable a prediction uses; the weights file is then read into them, and it is an error if any of
    them is not in the file (what is left over is the optimizer's state and training-only layers). The
    prediction that traces the inference graph ahead of the first message is Rasa's. To be trained
    further (``finetune_mode``) a model takes Rasa's training step, run eagerly, and keeps its optimizer.
    """
    import tensorflow as tf
    from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
    from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator

    model = cls(*args, **kwargs)
    config = kwargs.get("config", {})
    model.compile(optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)), run_eagerly=True)
    if finetune_mode or predict_data_example is None:
        model.fit(RasaBatchDataGenerator(model_data_example, batch_size=1), verbose=False)
        model.load_weights(model_file_name)
    else:
        model.run_inference(predict_data_example)  # eagerly: creates the variables, nothing is traced
        restored = model.load_weights(model_file_name)
        restored.assert_existing_objects_matched().expect_partial()
        model.prepared_for_prediction = False  # label embeddings made before the weights were read
    model.compile(optimizer=model.optimizer, run_eagerly=config.get(RUN_EAGERLY))
    if not finetune_mode and predict_data_example:
        model.run_inference(predict_data_example)
    return model


def install_fast_model_load() -> None:
    """Make every TensorFlow model of Rasa's that this process loads use :func:`load_without_training_trace`."""
    from rasa.utils.tensorflow.models import RasaModel

    RasaModel.load = classmethod(load_without_training_trace)


@contextlib.contextmanager
def fast_model_load() -> Iterator[None]:
    """:func:`install_fast_model_load` for the models loaded inside the block only (``recruitbot.evaluate``)."""
    from rasa.utils.tensorflow.models import RasaModel

    rasas_own = RasaModel.__dict__["load"]
    install_fast_model_load()
    try:
        yield
    finally:
        RasaModel.load = rasas_own


def limit_blas_threads() -> None:
    """Let numpy's matrix products use one thread in this process.

    DIET's prediction is numpy's (recruitbot/nlu/diet_forward.py): products of a dozen rows, which
    OpenBLAS split over both cores of a machine of this kind, busy-waiting between them. A search's
    parse then took 12 ms of CPU for 6 of wall time; with one thread, 6 for the same 6. The server
    handles one turn at a time on one Python thread; the other core serves the action server.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def main() -> None:
    """Rasa's command line with the bound, the model load, heap freeze and the speed changes named above."""
    limit_blas_threads()
    install_action_bound(load_settings().action_timeout_seconds)
    install_session_close()
    install_fast_model_load()
    install_heap_freeze()
    rule_search.install()
    state_history.install()
    graph_runner.install()
    event_types.install()
    count_vectors.install()
    applied_events.install()
    empty_domain.install()
    tracker_copy.install()
    log_copies.install()
    rasa_main()


if __name__ == "__main__":
    main()
