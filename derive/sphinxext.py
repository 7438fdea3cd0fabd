r"""The Sphinx extension: derivations verified while the pages build.

Add it to ``conf.py``::

    extensions = ["derive.sphinxext"]
    numfig = True                       # optional: number derivations for :numref:
    derive_mathjax_path = "_mathjax/node_modules/mathjax"   # optional: MathJax offline

and write, for example::

    .. derivation:: gradient-descent
       :loss: (w*x + b - y)**2
       :params: w b
       :label: gd-squared

    As :numref:`gd-squared` shows, ... (or :ref:`gd-squared` for its title)

    .. lecture:: 3

    .. check::
       :assume: x >= 0

       (x+1)^2 &= x^2 + 2x + 1 \\
               &\ge 2x + 1

``.. check::`` reads the hand-written chain in its content (LaTeX maths as in
``.. math::``; paragraphs are separate displays) with :func:`derive.audit`, under the
relations ``:assume:`` gives (``;`` between several), and shows it with each step's
verdict: ✔ proved, ? unproved (with why) and ✘ failed. A failed step is an error at its
own file and line, and the build fails; ``:strict:`` makes an unproved step one too.

``.. derivation:: NAME`` builds a kind of :data:`derive.library.registry.REGISTRY`
(steepest-descent, gradient-descent, newton, learning-rate, taylor) with that kind's
options (``:loss:``, ``:params:``, ``:data:``, ``:order:``, ``:dim:``, ``:form:``,
``:at:``, ``:lr:``, ``:start:``, ``:steps:``) and ``:label:``. ``.. lecture:: N`` shows a
whole seed lecture (0 to 3). Each step is shown with its reason, its rule and a visible
verdict. A missing or unknown kind, an unknown option or one the kind does not take,
content under the directive, an option given twice, a bad loss, a singular point, or a
derivation that does not verify is an error at the directive's file and line, and the build fails (exit status 1,
with -W or without), never with Sphinx's crash report.

Results live in the environment (a Domain), so an unchanged page is not re-verified on
rebuild, identical directives are verified once, and parallel reads merge their results.
The extension ships a stylesheet (verdict marks, wide displays that scroll sideways) and
the config value ``derive_mathjax_path``: a local MathJax 3 (the npm package's folder, or
its ``es5`` folder) served from ``_static/mathjax`` instead of a CDN.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar, NoReturn

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.domains import Domain
from sphinx.environment import BuildEnvironment
from sphinx.errors import ConfigError
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.fileutil import copy_asset
from sympy import sympify

from ._version import __version__
from .errors import DeriveError
from .library import registry
from .printer import unicode
from .render import name_definitions, say, statement, step_latex
from .taylor import taylor

__all__ = [
    "NAMES",
    "CheckDirective",
    "DerivationDirective",
    "DeriveDomain",
    "LectureDirective",
    "derivation_block",
    "setup",
]

logger = logging.getLogger(__name__)

NAMES = tuple(registry.REGISTRY)
MARKS = {
    "proved": "✔ proved",
    "assumed": "• assumed",
    "approximate": "≈ approximate",
    "vacuous": "= vacuous",
    "unproved": "? unproved",
    "failed": "✘ failed",
}
STATIC = Path(__file__).resolve().parent / "_static"
"""The shipped stylesheet's folder (package data)."""
FIGTYPE = "derivation"
"""The :numref: kind of a derivation (``numfig_format["derivation"]``, default
'Derivation %s')."""
DIRECTIVE_OPTIONS = ("label",)
"""Options of the directive itself; every other option goes to the registry's kind."""


class derivation_block(nodes.container):
    """A derivation on a page: a numbered, referable container (Sphinx builders render it
    as a container; its title is a :class:`derivation_title`)."""


class derivation_title(nodes.caption):
    """A derivation's title: HTML shows it as a caption with its number; LaTeX as a bold
    paragraph (``\\caption`` needs a float)."""


