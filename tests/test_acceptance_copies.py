"""The vendored acceptance cases (tests/acceptance) are exact copies of ../shared/acceptance.

Every test reads the vendored copies, so the suite runs from the repository alone; where the shared
originals are present (next to the repository, as CI lays them out, or next to the main checkout of a git
worktree), this test checks the copies have not drifted. Absent, only this comparison is skipped.
"""

from __future__ import annotations

import pytest

from tests.core_helpers import ACCEPTANCE, shared_acceptance_dirs


def test_the_vendored_cases_are_all_there() -> None:
    names = {p.name for p in ACCEPTANCE.iterdir()}
    assert {"README.md", "seed_chain.bp", "seed_snippet.py", "seed_mlp.py"} <= names


def test_the_vendored_cases_are_identical_to_the_shared_ones() -> None:
    originals = shared_acceptance_dirs()
    if not originals:
        pytest.skip("no ../shared/acceptance beside the repository: nothing to compare the copies with")
    for shared in originals:
        theirs = {p.name: p.read_bytes() for p in shared.iterdir() if p.is_file()}
        ours = {p.name: p.read_bytes() for p in ACCEPTANCE.iterdir() if p.is_file()}
        assert sorted(theirs) == sorted(ours), f"files differ from {shared}"
        for name, data in theirs.items():
            assert ours[name] == data, f"tests/acceptance/{name} differs from {shared / name}"
