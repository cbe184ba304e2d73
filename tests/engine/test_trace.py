"""The engine's trace: values, statement-level locals, gradients and the ordered steps, checked by torch."""

from __future__ import annotations

import pytest

from backprop_tui.check import check_trace
from backprop_tui.engine.atomize import atomize
from backprop_tui.engine.trace import build_trace
from backprop_tui.errors import BadInput
from backprop_tui.lang import parse_program
from backprop_tui.numbers import agree

SEED_GRADS = {"x": 4, "w1": 2, "b1": 2, "w2": 3, "b2": 1, "y1": 2, "y2": 1}


def trace_of(text: str, of: str | None = None, *, atomic: bool = False, check: bool = True):
    program = parse_program(text, of)
    if atomic:
        program = atomize(program)
    trace = build_trace(program)
    return check_trace(trace) if check else trace


def locals_of(trace) -> dict[tuple[str, str], float]:
    return {(loc.of, loc.wrt): loc.value for loc in trace.locals}


def step(trace, formula_start: str):
    found = [s for s in trace.steps if s.formula.startswith(formula_start)]
    assert len(found) == 1, (formula_start, [s.formula for s in trace.steps])
    return found[0]


def assert_structure(trace) -> None:
    """forward per node in source order, local per edge, backward per node in exactly reverse order."""
    names = trace.names
    steps = trace.steps
    assert [s.index for s in steps] == list(range(len(steps)))
    phases = [s.phase for s in steps]
    n_local = len(trace.locals)
    assert phases == ["forward"] * len(names) + ["local"] * n_local + ["backward"] * len(names)
    assert [s.target for s in steps if s.phase == "forward"] == names
    assert [s.target for s in steps if s.phase == "backward"] == names[::-1]
    edges = [(s.target, s.wrt) for s in steps if s.phase == "local"]
    assert edges == [(loc.of, loc.wrt) for loc in trace.locals]
    for a in trace.program.assignments:  # one local per name a statement reads, in order of first use
        assert [wrt for of, wrt in edges if of == a.name] == list(a.reads)


# -- the seed chain ---------------------------------------------------------------------------------
@pytest.fixture
def seed_text(acceptance) -> str:
    return (acceptance / "seed_chain.bp").read_text(encoding="utf-8")


def test_seed_chain_values_locals_gradients(seed_text):
    trace = trace_of(seed_text)
    assert trace.output == "y2"
    assert trace.values["y1"] == 3 and trace.values["y2"] == 7
    loc = locals_of(trace)
    assert loc[("y2", "y1")] == 2
    assert loc[("y1", "w1")] == 1
    assert trace.grads == SEED_GRADS
    assert trace.ok
    assert all(s.ok is True for s in trace.steps)
    assert_structure(trace)


def test_seed_chain_of_y1_gives_dy1_dw1(seed_text):
    trace = trace_of(seed_text, "y1")
    assert trace.output == "y1"
    assert trace.grads["w1"] == 1  # ∂y1/∂w1 as the post's torch.autograd.grad(y1, [w1])
    assert trace.grads == {"x": 2, "w1": 1, "b1": 1, "w2": 0, "b2": 0, "y1": 1, "y2": 0}
    assert trace.ok
    assert step(trace, "grad(y2)").formula == "grad(y2) = 0  (y2 comes after the output y1)"
    assert step(trace, "grad(w2)").value == 0
    assert_structure(trace)


def test_seed_chain_formulas(seed_text):
    trace = trace_of(seed_text)
    formulas = [s.formula for s in trace.steps]
    assert "y1 = x·w1 + b1 = 1·2 + 1 = 3" in formulas
    assert "y2 = y1·w2 + b2 = 3·2 + 1 = 7" in formulas
    assert "∂y2/∂y1 = w2 = 2" in formulas
    assert "∂y1/∂w1 = x = 1" in formulas
    assert "grad(y1) = grad(y2)·∂y2/∂y1 = 1·2 = 2" in formulas
    assert "grad(w1) = grad(y1)·∂y1/∂w1 = 2·1 = 2" in formulas
    assert step(trace, "grad(y2)").formula.startswith("grad(y2) = 1")
    local = step(trace, "∂y2/∂y1")
    assert (local.phase, local.target, local.wrt, local.value, local.torch_value) == ("local", "y2", "y1", 2, 2)


