"""The quiz panel: the question for the current step, an input for the prediction, feedback, the score and
the phase choice. Self-contained: any screen can host it.

Attributes down: the screen calls `show(quiz, k)` after every move, rebuild or answer (quiz: the screen's
quiz.Quiz; k: its position, steps taken). Messages up:
- `QuizPanel.Answered(feedback)`: a prediction was judged, or enter was pressed with nothing to predict.
  The screen redraws (a number may be revealed), this panel included (`show`), and, if `feedback.advance`,
  moves to the next step.
- `QuizPanel.PhasesChanged(phases)`: the learner chose which phases are asked (the screen has already
  nothing to do but redraw: the panel has set them on the quiz).
- `QuizPanel.Leave()`: escape in the input; the screen focuses its main view (the graph, the diagram).

Keyboard: type, enter checks (and moves on where nothing is asked); tab reaches Check and the phase choice
(enter or space opens it, arrows pick); escape leaves. Mouse: click the input, Check, and the choice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.widgets import Button, Input, Select, Static

from backprop_tui.quiz import CHOICES, Feedback, Quiz
from backprop_tui.tui.widgets.explain import needs_rows

PLACEHOLDER = "a number: 0.59, 2*3"
# a styled run never begins with blanks: an SVG screenshot viewer may drop them (`y2= ?`); they go plain
NEXT_STEP = ("  ", ("· enter: next step", "dim"))
STYLE = {"right": "$success bold", "hint": "$warning", "answer": "$error", "invalid": "$error", "next": ""}


class Lines(Static):
    """Text whose relayout (of the whole column: the graph above is redrawn) happens only when the number
    of lines it wraps to changes."""

    _height = -1

    def set(self, content: Content) -> None:
        width = self.content_region.width
        if not width:  # hidden, or not laid out yet: the lines it wraps to are not known until it is
            self.update(content)
            self._height = -1
            return
        height = content.get_height(self.styles, width)  # wrapped as it will be drawn
        self.update(content, layout=height != self._height or needs_rows(self, height))
        self._height = height


class PhaseSelect(Select[str]):
    """Textual 8.2.8's Select with its mount guarded: when the app closes while a screen holding it is
    mounting (a network opened and the app quit at once), its SelectCurrent has lost its label already and
    setting the first value raises NoMatches."""

    def _on_mount(self, event: events.Mount) -> None:
        with contextlib.suppress(NoMatches):
            super()._on_mount(event)


class QuizInput(Input):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "leave", "Leave the quiz input", show=False)]

    def action_leave(self) -> None:
        self.post_message(QuizPanel.Leave())


class QuizPanel(Vertical):
    DEFAULT_CSS = """
    QuizPanel { height: auto; border: round $accent 70%; padding: 0 1; }
    QuizPanel #quiz-question { height: auto; max-height: 3; }
    QuizPanel #quiz-row { height: 1; }
    QuizPanel #quiz-input { width: 1fr; min-width: 10; }
    QuizPanel #quiz-check { width: auto; min-width: 7; margin: 0 1; }
    QuizPanel #quiz-phases { width: 22; }
    QuizPanel #quiz-feedback { height: auto; max-height: 4; }
    """

    class Answered(Message):
        def __init__(self, feedback: Feedback) -> None:
            super().__init__()
            self.feedback = feedback

    class PhasesChanged(Message):
        def __init__(self, phases: frozenset[str]) -> None:
            super().__init__()
            self.phases = phases

    class Leave(Message):
        pass

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.quiz: Quiz | None = None
        self.k = 0
        self._feedback: tuple[int, Feedback] | None = None  # (the step index it is about, what was said)
        self._mask: Callable[[str], str] = str

    def compose(self) -> ComposeResult:
        yield Lines(id="quiz-question")
        with Horizontal(id="quiz-row"):
            yield QuizInput(placeholder=PLACEHOLDER, max_length=200, compact=True, id="quiz-input")
            yield Button("Check", compact=True, id="quiz-check", variant="primary")
            yield PhaseSelect([(label, label) for label, _ in CHOICES], value=CHOICES[0][0], allow_blank=False,
                              compact=True, id="quiz-phases", tooltip="which phases the quiz asks")
        yield Lines(id="quiz-feedback")

    def on_mount(self) -> None:
        self.border_title = "quiz"

    @property
    def input(self) -> QuizInput:
        return self.query_one(QuizInput)

    # -- attributes down ----------------------------------------------------------------------------
    def show(self, quiz: Quiz, k: int, mask: Callable[[str], str] = str) -> None:
        """mask: writes the numbers still to predict as `?` in the worked answers shown (the network screen's
        Reveal.mask: a skipped number is an operand of a later answer)."""
        self.quiz, self.k, self._mask = quiz, k, mask
        select = self.query_one(Select)
        label = next((text for text, phases in CHOICES if phases == quiz.phases), None)
        if label is not None and select.value != label:
            with select.prevent(Select.Changed):
                select.value = label
        self.query_one("#quiz-question", Lines).set(self._question(quiz, k))
        feedback = self._feedback_text(quiz, k)
        box = self.query_one("#quiz-feedback", Lines)
        box.set(feedback)
        if box.display != bool(feedback.plain):
            box.display = bool(feedback.plain)
        score = quiz.score().text
        if self.border_subtitle != score:
            self.border_subtitle = score

    def forget_feedback(self) -> None:
        """A new trace (other numbers): what was said about the last one goes."""
        self._feedback = None

    def _question(self, quiz: Quiz, k: int) -> Content:
        q = quiz.current(k)
        if q is not None:
            context = q.context.removeprefix(f"{q.label} = ") if q.phase == "forward" else q.context
            return Content.assemble(("predict ", "bold"), (q.label, "bold $accent"), " ", ("= ?  ", "bold"),
                                    (context, "dim"))
        if k == 0:
            return Content("Predict each number before it is shown: enter for the first step.")
        asked = quiz.asked_at(k)
        if asked:
            rec = quiz.record(asked[-1])
            if rec is not None and rec.status in ("right", "missed"):
                done = "✓ answered" if rec.status == "right" else "answer shown"
                if self._feedback is not None and self._feedback[0] == k - 1:  # the feedback below says it
                    return Content.assemble((f"{asked[-1].label}: {done}", "bold"), *NEXT_STEP)
                return Content.assemble((f"{done}: ", "bold"), self._mask(asked[-1].working), *NEXT_STEP)
            return Content.assemble("shown before the quiz reached it", *NEXT_STEP)
        about = quiz.about(k)
        why = f"not asked: {about[0].phase} is not among the phases chosen" if about else \
            "nothing to predict: a given value"
        return Content.assemble(why, *NEXT_STEP)

    def _feedback_text(self, quiz: Quiz, k: int) -> Content:
        """The last feedback while it concerns this step or the one just answered (after ✓ the screen has
        moved on: the ✓ stays in view under the next question)."""
        if self._feedback is None:
            return Content("")
        index, fb = self._feedback
        if index not in (k - 1, k - 2) or (index == k - 2 and fb.kind != "right"):
            return Content("")
        return Content.styled(self._mask(fb.text), STYLE[fb.kind])

    # -- the learner --------------------------------------------------------------------------------
    @on(Input.Submitted, "#quiz-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.check()

    @on(Button.Pressed, "#quiz-check")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.check()

    def check(self) -> None:
        """Judge what is typed (enter or Check)."""
        if self.quiz is None:
            return
        text = self.input.value
        fb = self.quiz.submit(self.k, text)
        if fb.kind != "next":
            self._feedback = (fb.question.step if fb.question else self.k - 1, fb)
        if fb.kind != "invalid":  # a typo stays to be fixed; a judged try is in the feedback
            self.input.value = ""
        # the screen redraws on Answered, this panel with it: one frame, not one now and one after the move
        self.post_message(self.Answered(fb))

    @on(Select.Changed, "#quiz-phases")
    def _phases(self, event: Select.Changed) -> None:
        event.stop()
        phases = dict(CHOICES).get(str(event.value))
        if self.quiz is None or phases is None or phases == self.quiz.phases:
            return
        self.quiz.set_phases(phases)
        self.post_message(self.PhasesChanged(phases))  # the screen redraws, this panel included