def _result(d: Any, display: str | None = None, only: tuple[str, ...] = ()) -> dict[str, Any]:
    """A derivation verified by the kernel (in full), as a picklable result for the
    environment; ``only``: the labels of the steps shown (a lecture's brief form), with
    the premises they use."""
    report = d.verify()
    names = dict(d.names)
    shown = [i for i, step in enumerate(d.steps) if not only or step.label in only]
    used = {f for i in shown for f in (*report.steps[i].premises, *report.steps[i].cases)}
    return {
        "kind": "derivation",
        "display": display,
        "ok": report.ok,
        "title": d.title,
        "summary": report.summary(),
        "assumptions": [
            statement(f)
            for f in d.assumptions
            if f.scope != "definition" and (not only or f in used)
        ],
        "conclusion": "" if only else d.conclusion,
        "steps": [
            {
                "index": i + 1,
                "rule": report.steps[i].rule,
                "status": report.steps[i].status,
                "why": say(d.steps[i].why, d),
                "reason": report.steps[i].reason,
                "latex": step_latex(
                    d.steps[i], names, report.steps[i].remainder, local=report.steps[i].local
                ),
            }
            for i in shown
        ],
        "hidden": len(d.steps) - len(shown),
        "names": name_definitions(d, only or None),
    }


def build(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """Build (through the one registry) and verify a derivation; a picklable result."""
    d = registry.build(name, options)
    display = None
    if name == "taylor":  # the usual form beside the form the kernel checked
        parsed = registry.REGISTRY[name].parse(options)
        obj = registry._objective(parsed)
        display = taylor(obj, parsed["order"], about=registry._point(parsed, "at")).latex()
    return _result(d, display)


def build_lecture(number: int) -> dict[str, Any]:
    """Build and verify seed lecture ``number``; a picklable result."""
    from .lectures import lecture

    lec = lecture(number)
    return {
        "kind": "lecture",
        "title": lec.title,
        "note": lec.note,
        "sections": [(p.heading, _result(p.derivation, only=p.brief)) for p in lec.parts],
        "texts": [(p.text, p.after) for p in lec.parts],
        "exercises": [(e.question, _result(e.solution, only=e.brief)) for e in lec.exercises],
        "remarks": list(lec.remarks),
        "table": [[unicode(sympify(c)) for c in row] for row in lec.table],
        "table_header": list(lec.table_header),
        "figures": [p.figure for p in lec.parts],
        "images": _images(lec),
    }


def _images(lec: Any) -> dict[str, tuple[str, str]]:
    """Each figure of the lecture as (caption, PNG data URI), placed in the page itself
    (no file beside the sources); none without Matplotlib."""
    import base64
    import importlib.util
    import io

    if importlib.util.find_spec("matplotlib") is None:
        return {}
    out = {}
    for figure in lec.figures:
        buffer = io.BytesIO()
        figure.draw().savefig(buffer, format="png", dpi=100)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        out[figure.name] = (figure.caption, f"data:image/png;base64,{data}")
    return out


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

    def fail(self, docname: str, where: str, message: str) -> None:
        """Record a failed directive: its file:line and the message shown there."""
        self.data.setdefault("failures", {}).setdefault(docname, []).append((where, message))

    def failures(self) -> list[tuple[str, str]]:
        """Every failed directive's (file:line, message), by document."""
        found = self.data.get("failures", {})
        return [f for docname in sorted(found) for f in found[docname]]

    def failures_by_document(self) -> list[tuple[str, str, str]]:
        """(document, file:line, message) of every failed directive."""
        found = self.data.get("failures", {})
        return [(d, where, message) for d in sorted(found) for where, message in found[d]]

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


class _AnyOption(dict[str, Callable[[str | None], str]]):
    """Every option name is accepted as text, so that the directive itself reports an
    unknown option as an error naming the options its kind takes (docutils would only
    print a warning and drop the directive)."""

    def __missing__(self, key: str) -> Callable[[str | None], str]:
        return _text


def _text(value: str | None) -> str:
    return (value or "").strip()


class _Directive(SphinxDirective):
    """What the derivation and lecture directives share: failing at file:line, caching,
    labels and rendering a verified result."""

    has_content = True  # refused in run(), with a message saying where options go
    optional_arguments = 1
    final_argument_whitespace = True  # 'taylor extra' is one (unknown) name, not a warning
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = _AnyOption(label=_text)  # type: ignore[assignment]
    what = "directive"

    @property
    def domain(self) -> DeriveDomain:
        domain = self.env.get_domain("derive")
        assert isinstance(domain, DeriveDomain)
        return domain

    def fail(self, message: str) -> NoReturn:
        """Record a failure (the build fails at its end) and report it at file:line."""
        where = f"{self.env.doc2path(self.env.docname)}:{self.lineno}"
        self.domain.fail(self.env.docname, where, message)
        raise self.error(message)

    def common(self, allowed: Iterable[str]) -> None:
        """Refuse content and options that ``allowed`` (and :label:) does not name."""
        if self.content:
            self.fail(
                f"{self.what} takes no content: its options go right under it, one "
                f"':name: value' a line, and text after a blank line and no indent"
            )
        takes = [*allowed, *DIRECTIVE_OPTIONS]
        for name, value in self.options.items():
            if name not in takes:
                self.fail(
                    f"{self.what} does not take :{name}: (it takes "
                    f"{', '.join(f':{t}:' for t in takes)})"
                )
            if not value:
                self.fail(f"{self.what}: :{name}: needs a value")

    def cached(self, key: str, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The verified result for ``key``, built once per environment."""
        result = self.domain.results.get(key)
        if result is None:
            try:
                result = make()
            except DeriveError as exc:  # the registry names the kind too: once is enough
                text = _first_line(exc).removeprefix(f"{self.what.split()[-1]}: ")
                self.fail(f"{self.what}: {text}")
            except RecursionError:
                self.fail(f"{self.what}: the loss is nested too deeply to process")
            except Exception as exc:  # a bug in derive: said so, never Sphinx's crash report
                self.fail(
                    f"{self.what}: internal error in derive ({type(exc).__name__}: "
                    f"{_first_line(exc)}); please report it with this directive"
                )
            self.domain.results[key] = result
        self.domain.note(self.env.docname, key)
        return result

    def label(self, node: nodes.Element) -> bool:
        """Name ``node`` by :label: (for :ref:, and :numref: on a derivation)."""
        label = self.options.get("label")
        if not label:
            return False
        node["names"].append(nodes.fully_normalize_name(label))
        self.state.document.note_explicit_target(node, node)
        return True

    def block(self, result: dict[str, Any], title: str, *, labelled: bool) -> derivation_block:
        """One derivation as a numbered block, referable when ``labelled``."""
        node = derivation_block(classes=["derive-derivation"])
        self.set_source_info(node)
        if not (labelled and self.label(node)):  # every block needs an id for its number
            node["ids"].append(f"derivation-{self.env.new_serialno('derive-derivation')}")
        node += derivation_title(title, title, classes=["derive-title"])
        node += _result_nodes(result)
        return node


class DerivationDirective(_Directive):
    """``.. derivation:: NAME`` with options; see the module docstring."""

    what = "derivation"

    def run(self) -> list[nodes.Node]:
        if not self.arguments:
            self.fail(
                f"derivation needs a kind: '.. derivation:: NAME', NAME one of {', '.join(NAMES)}"
            )
        name = self.arguments[0]
        if name not in NAMES:
            self.fail(f"unknown derivation {name!r}; choose one of {', '.join(NAMES)}")
        self.what = f"derivation {name}"
        self.common(option.name for option in registry.REGISTRY[name].options)
        options = {k: v for k, v in self.options.items() if k not in DIRECTIVE_OPTIONS}
        key = json.dumps([name, sorted(options.items())])
        result = self.cached(key, lambda: build(name, options))
        if not result["ok"]:
            self.fail(f"derivation {name} did not verify: {result['summary']}")
        return [self.block(result, result["title"], labelled=True)]


class LectureDirective(_Directive):
    """``.. lecture:: N``: seed lecture N (0 to 3), every section verified."""

    what = "lecture"

    def run(self) -> list[nodes.Node]:
        from .lectures import LECTURES

        numbers = ", ".join(str(n) for n in sorted(LECTURES))
        if not self.arguments:
            self.fail(f"lecture needs its number: '.. lecture:: N', N one of {numbers}")
        text = self.arguments[0]
        if not text.isdigit() or int(text) not in LECTURES:
            self.fail(f"there is no lecture {text!r}; the lectures are {numbers}")
        self.what = f"lecture {text}"
        self.common(())
        result = self.cached(json.dumps(["lecture", int(text)]), lambda: build_lecture(int(text)))
        failed = [
            heading
            for heading, r in (*result["sections"], *result.get("exercises", ()))
            if not r["ok"]
        ]
        if failed:
            self.fail(f"lecture {text} did not verify: section {failed[0]!r}")
        container = nodes.container(classes=["derive-lecture"])
        self.set_source_info(container)
        title = nodes.rubric(text=result["title"])
        self.label(title)  # :ref: shows the lecture's title
        container += title
        container += nodes.paragraph(text=result["note"])
        texts = result.get("texts") or [("", "")] * len(result["sections"])
        names = result.get("figures") or [""] * len(result["sections"])
        images = result.get("images") or {}
        for (heading, section), (before, after), name in zip(
            result["sections"], texts, names, strict=True
        ):
            if before:
                container += nodes.paragraph(text=before)
            container += self.block(section, heading, labelled=False)
            if section.get("hidden"):
                container += nodes.paragraph(
                    text=f"({len(section['steps'])} of the "
                    f"{len(section['steps']) + section['hidden']} checked steps shown; the "
                    "others, the bookkeeping in between, are checked all the same.)"
                )
            if after:
                container += nodes.paragraph(text=after)
            if name in images:
                caption, uri = images[name]
                figure = nodes.figure(classes=["derive-figure"])
                figure += nodes.image(uri=uri, alt=caption)
                figure += nodes.caption(text=caption)
                container += figure
        if result["table"]:
            container += _table(result["table_header"], result["table"])
        if result["remarks"]:
            remarks = nodes.bullet_list()
            for remark in result["remarks"]:
                remarks += nodes.list_item("", nodes.paragraph(text=remark))
            container += remarks
        exercises = result.get("exercises") or []
        if exercises:  # the questions, then each solution, checked like every section
            container += nodes.rubric(text="Exercises")
            questions = nodes.enumerated_list()
            for question, _ in exercises:
                questions += nodes.list_item("", nodes.paragraph(text=question))
            container += questions
            for k, (_, solution) in enumerate(exercises, 1):
                container += self.block(solution, f"Solution {k}", labelled=False)
        return [container]


CHECK_OPTIONS = ("assume", "label", "strict")
"""The options of ``.. check::``."""


def check_chain(lines: list[str], assume: tuple[str, ...]) -> dict[str, Any]:
    """Audit a hand-written chain (content lines of ``.. check::``); a picklable result
    whose steps' ``line`` counts from the content's first line (1).

    >>> result = check_chain(["(a+b)^2 = a^2 + 2ab + b^2"], ())
    >>> [(s["line"], s["status"]) for s in result["steps"]]
    [(1, 'proved')]
    """
    from .audit import audit

    text = _as_displays(lines)
    result = audit(text, format="markdown", assume=assume)
    return {
        "kind": "check",
        "ok": result.ok,
        "summary": result.summary(),
        "displays": _paragraphs(lines),
        "steps": [
            {
                "line": s.line,
                "claim": s.claim,
                "status": s.status,
                "reason": s.reason,
                "counterexample": dict(s.counterexample) if s.counterexample else None,
            }
            for s in result.steps
        ],
    }


def _paragraphs(lines: list[str]) -> list[str]:
    out, current = [], []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line)
        elif current:
            out.append("\n".join(current))
            current = []
    return out


def _as_displays(lines: list[str]) -> str:
    """Each paragraph of maths as one ``$$…$$`` display, line for line (so that the
    audit's line numbers are the content's)."""
    out = list(lines)
    k = 0
    while k < len(out):
        if not out[k].strip():
            k += 1
            continue
        start = k
        while k < len(out) and out[k].strip():
            if "$" in out[k]:
                raise DeriveError(f"line {k + 1} of the chain holds '$': write the maths only")
            k += 1
        out[start] = "$$ " + out[start]
        out[k - 1] = out[k - 1] + " $$"
    return "\n".join(out)


class CheckDirective(_Directive):
    """``.. check::``: a hand-written chain, each step judged by the kernel."""

    what = "check"

    def run(self) -> list[nodes.Node]:
        if self.arguments:
            self.fail("check takes no argument: the chain goes in its content")
        for name, value in self.options.items():
            if name not in CHECK_OPTIONS:
                self.fail(
                    f"check does not take :{name}: (it takes "
                    f"{', '.join(f':{t}:' for t in CHECK_OPTIONS)})"
                )
            if name != "strict" and not value:
                self.fail(f"check: :{name}: needs a value")
            if name == "strict" and value:
                self.fail("check: :strict: is a flag and takes no value")
        if not self.content:
            self.fail("check needs the chain to check as its content (LaTeX maths, indented)")
        lines = list(self.content)
        assume = tuple(a.strip() for a in self.options.get("assume", "").split(";") if a.strip())
        key = json.dumps(["check", lines, assume])
        result = self.cached(key, lambda: check_chain(lines, assume))
        strict = "strict" in self.options
        bad = [s for s in result["steps"] if s["status"] == "failed"]
        if strict:
            bad += [
                s for s in result["steps"] if s["status"] not in ("proved", "assumed", "failed")
            ]
        for step in bad:
            line = self.content_offset + step["line"]
            message = f"check: {step['claim']} is {step['status']}"
            if step["counterexample"]:
                point = ", ".join(f"{k} = {v}" for k, v in step["counterexample"].items())
                message = f"check: {step['claim']} is false at {point}"
            elif step["reason"]:
                message += f": {step['reason']}"
            where = f"{self.env.doc2path(self.env.docname)}:{line}"
            self.domain.fail(self.env.docname, where, message)
            logger.error(message, location=(self.env.docname, line))
        if not result["steps"]:
            self.fail("check: the content states no relation to check (write a = b, a \\le b …)")
        node = nodes.container(classes=["derive-check"])
        self.set_source_info(node)
        self.label(node)
        for display in result["displays"]:
            node += nodes.math_block(display, display, nowrap=False, number=None)
        marks = nodes.bullet_list(classes=["derive-check-steps"])
        for step in result["steps"]:
            item = nodes.paragraph(classes=["derive-step"])
            item += nodes.inline(text=MARKS[step["status"]], classes=[f"derive-{step['status']}"])
            item += nodes.Text(" ")
            item += nodes.math(step["claim"], step["claim"])
            if step["counterexample"]:
                point = ", ".join(f"{k} = {v}" for k, v in step["counterexample"].items())
                item += nodes.Text(f": false at {point}")
            elif step["status"] not in ("proved", "assumed") and step["reason"]:
                item += nodes.Text(f": {step['reason']}")
            marks += nodes.list_item("", item)
        node += marks
        node += nodes.paragraph(text=result["summary"], classes=["derive-summary"])
        return [node]


_MARKUP_ERROR = re.compile(
    r'Error in "(derivation|lecture|check)" directive:\s*(.*?)\.?\s*$', re.I | re.S
)
_DUPLICATE = re.compile(r'duplicate option "([^"]+)"')


class _MarkupErrors(SphinxTransform):
    """Fail the build on a directive block that docutils could not parse.

    docutils refuses some blocks before a directive runs (an option given twice, a
    malformed option block) and reports that as an error Sphinx treats as a warning: the
    derivation would vanish from the page and the build pass without -W. This turns each
    such error of our directives into a failure at its file:line, like every other.
    """

    default_priority = 200  # before Sphinx's FilterSystemMessages (999) drops them

    def apply(self, **kwargs: Any) -> None:
        domain = self.env.get_domain("derive")
        assert isinstance(domain, DeriveDomain)
        for node in list(self.document.findall(nodes.system_message)):
            found = _MARKUP_ERROR.match(node.children[0].astext()) if node.children else None
            if node["level"] < 3 or found is None:
                continue
            what = found.group(1).lower()
            block = node.children[-1].astext() if len(node.children) > 1 else ""
            kind = block.split("\n", 1)[0].partition("::")[2].strip()
            if kind:
                what = f"{what} {kind}"
            detail = " ".join(found.group(2).split())
            duplicate = _DUPLICATE.search(detail)
            if duplicate:
                name = duplicate.group(1)
                message = f"{what}: :{name}: is given twice; give each option once"
            else:
                message = (
                    f"{what}: {detail.removeprefix('invalid option data: ')} (options go "
                    "right under the directive, one ':name: value' a line)"
                )
            line = node.get("line")
            where = f"{self.env.doc2path(self.env.docname)}:{line}"
            domain.fail(self.env.docname, where, message)
            logger.error(message, location=(self.env.docname, line))


def _first_line(exc: BaseException) -> str:
    try:
        return (str(exc).splitlines() or [type(exc).__name__])[0]
    except Exception:
        return type(exc).__name__


def _result_nodes(result: dict[str, Any]) -> list[nodes.Node]:
    """The steps of a verified result: reason, rule, verdict mark and display math."""
    out: list[nodes.Node] = []
    if result.get("display"):
        out.append(
            nodes.math_block(result["display"], result["display"], nowrap=False, number=None)
        )
    if result["assumptions"]:
        out.append(nodes.paragraph(text="Assume: " + "; ".join(result["assumptions"]) + "."))
    if result.get("names"):  # what each display name in the equations stands for
        para = nodes.paragraph(text="Names: ")
        for k, tex in enumerate(result["names"]):
            para += nodes.math(tex, tex)
            para += nodes.Text("; " if k < len(result["names"]) - 1 else ".")
        out.append(para)
    for step in result["steps"]:
        para = nodes.paragraph(classes=["derive-step"])
        para += nodes.strong(text=f"Step {step['index']}")
        para += nodes.Text(f" ({step['rule']}): {step['why']} ")
        para += nodes.inline(text=MARKS[step["status"]], classes=[f"derive-{step['status']}"])
        out.append(para)
        out.append(nodes.math_block(step["latex"], step["latex"], nowrap=False, number=None))
    if result["conclusion"]:
        out.append(nodes.paragraph(text="Conclusion: " + result["conclusion"]))
    out.append(nodes.paragraph(text="✔ " + result["summary"], classes=["derive-summary"]))
    return out


def _table(header: list[str], rows: list[list[str]]) -> nodes.table:
    table = nodes.table(classes=["derive-table"])
    group = nodes.tgroup(cols=len(header))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in header]
    head = nodes.thead()
    group += head
    head += nodes.row("", *(nodes.entry("", nodes.paragraph(text=h)) for h in header))
    body = nodes.tbody()
    group += body
    for row in rows:
        body += nodes.row("", *(nodes.entry("", nodes.paragraph(text=c)) for c in row))
    return table


def _title(node: nodes.Element) -> str:
    """A derivation's title, for :ref: and :numref:."""
    for child in node.children:
        if isinstance(child, derivation_title):
            return child.astext()
    return ""


def _visit_title_latex(translator: Any, node: derivation_title) -> None:
    translator.body.append("\n\\par\\noindent\\textbf{")


def _depart_title_latex(translator: Any, node: derivation_title) -> None:
    translator.body.append("}\\par\n")


def _configure(app: Sphinx, config: Config) -> None:
    """numfig_format for derivations; a local MathJax when derive_mathjax_path is set."""
    config.numfig_format.setdefault(FIGTYPE, "Derivation %s")
    if config.derive_mathjax_path:
        _mathjax_source(app, config)  # checked now: a wrong path fails before any reading
        config.mathjax_path = "mathjax/tex-chtml.js"


def _mathjax_source(app: Sphinx, config: Config) -> Path:
    """The folder holding MathJax 3's tex-chtml.js named by derive_mathjax_path."""
    given = Path(config.derive_mathjax_path)
    folder = given if given.is_absolute() else Path(app.confdir) / given
    for candidate in (folder, folder / "es5"):
        if (candidate / "tex-chtml.js").is_file():
            return candidate
    raise ConfigError(
        f"derive_mathjax_path = {config.derive_mathjax_path!r}: no MathJax 3 there "
        f"(no tex-chtml.js in {folder} or {folder / 'es5'}); install it with "
        f"'npm install --prefix _mathjax mathjax@3' and set derive_mathjax_path = "
        f"'_mathjax/node_modules/mathjax'"
    )


def _static(app: Sphinx) -> None:
    """Serve the shipped stylesheet from HTML builds."""
    if app.builder.format == "html":
        app.config.html_static_path.append(str(STATIC))


def _finish(app: Sphinx, exception: BaseException | None) -> None:
    """Copy a local MathJax next to the pages; fail the build when a derivation failed."""
    if exception is not None:
        return
    if app.config.derive_mathjax_path and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / "mathjax"
        copy_asset(_mathjax_source(app, app.config), target)
    domain = app.env.get_domain("derive")
    assert isinstance(domain, DeriveDomain)
    failures = domain.failures()
    read: set[str] = getattr(app.env, "derive_read", set())
    for docname, where, message in domain.failures_by_document():
        if docname not in read:  # not read again: its error was shown in an earlier build
            logger.error("%s: ERROR: %s (unchanged since the last build)", where, message)
    if failures:
        logger.error(
            "derive: the build fails: %s at %s (see the error%s there)",
            "a directive failed" if len(failures) == 1 else f"{len(failures)} directives failed",
            ", ".join(where for where, _ in failures),
            "" if len(failures) == 1 else "s",
            type="derive",
            subtype="failed",
        )
        app.statuscode = 1


def _reading(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Note which documents this build reads (the others keep last build's results)."""
    env.derive_read = set(docnames)  # type: ignore[attr-defined]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("derive_mathjax_path", None, "html", types=frozenset({str, type(None)}))
    app.add_domain(DeriveDomain)
    app.add_enumerable_node(derivation_block, FIGTYPE, _title)
    app.add_node(derivation_title, latex=(_visit_title_latex, _depart_title_latex))
    app.add_directive("derivation", DerivationDirective)
    app.add_directive("lecture", LectureDirective)
    app.add_directive("check", CheckDirective)
    app.add_transform(_MarkupErrors)
    app.add_css_file("derive.css")
    app.connect("config-inited", _configure, priority=900)  # after Sphinx's numfig_format
    app.connect("builder-inited", _static)
    app.connect("env-before-read-docs", _reading)
    app.connect("build-finished", _finish)
    return {
        "version": __version__,
        "env_version": 2,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
