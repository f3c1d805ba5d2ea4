"""Fixtures of the unconference's tests."""

import importlib

import pytest


@pytest.fixture(scope="session", autouse=True)
def solver_loaded() -> None:
    """The solver's library is imported once per test process before the tests run.

    A schedule's time limit covers the whole call, and the first call of a process also
    imports OR-Tools (~1 s, several on a loaded machine): a tiny grid would then come back
    unproven ("FALLBACK" or "FEASIBLE") for a reason that is not the solver's. Whether the
    site loads it lazily is tested in a fresh interpreter (test_solver_loading.py)."""
    importlib.import_module("ortools.sat.python.cp_model")
