"""The count featurizers' matrices for a message, from the n-grams of each word read once.

Rasa's ``CountVectorsFeaturizer`` makes two matrices for every message (``_create_features`` in
rasa/nlu/featurizers/sparse_featurizer/count_vectors_featurizer.py)::

    seq_vec = self.vectorizers[attribute].transform(tokens)
    ...
    tokens_text = [" ".join(tokens)]
    sentence_vec = self.vectorizers[attribute].transform(tokens_text)

scikit-learn's ``transform`` cuts each document into its n-grams and looks each one up in the
vocabulary, in Python: for our character n-grams (1 to 4 letters of each word) that is a few hundred
lookups for a short message, done twice (once for the words, once for the whole message), and the
same words ("jobs", "Leeds", "interview") come back in message after message. It was about a tenth of
the Rasa server's busy time (py-spy, 2026-11-28, an Intel Xeon of this machine kind).

:func:`create_features` gives the same matrices:

- a word's row (its vocabulary columns and counts, as ``transform`` counts them) is computed once,
  with the vectorizer's own analyzer, and kept (up to :data:`KEPT_WORDS` words per vectorizer);
- the message's row is the sum of its words' rows where the analyzer reads the joined words as it
  reads each word (``char_wb`` n-grams, which never cross a space, and single words of a token pattern
  that holds no space, Rasa's or scikit-learn's); for any other analyzer it is ``transform``'s, as before;
- the matrices are built as ``transform`` then Rasa build them: counts in the vectorizer's dtype (all
  ones when it is binary), columns sorted within each row, in COO form with 32-bit indices.

:func:`install` makes it the featurizers' in this process (the Rasa server); the model and its
training are unchanged. ``tests/core/test_count_vectors.py`` compares both matrices with Rasa's for
every training, held-out, dev and benchmark message, and for odd inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from sklearn.feature_extraction.text import CountVectorizer

KEPT_WORDS = 50_000  # per vectorizer; past it, the kept rows are dropped and counted afresh
# scikit-learn's default and Rasa's: runs of word characters, so no match holds a space
SPACELESS_TOKEN_PATTERNS = frozenset({r"(?u)\b\w\w+\b", r"(?u)\b\w+\b"})
_READER = "_recruitbot_reader"  # the vectorizer's attribute that holds its reader

RASAS_CREATE_FEATURES = CountVectorsFeaturizer._create_features

Row = tuple[tuple[int, ...], tuple[int, ...]]  # columns (sorted) and counts


class _Reader:
    """One fitted vectorizer's rows of words, kept."""

    def __init__(self, vectorizer: CountVectorizer) -> None:
        self.vectorizer = vectorizer
        self._analyze = vectorizer.build_analyzer()
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._binary = bool(vectorizer.binary)
        self._dtype = vectorizer.dtype
        self._shape_width = len(self._vocabulary)
        self.sums_words = _sums_words(vectorizer)
        self._rows: dict[str, Row] = {}

    def row(self, document: str) -> Row:
        """``document``'s row as ``transform`` counts it (before a binary vectorizer makes counts ones)."""
        kept = self._rows.get(document)
        if kept is not None:
            return kept
        counts: dict[int, int] = {}
        vocabulary = self._vocabulary
        for feature in self._analyze(document):
            column = vocabulary.get(feature)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = tuple(sorted(counts))
        row = (columns, tuple(counts[column] for column in columns))
        if len(self._rows) >= KEPT_WORDS:
            self._rows.clear()
        self._rows[document] = row
        return row

    def matrix(self, rows: list[Row]) -> scipy.sparse.coo_matrix:
        """The rows as one COO matrix, typed as Rasa's ``transform(...).tocoo()`` is."""
        columns = [column for row_columns, _ in rows for column in row_columns]
        row_index = [number for number, (row_columns, _) in enumerate(rows) for _ in row_columns]
        if self._binary:
            data = np.ones(len(columns), dtype=self._dtype)
        else:
            data = np.array([count for _, counts in rows for count in counts], dtype=self._dtype)
        return _coo(data, np.array(row_index, dtype=np.int32), np.array(columns, dtype=np.int32),
                    (len(rows), self._shape_width))

    def sentence_row(self, tokens: list[str]) -> Row:
        """The joined tokens' row, summed from the tokens' rows (only where :attr:`sums_words`)."""
        counts: dict[int, int] = {}
        for token in tokens:
            for column, count in zip(*self.row(token), strict=True):
                counts[column] = counts.get(column, 0) + count
        columns = tuple(sorted(counts))
        return columns, tuple(counts[column] for column in columns)


