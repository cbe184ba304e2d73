"""The one budget table: every size and count the tool accepts, and the memory those imply.

Every loader and front end cites these names rather than inventing its own numbers, and each cap is
enforced with a BadInput naming the limit (exit status 2 headless, an inline error in the app). The caps
sit well above the largest benchmark input (bench/trace_bench.py's 20,000-statement program is ~535 KB,
66,664 steps, ~50 MB of trace) and well below what would exhaust memory on a laptop; the README's
"Limits" table is this table (tests/test_limits.py checks that they agree).

Memory figures were measured with tracemalloc on CPython 3.11 (bench/linear_time.py prints them): a
chain trace costs 0.73 KB per step (values, locals, formulas and the step records), so the step cap
bounds a trace near 300 MB; at the program cap `trace` peaked at 0.7 GB and the app at 1.7 GB (RSS).
"""

from __future__ import annotations

from dataclasses import dataclass

from backprop_tui.errors import BadInput

KIB = 1024
MIB = 1024 * KIB

# -- files ------------------------------------------------------------------------------------------
PROGRAM_BYTES = 2 * MIB  # a chain program or PyTorch snippet, on disk or stdin
SPEC_BYTES = 4 * MIB  # a network spec (TOML; inline [data] rows make it larger than a program)
CSV_BYTES = 32 * MIB  # a spec's `csv =` data file

# -- programs ---------------------------------------------------------------------------------------
STATEMENTS = 100_000  # assignments in one program (after --atomic splits them)
STEPS = 400_000  # forward + local + backward steps of one trace
NESTING = 100  # parentheses, calls, `**` and unary signs, one inside the other
SOFTMAX_ARITY = 64  # inputs of one softmax: its Jacobian is arity² local steps (64² = 4,096)
LOOP_ITERATIONS = 10_000  # iterations of all `for` loops of one PyTorch-dialect program, unrolled
QUERY_WORK = 2_000_000  # torch.autograd.grad queries × the graph each walks (one backward pass per output)

# -- networks ---------------------------------------------------------------------------------------
NETWORK_PARAMS = 1_000_000  # weights and biases of one network
DATA_ROWS = 1_000_000  # rows of a data set (inline, built-in or CSV)
DATA_CELLS = 10_000_000  # rows × columns of a data set: 80 MB of float64
SOFTMAX_JACOBIAN = 4_000_000  # rows × outputs² of a softmax output layer's Jacobian: 32 MB of float64
EPOCHS = 10_000_000  # epochs of one `train` run (its losses: 80 MB)

# -- PyTorch model files (lang/torch_model, network/model_*) ----------------------------------------
# epochs × (rows × parameters + MODEL_EPOCH_OVERHEAD) at most this: about 4 ns a unit with numpy, so about
# 100 s; an epoch also costs ~0.4 ms in torch's float32 run whatever its size. The post's run,
# 1,000 × (1,000 × 262 + 100,000), is 1.5% of it.
MODEL_TRAIN_WORK = 25_000_000_000
MODEL_EPOCH_OVERHEAD = 100_000
MODEL_ACTIVATION_CELLS = 20_000_000  # rows × units over all layers of one forward pass
MODEL_DATA_CELLS = 2_000_000  # numbers in one data tensor written in a model file
MODEL_FLOAT32_LINES = 100_000  # printed lines compared with torch's float32 run
MODEL_EXPR_NODES = 200  # nodes in one guard or print expression (evaluated recursively: stays shallow)
MODEL_FORMAT_WIDTH = 100  # width and precision in a print's format spec


@dataclass(frozen=True)
class Limit:
    name: str  # the constant's name in this module
    value: int
    what: str  # what it bounds, for the README table and messages
    memory: str  # what the cap implies in memory or output


