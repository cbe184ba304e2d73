"""Quiz mode on the chain screen (a mixin of BackpropApp): `q`, the palette entries and the quiz panel.

What the chain screen calls, and when (the same list serves any screen that hosts the quiz):
- `self.quiz = Quiz(phases, on=...)` once (init_quiz);
- after a rebuild: `quiz.load(chain_questions(trace))` (quiz_load);
- on every StepState it builds: `state.hidden = quiz.hidden` (step_state): every view that asks
  `value_known` / `local_known` / `grad_known` / `check` then hides a pending number as `?`;
- after every move or redraw: `quiz.at(k)` and `panel.show(quiz, k)` (quiz_show);
- on QuizPanel.Answered: redraw, and go to k + 1 when `feedback.advance`.
The step panel (widgets/explain.py) shows `label = ?` instead of the formula while `state.hidden(step)`.

The quiz's modules and its panel are loaded when the quiz is first turned on (or at start-up with --quiz):
the first frame of a session without the quiz does without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import TextArea

from backprop_tui.tui.state import StepState

if TYPE_CHECKING:
    from backprop_tui.engine.trace import Trace
    from backprop_tui.quiz import Quiz
    from backprop_tui.tui.app import BackpropApp
    from backprop_tui.tui.widgets.quiz import QuizPanel

    Base = BackpropApp
else:
    Base = object


class QuizActions(Base):
    _quiz: Quiz | None = None  # made on first use

    def init_quiz(self, phases: frozenset[str] | None) -> None:
        """phases: None for quiz mode off at the start; else on, asking those phases (`--quiz`)."""
        self._quiz_phases = phases
        if phases is not None:
            self.quiz.on = True
        self._quiz_k = 0  # the position the panel last showed
        self._quiz_trace: Trace | None = None  # the trace the questions are (or will be) about

    @property
    def quiz(self) -> Quiz:
        if self._quiz is None:
            from backprop_tui.quiz import ALL, Quiz

            self._quiz = Quiz(self._quiz_phases or ALL)
        return self._quiz

    def step_state(self, trace: Trace) -> StepState:
        st = StepState.of(trace)
        st.hidden = self._quiz.hidden if self._quiz is not None else None
        return st

    def quiz_load(self, trace: Trace) -> None:
        """The questions of a new trace, written only while the quiz is on (a 10,000-statement program has
        50,000 of them: 0.3 s); turning the quiz on writes them then."""
        self._quiz_trace = trace
        if self._quiz is not None:
            self._quiz.load(self._questions(trace) if self._quiz.on else ())

    @staticmethod
    def _questions(trace: Trace) -> list:
        from backprop_tui.quiz import chain_questions

        return chain_questions(trace)

    def quiz_compose(self) -> list[QuizPanel]:
        """The quiz panel, composed with the screen only when the quiz is on from the start (--quiz)."""
        if self._quiz is None or not self._quiz.on:
            return []
        from backprop_tui.tui.widgets.quiz import QuizPanel

        return [QuizPanel(id="quiz")]

    async def _quiz_panel_mounted(self) -> None:
        from backprop_tui.tui.widgets.quiz import QuizPanel

        if not self.query(QuizPanel):
            await self.query_one("#right").mount(QuizPanel(id="quiz"))

    @property
    def quiz_panel(self) -> QuizPanel:
        from backprop_tui.tui.widgets.quiz import QuizPanel

        return self.query_one(QuizPanel)

    def quiz_show(self, moved: bool) -> None:
        """After a move or redraw: the steps passed count as shown where nothing hid them; the panel shows
        the current question. Stepping forward onto a question puts the cursor in the input (stepping back
        only looks: tab or a click reaches the input)."""
        forward = self.k > self._quiz_k
        self._quiz_k = self.k
        if self._quiz is None:
            return  # never turned on: no panel, nothing to count
        self.quiz.at(self.k)
        panels = self.query("#quiz")
        if not panels:
            return
        panel = panels.first()
        panel.display = self.quiz.on
        if not self.quiz.on:
            return
        panel.show(self.quiz, self.k)
        if moved and forward and self.quiz.current(self.k) is not None and len(self.screen_stack) == 1 \
                and not isinstance(self.focused, TextArea):
            panel.input.focus()

    # -- actions ------------------------------------------------------------------------------------
    async def action_quiz(self) -> None:
        """q: quiz mode on (from the current step on, every number is asked before it is shown) or off."""
        if not self.quiz.on:
            await self._quiz_panel_mounted()
        if self.quiz.on:
            self.quiz.stop()
            self.graph.focus()
        else:
            self._quiz_start(self.k)
        self.refresh_views(scroll=False)
        if self.quiz.on:
            self.quiz_panel.input.focus()

    async def action_quiz_restart(self) -> None:
        """Forget the answers and the score, and start the quiz again from the first step."""
        await self._quiz_panel_mounted()
        self.quiz.restart()
        self._quiz_start(0)
        self.go(0)
        self.quiz_panel.input.focus()

    def _quiz_start(self, k: int) -> None:
        self.quiz.on = True
        if self._quiz_trace is not None:
            self.quiz.load(self._questions(self._quiz_trace))
        if self.state is not None:
            self.state.hidden = self.quiz.hidden  # a state built while the quiz did not exist yet
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
