"""Fuzz the command line in-process: random losses, parameters, points and options for
every command. Whatever the input, main() returns 0, 1 or 2 (never raises, never an
internal error), writes nothing outside the output folder it was given, and finishes
within a hang guard."""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from derive.cli import NAMES, main
from derive.emit import METHODS
from derive.parse import FUNCTIONS

HANG_SECONDS = 20
OUT = "out"  # the only place a command may write, relative to the example's own cwd

EXAMPLES = int(os.environ.get("DERIVE_FUZZ_EXAMPLES", "40"))  # raise it for a longer hunt

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
"""40 examples per command family; the families that verify whole lectures get fewer."""


class Hang(BaseException):
    """Raised by the guard; a BaseException, so main()'s own handlers cannot swallow it."""


@contextlib.contextmanager
def guard(seconds: int = HANG_SECONDS) -> Iterator[None]:
    """Fail an example that runs longer than ``seconds`` (a hang, not a timing claim)."""

    def _alarm(signum: int, frame: object) -> None:
        raise Hang(f"took longer than {seconds} s: treated as a hang")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# -- the grammar of loss texts: mostly well-formed, so that most examples get past the
# parser into the expansions, proofs and code; some hostile names, numbers and junk

POOL = ["x", "y", "w", "b"]
HOSTILE_NAMES = ["np", "pi", "e", "E", "I", "oo", "nan", "inf", "zoo", "loss", "step", "eta"]
NUMBERS = ["0", "1", "2", "3", "-1", "0.5", "0.1", "1/3", "2.5"]
HOSTILE_NUMBERS = ["1e308", "1e-320", "10**400", "1e400", "0.0", "007", "1_000", "9**9**9"]
JUNK = st.text(
    alphabet=st.sampled_from([*"()[]{},.;:=!@#$%&|~`'\"\\?<>_ \t\n0123456789", "é", "∑", "\x00"]),
    max_size=4,
)

names = st.one_of(
    st.sampled_from(POOL),
    st.sampled_from(POOL),
    st.sampled_from(POOL),
    st.sampled_from(HOSTILE_NAMES),
    st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,4}", fullmatch=True),
)
numbers = st.one_of(
    st.sampled_from(NUMBERS), st.sampled_from(NUMBERS), st.sampled_from(HOSTILE_NUMBERS)
)
leaves = st.one_of(names, names, numbers)


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**", "^"]), inner).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"
        ),
        st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"
        ),
        inner.map(lambda s: f"-{s}"),
        inner.map(lambda s: f"({s})"),
        st.tuples(st.sampled_from(sorted(FUNCTIONS)), inner).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(["dot", "sum", "norm"]), names, names).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})" if t[0] == "dot" else f"{t[0]}({t[1]})"
        ),
        st.tuples(inner, st.sampled_from(["2", "2", "3", "4", "1/2", "-1", "40", "1000"])).map(
            lambda t: f"({t[0]})**{t[1]}"
        ),
    )


expressions = st.recursive(leaves, _extend, max_leaves=8)


@st.composite
def losses(draw: st.DrawFn) -> str:
    text = draw(expressions)
    kind = draw(st.integers(0, 11))
    if kind == 10:  # junk spliced in somewhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(JUNK) + text[at:]
    elif kind == 11:  # free text
        text = draw(st.text(max_size=20))
    return text


def _symbols(loss: str) -> list[str]:
    """The candidate names in a loss text (whole words), in order of appearance."""
    return list(dict.fromkeys(re.findall(r"[A-Za-z][A-Za-z0-9_]*", loss)))


def _vectors(loss: str) -> set[str]:
    """The names a loss text uses inside dot(), sum() or norm(): they need a length."""
    inside = re.findall(r"\b(?:dot|sum|norm)\(([^()]*)\)", loss)
    return {n for args in inside for n in re.findall(r"[A-Za-z][A-Za-z0-9_]*", args)}


@st.composite
def params(draw: st.DrawFn, loss: str) -> str:
    """Mostly some of the loss's own names, vectors declared with a length; sometimes not."""
    present = [n for n in _symbols(loss) if n not in FUNCTIONS and n not in ("dot", "sum", "norm")]
    # Hypothesis starts from the smallest draws (0, False): let those be the well-formed case
    if present and draw(st.integers(0, 5)) < 5:
        chosen = draw(st.lists(st.sampled_from(present), min_size=1, max_size=3, unique=True))
    else:
        size = draw(st.sampled_from([1, 1, 1, 0]))
        chosen = draw(st.lists(names, min_size=size, max_size=3, unique=True))
    vectors = _vectors(loss)
    length = draw(st.integers(1, 4))
    spec = [
        f"{n}:{length}"
        if (n in vectors and draw(st.integers(0, 9)) < 9) or draw(st.integers(0, 15)) == 15
        else n
        for n in chosen
    ]
    separator = draw(st.sampled_from([" ", ",", ", "]))
    return separator.join(spec) if spec or draw(st.integers(0, 5)) < 5 else draw(JUNK)


