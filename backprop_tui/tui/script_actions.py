"""A PyTorch script on the chain screen (a mixin of BackpropApp): the circuit and the variables table show
the current step's frame (tui.script_view: one iteration's graph, its pass's gradients), redrawn as the
steps cross into another iteration or backward pass; `j` jumps to a backward pass or an iteration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backprop_tui.engine.trace import Trace

if TYPE_CHECKING:
    from backprop_tui.tui.app import BackpropApp
    from backprop_tui.tui.graph_actions import Laid

    Base = BackpropApp
else:
    Base = object


class ScriptActions(Base):
    _frame = None  # tui.script_view.Frame on show; None for a plain chain
    _frame_source = None  # the StepState the frame was made from

    def is_script(self) -> bool:
        return self.state is not None and getattr(self.state.trace, "run", None) is not None

    def lay_out(self, trace: Trace, laid: Laid | None = None) -> None:
        if getattr(trace, "run", None) is None:
            self._frame = self._frame_source = None
            super().lay_out(trace, laid)
            return
        self.title_graph()
        self._frame_source = None  # drawn by sync_frame, frame by frame

    def sync_frame(self) -> None:
        """Give the graph and the table the frame of step k, when it (or the checked state) changed."""
        if not self.is_script():
            return
        from backprop_tui.circuit import model_of, structure_of
        from backprop_tui.tui.script_view import build_frame, frame_key
        from backprop_tui.tui.widgets.table import VariableTable

        trace = self.state.trace  # type: ignore[union-attr]
        key = frame_key(trace, self.k)  # type: ignore[arg-type]
        if self._frame is not None and self._frame_source is self.state and self._frame.key == key:
            return
        redraw = self._frame is None or self._frame.key != key or self._frame_source is None
        frame = build_frame(trace, key)  # type: ignore[arg-type]
        self._frame, self._frame_source = frame, self.state
        if redraw:
            self.graph.set_trace(frame.state, structure_of(model_of(frame.trace, self.graph.ascii)))
        else:  # the same graph, torch's verdicts arrived
            self.graph.set_state(frame.state)
        self.query_one(VariableTable).set_state(frame.state)

    # -- f and b: the forward steps and the backward pass ahead -----------------------------------------
    def forward_end_after(self, k: int) -> int:
        """Where `f` goes: a chain's forward pass end; in a script, the last of the next forward steps."""
        assert self.state is not None
        if not self.is_script():
            return max(k, self.state.forward_end)
        steps = self.state.trace.steps
        at = next((i for i in range(k, len(steps)) if steps[i].phase == "forward"), None)
        if at is None:
            return k
        while at + 1 < len(steps) and steps[at + 1].phase == "forward":
            at += 1
        return at + 1

    def backward_end_after(self, k: int) -> int:
        """Where `b` goes: a chain's last step; in a script, the end of the current or next backward pass."""
        assert self.state is not None
        steps = self.state.trace.steps
        if not self.is_script():
            return len(steps)
        here = steps[k - 1].backward_pass if 0 < k <= len(steps) else None
        start = k - 1 if here is not None and k < len(steps) and steps[k].backward_pass == here else k
        number = next((s.backward_pass for s in steps[start:] if s.backward_pass is not None), None)
        if number is None:
            return len(steps)
        return max(s.index for s in steps if s.backward_pass == number) + 1

    # -- j: a backward pass or an iteration ------------------------------------------------------------
    def action_jump(self) -> None:
        from backprop_tui.tui.screens.dialogs import PromptDialog

        if not self.is_script():
            self.notify("j jumps to a backward pass or a loop iteration: this program has none (open a PyTorch "
                        "script with backward(), such as the forum's backward-twice case)", severity="warning")
            return
        program = self.state.trace.program  # type: ignore[union-attr]
        loops = getattr(program, "loops", ())
        what = f"an iteration of `{loops[0][0]}` (e.g. 2), or p2 for backward pass 2" if loops else \
            f"a backward pass, 1 to {getattr(program, 'passes', 0)}"
        self.push_screen(PromptDialog(f"Jump to {what}:", "", "3, i3 or p3"), self.jump)

    def jump(self, text: str | None) -> None:
        if not text or not self.is_script():
            return
        from backprop_tui.tui.script_view import jump_target

        got = jump_target(self.state.trace, text)  # type: ignore[union-attr, arg-type]
        if isinstance(got, str):
            self.notify(got, severity="warning")
            return
        self.go(got[0])  # the step panel names the pass and the iteration
