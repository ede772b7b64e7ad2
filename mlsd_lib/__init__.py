"""mlsd_lib: the library behind *mlsd*, an executable book of ML system design.

Modules are organised by concern; a chapter imports what it needs. Data flows one way:
``data`` → ``features``/models → ``metrics`` → ``serving``/``monitoring``; a lower layer never
imports a higher one.

======================================  ========  ===============================================
module                                  chapter   concern
======================================  ========  ===============================================
``_validation``                         all       input checks that name the argument and the fix
``runtime``                             all       seeds and thread pinning for every notebook
``claims`` (``effects``, ``rules``,      all       effects with intervals, rules and verdicts,
``registry``, ``records``, ``ledger``,            the rules registry and its deviations log,
``tuning``, ``__main__``)                         the recorder, the ledger page, fair tuning
``prose``                               all       measured values quoted in the text
``vectors``                             2, 6      unit-norm rows for cosine similarity
``data`` (``fashion_mnist``, ``tabular``,  all    offline loaders with provenance; the sentence
``text_encoder``, ``shipped``,                    encoder; how much each source ships
``provenance``)
``batch``                               3, 5      the staged batch engine: Dask ``distributed``,
                                                  one worker pool per stage
``tabular`` (``features``,              1, 5      chapter 1's room: scaling, bucketing, the
``model_selection``, ``widgets``)                 scikit-learn encoder; repeated hold-out
                                                  comparisons; the threshold and drift explorers
``sampling``                            1, 6      sampling, splits (temporal too), resampling
``metrics`` (``classification``,        all       offline metrics, cross-checked against
``regression``, ``ranking``,                      scikit-learn
``diversity``)
``losses``                              1         focal and class-balanced losses
``training`` (``loop``, ``linear``,     all       the one ``fit`` loop and the networks it
``distributed``)                                  trains; small models with their own
                                                  optimiser; data-parallel training (DDP)
``serving``                             1, 2, 6   compression, batch vs online, latency timing,
                                                  capacity at the source's scale
``monitoring``                          1         drift statistics and the drift monitor
``experiments``                         1         A/B tests, power, rollouts
``viz``                                 all       shared figures (architecture diagrams too)
``ann`` (``index``, ``rpforest``,       2, 6      one interface over exact and approximate
``measure``)                                      search; measuring indexes
``visual_search`` (``measures``,        2         chapter 2's engine: similarity, retrieval
``evaluation``, ``services``)                     evaluation, the served search pipeline
``vision`` (``augment``,                2, 3      augmentations (chapter 3: boxes move with the
``encoders``, ``viz``, ``widgets``)               image), contrastive encoders, figures, widgets
``detection`` (``boxes``, ``anchors``,  3         boxes and IoU, anchors and matching, NMS,
``suppression``, ``roi``, ``models``,             RoI pool/align, two-stage and one-stage
``train``, ``evaluate``, ``blur``,                detectors and their training, AP/mAP and
``scenes``, ``baselines``, ``mining``,            errors by kind, blurring, composite scenes
``pipeline``, ``photo``, ``lineage``,             with planted boxes, Haar cascades, hard-negative
``viz``, ``widgets``)                             mining, the batch blurring pipeline, blurring a
                                                  real photograph at every scale, the R-CNN
                                                  lineage timed, widgets
``text`` (``normalize``, ``tokenize``,  4         normalisation, word/character/BPE tokenisers,
``hashing``, ``vectorize``, ``index``,            lookup table vs hashing, BoW and TF-IDF, the
``word2vec``)                                     inverted index with BM25, skip-gram word vectors
``video_search`` (``corpus``,            4         chapter 4's engine: the planted video corpus,
``encoders``, ``engine``, ``evaluation``,         frame- and video-level towers, text towers, the fusing
``fingerprint``, ``system``, ``tagging``,         layer and served engine, clips' fingerprints for
``online``, ``viz``, ``widgets``)                 the near-duplicate rule, metrics over sets
                                                  of relevant videos, the system in one call,
                                                  the auto-tagger, simulated searchers, the
                                                  duplicate rules' figure, the search box
``recsys`` (``base``, ``feedback``,     6         feedback matrix, MF (SGD/WALS), two-tower,
``mf``, ``two_tower``, ``content``,               content, baselines, evaluation, tuning, cold
``baselines``, ``rating_baseline``,               start, candidate generation, re-ranking, the
``evaluate``, ``tuning``,                         three-stage pipeline, simulated users, figures
``cold_start``, ``candidates``,                   and widgets; the bias rating model that
``rerank``, ``pipeline``,                         chapter 1 splits by time
``simulation``, ``viz``, ``widgets``)
``moderation`` (``simulator``,          5         simulated posts with planted harm and two
``features``, ``models``,                         label sets, the fused feature vector, early/late
``evaluate``, ``enforcement``,                    fusion and four framings, per-positive metrics,
``viz``, ``widgets``)                             removal, demotion, review queue, the figures of
                                                  the claims' comparisons, post composer
======================================  ========  ===============================================

Moves (old import paths keep working through each package's ``__init__``, except the two
renamed rooms):

- 5 Dec 2026, later: ``search`` became ``visual_search`` and ``video`` became
  ``video_search`` (its ``search`` module is now ``engine``), so each room is named by the
  engine it holds; ``moderation.embed_sentences`` and chapter 4's
  ``load_sentence_encoder().encode`` gave way to ``data.text_encoder.encode_sentences``.
- 5 Dec 2026: ``training.py`` became the ``training`` package (``loop``, ``linear``,
  ``distributed``); ``ann.recall_per_query`` moved from ``measure`` to ``index``, beside
  ``neighbour_recall``, which is now its mean; ``text._checks`` folded into ``_validation``
  (``check_text``, ``check_texts``, ``check_tokens``, ``check_token_lists``);
  ``model_selection.binary_scores`` folded into ``metrics.classification_report``, which
  also gives ``moderation.class_report``'s per-class table; one sentence encoder,
  ``data.text_encoder.encode_sentences``, under chapter 6's ``encode_titles``; chapter 1's
  ``features``, ``model_selection`` and ``widgets`` moved into the ``tabular`` package.
"""

from mlsd_lib.runtime import resolve_size, seed_everything, set_threads

__version__ = "0.1.0"
__all__ = ["resolve_size", "seed_everything", "set_threads", "__version__"]