def test_steps_are_immutable(seed_text):
    import dataclasses

    s = trace_of(seed_text, check=False).steps[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.value = 5  # type: ignore[misc]


# -- fan-out, the diamond, partial versus total ------------------------------------------------------
def test_fan_out_sums_contributions():
    trace = trace_of("x = 2\na = x*3\nb = x + 1\ny = a*b\n")
    assert trace.values == {"x": 2, "a": 6, "b": 3, "y": 18}
    assert trace.grads["x"] == 15
    gx = step(trace, "grad(x)")
    assert gx.formula == "grad(x) = grad(a)·∂a/∂x + grad(b)·∂b/∂x = 3·3 + 6·1 = 15"
    assert gx.terms == (("a", 3, 3), ("b", 6, 1))
    assert trace.ok
    assert_structure(trace)


def test_fan_out_with_many_consumers_is_summarised():
    lines = ["x = 0.5"] + [f"a{i} = x*{i + 1}" for i in range(12)] + ["y = " + " + ".join(f"a{i}" for i in range(12))]
    trace = trace_of("\n".join(lines))
    gx = step(trace, "grad(x)")
    assert gx.value == sum(range(1, 13))
    assert "… (4 more)" in gx.formula and gx.formula.endswith("= 78")
    assert trace.ok


def test_diamond_in_one_statement():
    trace = trace_of("x = 3\ny = (x+x)*x\n")
    assert trace.values["y"] == 18
    assert locals_of(trace) == {("y", "x"): 12}  # one edge, both occurrences summed: 4x
    assert trace.grads["x"] == 12
    assert step(trace, "∂y/∂x").formula == "∂y/∂x = x + x + x + x = 3 + 3 + 3 + 3 = 12"  # the product rule
    assert trace.ok
    assert_structure(trace)


def test_diamond_across_statements():
    trace = trace_of("x = 3\na = x + x\ny = a*x\n")
    assert locals_of(trace) == {("a", "x"): 2, ("y", "a"): 3, ("y", "x"): 6}
    assert trace.grads["x"] == 12
    assert step(trace, "grad(x)").formula == "grad(x) = grad(a)·∂a/∂x + grad(y)·∂y/∂x = 3·2 + 1·6 = 12"
    assert trace.ok


def test_partial_is_not_total():
    trace = trace_of("x = 1.5\ny1 = x*2\nz = 2*y1\ny2 = y1 + z\n")
    assert locals_of(trace)[("y2", "y1")] == 1  # z held fixed
    assert locals_of(trace)[("y2", "z")] == 1
    assert trace.grads["y1"] == 3  # the total: 1 + 2
    assert step(trace, "∂y2/∂y1").torch_value == 1
    assert step(trace, "grad(y1)").torch_value == 3
    assert trace.ok


# -- constants --------------------------------------------------------------------------------------
def test_constants_have_no_gradient():
    trace = trace_of("c = const(2)\nx = 3\nk = c*c\ny = c*x + k\n")
    assert trace.grads["c"] is None and trace.grads["k"] is None  # k is computed from constants only
    assert trace.grads["x"] == 2
    assert trace.requires_grad == {"c": False, "x": True, "k": False, "y": True}
    gc = step(trace, "grad(c)")
    assert gc.value is None and gc.torch_value is None and gc.ok is True
    assert "constant" in gc.formula
    assert "computed from constants only" in step(trace, "grad(k)").formula
    assert step(trace, "c = 2").formula == "c = 2  (constant)"
    assert trace.ok


def test_output_of_constants_only():
    trace = trace_of("c = const(2)\nd = const(-1)\ny = c*d\n")
    assert trace.grads == {"c": None, "d": None, "y": None}
    assert trace.ok


def test_unused_leaf_gets_zero():
    trace = trace_of("u = 5\nx = 2\ny = x*x\n")
    assert trace.grads["u"] == 0
    assert step(trace, "grad(u)").formula == "grad(u) = 0  (y does not depend on u)"
    assert trace.ok  # torch says None (unused): that is a zero gradient


# -- non-differentiable points ----------------------------------------------------------------------
@pytest.mark.parametrize("fn", ["relu", "abs"])
def test_kink_at_zero_follows_torch_and_is_marked(fn):
    trace = trace_of(f"x = 0\nw = 2\ny = {fn}(x)*w\n")
    loc = step(trace, "∂y/∂x")
    assert loc.value == 0 and loc.torch_value == 0 and loc.nondiff
    assert "non-differentiable" in loc.formula
    assert not step(trace, "∂y/∂w").nondiff
    assert step(trace, "grad(x)").nondiff and step(trace, "grad(x)").value == 0
    assert trace.grads["x"] == 0
    assert trace.ok


def test_kink_inside_an_expression_marks_every_name_below_it():
    trace = trace_of("a = 1.5\nb = 1.5\nc = 2\ny = c*relu(a - b)\n")
    assert step(trace, "∂y/∂a").nondiff and step(trace, "∂y/∂b").nondiff
    assert not step(trace, "∂y/∂c").nondiff
    assert trace.ok


def test_smooth_functions_at_zero_are_not_marked():
    trace = trace_of("x = 0\ny = x**2 + x**3 + x*x + square(x) + x**1\n")
    assert not any(s.nondiff for s in trace.steps), [s.formula for s in trace.steps if s.nondiff]
    assert trace.grads["x"] == 1
    assert trace.ok


def test_kink_inside_a_10000_term_line_is_marked():
    # a line this long takes the engine's iterative path: the marks must be the same
    terms = " + ".join(["x"] * 5000)
    trace = trace_of(f"x = 1\nw = 1\nc = 2\ny = c*relu(x - w) + {terms}\n")
    assert step(trace, "∂y/∂x").nondiff and step(trace, "∂y/∂w").nondiff
    assert not step(trace, "∂y/∂c").nondiff
    assert trace.grads["x"] == 5000 and trace.grads["w"] == 0
    assert trace.ok


@pytest.mark.parametrize("fn", ["relu", "abs"])
def test_no_mark_away_from_the_kink(fn):
    trace = trace_of(f"x = -0.5\ny = {fn}(x)\n")
    assert not any(s.nondiff for s in trace.steps)
    assert trace.ok


# -- the output -------------------------------------------------------------------------------------
def test_output_defaults_to_last_assigned_and_of_overrides():
    text = "x = 2\na = x*x\nb = a + 1\n"
    assert trace_of(text, check=False).output == "b"
    t = trace_of(text, "a")
    assert t.output == "a" and t.grads == {"x": 4, "a": 1, "b": 0}
    assert t.ok
    t = trace_of(text, "x")
    assert t.grads == {"x": 1, "a": 0, "b": 0}
    assert t.ok


def test_of_an_unknown_name_is_bad_input():
    with pytest.raises(BadInput, match="no variable of that name"):
        parse_program("x = 1\ny = x\n", "z")


def test_of_a_softmax_output():
    t = trace_of("a = 1\nb = 2\np, q = softmax(a, b)\n", "p")
    assert t.output == "p"
    assert agree(t.grads["a"], t.values["p"] * (1 - t.values["p"]))
    assert t.ok


# -- atomic mode ------------------------------------------------------------------------------------
def test_atomic_names_intermediates(seed_text):
    trace = trace_of(seed_text, atomic=True)
    assert trace.names == ["x", "w1", "b1", "w2", "b2", "y1.1", "y1", "y2.1", "y2"]
    assert trace.values["y1.1"] == 2 and trace.values["y2.1"] == 6
    assert {n: trace.grads[n] for n in SEED_GRADS} == SEED_GRADS
    assert "y1.1 = x·w1 = 1·2 = 2" in [s.formula for s in trace.steps]
    assert trace.ok
    assert_structure(trace)


def test_atomic_order_is_evaluation_order():
    trace = trace_of("x = 0.5\nw = -2\nb = 1\ny = tanh(x*w + b)*exp(b)\n", atomic=True)
    assert trace.names == ["x", "w", "b", "y.1", "y.2", "y.3", "y.4", "y"]
    forwards = [s.formula for s in trace.steps if s.phase == "forward"]
    assert forwards[3].startswith("y.1 = x·w")
    assert forwards[4].startswith("y.2 = y.1 + b")
    assert forwards[5].startswith("y.3 = tanh(y.2)")
    assert forwards[6].startswith("y.4 = exp(b)")
    assert trace.ok


@pytest.mark.parametrize("text", [
    "x = 0.5\nw = -2\nb = 1\ny = tanh(x*w + b)*exp(b) - x/w\nz = y**2 + sqrt(b + x*x)\n",
    "x = 3\ny = (x+x)*x\n",
    "a = 0.5\nb = -2\np, q = softmax(a*b, a + b)\nout = p*q + log(p)\n",
    "c = const(2)\nx = 1.5\ny = sigmoid(c*x)*relu(x - c)\n",
])
def test_atomic_has_the_same_leaf_gradients(text):
    plain = trace_of(text)
    atomic = trace_of(text, atomic=True)
    assert plain.ok and atomic.ok
    for name in plain.names:
        assert atomic.values[name] == pytest.approx(plain.values[name], rel=1e-12, abs=1e-15)
        if plain.grads[name] is None:
            assert atomic.grads[name] is None
        else:
            assert agree(atomic.grads[name], plain.grads[name]), name
    assert all("." in n for n in atomic.names if n not in plain.names)


# -- long input -------------------------------------------------------------------------------------
def test_a_sum_of_10000_terms_on_one_line():
    terms = " + ".join(f"{(i % 7) - 3}*x*w" if i % 2 else "x" for i in range(10_000))
    trace = trace_of(f"x = 0.5\nw = 2\ny = {terms}\n")
    coef = sum((i % 7) - 3 for i in range(1, 10_000, 2))
    assert trace.values["y"] == pytest.approx(0.5 * 5000 + coef * 1.0)
    assert agree(trace.grads["x"], 5000 + coef * 2.0)
    assert agree(trace.grads["w"], coef * 0.5)
    assert trace.ok
    assert len(trace.steps) == 3 + 2 + 3
    assert all(len(s.formula) < 300 for s in trace.steps)


def test_many_statements():
    lines = ["h0 = 0.1", "w = 0.9", "b = 0.05"] + [f"h{i} = tanh(h{i - 1}*w + b)" for i in range(1, 400)]
    trace = trace_of("\n".join(lines))
    assert trace.output == "h399"
    assert trace.ok
    assert_structure(trace)


def test_nesting_just_inside_the_limit_works():
    from backprop_tui.lang.chain import MAX_DEPTH

    depth = MAX_DEPTH - 2
    trace = trace_of("x = 0.3\ny = " + "tanh(" * depth + "x" + ")" * depth + "\nz = " + "(" * depth + "y"
                     + ")" * depth + "*2\n")
    assert trace.ok
