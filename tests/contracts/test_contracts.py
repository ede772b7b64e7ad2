"""The contract pair, written once over the registry of cases (tests/contracts/_contract.py).

Every :class:`_contract.Case` of every property module registers itself in
``_contract.CASES`` when its module is imported. Here each one is run twice: valid input
keeps the documented result (``run_valid``), and each documented kind of bad input is refused
with a ValueError or TypeError naming the argument (``run_bad``). The property modules hold
the cases and their own regression tests; none repeats this pair.
"""

from __future__ import annotations

import importlib

from properties.test_coverage import PROPERTY_MODULES

from contracts._contract import CASES, parametrize, run_bad, run_valid

for _name in PROPERTY_MODULES:
    importlib.import_module(_name)


@parametrize([c for c in CASES if c.examples])
def test_valid_input_keeps_the_documented_range(case):
    run_valid(case)


@parametrize([c for c in CASES if c.spec])
def test_bad_input_is_rejected_by_name(case):
    run_bad(case)
