r"""The Sphinx extension: ``.. derivation:: NAME`` verifies at build time and renders.

Add it to ``conf.py``::

    extensions = ["derive.sphinxext"]

and write, for example::

    .. derivation:: gradient-descent
       :loss: (w*x + b - y)**2
       :params: w b

NAME is a kind of :data:`derive.library.registry.REGISTRY` (steepest-descent,
gradient-descent, newton, learning-rate, taylor), with that kind's options (``:loss:``,
``:params:``, ``:data:``, ``:order:``, ``:dim:``, ``:form:``, ``:at:``, ``:lr:``,
``:start:``, ``:steps:``); an option the kind does not take is an error. Each step is shown with its reason, its
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
from .errors import DeriveError
from .library import registry
from .render import statement, step_latex
from .taylor import taylor

__all__ = ["NAMES", "DerivationDirective", "DeriveDomain", "setup"]

NAMES = tuple(registry.REGISTRY)
MARKS = {
    "proved": "✔ proved",
    "assumed": "• assumed",
    "vacuous": "= vacuous",
    "unproved": "? unproved",
    "failed": "✘ failed",
}


def build(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """Build (through the one registry) and verify a derivation; a picklable result."""
    d = registry.build(name, options)
    display = None
    if name == "taylor":  # the usual form beside the form the kernel checked
        parsed = registry.REGISTRY[name].parse(options)
        obj = registry._objective(parsed)
        display = taylor(obj, parsed["order"], about=registry._point(parsed, "at")).latex()
    report = d.verify()
    names = dict(d.names)
    return {
        "kind": "derivation",
        "display": display,
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
        option.name: directives.unchanged_required
        for kind in registry.REGISTRY.values()
        for option in kind.options
    }
    """Every option any kind takes, as text; the registry checks each per kind."""

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
        if result.get("display"):
            container += nodes.math_block(
                result["display"], result["display"], nowrap=False, number=None
            )
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
