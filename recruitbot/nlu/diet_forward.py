"""DIET's prediction for one message, computed with numpy from the trained TensorFlow model's weights.

A search or a form's answer is read by DIET (its intent and its ``keyword`` entities), and on a
machine of this kind DIET took about 5 ms of such a parse's 8 to 10: 4 of them in TensorFlow's
call, most of that the dispatch of a traced graph of some hundred small operations, and 0.75
building Rasa's model data (docs/performance.md). The arithmetic itself is small: a message of a
dozen tokens through two transformer layers of 256 units. :class:`DietForward` does the same
arithmetic in numpy, from the same weights, on the message's feature matrices as they are:

1. each of the sequence and sentence sparse feature matrices (the featurizers' blocks side by side,
   as ``Message.get_sparse_features`` combines them) times its ``sparse_to_dense`` kernel, plus its
   bias; the sentence row is put after the tokens (``RasaFeatureCombiningLayer``);
2. the transformer encoder (``rasa/utils/tensorflow/transformer.py``): a randomly connected dense
   layer to the transformer's size, scaled by its square root, plus the sinusoidal positions; then
   each layer's pre-normalised multi-head self-attention and feed-forward block, each added back;
   a final layer normalisation and Rasa's GELU;
3. the intent: the sentence position's output embedded (``embed.text``) against the label
   embeddings Rasa computed once, as a softmax of inner products (``DotProductLoss``);
4. the entities: the token outputs' logits decoded by the CRF as ``rasa/utils/tensorflow/crf.py``
   decodes them, its confidences included. That code passes each step's *confidence*, cast to an
   integer, as the tag index for the step before it; this does the same, so the confidences agree.

Every kernel of a randomly connected layer is multiplied by its mask, as the layer does before each
call. The outputs have the shapes Rasa's inference gives, so DIET's own code turns them into the
intent, the ranking and the entities. :meth:`DietForward.from_model` builds the pass only for the
architecture it implements (no dense features, no hidden layers before the transformer, absolute
positions, a bidirectional encoder, entity types without roles or groups, softmax confidences) and
returns None for any other, so DIET runs as Rasa runs it. ``tests/nlu/test_diet_forward.py`` compares
the two on every training, held-out and dev message.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow import constants as tf_constants
from rasa.utils.tensorflow.constants import SENTENCE, SEQUENCE
from scipy.sparse import spmatrix
from scipy.special import erf

_LAYER_NORM_EPSILON = 1e-6  # Rasa's transformer builds every LayerNormalization with it
_ENTITY = "entity"


@dataclass(frozen=True)
class Dense:
    """A dense layer's kernel (already masked) and bias."""

    kernel: np.ndarray
    bias: np.ndarray | None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """``x`` times the kernel, plus the bias."""
        y = x @ self.kernel
        return y if self.bias is None else y + self.bias


@dataclass(frozen=True)
class LayerNorm:
    """A layer normalisation's scale and offset."""

    gamma: np.ndarray
    beta: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Each row normalised to mean 0 and variance 1, then scaled and offset."""
        mean = x.mean(axis=-1, keepdims=True)
        variance = np.square(x - mean).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(variance + np.float32(_LAYER_NORM_EPSILON)) * self.gamma + self.beta


@dataclass(frozen=True)
class EncoderLayer:
    """One transformer encoder layer: self-attention, then the feed-forward block, each added back."""

    attention_norm: LayerNorm
    query: Dense
    key: Dense
    value: Dense
    attention_output: Dense
    feed_forward_norm: LayerNorm
    feed_forward_in: Dense
    feed_forward_out: Dense
    heads: int

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """The layer's output for the positions ``x`` (length by units), none of them padding."""
        normed = self.attention_norm(x)
        x = x + self.attention_output(self._attention(normed))
        return x + self.feed_forward_out(gelu(self.feed_forward_in(self.feed_forward_norm(x))))

    def _attention(self, x: np.ndarray) -> np.ndarray:
        length, units = x.shape
        depth = units // self.heads

        def split(y: np.ndarray) -> np.ndarray:
            return y.reshape(length, self.heads, depth).transpose(1, 0, 2)  # heads, length, depth

        query, key, value = split(self.query(x)), split(self.key(x)), split(self.value(x))
        logits = query @ key.transpose(0, 2, 1) / np.sqrt(np.float32(depth))
        return (softmax(logits) @ value).transpose(1, 0, 2).reshape(length, units)


def gelu(x: np.ndarray) -> np.ndarray:
    """The exact GELU (``tf.nn.gelu`` without the approximation)."""
    return np.float32(0.5) * x * (np.float32(1.0) + erf(x / np.float32(np.sqrt(2.0))))


