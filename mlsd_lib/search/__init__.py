"""Visual search services and their evaluation (chapter 2; chapter 4 reuses them).

- ``similarity`` — dot product, cosine and Euclidean scores; distance concentration
- ``evaluation`` — ranking metrics of a retrieval run, simulated clicks
- ``services`` — embedding generation, nearest-neighbour, re-ranking and indexing services
- ``ann_eval`` — measuring ANN indexes (recall, QPS, memory) and calibrated synthetic corpora
"""
