"""LaTeX of a sheet (report.worksheet): a worksheet with its answer key, or a plain trace.

It compiles with pdflatex from Debian's texlive-latex-base alone: the packages are geometry, amsmath and
amssymb (all three in texlive-latex-base), the fonts LaTeX's default OT1 Computer Modern (Type 1 fonts in
texlive-base, so nothing is generated at compile time). Text is escaped character by character:

- LaTeX's special characters (# $ % & _ { } ~ ^ \\ < > |) are escaped;
- the formulas' symbols (· ∂ − ᵀ ⊙ Σ ½ ← … ‖ ✓, super- and subscript digits) become math commands;
- Greek letters become \\alpha … \\Omega (a capital with no command of its own is its Latin look-alike);
- a Latin letter with accents becomes its base letter under LaTeX's accent commands (é → \\'{e}, š → \\v{s});
  ß æ œ ø ł and their capitals have their own commands;
- any other character (a CJK name, say) is written as its code point ⟨U+6743⟩, and the document ends with
  a note that lists each such character with its Unicode name, so nothing is lost silently.
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from typing import Any

from backprop_tui.numbers import short
from backprop_tui.report.worksheet import INSTRUCTIONS, Item, Sheet, key_caption, sections

SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "%": r"\%",
    "_": r"\_", "^": r"\^{}", "~": r"\~{}", "<": r"$<$", ">": r"$>$", "|": r"$|$", "\u00a0": "~",
}
SYMBOLS = {
    "·": r"$\cdot$", "∂": r"$\partial$", "−": r"$-$", "ᵀ": r"$^{\mathsf{T}}$", "⊙": r"$\odot$", "Σ": r"$\Sigma$",
    "½": r"$\frac{1}{2}$", "←": r"$\leftarrow$", "→": r"$\rightarrow$", "…": r"\dots{}", "‖": r"$\|$",
    "≤": r"$\le$", "≥": r"$\ge$", "≠": r"$\ne$", "×": r"$\times$", "÷": r"$\div$", "±": r"$\pm$",
    "✓": r"$\checkmark$", "✗": r"$\times$", "⚠": r"(!)", "≈": r"$\approx$", "∞": r"$\infty$", "√": r"$\surd$",
    "′": r"$'$", "—": "---", "–": "--", "⁻": r"$^{-}$", "⟨": r"$\langle$", "⟩": r"$\rangle$",
    "∑": r"$\sum$", "δ": r"$\delta$", "σ": r"$\sigma$", "“": "``", "”": "''", "‘": "`", "’": "'",
}
SYMBOLS.update({sup: f"$^{{{d}}}$" for d, sup in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")})
SYMBOLS.update({sub: f"$_{{{d}}}$" for d, sub in enumerate("₀₁₂₃₄₅₆₇₈₉")})
LETTERS = {"ß": r"\ss{}", "æ": r"\ae{}", "Æ": r"\AE{}", "œ": r"\oe{}", "Œ": r"\OE{}", "ø": r"\o{}", "Ø": r"\O{}",
           "ł": r"\l{}", "Ł": r"\L{}", "ı": r"\i{}", "¡": "!`", "¿": "?`"}
ACCENTS = {"\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0308": '"', "\u030a": "r",
           "\u0327": "c", "\u030c": "v", "\u0304": "=", "\u0306": "u", "\u0307": ".", "\u030b": "H",
           "\u0323": "d", "\u0331": "b"}
_ABOVE = {"`", "'", "^", "~", '"', "r", "v", "=", "u", ".", "H"}  # accents over the letter: i and j lose their dot
GREEK_SMALL = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda",
               "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"}
GREEK_CAPITAL = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}
GREEK_LATIN = {"Alpha": "A", "Beta": "B", "Epsilon": "E", "Zeta": "Z", "Eta": "H", "Iota": "I", "Kappa": "K",
               "Mu": "M", "Nu": "N", "Omicron": "O", "Rho": "P", "Tau": "T", "Chi": "X"}

PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\setcounter{MaxMatrixCols}{64}
\newcommand{\blank}{\underline{\hspace{2.2cm}}}
\newcommand{\cell}{\underline{\hspace{1.6cm}}}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\begin{document}
\raggedright
"""


class Escaper:
    """Text → LaTeX text mode; remembers the characters it could only write as code points."""

    def __init__(self) -> None:
        self.unknown: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        return "".join(self.char(ch) for ch in text)

    def char(self, ch: str) -> str:
        if ch in SPECIAL:
            return SPECIAL[ch]
        if ch.isascii():
            return ch if ch.isprintable() else " "
        if ch in SYMBOLS:
            return SYMBOLS[ch]
        if ch in LETTERS:
            return LETTERS[ch]
        made = _greek(ch) or _accented(ch)
        if made is not None:
            return made
        self.unknown[ch] = unicodedata.name(ch, "unnamed character")
        return rf"$\langle$U+{ord(ch):04X}$\rangle$"

    def note(self) -> str:
        if not self.unknown:
            return ""
        rows = "; ".join(rf"U+{ord(ch):04X} {self(name)}" for ch, name in sorted(self.unknown.items()))
        return ("\n\\medskip\\noindent\\small Characters outside the standard LaTeX fonts are written as their "
                f"Unicode code points: {rows}.\n")