TABLE: tuple[Limit, ...] = (
    Limit("PROGRAM_BYTES", PROGRAM_BYTES, "size of a program file (chain or PyTorch snippet)",
          "≤ 2 MiB of text"),
    Limit("SPEC_BYTES", SPEC_BYTES, "size of a network spec (TOML)", "≤ 4 MiB of text"),
    Limit("CSV_BYTES", CSV_BYTES, "size of a spec's CSV data file", "≤ 32 MiB of text"),
    Limit("STATEMENTS", STATEMENTS, "statements of one program (after --atomic)", "~2.5 KB each in a trace"),
    Limit("STEPS", STEPS, "steps of one trace (forward + local + backward)", "0.73 KB each: ≤ ~300 MB"),
    Limit("NESTING", NESTING, "levels of nesting in one expression", "a parser stack frame each"),
    Limit("SOFTMAX_ARITY", SOFTMAX_ARITY, "inputs of one softmax (and a softmax output layer's width)",
          "arity² = 4,096 local steps"),
    Limit("LOOP_ITERATIONS", LOOP_ITERATIONS, "loop iterations of one PyTorch-dialect program",
          "each iteration's statements count towards STATEMENTS"),
    Limit("QUERY_WORK", QUERY_WORK, "gradient queries of a PyTorch snippet × the statements each walks",
          "~1 s of backward passes"),
    Limit("NETWORK_PARAMS", NETWORK_PARAMS, "weights and biases of one network", "8 MB of float64 per copy"),
    Limit("DATA_ROWS", DATA_ROWS, "rows of a network's data set", "—"),
    Limit("DATA_CELLS", DATA_CELLS, "rows × columns of a data set", "80 MB of float64"),
    Limit("SOFTMAX_JACOBIAN", SOFTMAX_JACOBIAN, "rows × outputs² of a softmax output layer's Jacobian",
          "32 MB of float64"),
    Limit("EPOCHS", EPOCHS, "epochs of one training run", "80 MB of losses"),
    Limit("MODEL_TRAIN_WORK", MODEL_TRAIN_WORK, "a model file's epochs × (rows × parameters + 100,000)",
          "about 100 s of training"),
    Limit("MODEL_ACTIVATION_CELLS", MODEL_ACTIVATION_CELLS, "rows × units over a model's layers",
          "160 MB of float64 per pass"),
    Limit("MODEL_DATA_CELLS", MODEL_DATA_CELLS, "numbers in one data tensor written in a model file",
          "16 MB of float64"),
    Limit("MODEL_FLOAT32_LINES", MODEL_FLOAT32_LINES, "printed lines compared with torch's float32 run",
          "—"),
    Limit("MODEL_EXPR_NODES", MODEL_EXPR_NODES, "nodes in one guard or print expression of a model file",
          "a stack frame each"),
    Limit("MODEL_FORMAT_WIDTH", MODEL_FORMAT_WIDTH, "width and precision in a model file's print format",
          "≤ 100 characters a field"),
)


def over(limit: str, count: int | None, what: str, hint: str = "", line: int | None = None,
         col: int | None = None, source: str | None = None) -> BadInput:
    """The error for `count` beyond the named limit (None: more than the limit, how much more unknown);
    `what` says what was counted, in the user's terms."""
    value = globals()[limit]
    shown = _size(value) if limit.endswith("_BYTES") else f"{value:,}"
    if count is None:
        head = f"{what} is larger than the limit of {shown}"
    else:
        got = _size(count) if limit.endswith("_BYTES") else f"{count:,}"
        head = f"{what} is {got}, beyond the limit of {shown}"
    tail = f"; {hint}" if hint else ""
    return BadInput(f"{head} {named(limit)}{tail}", line, col, source)


def named(limit: str) -> str:
    """How a message names a limit: `(NAME in the README's limits table)`."""
    return f"({limit} in the README's limits table)"


def check(limit: str, count: int, what: str, hint: str = "", line: int | None = None, col: int | None = None,
          source: str | None = None) -> None:
    """Raise BadInput when `count` exceeds the named limit (at `line`, `col` of `source` when given)."""
    if count > globals()[limit]:
        raise over(limit, count, what, hint, line, col, source)


def _size(n: int) -> str:
    if n >= MIB and n % MIB == 0:
        return f"{n // MIB} MiB"
    if n >= MIB:
        return f"{n / MIB:.2f} MiB"
    if n >= KIB:
        return f"{n / KIB:.0f} KiB"
    return f"{n} bytes"


def markdown_table() -> str:
    """The README's limits table, made from TABLE (tests/test_limits.py checks the README holds it)."""
    rows = ["| limit | value | bounds | implies |", "|---|---|---|---|"]
    for lim in TABLE:
        shown = _size(lim.value) if lim.name.endswith("_BYTES") else f"{lim.value:,}"
        rows.append(f"| `{lim.name}` | {shown} | {lim.what} | {lim.memory} |")
    return "\n".join(rows) + "\n"
