"""Properties: any spec text is a Spec or a BadInput (never a crash); random networks agree with torch."""

from __future__ import annotations

import math
import tomllib

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_tui.check.torch_network import check_trace
from backprop_tui.errors import BadInput
from backprop_tui.network.engine import full_pass, trace
from backprop_tui.network.spec import parse_spec
from tests.network.helpers import make_spec

scalars = st.one_of(st.integers(-5, 5), st.integers(-10**20, 10**20), st.floats(allow_nan=True),
                    st.booleans(), st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=6),
                    st.sampled_from(["relu", "sigmoid", "softmax", "identity",
                                                                          "mse", "bce", "cross_entropy", "xor",
                                                                          "iris", "fc1.weight", "half_sse"]))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=12)
network_keys = st.sampled_from(["sizes", "activation", "output", "loss", "lr", "freeze", "seed", "other"])
data_keys = st.sampled_from(["x", "y", "dataset", "csv", "seed", "rows"])


def toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return "[" + ", ".join(toml_value(x) for x in v) + "]"  # type: ignore[union-attr]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net=st.dictionaries(network_keys, values, max_size=7), data=st.dictionaries(data_keys, values, max_size=3),
       params=st.dictionaries(st.sampled_from(["fc1.weight", "fc1.bias", "fc2.weight", "fc9.bias"]), values,
                              max_size=2))
def test_any_spec_is_a_spec_or_a_bad_input(net: dict, data: dict, params: dict) -> None:
    lines = ["[network]"] + [f"{k} = {toml_value(v)}" for k, v in net.items()]
    lines += ["[params]"] + [f'"{k}" = {toml_value(v)}' for k, v in params.items()]
    lines += ["[data]"] + [f"{k} = {toml_value(v)}" for k, v in data.items()]
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # the generator writes valid TOML
    try:
        spec = parse_spec(text)
    except BadInput as err:
        assert str(err)
        return
    assert spec.x.shape[1] == spec.sizes[0] and spec.y.shape == (len(spec.x), spec.sizes[-1])
    assert np.isfinite(spec.x).all() and spec.lr > 0


@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4), rows=st.integers(1, 6),
       act=st.sampled_from(["relu", "sigmoid", "tanh", "identity"]),
       pairing=st.sampled_from([("sigmoid", "bce"), ("sigmoid", "mse"), ("softmax", "cross_entropy"),
                                ("identity", "cross_entropy"), ("softmax", "half_sse"), ("identity", "mse")]),
       seed=st.integers(0, 1000))
def test_random_networks_agree_with_torch(sizes: list[int], rows: int, act: str, pairing: tuple[str, str],
                                          seed: int) -> None:
    output, loss = pairing
    if output == "softmax" or loss == "cross_entropy":
        sizes = [*sizes[:-1], max(2, sizes[-1])]
    tr = check_trace(trace(make_spec(sizes, act, output, loss, rows=rows, seed=seed)))
    assert tr.ok, [s.formula for s in tr.steps if not s.ok]


BASE = {
    "network": {"sizes": [2, 3, 2], "activation": "tanh", "output": "softmax", "loss": "cross_entropy",
                "lr": 0.1, "seed": 0, "freeze": ["fc1.bias"]},
    "params": {"fc1.weight": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "fc2.bias": [0.0, 0.1]},
    "data": {"x": [[0.0, 1.0], [1.0, 0.0]], "y": [0, 1]},
}


@settings(max_examples=300, deadline=None)
@given(table=st.sampled_from(["network", "params", "data"]), key=st.sampled_from(
    ["sizes", "activation", "output", "loss", "lr", "seed", "freeze", "fc1.weight", "fc2.bias", "x", "y",
     "dataset", "rows"]), value=values)
def test_one_changed_value_is_a_spec_or_a_bad_input(table: str, key: str, value: object) -> None:
    doc = {t: dict(v) for t, v in BASE.items()}
    doc[table][key] = value
    lines = []
    for t, entries in doc.items():
        lines.append(f"[{t}]")
        lines += [f'"{k}" = {toml_value(v)}' for k, v in entries.items()]
    try:
        spec = parse_spec("\n".join(lines) + "\n")
    except BadInput as err:
        assert str(err)
        return
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # no numpy RuntimeWarning escapes
        tr = trace(spec)
    probs = full_pass(spec, spec.params).acts[spec.layers] if spec.output == "softmax" else None
    # an infinite loss only where torch has one too: a target class whose probability underflowed to 0
    underflow = probs is not None and spec.labels is not None and \
        bool((probs[np.arange(len(spec.labels)), spec.labels] == 0).any())
    assert math.isfinite(tr.loss) or underflow or not np.isfinite(spec.params["fc1.weight"]).all()
    if not math.isfinite(tr.loss) and np.isfinite(spec.params["fc1.weight"]).all():
        # -log(0) = inf, as torch's NLL of the probabilities gives too; the same inf on both sides is agreement
        assert check_trace(tr).ok
