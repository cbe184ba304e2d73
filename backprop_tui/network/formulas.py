"""The network steps' formulas, written out with their numbers substituted.

Row (batch) convention, as torch's: arrays are rows × units; `mat` writes one in a line. The loss is written
with its own normaliser: ½·Σ for half_sse, (1/n)·Σ for mse and bce (n = rows × outputs), (1/N)·Σ over rows
for cross-entropy. Pure numpy; no textual, no torch.
"""

from __future__ import annotations

import numpy as np

from backprop_tui.numbers import short

MAX_ROWS_SHOWN = 4
MAX_COLS_SHOWN = 6
MAX_TERMS = 8  # a substituted sum shows at most this many terms, then `+ … (k more)`
SMALL = 24  # arrays up to this many numbers are substituted in full into a step's formula


def small(*arrays: np.ndarray) -> bool:
    return all(np.asarray(a).size <= SMALL for a in arrays)


def mat(a: np.ndarray | float | None) -> str:
    """A vector or matrix in one line, 6 significant digits, at most 4 rows × 6 columns then `…`."""
    if a is None:
        return "—"
    arr = np.asarray(a)
    if arr.ndim == 0:
        return short(float(arr))
    if arr.ndim == 1:
        return _row(arr)
    if arr.ndim > 2:
        return jac_text(arr)
    rows = [_row(r) for r in arr[:MAX_ROWS_SHOWN]]
    more = arr.shape[0] - MAX_ROWS_SHOWN
    tail = f", … ({more} more rows)" if more > 0 else ""
    return "[" + ", ".join(rows) + tail + "]"


def _row(r: np.ndarray) -> str:
    cells = [short(float(v)) for v in r[:MAX_COLS_SHOWN]]
    if len(r) > MAX_COLS_SHOWN:
        cells.append("…")
    return "[" + ", ".join(cells) + "]"


def jac_text(J: np.ndarray) -> str:
    more = J.shape[0] - 1
    return f"row 0: {mat(J[0])}" + (f" (and {more} more rows)" if more else "")


# -- the loss -----------------------------------------------------------------------------------------
def loss_formula(loss: str, output: str, a: str) -> str:
    """The loss in symbols, for output activations named `a` (rows × outputs); where torch and the textbook
    differ (a softmax or sigmoid fed to a loss that applies its own), it says what torch computes."""
    if loss == "mse":
        return f"(1/n)·Σ ({a} − y)²  (n = rows × outputs)"
    if loss == "half_sse":
        return f"½·Σ ({a} − y)² over outputs, averaged over rows"
    if loss == "bce":
        return f"−(1/n)·Σ (y·log {a} + (1 − y)·log(1 − {a}))  (n = rows × outputs)"
    if loss == "bce_with_logits":
        twice = ", after the sigmoid that ends forward: twice, as torch computes it" if output == "sigmoid" else ""
        return (f"−(1/n)·Σ (y·log σ({a}) + (1 − y)·log(1 − σ({a})))  (nn.BCEWithLogitsLoss applies σ "
                f"itself{twice}; n = rows × outputs)")
    if loss == "cross_entropy_logits":
        twice = (f"; {a} is already a softmax, so softmax is applied twice, as torch computes it"
                 if output == "softmax" else f"; {a} = {output}(z), read as logits, as torch does"
                 if output != "identity" else "")
        return f"−(1/N)·Σ y·log softmax({a})  (nn.CrossEntropyLoss: log-softmax of its input{twice}; N rows)"
    if output == "identity":
        return f"−(1/N)·Σ y·log softmax({a})  ({a} are logits; N rows)"
    return (f"−(1/N)·Σ y·log {a}  (N rows; the NLL of the probabilities {a}: torch's nll_loss(log {a}, y); "
            "nn.CrossEntropyLoss would apply log-softmax again)")


def _sum(terms: list[str]) -> str:
    shown = terms[:MAX_TERMS]
    more = len(terms) - len(shown)
    return " + ".join(shown) + (f" + … ({more} more)" if more > 0 else "")


def _square_terms(a: np.ndarray, y: np.ndarray) -> list[str]:
    return [f"({short(float(p))} − {short(float(t))})²" for p, t in zip(a.ravel(), y.ravel(), strict=True)]


def _log_terms(probs: np.ndarray, y: np.ndarray) -> list[str]:
    """y·log p over every (row, class) with y ≠ 0; a one-hot y leaves log p of the target class alone."""
    out = []
    for p, t in zip(probs.ravel(), y.ravel(), strict=True):
        if t != 0:
            out.append(f"log {short(float(p))}" if t == 1 else f"{short(float(t))}·log {short(float(p))}")
    return out