def _bare_coo() -> dict[str, Any] | None:
    """What scipy's constructor sets on a COO matrix besides its shape and arrays (None: not what we know)."""
    made = scipy.sparse.coo_matrix((np.ones(1), (np.zeros(1, np.int32), np.zeros(1, np.int32))), shape=(1, 1))
    fields = vars(made)
    if not fields.keys() >= _ARRAYS or fields.get("has_canonical_format") is not False:
        return None
    return {name: value for name, value in fields.items() if name not in _ARRAYS}


_ARRAYS = frozenset({"_shape", "row", "col", "data"})
_BARE_COO = _bare_coo()


def _coo(data: np.ndarray, row: np.ndarray, col: np.ndarray, shape: tuple[int, int]) -> scipy.sparse.coo_matrix:
    """``coo_matrix((data, (row, col)), shape)`` without its checks: ``row`` and ``col`` are in range, int32.

    scipy's constructor checks the indices' range and picks their type, 56 µs for a message's matrix
    here, four times a message; the object made is the same (``vars`` equal, checked by the tests).
    """
    if _BARE_COO is None or max(shape) > np.iinfo(np.int32).max:
        return scipy.sparse.coo_matrix((data, (row, col)), shape=shape)
    matrix = scipy.sparse.coo_matrix.__new__(scipy.sparse.coo_matrix)
    matrix.__dict__.update(_BARE_COO, _shape=shape, row=row, col=col, data=data)
    return matrix


def _sums_words(vectorizer: CountVectorizer) -> bool:
    """Whether the analyzer's features of words joined by spaces are exactly those of each word, together."""
    if vectorizer.preprocessor is not None or vectorizer.tokenizer is not None or callable(vectorizer.analyzer):
        return False
    if vectorizer.analyzer == "char_wb":
        return True  # each whitespace-separated word is padded and cut on its own
    return (vectorizer.analyzer == "word" and tuple(vectorizer.ngram_range) == (1, 1)
            and vectorizer.token_pattern in SPACELESS_TOKEN_PATTERNS)


def _reader(vectorizer: CountVectorizer) -> _Reader | None:
    reader = vectorizer.__dict__.get(_READER)
    if reader is None:
        if not isinstance(vectorizer, CountVectorizer) or not hasattr(vectorizer, "vocabulary_"):
            return None
        reader = _Reader(vectorizer)
        vectorizer.__dict__[_READER] = reader
    return reader


def create_features(
    self: CountVectorsFeaturizer, attribute: str, all_tokens: list[list[str]],
) -> tuple[list[Any], list[Any]]:
    """``CountVectorsFeaturizer._create_features``, with each word's row computed once."""
    vectorizer = self.vectorizers.get(attribute) if self.vectorizers else None
    reader = _reader(vectorizer) if vectorizer else None
    if reader is None:
        return RASAS_CREATE_FEATURES(self, attribute, all_tokens)
    sequence_features: list[Any] = []
    sentence_features: list[Any] = []
    for tokens in all_tokens:
        if not tokens:
            sequence_features.append(None)
            sentence_features.append(None)
            continue
        sequence_features.append(reader.matrix([reader.row(token) for token in tokens]))
        if attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
            sentence_features.append(None)
        elif reader.sums_words:
            sentence_features.append(reader.matrix([reader.sentence_row(tokens)]))
        else:
            sentence = reader.vectorizer.transform([" ".join(tokens)])
            sentence.sort_indices()
            sentence_features.append(sentence.tocoo())
    return sequence_features, sentence_features


def install() -> None:
    """Make :func:`create_features` the count featurizers' in this process."""
    CountVectorsFeaturizer._create_features = create_features
