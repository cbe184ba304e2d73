"""Quiz mode on the network screen (a mixin of NetworkScreen): `q`, the palette entries and the quiz panel.

The quiz core (backprop_tui.quiz) asks, for the data row on screen, each neuron's z and a, the loss, ∂L/∂a,
f'(z) and δ, and one weight's gradient per layer (quiz.network.network_questions). The screen:
- owns a `Quiz` and a `QuizPanel` (hidden while the quiz is off);
- loads the questions after every new trace (open, `u`, training) and every data-row change (`r`, `R`);
- after every move or redraw: `quiz.at(k)` (quiz_at), then `panel.show(quiz, k, mask)` (quiz_show);
- hides every pending number through one object, `visible()` (network.reveal.Reveal.with_quiz), which the
  diagram, the step panel, the step list, the neuron panel and the matrix view all read.

The weight asked in a layer follows the neuron the learner puts the cursor on, until the steps reach that
layer's gradient: on o2, ∂L/∂w(h1→o2); on h2, ∂L/∂w(x1→h2) and ∂L/∂w(h2→o1). By default (the cursor starts
on the first output) the textbook's w5, h1→o1, and w1, x1→h1.

Each new question brings the cursor to the neuron it is about (the loss, or the neuron a weight feeds), so
the neuron panel shows that neuron's known figures and inputs beside the `?`; the learner may move it away.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from textual.widgets import Input

from backprop_tui.network.engine import NetTrace
from backprop_tui.network.reveal import Reveal, secret_texts
from backprop_tui.quiz import ALL, Quiz, network_questions
from backprop_tui.tui.widgets.quiz import QuizInput, QuizPanel

if TYPE_CHECKING:
    from backprop_tui.tui.screens.network import NetworkScreen

    Base = NetworkScreen
else:
    Base = object

# The screen's single-key actions, which must not fire while the quiz input has the keys (letters and digits
# are typed there, arrows and home/end move in it; f1, ctrl+p and escape still work).
TYPED = {"next", "previous", "first", "last", "finish_forward", "run_backward", "update", "layer", "row", "chain",
         "matrix", "train", "pause", "save", "panel", "help", "quiz"}


def given_texts(net: NetTrace) -> frozenset[str]:
    """The texts of what a trace is given (inputs, targets, parameters, lr): never masked."""
    spec = net.spec
    arrays = [spec.x, spec.y, *net.params.values()]
    values = np.unique(np.concatenate([np.ravel(a) for a in arrays] + [np.array([spec.lr])]))
    return secret_texts(values)


class NetQuizMixin(Base):
    quiz: Quiz

    def init_quiz(self, phases: frozenset[str] | None) -> None:
        """phases: None for quiz mode off at the start; else on, asking those phases (`--quiz`)."""
        self.quiz = Quiz(phases or ALL, on=phases is not None)
        self._quiz_k = 0  # the position the panel last showed
        self._quiz_forward = False  # the last move went forward
        self._from_palette = False  # a palette command is running (keys typed in the input are not)
        self._quiz_pick: tuple[int, int] | None = None  # the neuron the learner chose (the weights asked follow)
        self._quiz_asking: tuple[str, str] | None = None  # the question the cursor was last brought to
        self._givens: tuple[object, frozenset[str]] = (None, frozenset())  # (trace, its givens' texts)
        self._quiz_weights: dict[int, tuple[int, int]] = {}  # per layer, the (out, in) weight asked

    @property
    def quiz_panel(self) -> QuizPanel:
        return self.query_one(QuizPanel)

    def typing_in_quiz(self) -> bool:
        """A key now would be typed in the quiz input: it has the focus, this screen is on top (the palette
        over it offers every action) and no palette command is running."""
        return isinstance(self.focused, QuizInput) and self.app.screen is self and not self._from_palette

    async def run_from_palette(self, action: str) -> None:
        """A palette command: it acts even while the quiz input has the keys."""
        self._from_palette = True
        try:
            await self.app.run_action(action, self)
        finally:
            self._from_palette = False

    # -- the questions -----------------------------------------------------------------------------
    def quiz_load(self, start: int | None = None) -> None:
        """The questions of the trace on screen, for the data row shown (written only while the quiz is on).
        start: the quiz asks from this position on; the steps before it count as shown (quiz.Quiz.start)."""
        if not self.quiz.on:
            self.quiz.load(())
            return
        if start is not None:  # a new trace or row, not a cursor's new weight: the last feedback is stale
            self.quiz_panel.forget_feedback()
        self._quiz_weights = self._weights_asked()
        self.quiz.load(network_questions(self.net, row=self.row, weights=self._quiz_weights))
        if start is not None:
            self.quiz.start(start)

    def _weights_asked(self) -> dict[int, tuple[int, int]]:
        """The weight asked per layer: the cursor's, for the layers whose gradient is still ahead."""
        L = self.spec.layers
        layer, unit = self._quiz_pick or (L, 0)
        follow: dict[int, tuple[int, int]] = {}
        if 1 <= layer <= L:
            follow[layer] = (unit, 0)  # into the cursor's neuron, from the first neuron before it
        if 0 <= layer < L:
            follow[layer + 1] = (0, unit)  # out of it, to the first neuron after it
        out = {}
        for lyr in range(1, L + 1):
            ahead = self.reveal.step_of("grad_w", lyr) > self.k  # not reached yet: free to follow the cursor
            out[lyr] = follow.get(lyr, (0, 0)) if ahead else self._quiz_weights.get(lyr, (0, 0))
        return out

    def quiz_cursor_moved(self) -> None:
        """The learner moved the cursor: for a layer still ahead, the weight asked follows it."""
        self._quiz_pick = self.cursor
        if self.quiz.on and self._weights_asked() != self._quiz_weights:
            self.quiz_load()

    def visible(self) -> Reveal:
        """What the views may show: the trace's reveal, with the quiz's pending numbers hidden."""
        if not self.quiz.on or not self.quiz.questions:
            return self.reveal
        if self._givens[0] is not self.net:
            self._givens = (self.net, given_texts(self.net))
        pending, seen = [], []  # a number already on screen (a relu's a = z, once z is answered) is no secret
        for q in self.quiz.questions:
            (pending if self.quiz.pending(q) else seen if self.quiz.resolved(q) else []).append(q.answer)
        return self.reveal.with_quiz(self.quiz.hidden_entries, pending, self._givens[1] | secret_texts(seen))

    def asked_steps(self) -> frozenset[int]:
        """The indices of the steps with a number still to predict (the step list marks them `?`)."""
        if not self.quiz.on:
            return frozenset()
        return frozenset(q.step for q in self.quiz.questions if self.quiz.pending(q))

    def quiz_at(self) -> Reveal:
        """After a move or redraw, before anything is drawn: the steps passed count as shown where nothing
        hid them. Returns what the views may show."""
        self._quiz_forward = self.k > self._quiz_k
        self._quiz_k = self.k
        self.quiz.at(self.k)
        q = self.quiz.current(self.k) if self.quiz.on else None
        if q is not None and q.key != self._quiz_asking and not self.training:
            self._quiz_asking = q.key
            self.cursor = self._neuron_of(q.step, q.entry)
        return self.visible()

    def _neuron_of(self, step: int, entry: tuple[int, ...]) -> tuple[int, int]:
        """The neuron a question is about: (layer, unit); the loss is layer L + 1."""
        key = self.net.keys[step]
        if key[0] == "loss":
            return self.spec.layers + 1, 0
        if key[0] == "grad":  # a weight's gradient: the neuron it feeds
            return int(key[1][2:key[1].index(".")]), entry[0]
        return int(key[1]), entry[1]

    def quiz_show(self, seen: Reveal) -> None:
        """The panel shows the current question (its worked answers masked as the views are). Stepping
        forward onto a question puts the cursor in the input (stepping back only looks: tab or a click
        reaches the input)."""
        panel = self.quiz_panel
        if panel.display != self.quiz.on:
            panel.display = self.quiz.on
        if not self.quiz.on:
            return
        panel.show(self.quiz, self.k, seen.mask)
        if self._quiz_forward and self.quiz.current(self.k) is not None and self.app.screen is self \
                and not isinstance(self.focused, Input):
            panel.input.focus()

    # -- actions ------------------------------------------------------------------------------------
    def action_quiz(self) -> None:
        """q: quiz mode on (from the current step on, every neuron's numbers are asked before they are
        shown) or off."""
        if self.quiz.on:
            self.quiz.stop()
            self.focus_diagram()
        else:
            self.quiz.on = True
            self.quiz_load(start=self.k)
        self.fit_panels()
        self.refresh_views()
        if self.quiz.on:
            self.quiz_panel.input.focus()

    def action_quiz_restart(self) -> None:
        """Forget the answers and the score, and start the quiz again from the first step."""
        self.quiz.restart()
        self.quiz.on = True
        self.quiz_load(start=0)
        self.fit_panels()
        self.go(0)
        self.quiz_panel.input.focus()

    # -- the panel's messages (stopped here: the chain screen's app hosts its own quiz) -----------------
    def on_quiz_panel_answered(self, message: QuizPanel.Answered) -> None:
        message.stop()
        if message.feedback.advance and self.k < len(self.net.steps):
            self.go(self.k + 1)
        else:
            self.refresh_views()

    def on_quiz_panel_phases_changed(self, message: QuizPanel.PhasesChanged) -> None:
        message.stop()
        self.refresh_views()

    def on_quiz_panel_leave(self, message: QuizPanel.Leave) -> None:
        message.stop()
        self.focus_diagram()