def loss_numbers(loss: str, output: str, a: np.ndarray, y: np.ndarray) -> str:
    """The loss with its numbers substituted: `½·((0.751365 − 0.01)² + (0.772928 − 0.99)²)` for Mazur's row."""
    n_rows, k = a.shape
    if loss in ("mse", "half_sse"):
        body = f"({_sum(_square_terms(a, y))})"
        if loss == "mse":
            return f"(1/{n_rows * k})·{body}"
        return f"½·{body}" if n_rows == 1 else f"(1/{n_rows})·½·{body}"
    if loss == "bce":
        terms = []
        for p, t in zip(a.ravel(), y.ravel(), strict=True):
            one = f"log {short(float(p))}"
            zero = f"log(1 − {short(float(p))})"
            terms.append(one if t == 1 else zero if t == 0 else
                         f"({short(float(t))}·{one} + {short(1.0 - float(t))}·{zero})")
        return f"−(1/{n_rows * k})·({_sum(terms)})"
    if loss == "bce_with_logits":
        sig = 0.5 * (1.0 + np.tanh(0.5 * a))  # σ without overflow for large |a|
        return "BCE of σ(" + mat(a) + ") = " + loss_numbers("bce", output, sig, y) if small(a) else ""
    probs = a
    if output == "identity" or loss == "cross_entropy_logits":  # logits: the probabilities are their softmax
        e = np.exp(a - a.max(axis=1, keepdims=True))
        probs = e / e.sum(axis=1, keepdims=True)
    return f"−(1/{n_rows})·({_sum(_log_terms(probs, y)) or '0'})"


def _grad_out(loss: str, output: str, a: str, y: str, n: str, nk: str) -> str:
    if loss == "mse":
        return f"2·({a} − {y})/{nk}"
    if loss == "half_sse":
        return f"({a} − {y})/{n}"
    if loss == "bce":  # torch's BCELoss backward clamps the denominator (network.clamps)
        return f"({a} − {y})/max({a}·(1 − {a}), 1e-12)/{nk}"
    if loss == "bce_with_logits":
        return f"(σ({a}) − {y})/{nk}"
    if output == "identity" or loss == "cross_entropy_logits":
        return f"(softmax({a}) − {y})/{n}"
    return f"−{y}/({a}·{n})"


def grad_out_formula(loss: str, output: str, a: str) -> str:
    """∂L/∂a in symbols (mse and bce average over rows and outputs, N·K numbers)."""
    return _grad_out(loss, output, a, "y", "N", "(N·K)")


def grad_out_numbers(loss: str, output: str, a: np.ndarray, y: np.ndarray) -> str:
    """∂L/∂a with the arrays substituted (small batches only; '' otherwise)."""
    if not small(a):
        return ""
    n_rows, k = a.shape
    return _grad_out(loss, output, mat(a), mat(y), str(n_rows), str(n_rows * k))


def fprime_rule(act: str) -> str:
    return {"relu": "1 where z > 0, else 0", "sigmoid": "a·(1 − a)", "tanh": "1 − a²", "identity": "1"}[act]


def fprime_numbers(act: str, z: np.ndarray, a: np.ndarray) -> str:
    """f'(z) with the layer's numbers substituted, elementwise (small arrays only; '' otherwise)."""
    if not small(a):
        return ""
    if act == "sigmoid":
        return f"{mat(a)} ⊙ (1 − {mat(a)})"
    if act == "tanh":
        return f"1 − {mat(a)}²"
    if act == "relu":
        return f"[z > 0] for z = {mat(z)}"
    return ""


def output_grad(loss: str, output: str, a_row: np.ndarray, y_row: np.ndarray, unit: int, n_rows: int,
                a: str = "a", y: str = "y", fmt=short) -> tuple[str, str, str]:
    """∂L/∂a of one output unit for one data row: (in symbols, with the numbers, why).

    `a_row`, `y_row`: that row's output activations and targets (length K). The batch mean divides by N
    rows (cross-entropy, half_sse) or by N·K numbers (mse, bce, bce_with_logits), as torch's losses do."""
    av, yv = float(a_row[unit]), float(y_row[unit])
    n, nk = n_rows, n_rows * len(a_row)
    if loss == "half_sse":
        return (f"({a} − {y})/N", f"({fmt(av)} − {fmt(yv)})/{n}",
                "∂/∂a of ½·(a − y)² is a − y; averaging over the N rows divides by N")
    if loss == "mse":
        return (f"2·({a} − {y})/(N·K)", f"2·({fmt(av)} − {fmt(yv)})/{nk}",
                "∂/∂a of (a − y)² is 2·(a − y); the mean over N rows and K outputs divides by N·K")
    if loss == "bce":
        return (f"({a} − {y})/({a}·(1 − {a}))/(N·K)", f"({fmt(av)} − {fmt(yv)})/({fmt(av)}·(1 − {fmt(av)}))/{nk}",
                "∂/∂a of −(y·log a + (1 − y)·log(1 − a)) is (a − y)/(a·(1 − a)); the mean divides by N·K")
    if loss == "bce_with_logits":
        s = 0.5 * (1.0 + np.tanh(0.5 * av))
        return (f"(σ({a}) − {y})/(N·K)", f"({fmt(s)} − {fmt(yv)})/{nk}",
                "nn.BCEWithLogitsLoss applies σ itself: ∂L/∂a = σ(a) − y, and the mean divides by N·K")
    if output == "identity" or loss == "cross_entropy_logits":  # cross-entropy of logits: log-softmax first
        e = np.exp(a_row - a_row.max())
        s = float(e[unit] / e.sum())
        return (f"(s − {y})/N with s = softmax({a} of the row)", f"({fmt(s)} − {fmt(yv)})/{n}",
                "cross-entropy of logits: ∂L/∂logit = softmax(logits) − y, averaged over the N rows")
    return (f"−{y}/({a}·N)", f"−{fmt(yv)}/({fmt(av)}·{n})",
            "∂/∂a of −y·log a is −y/a; averaging over the N rows divides by N")
