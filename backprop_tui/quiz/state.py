"""The quiz's state: which numbers are hidden, the tries, the hints, the score. Pure: no textual, no torch.

A screen owns one `Quiz` and tells it three things: the questions of its trace (`load`, after every
rebuild), where the learner is (`at(k)`, after every move) and what was typed (`submit(k, text)`). It asks
one: `hidden(step)`, before it shows a step's number. Position k counts steps taken, as tui.state does:
the current step is steps[k - 1], k = 0 is the start.

Rules, so that the learner's place is never lost:
- A question is *pending* while the quiz is on, its phase is chosen, it is not answered (right, or its
  answer shown after two wrong tries), and its number has not been shown already. A step is hidden while
  any of its questions is pending; a network step hides only the entries `hidden_entries` names.
- Moving past a step while it is not hidden (the quiz off, its phase not chosen) marks its questions as
  shown: they are not asked later. Moving past a pending question (→ without answering) skips it: it stays
  hidden and asked, and the learner may come back to it.
- Turning the quiz on at k (`start`) asks every unanswered question from the current step on; the steps
  before it count as shown.
- Answers, shown marks and the score survive a rebuild: a question with the same label and an agreeing
  answer keeps its record (a changed number is asked afresh).
- Cost: `hidden`, `current` and `score` take constant time per step (a 10,000-statement program has
  ~50,000 questions); `load` and a jump with `at` are linear, once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from backprop_tui.engine.step import Step
from backprop_tui.errors import BadInput
from backprop_tui.numbers import agree, short
from backprop_tui.quiz.judge import Prediction, judge, read_prediction
from backprop_tui.quiz.questions import ALL, Question

Status = Literal["open", "tried", "right", "missed"]  # tried: one wrong try, a second to come
Kind = Literal["right", "hint", "answer", "invalid", "next"]


@dataclass
class Record:
    answer: float
    status: Status = "open"
    tries: list[str] = field(default_factory=list)  # what was typed, each a valid prediction

    @property
    def first_time(self) -> bool:
        return self.status == "right" and len(self.tries) == 1


@dataclass(frozen=True)
class Feedback:
    """What a submit did. advance: the step has nothing left to ask, the screen moves to the next step."""

    kind: Kind
    text: str
    question: Question | None = None
    advance: bool = False


@dataclass(frozen=True)
class Score:
    first: int  # questions right on the first try
    asked: int  # questions tried at least once (this session)
    to_go: int  # pending questions of the chosen phases in this trace

    @property
    def text(self) -> str:
        head = f"score {self.first}/{self.asked} right first time" if self.asked else "no answers yet"
        return f"{head} · {self.to_go} to go"


class Quiz:
    def __init__(self, phases: frozenset[str] = ALL, on: bool = False) -> None:
        self.on = on
        self.phases = phases
        self.questions: tuple[Question, ...] = ()
        self._by_step: dict[int, list[Question]] = {}
        # by question key, with the answer they were given for: valid while the answer agrees
        self._records: dict[tuple[str, str], Record] = {}
        self._shown: dict[tuple[str, str], float] = {}
        self._total: Counter[str] = Counter()  # questions per phase in this trace
        self._done: Counter[str] = Counter()  # of them, answered or shown: `to go` without a walk of them all
        self._k = 0
        self.first = 0
        self.asked = 0

    # -- the screen tells ---------------------------------------------------------------------------
    def load(self, questions: Iterable[Question]) -> None:
        """A new trace's questions (after a rebuild). Records and shown marks are kept by label: they count
        again for a question whose answer agrees (so an unchanged number stays answered)."""
        self.questions = tuple(questions)
        self._by_step = {}
        for q in self.questions:
            self._by_step.setdefault(q.step, []).append(q)
        self._total = Counter(q.phase for q in self.questions)
        self._done = Counter(q.phase for q in self.questions if self.resolved(q))

    def at(self, k: int) -> None:
        """The screen is at position k: the steps passed since the last call, the current one included,
        count as shown where nothing hid them."""
        lo = max(0, min(self._k, k) - 1)
        for index in range(lo, k):
            for q in self._by_step.get(index, ()):
                if not self.pending(q):
                    self._show(q)
        self._k = k

    def start(self, k: int) -> None:
        """Quiz mode on at position k (after `load`): the steps before the current one count as shown, and
        every unanswered question from the current step on is asked."""
        self.on = True
        current = max(0, k - 1)
        for q in self.questions:
            if q.step < current:
                self._show(q)
            elif q.key in self._shown:
                was = self.resolved(q)
                del self._shown[q.key]
                self._done[q.phase] -= was and not self.resolved(q)
        self._k = k

    def stop(self) -> None:
        self.on = False

    def set_phases(self, phases: frozenset[str]) -> None:
        """Which phases are asked (questions.PHASES). Steps already passed stay shown."""
        self.phases = phases or ALL

    def restart(self) -> None:
        """Forget every answer, shown mark and the score: the next run through asks everything."""
        self._records, self._shown = {}, {}
        self._done = Counter()
        self.first = self.asked = 0

    def _show(self, q: Question) -> None:
        if q.key in self._shown and agree(self._shown[q.key], q.answer):
            return
        was = self.resolved(q)
        self._shown[q.key] = q.answer
        self._done[q.phase] += not was

    # -- the screen asks ----------------------------------------------------------------------------
    def record(self, q: Question) -> Record | None:
        """The learner's tries at this question (None: none yet, or they were for another number)."""
        rec = self._records.get(q.key)
        return rec if rec is not None and agree(rec.answer, q.answer) else None

    def resolved(self, q: Question) -> bool:
        """Answered (right, or the answer shown), or its number shown without a question."""
        shown = self._shown.get(q.key)
        if shown is not None and agree(shown, q.answer):
            return True
        rec = self.record(q)
        return rec is not None and rec.status in ("right", "missed")

    def pending(self, q: Question) -> bool:
        return self.on and q.phase in self.phases and not self.resolved(q)

    def hidden(self, step: Step | int) -> bool:
        """Whether the screen must hide this step's number (as `?`): a question about it is pending."""
        index = step if isinstance(step, int) else step.index
        return self.on and any(self.pending(q) for q in self._by_step.get(index, ()))

    def hidden_entries(self, step: Step | int) -> frozenset[tuple[int, ...]]:
        """The entries of a network step's array that are hidden ((row, unit) or (out, in)); () for a chain."""
        index = step if isinstance(step, int) else step.index
        return frozenset(q.entry for q in self._by_step.get(index, ()) if self.pending(q))

    def about(self, k: int) -> list[Question]:
        """Every question about the current step, in any phase."""
        return list(self._by_step.get(k - 1, ()))

    def asked_at(self, k: int) -> list[Question]:
        """The chosen phases' questions about the current step (answered or not)."""
        return [q for q in self._by_step.get(k - 1, ()) if q.phase in self.phases]

    def current(self, k: int) -> Question | None:
        """The question to answer now: the first pending one about the current step."""
        return next((q for q in self._by_step.get(k - 1, ()) if self.pending(q)), None)

    def score(self) -> Score:
        to_go = sum(self._total[p] - self._done[p] for p in self.phases) if self.on else 0
        return Score(self.first, self.asked, to_go)

    # -- a prediction -------------------------------------------------------------------------------
    def submit(self, k: int, text: str) -> Feedback:
        """Judge what was typed for the current question; with none pending, ask the screen to move on."""
        q = self.current(k)
        if q is None:
            return Feedback("next", "", None, advance=True)
        try:
            p = read_prediction(text)
        except BadInput as err:
            where = f" (column {err.col})" if err.col and text.strip() else ""
            return Feedback("invalid", f"{err.message}{where}", q)
        rec = self.record(q)
        if rec is None:
            rec = self._records[q.key] = Record(q.answer)
        rec.tries.append(text.strip())
        first = len(rec.tries) == 1
        if first:
            self.asked += 1
        typed = text.strip() if p.decimals is not None or text.strip() == short(p.value) else \
            f"{text.strip()} = {short(p.value)}"
        if judge(p, q.answer):
            rec.status = "right"
            self._done[q.phase] += 1
            self.first += first
            more = any(self.pending(other) for other in self._by_step.get(q.step, ()))
            note = "right first time" if first else "right on the second try"
            return Feedback("right", f"✓ {note}: {q.working}", q, advance=not more)
        flipped = Prediction(text, -p.value, p.decimals)
        sign = " The size is right; check the sign." if p.value and judge(flipped, q.answer) else ""
        if first:
            rec.status = "tried"
            return Feedback("hint", f"✗ {typed} is not {q.label}.{sign} Hint: {q.hint}. Try again.", q)
        rec.status = "missed"
        self._done[q.phase] += 1
        return Feedback("answer", f"✗ {typed} is not it either.{sign} The answer: {q.working}", q)
