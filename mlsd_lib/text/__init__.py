"""Text search, from raw strings to a ranked list (source ch. 4, "Preparing text data").

- :mod:`~mlsd_lib.text.normalize` — lowercase, punctuation, whitespace, NFKD, accents, stems
- :mod:`~mlsd_lib.text.tokenize` — word, character and byte-pair-encoding (BPE) tokenisers
- :mod:`~mlsd_lib.text.hashing` — tokens to ids: a lookup table or feature hashing
- :mod:`~mlsd_lib.text.vectorize` — bag-of-words and TF-IDF vectors (scikit-learn's formulas)
- :mod:`~mlsd_lib.text.word2vec` — skip-gram word vectors with negative sampling
- :mod:`~mlsd_lib.text.index` — the inverted index with BM25 scoring (the Elasticsearch role)

Introduced in chapter 4, "Data preparation".
"""

from mlsd_lib.text.hashing import Vocabulary, collision_rate, hash_ids
from mlsd_lib.text.index import InvertedIndex
from mlsd_lib.text.normalize import light_stem, normalize_text, strip_accents
from mlsd_lib.text.tokenize import BPETokenizer, char_tokenize, word_tokenize
from mlsd_lib.text.vectorize import TextVectorizer
from mlsd_lib.text.word2vec import Word2Vec

__all__ = [
    "BPETokenizer", "InvertedIndex", "TextVectorizer", "Vocabulary", "char_tokenize", "collision_rate",
    "hash_ids", "light_stem", "normalize_text", "strip_accents", "word_tokenize", "Word2Vec",
]
