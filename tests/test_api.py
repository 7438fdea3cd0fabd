"""The public API is exactly what DESIGN.md promises; every module declares __all__."""

from __future__ import annotations

import importlib
import pkgutil

import derive

PUBLIC = {
    "BudgetError",
    "DataError",
    "DeclarationError",
    "DeriveError",
    "DimensionError",
    "DomainError",
    "InternalError",
    "InvalidValueError",
    "OptionError",
    "PointError",
    "Derivation",
    "Directional",
    "Fact",
    "NumericError",
    "Objective",
    "ObjectiveError",
    "ParseError",
    "Report",
    "Step",
    "StepReport",
    "Taylor",
    "UpdateRule",
    "VerificationError",
    "__version__",
    "audit",
    "contraction",
    "descent_lemma",
    "descent_radius",
    "directional",
    "emit",
    "gradient_descent",
    "learning_rate_bound",
    "newton_step",
    "smoothness_bound",
    "parse",
    "step_size",
    "steepest_descent",
    "taylor",
    "vector_calculus",
}


def test_public_names_are_pinned() -> None:
    assert set(derive.__all__) == PUBLIC
    for name in PUBLIC:
        assert hasattr(derive, name), name


def test_every_module_declares_all_and_it_resolves() -> None:
    for info in pkgutil.walk_packages(derive.__path__, "derive."):
        if info.name == "derive.__main__":
            continue
        module = importlib.import_module(info.name)
        assert hasattr(module, "__all__"), info.name
        for name in module.__all__:
            assert hasattr(module, name), f"{info.name}.{name}"


def test_every_error_is_a_derive_error() -> None:
    errors = [name for name in PUBLIC if name.endswith("Error")]
    assert len(errors) == 14
    for name in errors:
        assert issubclass(getattr(derive, name), derive.DeriveError)
