"""Shared figures: the architecture diagram drawn from its text spec."""

import matplotlib

matplotlib.use("Agg")
import pytest


def test_architecture_spec_parses_stores_labels_and_feedback_loops():
    from mlsd_lib.viz import _layers, parse_architecture

    nodes, edges = parse_architecture("# serving\nClient -> API : q\nAPI -> [Index]\n\nAPI -> Ranker\n"
                                      "Ranker -> [Logs]\n[Logs] -> Trainer\nTrainer -> Ranker : model")
    assert nodes == {"Client": "component", "API": "component", "Index": "store", "Ranker": "component",
                     "Logs": "store", "Trainer": "component"}
    layer, back = _layers(list(nodes), edges)
    assert back == {5}  # Trainer -> Ranker closes the loop through the logs
    assert [layer[n] for n in ("Client", "API", "Ranker", "Logs", "Trainer")] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(("spec", "error", "match"), [
    (3, TypeError, "spec must be a string"),
    ("", ValueError, "spec has no edges"),
    ("A -> B -> C", ValueError, "needs exactly one '->'"),
    ("A -> []", ValueError, "a node name is empty"),
])
def test_architecture_spec_errors_name_the_line(spec, error, match):
    from mlsd_lib.viz import architecture_diagram

    with pytest.raises(error, match=match):
        architecture_diagram(spec)
