r"""The Sphinx extension: ``.. derivation:: NAME`` verifies at build time and renders.

Add it to ``conf.py``::

    extensions = ["derive.sphinxext"]

and write, for example::

    .. derivation:: gradient-descent
       :loss: (w*x + b - y)**2
       :params: w b

NAME is one of steepest-descent, gradient-descent, newton, learning-rate, taylor.
Options: ``:loss:``, ``:params:``, ``:data:``, ``:order:``, ``:dim:``, ``:form:``,
``:at:``, ``:lr:``, ``:start:``, ``:steps:``. Each step is shown with its reason, its
rule and a visible verdict; a derivation that does not verify, or bad input, is an
error at the directive's file and line, and the build fails (with -W or without).
Results live in the environment (a Domain), so an unchanged page is not re-verified
on rebuild, and identical directives are verified once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.domains import Domain
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from ._version import __version__
from .cli import parse_point
from .errors import DeriveError
from .kernel import statement
from .library import gradient_descent, newton_step, steepest_descent, step_size
from .objective import Objective
from .render import step_latex
from .taylor import taylor

__all__ = ["NAMES", "DerivationDirective", "DeriveDomain", "setup"]

NAMES = ("steepest-descent", "gradient-descent", "newton", "learning-rate", "taylor")
MARKS = {
    "proved": "✔ proved",
    "assumed": "• assumed",
    "vacuous": "= vacuous",
    "unproved": "? unproved",
    "failed": "✘ failed",
}


def _objective(options: dict[str, Any], default: str | None = None) -> Objective:
    loss = options.get("loss", default)
    if loss is None:
        raise DeriveError("this derivation needs :loss: and :params:")
    params = options.get("params") or ("x" if default else None)
    if not params:
        raise DeriveError(":params: is required with :loss:, e.g. :params: w b")
    return Objective(loss, params=params, data=options.get("data"))


def build(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """Build and verify a derivation; a picklable result for the environment."""
    if name == "taylor":
        obj = _objective(options)
        at = parse_point(options["at"], ":at:") if options.get("at") else None
        t = taylor(obj, options.get("order", 2), about=at)
        return {
            "kind": "taylor",
            "ok": True,
            "latex": t.latex(),
            "title": f"Taylor expansion of {obj.describe()}",
        }
    if name == "steepest-descent":
        d = steepest_descent(options.get("dim"), form=options.get("form", "bound"))
    elif name == "gradient-descent":
        from .examples import SIGMOID_NEURON

        obj = _objective(options) if "loss" in options else SIGMOID_NEURON
        d = gradient_descent(obj, form=options.get("form", "lecture"))
    elif name == "newton":
        at = parse_point(options["at"], ":at:") if options.get("at") else None
        d = newton_step(_objective(options), at)
    else:
        start = parse_point(options["start"], ":start:") if options.get("start") else None
        at = parse_point(options["at"], ":at:") if options.get("at") else None
        d = step_size(
            _objective(options),
            lr=options.get("lr"),
            start=start,
            steps=options.get("steps", 2),
            at=at,
        )
    report = d.verify()
    names = dict(d.names)
    return {
        "kind": "derivation",
        "ok": report.ok,
        "title": d.title,
        "summary": report.summary(),
        "assumptions": [statement(f) for f in d.assumptions if f.scope != "definition"],
        "conclusion": d.conclusion,
        "steps": [
            {
                "index": entry.index + 1,
                "rule": entry.rule,
                "status": entry.status,
                "why": step.why,
                "reason": entry.reason,
                "latex": step_latex(step, names, entry.remainder),
            }
            for entry, step in zip(report.steps, d.steps, strict=True)
        ],
    }


class DeriveDomain(Domain):
    """Build state: verified results by directive key, the keys each document uses, failures."""

    name = "derive"
    label = "derive"
    initial_data: ClassVar[dict[str, Any]] = {"results": {}, "documents": {}, "failures": {}}

    @property
    def results(self) -> dict[str, Any]:
        return self.data.setdefault("results", {})

    def note(self, docname: str, key: str) -> None:
        self.data.setdefault("documents", {}).setdefault(docname, set()).add(key)

    def fail(self, docname: str, message: str) -> None:
        self.data.setdefault("failures", {}).setdefault(docname, []).append(message)

    def clear_doc(self, docname: str) -> None:
        self.data.setdefault("documents", {}).pop(docname, None)
        self.data.setdefault("failures", {}).pop(docname, None)

    def merge_domaindata(self, docnames: Iterable[str], otherdata: dict[str, Any]) -> None:
        self.results.update(otherdata.get("results", {}))
        for docname in docnames:
            if docname in otherdata.get("documents", {}):
                self.data.setdefault("documents", {})[docname] = otherdata["documents"][docname]
            if docname in otherdata.get("failures", {}):
                self.data.setdefault("failures", {})[docname] = otherdata["failures"][docname]


class DerivationDirective(SphinxDirective):
    """``.. derivation:: NAME`` with options; see the module docstring."""

    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "loss": directives.unchanged_required,
        "params": directives.unchanged_required,
        "data": directives.unchanged_required,
        "order": directives.nonnegative_int,
        "dim": directives.positive_int,
        "form": directives.unchanged_required,
        "at": directives.unchanged_required,
        "lr": directives.unchanged_required,
        "start": directives.unchanged_required,
        "steps": directives.positive_int,
    }

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        domain = self.env.get_domain("derive")
        assert isinstance(domain, DeriveDomain)
        if name not in NAMES:
            return self._fail(
                domain, f"unknown derivation {name!r}; choose one of {', '.join(NAMES)}"
            )
        key = json.dumps([name, sorted(self.options.items())])
        result = domain.results.get(key)
        if result is None:
            try:
                result = build(name, dict(self.options))
            except (DeriveError, ValueError) as exc:
                return self._fail(domain, f"derivation {name}: {str(exc).splitlines()[0]}")
            domain.results[key] = result
        domain.note(self.env.docname, key)
        if not result["ok"]:
            return self._fail(domain, f"derivation {name} did not verify: {result['summary']}")
        return self._nodes(result)

    def _fail(self, domain: DeriveDomain, message: str) -> list[nodes.Node]:
        domain.fail(
            self.env.docname, f"{self.env.doc2path(self.env.docname)}:{self.lineno}: {message}"
        )
        raise self.error(message)

    def _nodes(self, result: dict[str, Any]) -> list[nodes.Node]:
        container = nodes.container(classes=["derive-derivation"])
        container += nodes.rubric(text=result["title"])
        if result["kind"] == "taylor":
            container += nodes.math_block(
                result["latex"], result["latex"], nowrap=False, number=None
            )
            return [container]
        if result["assumptions"]:
            container += nodes.paragraph(text="Assume: " + "; ".join(result["assumptions"]) + ".")
        for step in result["steps"]:
            para = nodes.paragraph(classes=["derive-step"])
            para += nodes.strong(text=f"Step {step['index']}")
            para += nodes.Text(f" ({step['rule']}): {step['why']} ")
            para += nodes.inline(text=MARKS[step["status"]], classes=[f"derive-{step['status']}"])
            container += para
            container += nodes.math_block(step["latex"], step["latex"], nowrap=False, number=None)
        if result["conclusion"]:
            container += nodes.paragraph(text="Conclusion: " + result["conclusion"])
        container += nodes.paragraph(text="✔ " + result["summary"], classes=["derive-summary"])
        return [container]


def _check(app: Sphinx, env: BuildEnvironment) -> None:
    """Fail the build when any derivation failed, even without -W."""
    failures = env.get_domain("derive").data.get("failures", {})
    messages = [m for docname in sorted(failures) for m in failures[docname]]
    if messages:
        raise ExtensionError("derive: " + "; ".join(messages))


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_domain(DeriveDomain)
    app.add_directive("derivation", DerivationDirective)
    app.connect("env-check-consistency", _check)
    return {
        "version": __version__,
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
