"""Worksheets (`trace --worksheet`, markdown and LaTeX) on the seed chain and the 2-2-2 network, the LaTeX
compiled by a real pdflatex (Debian's texlive-latex-base; skipped, saying why, where it is absent)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from backprop_tui.report.latex import Escaper
from tests.core_helpers import ROOT, run, write

CHAIN = str(ROOT / "examples" / "chain.bp")  # the seed chain: y1 = x*w1 + b1; y2 = y1*w2 + b2
NET = str(ROOT / "examples" / "classic-2-2-2.toml")
# every step a learner can fill in on the seed chain: y1, y2; the 6 locals; the 6 gradients by the chain rule
CHAIN_BLANKS = 14
UNICODE = "λ = 2\nx₁ = 3\nçé = 1\n权重 = 0.5\nΩ = 2\ny = tanh(λ*x₁*çé*权重*Ω)\n"


def sheet_and_key(text: str) -> tuple[str, str]:
    sheet, _, key = text.partition("\n---\n")
    return sheet, key


def numbered(text: str) -> dict[int, str]:
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^(\d+)\. `(.*)`$", text, re.MULTILINE)}


def compile_tex(tmp_path: Path, tex: str) -> str:
    """pdflatex the document; returns its log. Skips, saying why, where pdflatex is absent."""
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is absent: install Debian's texlive-latex-base (.ci/run does where apt works)")
    (tmp_path / "sheet.tex").write_text(tex, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "sheet.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180)
    log = (tmp_path / "sheet.log").read_text(encoding="latin-1")
    assert done.returncode == 0, log[-3000:]
    assert (tmp_path / "sheet.pdf").stat().st_size > 1000
    assert "Missing character" not in log  # pdflatex drops a glyph a font lacks, silently but for this line
    return log


def test_seed_chain_worksheet_blanks_every_fillable_step_and_keys_them(fast_referee):
    got = run(["trace", CHAIN, "--format", "markdown", "--worksheet"])
    assert got.code == 0, got.err
    sheet, key = sheet_and_key(got.out)
    shown, answers = numbered(sheet), numbered(key)
    assert len(answers) == CHAIN_BLANKS and sum("______" in t for t in shown.values()) == CHAIN_BLANKS
    assert shown[1] == "x = 1" and shown[14] == "grad(y2) = 1  (the output: ∂y2/∂y2)"  # givens, never blank
    assert shown[6] == "y1 = x·w1 + b1 = ______" and answers[6] == "y1 = x·w1 + b1 = 1·2 + 1 = 3"
    assert shown[8] == "∂y1/∂x = ______" and answers[8] == "∂y1/∂x = w1 = 2"
    assert shown[20] == "grad(x) = grad(y1)·∂y1/∂x = ______" and answers[20] == "grad(x) = grad(y1)·∂y1/∂x = 2·2 = 4"
    assert answers[17] == "grad(w2) = grad(y2)·∂y2/∂w2 = 1·3 = 3"
    assert "✓ torch autograd (float64) agrees on all 20 steps." in key and "Name: ____" in sheet


def test_blank_chooses_phases_and_seed_chooses_steps(fast_referee):
    local = numbered(sheet_and_key(run(["trace", CHAIN, "--format", "markdown", "--worksheet",
                                         "--blank", "local"]).out)[1])
    assert sorted(local) == list(range(8, 14))  # the six local derivatives, and nothing else
    sheets = {}
    for seed in (1, 2, 1):
        out = run(["trace", CHAIN, "--format", "markdown", "--worksheet", "--blank", "forward,grad,local",
                   "--seed", str(seed)]).out
        sheets.setdefault(seed, out)
        assert sheets[seed] == out  # one seed, one sheet
        assert len(numbered(sheet_and_key(out)[1])) == CHAIN_BLANKS // 2  # a seeded half
    assert sheets[1] != sheets[2]


def test_a_given_step_never_prints_a_blank_value(fast_referee):
    out = run(["trace", CHAIN, "--format", "markdown", "--worksheet", "--blank", "grad", "--seed", "5"]).out
    sheet = sheet_and_key(out)[0]
    for line in numbered(sheet).values():
        if "______" not in line:
            assert line.count(" = ") <= 2, line  # name = rule = value: no substituted numbers
    assert "grad(b1) = grad(y1)·∂y1/∂b1 = 2·1 = 2" not in sheet


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "text", "--worksheet"], "--worksheet writes markdown or LaTeX"),
    (["--format", "markdown", "--worksheet", "--blank", "forward,weights"], "--blank forward,weights: choose"),
    (["--format", "markdown", "--seed", "3"], "add --worksheet"),
    (["--format", "markdown", "--worksheet", "--blank", "grad", "--of", "x"], "no step of those phases"),
])
def test_bad_sheet_flags_exit_2_naming_the_flag(fast_referee, args, message):
    got = run(["trace", CHAIN, *args])
    assert got.code == 2 and message in got.err and not got.out


def test_seed_chain_latex_worksheet_compiles(tmp_path, fast_referee):
    got = run(["trace", CHAIN, "--format", "latex", "--worksheet", "--seed", "4"])
    assert got.code == 0
    tex = got.out
    assert tex.count(r"\blank") == CHAIN_BLANKS // 2 + 1  # each blank, and \newcommand{\blank}
    assert r"\section*{Answer key:" in tex and r"\newpage" in tex
    compile_tex(tmp_path, tex)


def test_network_worksheet_markdown_and_latex(tmp_path):
    got = run(["trace", NET, "--format", "markdown", "--worksheet"])
    assert got.code == 0, got.err
    sheet, key = sheet_and_key(got.out)
    shown, answers = numbered(sheet), numbered(key)
    assert shown[1] == "z1 = x·W1ᵀ + b1  (per row: z = W·a + b) = [[______, ______]]"
    assert answers[1] == "z1 = x·W1ᵀ + b1  (per row: z = W·a + b) = [[0.3775, 0.3925]]"  # 0.05·0.15 + 0.1·0.2 + 0.35
    assert answers[5].endswith("= 0.298371") and shown[10].startswith("grad(fc2.bias): none, frozen")
    assert answers[14] == "∂L/∂W1 = δ1ᵀ·x  (δ1 = ∂L/∂z1) = [[0.000438568, 0.000877135], [0.000497713, 0.000995425]]"
    assert "fc1.weight = [[0.15, 0.2], [0.25, 0.3]]" in sheet and 16 not in answers  # updates are given
    tex = run(["trace", NET, "--format", "latex", "--worksheet", "--blank", "grad"]).out
    assert r"\begin{bmatrix} 0.000438568 & 0.000877135 \\ 0.000497713 & 0.000995425 \end{bmatrix}" in tex
    compile_tex(tmp_path, tex)


def test_a_big_network_is_refused_for_a_worksheet():
    got = run(["trace", str(ROOT / "examples" / "mlp-seed.toml"), "--format", "latex", "--worksheet"])
    assert got.code == 2 and "a worksheet is for a small network: x holds 10000 numbers (at most 64)" in got.err


def test_plain_latex_trace_of_unicode_names_compiles_and_names_each_code_point(tmp_path, fast_referee):
    path = write(tmp_path, UNICODE, "uni.bp")
    tex = run(["trace", path, "--format", "latex"]).out
    assert r"$\lambda$ = 2" in tex and r"x$_{1}$ = 3" in tex and r"\c{c}\'{e} = 1" in tex and r"$\Omega$" in tex
    assert r"$\langle$U+6743$\rangle$$\langle$U+91CD$\rangle$ = 0.5" in tex
    assert "U+6743 CJK UNIFIED IDEOGRAPH-6743" in tex  # the note that says what each code point is
    assert "torch $\\checkmark$" in tex and r"\subsection*{Warnings}" in tex  # tanh(12) is saturated
    log = compile_tex(tmp_path, tex)
    assert "Output written on sheet.pdf" in log
    compile_tex(tmp_path, run(["trace", path, "--format", "latex", "--worksheet"]).out)


def test_escaper_covers_latex_specials_accents_and_greek():
    esc = Escaper()
    assert esc("a_b#c%d&e$f{g}h~i^j\\k") == r"a\_b\#c\%d\&e\$f\{g\}h\~{}i\^{}j\textbackslash{}k"
    assert esc("ïñšĳ") == r"\"{\i}\~{n}\v{s}$\langle$U+0133$\rangle$"  # ĳ: a ligature with no accent form
    assert esc("ßøΓαΑ") == r"\ss{}\o{}$\Gamma$$\alpha$A"
    assert esc("∂y/∂x·δ ⊙ Wᵀ − ½") == \
        r"$\partial$y/$\partial$x$\cdot$$\delta$ $\odot$ W$^{\mathsf{T}}$ $-$ $\frac{1}{2}$"
    assert list(esc.unknown) == ["ĳ"]
