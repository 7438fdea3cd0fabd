"""derive check on hostile and odd input: refused quickly with a DeriveError, or read as
unproved maths; never a traceback, a hang or executed code. And the seed notes."""

from __future__ import annotations

from pathlib import Path

import pytest

import derive as dv
from derive.audit.grammar import parse_row

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

REFUSED_DOCUMENTS = [
    "\\def\\x{1}\n$$ x = 1 $$",
    "\\newcommand{\\R}{\\mathbb{R}}\n$$ x = 1 $$",
    "$$ \\input{/etc/passwd} $$",
    "\\include{chapter}",
    "\\write18{rm -rf /}",
    "\\immediate\\write18{ls}",
    "\\catcode`\\@=11",
    "$$ x = 1 " + "x" * 1_100_000,
]

REFUSED_ROWS = [
    "\\foo{x} = 1",
    "9^{9^{9^{9}}}",
    "((9^{9})^{999})^{999}",
    "2^{100000}",
    "(x+1)^{100} (x-1)^{150}",
    "{" * 60 + "x" + "}" * 60,
    "\\left(" * 60 + "x" + "\\right)" * 60,
    "1" * 100,
    "x" + "+x" * 3000,
    "\\begin{cases} x \\end{cases} = 1",
    "\\frac{1}{0}",
    "x.__class__.__mro__",
    "\\expandafter\\x",
]


@pytest.mark.parametrize("text", REFUSED_DOCUMENTS)
def test_documents_that_define_macros_read_files_or_are_huge_are_refused(
    text: str, no_hang: None
) -> None:
    with pytest.raises(dv.ParseError):
        dv.audit(text, format="latex")


@pytest.mark.parametrize("row", REFUSED_ROWS)
def test_hostile_maths_is_refused_quickly_by_the_reader(row: str, no_hang: None) -> None:
    with pytest.raises(dv.ParseError):
        from derive.audit.latex import read_row

        read_row(row)


@pytest.mark.parametrize("row", REFUSED_ROWS[:-1])
def test_a_document_with_hostile_maths_is_read_and_the_display_left_unproved(
    row: str, no_hang: None
) -> None:
    result = dv.audit(f"Text.\n\n$$ {row} $$\n\n$$ 1 + 2 = 3 $$\n")
    assert result.steps[0].status == "unproved" and result.steps[0].reason.startswith("not read")
    assert result.steps[-1].status == "proved" and not result.ok


def test_the_grammar_never_evaluates_text() -> None:
    tree = parse_row("x = y")
    assert tree is not None
    result = dv.audit("$$ \\text{__import__('os').system('echo pwned')} x = x + 0 $$")
    assert [s.status for s in result.steps] == ["proved"]


def test_unclosed_displays_and_bad_options_are_parse_errors() -> None:
    with pytest.raises(dv.ParseError):
        dv.audit("$$ x = 1", format="markdown")
    with pytest.raises(dv.ParseError):
        dv.audit("$$ x = 1 $$", format="html")
    with pytest.raises(dv.ParseError):
        dv.audit("$$ x = 1 $$", assume=["x >"])
    with pytest.raises(dv.ParseError):
        dv.audit("$$ x = 1 $$", assume=[3])  # type: ignore[list-item]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed notes are beside the repository")
def test_the_seed_notes_are_read_without_a_crash() -> None:
    seen = {}
    for path in sorted(SEEDS.glob("*.txt")):
        result = dv.audit(path.read_text(), format="markdown")
        seen[path.name[:3]] = [(s.line, s.status) for s in result.steps]
    # 000: L(θ+ηu) < L(θ) ⟹ L(θ+ηu) − L(θ) < 0 is proved; ∇, uᵀ and matrices are not read
    assert (20, "proved") in seen["000"] and (22, "unproved") in seen["000"]
    # 001 is prose with no maths to check
    assert seen["001"] == []
    # 002: definitions restated are proved; ≈ is reported; a constraint stated alone is false
    assert (41, "proved") in seen["002"] and (21, "approximate") in seen["002"]
    assert (51, "failed") in seen["002"]
    # 003: df/dx = 0 = 4x ⟹ x = 0 proved; the iterates are false without x₀ = 1 …
    assert seen["003"] == [
        (21, "assumed"),
        (21, "assumed"),
        (22, "proved"),
        (25, "failed"),
        (26, "failed"),
    ]
    # … and proved with it
    text = (SEEDS / "003_8e815a82aebcd188.txt").read_text()
    assert dv.audit(text, assume="x_0 = 1").ok


def test_a_matrix_equation_after_another_is_judged_without_a_crash() -> None:
    # the second display was tried as the first scaled by a quotient of two matrices
    text = (
        "**Names:** $m(p) = g_{1} p_{1} + g_{2} p_{2} + p_{1}^2 + p_{2}^2$.\n\n"
        "$$ \\left[\\begin{matrix}\\frac{\\partial m(p)}{\\partial p_{1}}\\\\ "
        "\\frac{\\partial m(p)}{\\partial p_{2}}\\end{matrix}\\right] = "
        "\\left[\\begin{matrix}g_{1} + 2 p_{1}\\\\ g_{2} + 2 p_{2}\\end{matrix}\\right] $$\n\n"
        "$$ \\left[\\begin{matrix}g_{1} + 2 q_{1}\\\\ g_{2} + 2 q_{2}\\end{matrix}\\right] = "
        "\\left[\\begin{matrix}0\\\\0\\end{matrix}\\right] $$\n"
    )
    assert [s.status for s in dv.audit(text).steps] == ["proved", "failed"]