def _greek(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    for prefix, capital in (("GREEK SMALL LETTER ", False), ("GREEK CAPITAL LETTER ", True)):
        if not name.startswith(prefix):
            continue
        word = name[len(prefix):].lower().replace("lamda", "lambda")
        if " " in word:
            return r"$\varsigma$" if word == "final sigma" else None
        if capital:
            word = word.capitalize()
            return f"$\\{word}$" if word in GREEK_CAPITAL else GREEK_LATIN.get(word)
        if word == "omicron":
            return "o"
        return f"$\\{word}$" if word in GREEK_SMALL else None
    return None


def _accented(ch: str) -> str | None:
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    if not (base.isascii() and base.isalpha()) or not marks or any(m not in ACCENTS for m in marks):
        return None
    out = base
    for i, mark in enumerate(marks):
        cmd = ACCENTS[mark]
        if i == 0 and base in "ij" and cmd in _ABOVE:
            out = "\\" + base  # dotless i / j under an accent
        out = f"\\{cmd}{{{out}}}"
    return out


def number(v: float) -> str:
    """A number in math mode: 1e-05 as 1\\times 10^{-5}."""
    text = short(v)
    if "e" not in text:
        return text
    mantissa, exp = text.split("e")
    return rf"{mantissa}\times 10^{{{int(exp)}}}"


def matrix(values: Any, blank: bool) -> str:
    """A vector or matrix as amsmath's bmatrix: numbers, or blanks of the same shape."""
    rows = values if values.ndim == 2 else values[None, :]
    cell = (lambda v: r"\mbox{\cell}") if blank else number
    body = r" \\ ".join(" & ".join(cell(float(v)) for v in row) for row in rows)
    return rf"$\begin{{bmatrix}} {body} \end{{bmatrix}}$"


def _is_array(values: Any) -> bool:
    return getattr(values, "ndim", 0) >= 1


def _line(it: Item, esc: Escaper, blank: bool, mark: bool) -> str:
    if _is_array(it.values) and (blank or it.answer.startswith(it.prompt + " = ")):
        apart = r"\\[2pt]\hspace*{1.5em}" if it.values.size > 4 else " "  # a big matrix on a line of its own
        text = f"{esc(it.prompt)} ={apart}{matrix(it.values, blank)}"
    elif blank:
        text = f"{esc(it.prompt)} = \\blank"
    else:
        text = esc(it.shown)
    if mark and it.check is not None:
        text += r" \hfill " + (r"torch $\checkmark$" if it.check else r"\textbf{torch disagrees}")
    return rf"\item[{it.number}.] {text}"


def document(sheet: Sheet) -> str:
    """The whole .tex file: the sheet (blanks drawn as lines), then on a new page the answer key."""
    esc = Escaper()
    worksheet = sheet.options.worksheet
    out = [PREAMBLE, rf"\section*{{{'Worksheet: ' if worksheet else ''}{esc(sheet.title)}}}"]
    if worksheet:
        out += [r"Name: \rule{6cm}{0.4pt}\hfill Date: \rule{3cm}{0.4pt}", "", esc(INSTRUCTIONS), ""]
    out.append(rf"\subsection*{{The {'program' if sheet.kind == 'chain' else 'network'}}}")
    out.append(r"{\ttfamily" + "".join(f"\n{esc(line)}\\\\" for line in sheet.given if line.strip()) + "\n}")
    for heading, items in sections(sheet.items, sheet.kind):
        out += [rf"\subsection*{{{esc(heading)}}}", r"\begin{itemize}"]
        out += [_line(it, esc, it.blank, mark=not worksheet) for it in items]
        out.append(r"\end{itemize}")
    if worksheet:
        out += [r"\newpage", rf"\section*{{Answer key: {esc(sheet.title)}}}", esc(key_caption(sheet)),
                r"\begin{itemize}"]
        out += [_line(replace(it, given=""), esc, False, mark=False) for it in sheet.items if it.blank]
        out.append(r"\end{itemize}")
    else:
        out.append(esc(sheet.verdict))
    if sheet.warnings:
        out += [r"\subsection*{Warnings}", r"\begin{itemize}", *(rf"\item {esc(w)}" for w in sheet.warnings),
                r"\end{itemize}"]
    out += [esc.note(), r"\end{document}", ""]
    return "\n".join(out)