@st.composite
def data_spec(draw: st.DrawFn, loss: str, spec: str) -> list[str]:
    """--data declaring the loss's other vectors (or nothing, or something random)."""
    declared = {part.split(":")[0] for part in spec.replace(",", " ").split()}
    length = re.search(r":(\d+)", spec)
    vectors = sorted(_vectors(loss) - declared)
    kind = draw(st.integers(0, 9))
    if kind == 9:
        return []
    if kind == 8:
        return [f"--data={draw(params(loss))}"]  # perhaps repeating a parameter
    if not vectors:
        return []
    n = length.group(1) if length and draw(st.booleans()) else str(draw(st.integers(1, 4)))
    return [f"--data={' '.join(f'{v}:{n}' for v in vectors)}"]


GOOD_VALUES = ["0", "1", "-1", "1/2", "0.1", "2", "3/4", "sqrt(2)", "pi"]
HOSTILE_VALUES = ["nan", "inf", "-inf", "1e308", "-1e308", "10**400", "1e-320", "x", "zoo"]
HOSTILE_VALUES += ["oo", "I", "", "=", "1/0", "log(0)", "abc"]
values = st.one_of(
    st.sampled_from(GOOD_VALUES),
    st.sampled_from(GOOD_VALUES),
    st.sampled_from(HOSTILE_VALUES),
    st.floats().map(repr),
)


@st.composite
def points(draw: st.DrawFn, spec: str) -> str:
    keys = [part.split(":")[0] for part in spec.replace(",", " ").split()] or ["x"]
    if draw(st.integers(0, 5)) == 5:
        keys += draw(st.lists(names, max_size=1))
    pairs = [f"{k}={draw(values)}" for k in keys]
    if draw(st.integers(0, 6)) == 6:
        pairs.append(draw(JUNK))
    return draw(st.sampled_from([",", " ", ", "])).join(pairs)


numbers_text = st.sampled_from(["0.1", "1", "1/2", "0.01", "0", "-1", "nan", "inf", "10**400", "x"])


@st.composite
def loss_and_params(draw: st.DrawFn) -> tuple[str, str]:
    loss = draw(losses())
    return loss, draw(params(loss))


# -- running one example


def listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def check(argv: list[str], home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run main(argv) in a fresh folder under ``home``; assert the three rules."""
    cwd = Path(os.path.realpath(home)) / f"case{len(list(home.iterdir()))}"
    cwd.mkdir()
    (cwd / OUT).mkdir()
    monkeypatch.chdir(cwd)
    before = listing(cwd)
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        with guard(), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(argv)
    except Hang:  # an assertion, so that Hypothesis reports (and shrinks) the input
        raise AssertionError(f"derive {argv!r} ran past {HANG_SECONDS} s: a hang") from None
    shown = f"derive {argv!r}\nexit {code!r}\nstderr: {stderr.getvalue()[-2000:]}"
    with contextlib.suppress(InvalidArgument):  # outside a Hypothesis test, no statistics
        event(f"exit {code}")  # --hypothesis-show-statistics: how many inputs get how far
    assert isinstance(code, int), shown
    assert code in (0, 1, 2), shown
    outside = {p for p in listing(cwd) - before if not p.startswith(f"{OUT}{os.sep}")}
    assert not outside, f"wrote outside {OUT}/: {sorted(outside)}\n{shown}"


def maybe(flag: str, value: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """``[]`` or ``[flag=value]`` (the = form: a value may begin with '-')."""
    return st.one_of(st.just([]), value.map(lambda v: [f"{flag}={v}"]))


def positional(loss: str) -> list[str]:
    """The loss as the last, positional argument: after '--', so '-x' is not an option."""
    return ["--", loss]


# -- one test per command family


@FUZZ
@given(data=st.data())
def test_fuzz_taylor(data: st.DataObject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loss, spec = data.draw(loss_and_params())
    argv = ["taylor", f"--params={spec}"]
    argv += data.draw(maybe("--data", st.just(spec)).flatmap(lambda _: data_spec(loss, spec)))
    argv += data.draw(maybe("--order", st.sampled_from(["-1", "0", "1", "2", "3", "6", "x"])))
    argv += data.draw(maybe("--at", points(spec)))
    argv += data.draw(st.sampled_from([[], ["--json"], ["--latex"]]))
    check(argv + positional(loss), tmp_path, monkeypatch)


@FUZZ
@given(data=st.data())
def test_fuzz_prove(data: st.DataObject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = data.draw(st.sampled_from(NAMES))
    argv = ["prove", name]
    spec = "x"
    if name != "steepest-descent" and data.draw(st.integers(0, 5)) < 5:
        loss, spec = data.draw(loss_and_params())
        argv += [f"--loss={loss}"]
        argv += data.draw(st.sampled_from([[f"--params={spec}"]] * 5 + [[]]))
        argv += data.draw(data_spec(loss, spec))
    if name == "steepest-descent":
        argv += data.draw(maybe("--dim", st.sampled_from(["-1", "0", "1", "2", "3", "8", "200"])))
    argv += data.draw(maybe("--form", st.sampled_from(["bound", "angle", "lecture", "disc", "x"])))
    argv += data.draw(maybe("--at", points(spec)))
    argv += data.draw(maybe("--lr", numbers_text))
    argv += data.draw(maybe("--start", points(spec)))
    argv += data.draw(maybe("--steps", st.sampled_from(["-1", "0", "1", "2", "5", "60", "x"])))
    argv += data.draw(st.sampled_from([[], ["--json"], ["--latex"], ["--markdown"]]))
    check(argv, tmp_path, monkeypatch)


@FUZZ
@given(data=st.data())
def test_fuzz_descend(data: st.DataObject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loss, spec = data.draw(loss_and_params())
    argv = ["descend", f"--params={spec}", f"--at={data.draw(points(spec))}"]
    argv += data.draw(data_spec(loss, spec))
    argv += [f"--lr={data.draw(numbers_text)}"]
    argv += data.draw(maybe("--steps", st.sampled_from(["-1", "0", "1", "3", "30", "x"])))
    argv += data.draw(st.sampled_from([[], ["--json"]]))
    check(argv + positional(loss), tmp_path, monkeypatch)


@FUZZ
@given(data=st.data())
def test_fuzz_emit(data: st.DataObject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loss, spec = data.draw(loss_and_params())
    argv = ["emit", f"--params={spec}"]
    argv += data.draw(data_spec(loss, spec))
    argv += data.draw(maybe("--method", st.sampled_from([*METHODS, "adam"])))
    argv += data.draw(st.sampled_from([[], [f"-o={OUT}/step.py"], [f"-o={OUT}/new/step.py"]]))
    argv += data.draw(st.sampled_from([[], ["--check"]]))
    argv += data.draw(st.sampled_from([[], ["--json"]]))
    check(argv + positional(loss), tmp_path, monkeypatch)


@settings(FUZZ, max_examples=max(6, EXAMPLES // 10))
@given(
    numbers=st.lists(st.integers(-2, 5).map(str), max_size=2),
    json=st.booleans(),
    out=st.sampled_from([OUT, f"{OUT}/lectures"]),
)
def test_fuzz_lecture(
    numbers: list[str], json: bool, out: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    check(["lecture", *numbers, "--out", out] + (["--json"] if json else []), tmp_path, monkeypatch)


@settings(FUZZ, max_examples=max(4, EXAMPLES // 20))
@given(json=st.booleans(), out=st.sampled_from([OUT, f"{OUT}/here"]))
def test_fuzz_default_command(
    json: bool, out: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    check(["--out", out] + (["--json"] if json else []), tmp_path, monkeypatch)


TOKENS = st.sampled_from(["taylor", "prove", "descend", "emit", "--json", "--params", "x", "--at"])


@FUZZ
@given(argv=st.lists(TOKENS | st.text(max_size=6), max_size=5))
def test_fuzz_any_arguments(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every command but lecture; their output folders pinned inside OUT
    kept = [a for a in argv if a != "lecture" and not a.lstrip("-").startswith("o")]
    check(["--out", OUT, *kept], tmp_path, monkeypatch)


# -- inputs the fuzz has found: each must keep to the same three rules

FOUND = [
    # emitted code calls math.erf, but the module imports only NumPy (NameError)
    ["emit", "--params=x", "--check", "--", "erf(x)"],
    # the largest Hessian eigenvalue of |x| at 0 is 2·DiracDelta(0): a TypeError
    ["prove", "learning-rate", "--loss=abs(x)", "--params=x", "--at=x=0"],
    # the second iterate's exact fraction (about a million digits) is converted to mpmath
    # before the 2000-digit switch to decimals is taken: over 20 s
    ["descend", "--params=x", "--at=x=1/2", "--lr=0.1", "--", "-((x)**1000)**2"],
]


@pytest.mark.parametrize("argv", FOUND, ids=lambda argv: " ".join(argv))
def test_inputs_the_fuzz_found_keep_the_rules(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    check(argv, tmp_path, monkeypatch)
