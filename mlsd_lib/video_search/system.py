"""The served video search system in one call (source ch. 4, Figs. 4.3 and 4.19).

:func:`build_search_system` wires what the chapter builds step by step: the inverted index
over the catalogue's uploads, the text and video towers (trained here by
:func:`train_search_towers` unless the caller passes trained ones), the fusing layer's weight
chosen on validation queries, and the :class:`~mlsd_lib.video_search.engine.VideoSearchEngine` that
serves it all.

Introduced in chapter 4, "Serving".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from numpy.typing import ArrayLike

from mlsd_lib._validation import as_array, check_int
from mlsd_lib.video_search.corpus import VideoCorpus
from mlsd_lib.video_search.evaluation import first_relevant_in_lists, fused_lists


@dataclass
class SearchSystem:
    """What :func:`build_search_system` returns.

    Attributes
    ----------
    engine : the served engine; its ids are positions in ``catalogue``.
    catalogue : rows of ``corpus.meta`` the engine searches, in engine-id order.
    encode_text : list of queries -> (n, d) unit query embeddings.
    video_embeddings : (len(meta), d) unit embeddings of every video of the corpus.
    weight : the fusing layer's weight on text search, chosen on validation.
    validation : validation MRR of each weight tried (index: weight).
    """

    engine: object
    catalogue: np.ndarray
    encode_text: Callable[[list[str]], np.ndarray]
    video_embeddings: np.ndarray
    weight: float
    validation: pd.Series


def train_search_towers(corpus: VideoCorpus, *, video_tower: str = "frame-level", dim: int = 32, epochs: int = 2,
                        n_frames: int | None = None, seed: int = 0):
    """Train a dual encoder on the corpus's training pairs: a Transformer text tower on BPE
    tokens with a frame-level (:class:`FrameEncoder`) or video-level
    (:class:`SpatioTemporalEncoder`) video tower, contrastively, with played-backwards pairs.

    Returns ``(encode_text, video_embeddings)``: a function from queries to unit embeddings and
    the unit embeddings of every video of the corpus. One seed gives one model.

    Examples
    --------
    >>> from mlsd_lib.video_search import make_video_corpus
    >>> x = np.random.default_rng(0).integers(0, 255, (12, 28, 28))
    >>> c = make_video_corpus(x, np.arange(12) % 10, {"train": 8, "validation": 2, "test": 2}, n_frames=4)
    >>> enc, emb = train_search_towers(c, dim=8, epochs=1)
    >>> enc(["red bag"]).shape, emb.shape
    ((1, 8), (12, 8))
    """
    from mlsd_lib import text
    from mlsd_lib.video_search.encoders import (
        FrameEncoder,
        SpatioTemporalEncoder,
        TransformerTower,
        embed,
        pad_ids,
        preprocess_clips,
        train_dual_encoder,
    )

    _check_corpus(corpus)
    if video_tower not in ("frame-level", "video-level"):
        raise ValueError(f"video_tower must be 'frame-level' or 'video-level', got {video_tower!r}")
    dim, epochs = check_int(dim, "dim", low=1), check_int(epochs, "epochs", low=1)
    train_rows = np.flatnonzero(corpus.meta.split == "train")
    pairs = corpus.pairs[corpus.pairs.split == "train"]
    if len(train_rows) < 2:
        raise ValueError("corpus needs at least two training videos to train the towers")
    uploads = corpus.text(train_rows)
    bpe = text.BPETokenizer(vocab_size=300).fit(pairs["query"].tolist() + uploads)
    vocab = text.Vocabulary().fit([bpe.tokenize(t) for t in pairs["query"].tolist() + uploads])

    def ids(texts):
        return pad_ids([bpe.tokenize(t) for t in texts], vocab, max_len=24)

    rev = ids([q or "." for q in pairs.reversed])
    rev[torch.as_tensor((pairs.reversed == "").to_numpy(copy=True))] = 0
    clips = preprocess_clips(corpus.clips, n_frames=n_frames)
    pos = {r: i for i, r in enumerate(train_rows)}
    vt = FrameEncoder(dim) if video_tower == "frame-level" else SpatioTemporalEncoder(dim)
    tt = TransformerTower(len(vocab) + 1, dim, max_len=24)
    train_dual_encoder(tt, ids(pairs["query"]), np.array([pos[r] for r in pairs.row]), video_tower=vt,
                       video_x=clips[train_rows], reverse_text_x=rev, epochs=epochs, batch_size=64, lr=2e-3, seed=seed)
    return (lambda texts: embed(tt, ids(list(texts)))), embed(vt, clips)


def _check_corpus(corpus) -> None:
    if not isinstance(corpus, VideoCorpus):
        raise TypeError(f"corpus must be a VideoCorpus (make_video_corpus), got {type(corpus).__name__}")


def _text_index(corpus: VideoCorpus, rows: np.ndarray, tokenize):
    from mlsd_lib.text import InvertedIndex

    index = InvertedIndex()
    index.add([tokenize(d) for d in corpus.text(rows)])
    return index


def build_search_system(corpus: VideoCorpus, encode_text: Callable | None = None,
                        video_embeddings: ArrayLike | None = None, *, catalogue: str = "test",
                        weights: ArrayLike = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9), candidates: int = 100,
                        seed: int = 0, **tower_options) -> SearchSystem:
    """Build the served search system: text index, towers, fusion weight, engine.

    Parameters
    ----------
    corpus : the video corpus; its ``catalogue`` split is what the engine serves and its
        validation split chooses the weight.
    encode_text, video_embeddings : trained towers (queries -> unit embeddings; every video's
        unit embedding). ``None`` for both trains them with :func:`train_search_towers`
        (``seed`` and ``tower_options`` passed on).
    weights : the fusing layer's weights tried on validation queries (literal and
        paraphrased); the one with the best MRR serves, the smallest on a tie. Relevance is
        every video matching all the facts a query names (:meth:`VideoCorpus.relevant`).
    candidates : how many videos each component passes to the fusing layer.

    The video index is chapter 2's HNSW index (``mlsd_lib.ann``), the text index BM25 over
    each video's title, tags and description on normalised tokens; the store keeps each
    served clip's content fingerprint (:func:`~mlsd_lib.video_search.fingerprint.clip_fingerprints`)
    for the near-duplicate rule, so an upload passes its clip's fingerprint to ``add_video``.

    Examples
    --------
    >>> from mlsd_lib.video_search import make_video_corpus
    >>> x = np.random.default_rng(0).integers(0, 255, (12, 28, 28))
    >>> c = make_video_corpus(x, np.arange(12) % 10, {"train": 8, "validation": 2, "test": 2}, n_frames=4)
    >>> system = build_search_system(c, dim=8, epochs=1)
    >>> len(system.catalogue), 0 <= system.weight <= 1
    (2, True)
    >>> bool(system.engine.search("red bag", k=2).hits.video.isin([0, 1]).all())
    True
    """
    from mlsd_lib import ann, text
    from mlsd_lib.video_search.engine import VideoSearchEngine
    from mlsd_lib.video_search.fingerprint import clip_fingerprints
    from mlsd_lib.visual_search.services import IndexingService

    _check_corpus(corpus)
    if (encode_text is None) != (video_embeddings is None):
        raise ValueError("pass both encode_text and video_embeddings (trained towers), or neither to train them")
    if encode_text is None:
        encode_text, video_embeddings = train_search_towers(corpus, seed=seed, **tower_options)
    elif tower_options:
        raise TypeError(f"tower options {sorted(tower_options)} apply only when the towers are trained here")
    if not callable(encode_text):
        raise TypeError("encode_text must be callable: list of queries -> (n, d) unit embeddings")
    emb = as_array(video_embeddings, "video_embeddings", ndim=2).astype(np.float32)
    if len(emb) != len(corpus.meta):
        raise ValueError(f"video_embeddings must hold one row per video of the corpus ({len(corpus.meta)}), got {len(emb)}")
    w_grid = as_array(weights, "weights", ndim=1)
    if ((w_grid < 0) | (w_grid > 1)).any():
        raise ValueError("weights must lie in [0, 1]")
    candidates = check_int(candidates, "candidates", low=1)
    if not isinstance(catalogue, str) or catalogue not in set(corpus.meta.split):
        raise ValueError(f"catalogue must name a split of the corpus {sorted(set(corpus.meta.split))}, got {catalogue!r}")
    val_rows = np.flatnonzero(corpus.meta.split == "validation")
    if not len(val_rows):
        raise ValueError("corpus needs a 'validation' split to choose the fusing layer's weight")

    tokenize = text.word_tokenize
    val_pairs = np.flatnonzero(corpus.pairs.split == "validation")
    qs = corpus.pairs["query"].to_numpy()[val_pairs].tolist()
    relevant = corpus.relevant(val_pairs, val_rows)
    val_index = _text_index(corpus, val_rows, tokenize)
    t_hits = [val_index.search(tokenize(q), candidates) for q in qs]
    sims = encode_text(qs) @ emb[val_rows].T
    top = np.argsort(-sims, axis=1, kind="stable")[:, :candidates]
    v_hits = [(ids, s[ids]) for ids, s in zip(top, sims, strict=True)]
    val_mrr = pd.Series({float(w): float(np.mean(1.0 / first_relevant_in_lists(fused_lists(t_hits, v_hits, w), relevant)))
                         for w in w_grid}, name="validation MRR").rename_axis("weight")
    weight = float(val_mrr.idxmax())

    rows = np.flatnonzero(corpus.meta.split == catalogue)
    served = emb[rows]
    # near-duplicates are found on the clips' pixels: the embedding puts every clip of one
    # product, colour and motion at cosine ~1, so it cannot tell a re-upload from a new video
    store = IndexingService(ann.build("hnsw", served, "cosine", M=16, efSearch=128), served,
                            fingerprints=clip_fingerprints(corpus.clips[rows]))
    engine = VideoSearchEngine(_text_index(corpus, rows, tokenize), tokenize, lambda q: encode_text([q]), store,
                               weight=weight, candidates=candidates)
    return SearchSystem(engine, rows, encode_text, emb, weight, val_mrr)