def softmax(x: np.ndarray) -> np.ndarray:
    """A softmax over the last axis."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@lru_cache(maxsize=128)
def positional_encoding(length: int, units: int) -> np.ndarray:
    """The transformer's sinusoidal positions: sine on the even units, cosine on the odd ones (read-only)."""
    angles = (1 / np.power(10000, (2 * (np.arange(units) // 2)) / np.float32(units))).astype(np.float32)
    radians = np.arange(length, dtype=np.float32)[:, np.newaxis] * angles[np.newaxis, :]
    encoding = np.where(np.arange(units) % 2 == 0, np.sin(radians), np.cos(radians)).astype(np.float32)
    encoding.setflags(write=False)  # shared by every message of this length
    return encoding


def crf_decode(potentials: np.ndarray, transitions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each token's best tag and its confidence, as Rasa's ``crf_decode`` gives them."""
    length = len(potentials)
    state = potentials[0]
    backpointers, step_scores = [], []
    for unary in potentials[1:]:
        transition_scores = state[:, np.newaxis] + transitions  # previous tag by next tag
        backpointers.append(transition_scores.argmax(axis=0))
        step_scores.append(softmax(transition_scores.T).max(axis=1))
        state = unary + transition_scores.max(axis=0)
    tags = np.empty(length, dtype=np.int32)
    scores = np.empty(length, dtype=np.float32)
    tags[-1] = state.argmax()
    scores[-1] = softmax(state).max()
    index = int(tags[-1])
    for position in range(length - 2, -1, -1):
        tags[position] = backpointers[position][tags[position + 1]]
        # Rasa's backward scan for the scores carries the previous *score* as the index (cast to int).
        scores[position] = step_scores[position][index]
        index = int(scores[position])
    return tags, scores


def sparse_times(matrix: spmatrix, kernel: np.ndarray) -> np.ndarray:
    """A sparse matrix of a few rows times a dense kernel, in float32.

    Only the kernel's rows for the matrix's non-zero columns are read: each non-zero entry picks
    its row, weighted, into its own row of the result. scipy's own product of a COO matrix (as the
    featurizers leave them) and a dense one goes column by column: 1.6 ms for a search's character
    n-grams here, against 0.02.
    """
    entries = matrix.tocoo()
    picks = np.zeros((entries.shape[0], entries.nnz), dtype=np.float32)
    picks[entries.row, np.arange(entries.nnz)] = entries.data
    return picks @ kernel[entries.col]


def _dense(layer: Any) -> Dense:
    kernel = layer.kernel.numpy()
    mask = getattr(layer, "kernel_mask", None)
    if mask is not None:
        kernel = kernel * mask.numpy()
    bias = layer.bias.numpy() if layer.use_bias else None
    return Dense(kernel, bias)


def _layer_norm(layer: Any) -> LayerNorm:
    if layer.epsilon != _LAYER_NORM_EPSILON:
        raise ValueError(f"a layer normalisation with epsilon {layer.epsilon}")
    return LayerNorm(layer.gamma.numpy(), layer.beta.numpy())


def _encoder_layer(layer: Any) -> EncoderLayer:
    mha = layer._mha
    norm, feed_in, _, feed_out, _ = layer._ffn_layers
    return EncoderLayer(
        attention_norm=_layer_norm(layer._layer_norm),
        query=_dense(mha._query_dense_layer),
        key=_dense(mha._key_dense_layer),
        value=_dense(mha._value_dense_layer),
        attention_output=_dense(mha._output_dense_layer),
        feed_forward_norm=_layer_norm(norm),
        feed_forward_in=_dense(feed_in),
        feed_forward_out=_dense(feed_out),
        heads=mha.num_heads,
    )


def _unsupported(classifier: DIETClassifier) -> str | None:
    """Why the numpy pass cannot stand in for this DIET model; None when it can."""
    model = classifier.model
    config = model.config
    signature = model.data_signature[TEXT]
    transformer = model._tf_layers[f"sequence_layer.{TEXT}"]._tf_layers["transformer"]
    layers = getattr(transformer, "_enc_layers", [])
    reasons = {
        "features other than one sparse matrix per feature type": any(
            len(signature.get(kind, [])) != 1 or not signature[kind][0].is_sparse for kind in (SEQUENCE, SENTENCE)),
        "hidden layers before the transformer": bool(config[tf_constants.HIDDEN_LAYERS_SIZES][TEXT]),
        "no transformer": not layers,
        "a unidirectional encoder": bool(config[tf_constants.UNIDIRECTIONAL_ENCODER]),
        "relative attention": bool(config[tf_constants.KEY_RELATIVE_ATTENTION]
                                   or config[tf_constants.VALUE_RELATIVE_ATTENTION]),
        "no intent classification or no entity recognition": not (
            config[tf_constants.INTENT_CLASSIFICATION] and config[tf_constants.ENTITY_RECOGNITION]),
        "entity roles or groups": any(spec.tag_name != _ENTITY and spec.num_tags > 0
                                      for spec in classifier._entity_tag_specs),
        "confidences other than a softmax": config[tf_constants.MODEL_CONFIDENCE] != tf_constants.SOFTMAX,
        "a similarity other than the inner product or cosine": config[tf_constants.SIMILARITY_TYPE]
        not in (tf_constants.INNER, tf_constants.COSINE),
    }
    return next((reason for reason, applies in reasons.items() if applies), None)


@dataclass(frozen=True)
class DietForward:
    """DIET's inference for one message, from a trained model's weights (see the module)."""

    featurizers: list[str]
    sequence_to_dense: Dense
    sentence_to_dense: Dense
    embedding: Dense
    layers: list[EncoderLayer]
    final_norm: LayerNorm
    text_embed: Dense
    label_embeddings: np.ndarray  # a row per label, as Rasa computes them once for prediction
    cosine: bool
    entity_logits: Dense
    transitions: np.ndarray

    @classmethod
    def from_model(cls, classifier: DIETClassifier) -> tuple[DietForward | None, str | None]:
        """The numpy pass for a loaded DIET classifier; ``(None, why)`` for an architecture it does not implement."""
        if getattr(classifier, "model", None) is None:
            return None, "no trained model"
        reason = _unsupported(classifier)
        if reason:
            return None, reason
        try:
            return cls._from_layers(classifier), None
        except ValueError as error:  # a layer configured otherwise than Rasa 3.6 builds it
            return None, str(error)

    @classmethod
    def _from_layers(cls, classifier: DIETClassifier) -> DietForward:
        model = classifier.model
        if not model.prepared_for_prediction:
            model.prepare_for_predict()
            model.prepared_for_prediction = True
        combining = model._tf_layers[f"sequence_layer.{TEXT}"]._tf_layers["feature_combining"]._tf_layers
        transformer = model._tf_layers[f"sequence_layer.{TEXT}"]._tf_layers["transformer"]
        return cls(
            featurizers=list(classifier.component_config[tf_constants.FEATURIZERS]),
            sequence_to_dense=_dense(combining[f"sparse_dense.{SEQUENCE}"]._tf_layers["sparse_to_dense"]),
            sentence_to_dense=_dense(combining[f"sparse_dense.{SENTENCE}"]._tf_layers["sparse_to_dense"]),
            embedding=_dense(transformer._embedding),
            layers=[_encoder_layer(layer) for layer in transformer._enc_layers],
            final_norm=_layer_norm(transformer._layer_norm),
            text_embed=_dense(model._tf_layers[f"embed.{TEXT}"]._dense),
            label_embeddings=np.asarray(model.all_labels_embed),
            cosine=model.config[tf_constants.SIMILARITY_TYPE] == tf_constants.COSINE,
            entity_logits=_dense(model._tf_layers[f"embed.{_ENTITY}.logits"]._dense),
            transitions=model._tf_layers[f"crf.{_ENTITY}"].transition_params.numpy(),
        )

    def predict(self, message: Message) -> dict[str, np.ndarray] | None:
        """DIET's outputs (``i_scores``, ``e_entity_ids``, ``e_entity_scores``); None for a message without features."""
        sequence = self._to_dense(message, FEATURE_TYPE_SEQUENCE, self.sequence_to_dense)
        sentence = self._to_dense(message, FEATURE_TYPE_SENTENCE, self.sentence_to_dense)
        if sequence is None or sentence is None:
            return None
        tokens = len(sequence)
        x = np.vstack([sequence, sentence])
        x = self.embedding(x) * np.sqrt(np.float32(self.embedding.kernel.shape[1]))
        x = x + positional_encoding(tokens + 1, x.shape[1])
        for layer in self.layers:
            x = layer(x)
        x = gelu(self.final_norm(x))
        tags, confidences = crf_decode(self.entity_logits(x[:tokens]), self.transitions)
        return {
            "i_scores": self._intent_scores(x[tokens])[np.newaxis, :],
            f"e_{_ENTITY}_ids": np.append(tags, 0)[np.newaxis, :],
            f"e_{_ENTITY}_scores": np.append(confidences, 0.0).astype(np.float32)[np.newaxis, :],
        }

    def _intent_scores(self, sentence_output: np.ndarray) -> np.ndarray:
        embedded, labels = self.text_embed(sentence_output), self.label_embeddings
        if self.cosine:
            embedded = embedded / np.linalg.norm(embedded)
            labels = labels / np.linalg.norm(labels, axis=-1, keepdims=True)
        return softmax(labels @ embedded)

    def _to_dense(self, message: Message, kind: str, layer: Dense) -> np.ndarray | None:
        """The message's sparse features of one type through their ``sparse_to_dense`` layer; None without any.

        The featurizers' blocks lie side by side in the order of the message's features (as
        ``Message.get_sparse_features`` stacks them); each is multiplied by its rows of the kernel,
        which spares copying them into one matrix first.
        """
        blocks = [feature.features for feature in message.features
                  if feature.attribute == TEXT and feature.type == kind and feature.is_sparse()
                  and (not self.featurizers or feature.origin in self.featurizers)]
        if not blocks:
            return None
        dense, row = layer.bias, 0
        for block in blocks:
            dense = dense + sparse_times(block, layer.kernel[row:row + block.shape[-1]])
            row += block.shape[-1]
        if row != len(layer.kernel):
            raise ValueError(f"the message has {row} {kind} features; DIET was trained on {len(layer.kernel)}")
        return dense
