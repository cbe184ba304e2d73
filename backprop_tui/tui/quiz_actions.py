"""Quiz mode on the chain screen (a mixin of BackpropApp): `q`, the palette entries and the quiz panel.

What the chain screen calls, and when (the same list serves any screen that hosts the quiz):
- `self.quiz = Quiz(phases, on=...)` once (init_quiz);
- after a rebuild: `quiz.load(chain_questions(trace))` (quiz_load);
- on every StepState it builds: `state.hidden = quiz.hidden` (step_state): every view that asks
  `value_known` / `local_known` / `grad_known` / `check` then hides a pending number as `?`;
- after every move or redraw: `quiz.at(k)` and `panel.show(quiz, k)` (quiz_show);
- on QuizPanel.Answered: redraw, and go to k + 1 when `feedback.advance`.
The step panel (widgets/explain.py) shows `label = ?` instead of the formula while `state.hidden(step)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import TextArea

from backprop_tui.quiz import ALL, Quiz, chain_questions
from backprop_tui.tui.state import StepState
from backprop_tui.tui.widgets.quiz import QuizPanel

if TYPE_CHECKING:
    from backprop_tui.engine.trace import Trace
    from backprop_tui.tui.app import BackpropApp

    Base = BackpropApp
else:
    Base = object


class QuizActions(Base):
    quiz: Quiz

    def init_quiz(self, phases: frozenset[str] | None) -> None:
        """phases: None for quiz mode off at the start; else on, asking those phases (`--quiz`)."""
        self.quiz = Quiz(phases or ALL, on=phases is not None)
        self._quiz_k = 0  # the position the panel last showed
        self._quiz_trace: Trace | None = None  # the trace the questions are (or will be) about

    def step_state(self, trace: Trace) -> StepState:
        st = StepState.of(trace)
        st.hidden = self.quiz.hidden
        return st

    def quiz_load(self, trace: Trace) -> None:
        """The questions of a new trace, written only while the quiz is on (a 10,000-statement program has
        50,000 of them: 0.3 s); turning the quiz on writes them then."""
        self._quiz_trace = trace
        self.quiz.load(chain_questions(trace) if self.quiz.on else ())

    @property
    def quiz_panel(self) -> QuizPanel:
        return self.query_one(QuizPanel)

    def quiz_show(self, moved: bool) -> None:
        """After a move or redraw: the steps passed count as shown where nothing hid them; the panel shows
        the current question. Stepping forward onto a question puts the cursor in the input (stepping back
        only looks: tab or a click reaches the input)."""
        forward = self.k > self._quiz_k
        self._quiz_k = self.k
        self.quiz.at(self.k)
        panel = self.quiz_panel
        panel.display = self.quiz.on
        if not self.quiz.on:
            return
        panel.show(self.quiz, self.k)
        if moved and forward and self.quiz.current(self.k) is not None and len(self.screen_stack) == 1 \
                and not isinstance(self.focused, TextArea):
            panel.input.focus()

    # -- actions ------------------------------------------------------------------------------------
    def action_quiz(self) -> None:
        """q: quiz mode on (from the current step on, every number is asked before it is shown) or off."""
        if self.quiz.on:
            self.quiz.stop()
            self.graph.focus()
        else:
            self._quiz_start(self.k)
        self.refresh_views(scroll=False)
        if self.quiz.on:
            self.quiz_panel.input.focus()

    def action_quiz_restart(self) -> None:
        """Forget the answers and the score, and start the quiz again from the first step."""
        self.quiz.restart()
        self._quiz_start(0)
        self.go(0)
        self.quiz_panel.input.focus()

    def _quiz_start(self, k: int) -> None:
        self.quiz.on = True
        if self._quiz_trace is not None:
            self.quiz.load(chain_questions(self._quiz_trace))
        self.quiz.start(k)

    # -- the panel's messages (named handlers: @on is not collected from a plain mixin) ----------------
    def on_quiz_panel_answered(self, message: QuizPanel.Answered) -> None:
        if message.feedback.advance and self.state is not None and self.k < self.state.n:
            self.go(self.k + 1)
        else:
            self.refresh_views(scroll=False)

    def on_quiz_panel_phases_changed(self, message: QuizPanel.PhasesChanged) -> None:
        self.refresh_views(scroll=False)

    def on_quiz_panel_leave(self, message: QuizPanel.Leave) -> None:
        self.graph.focus()
