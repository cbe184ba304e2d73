"""The detail region: the selected neuron's arithmetic with its numbers substituted (network.neuron)."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.widgets import Static

from backprop_tui.network.engine import NetTrace, Pass
from backprop_tui.network.neuron import neuron_lines
from backprop_tui.network.reveal import Reveal
from backprop_tui.network.spec import Spec

STYLES = {"head": "bold", "known": "", "pending": "dim italic", "note": "italic", "table-head": "bold underline",
          "table": "", "full": "dim", "ask": "bold $warning"}  # ask: a number the quiz waits for


def detail_text(spec: Spec, net: NetTrace, p: Pass, reveal: Reveal, k: int, layer: int, unit: int,
                row: int) -> Content:
    lines = neuron_lines(spec, net, p, reveal, k, layer, unit, row)
    return Content("\n").join(Content.styled(line.text, STYLES.get(line.kind, "")) for line in lines)


class NeuronDetail(Static):
    """Attributes down: `show_neuron` with the trace and the cursor."""

    def show_neuron(self, spec: Spec, net: NetTrace, p: Pass, reveal: Reveal, k: int, layer: int, unit: int,
                    row: int) -> None:
        self.update(detail_text(spec, net, p, reveal, k, layer, unit, row))

    def show_training(self, epoch: int, epochs: int) -> None:
        self.update(Text(f"training: epoch {epoch} of {epochs}. The diagram shows the weights as they learn and "
                         "the forward values of the chosen row; the steps and each neuron's arithmetic come back "
                         "when training stops (space pauses, escape stops).", "italic"))
