"""Parser for the chain language: `name = expr` per line, Python's precedence, no Python involved.

Sums and products are parsed with loops (a 10,000-term line is one loop, not 10,000 stack frames);
only parentheses, calls, unary signs and `**` recurse, and they are capped at MAX_DEPTH levels.
"""

from __future__ import annotations

from backprop_tui import limits
from backprop_tui.errors import BadInput
from backprop_tui.lang.expr import Assignment, Expr, Num, Op, Ref, names_read
from backprop_tui.lang.functions import CONST, FUNCTIONS, MANY_OUTPUT, known_functions
from backprop_tui.lang.program import Program
from backprop_tui.lang.tokens import Token, tokenize

MAX_DEPTH = limits.NESTING
_BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div"}


class _Parser:
    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.tokens = tokenize(text, self.lines)
        self.pos = 0
        self.depth = 0

    # -- helpers ------------------------------------------------------------------------------------
    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def fail(self, message: str, tok: Token) -> BadInput:
        return BadInput(message, tok.line, tok.col, self.lines[tok.line - 1] if tok.line <= len(self.lines)
                        else None)

    def expect(self, text: str, what: str) -> Token:
        tok = self.peek()
        if tok.text != text or tok.kind not in ("op",):
            raise self.fail(f"expected {what}, found {describe(tok)}", tok)
        return self.take()

    def deeper(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"expression nested too deeply (more than {MAX_DEPTH} levels); "
                            "split it into named steps", tok)

    # -- grammar ------------------------------------------------------------------------------------
    def statements(self) -> list[tuple[list[Token], Expr, Token]]:
        out = []
        while True:
            tok = self.peek()
            if tok.kind == "end":
                return out
            if tok.kind == "newline" or tok.text == ";":
                self.take()
                continue
            if len(out) == limits.STATEMENTS:
                raise self.fail(limits.over("STATEMENTS", None, "the number of statements",
                                            "split the program").message, tok)
            out.append(self.statement())

    def statement(self) -> tuple[list[Token], Expr, Token]:
        targets = [self.target()]
        while self.peek().text == ",":
            self.take()
            targets.append(self.target())
        eq = self.peek()
        if eq.text != "=":
            hint = "; a line must read name = expression" if eq.kind in ("op", "newline", "end") else ""
            raise self.fail(f"expected `=` after {', '.join(t.text for t in targets)}, found "
                            f"{describe(eq)}{hint}", eq)
        self.take()
        if self.peek().kind in ("newline", "end") or self.peek().text == ";":
            raise self.fail("missing the right-hand side after `=`", self.peek())
        expr = self.expr()
        tok = self.peek()
        if tok.kind not in ("newline", "end") and tok.text != ";":
            if tok.text == "=":
                raise self.fail("only one `=` per assignment (chained assignment is not allowed)", tok)
            raise self.fail(f"unexpected {describe(tok)}: an operator is missing, or the line has extra text",
                            tok)
        return targets, expr, eq

    def target(self) -> Token:
        tok = self.peek()
        if tok.kind != "name":
            raise self.fail(f"expected a name to assign to, found {describe(tok)}", tok)
        if tok.text in FUNCTIONS or tok.text in (MANY_OUTPUT, CONST):
            raise self.fail(f"`{tok.text}` is a function; choose another name for the variable", tok)
        return self.take()

    def expr(self) -> Expr:
        left = self.term()
        while (tok := self.peek()).text in ("+", "-") and tok.kind == "op":
            self.take()
            left = Op(_BINARY[tok.text], (left, self.term()), tok.line, tok.col)
        return left

    def term(self) -> Expr:
        left = self.unary()
        while (tok := self.peek()).text in ("*", "/") and tok.kind == "op":
            self.take()
            left = Op(_BINARY[tok.text], (left, self.unary()), tok.line, tok.col)
        return left

    def unary(self) -> Expr:
        signs: list[Token] = []
        while (tok := self.peek()).text in ("-", "+") and tok.kind == "op":
            signs.append(self.take())
            if len(signs) > MAX_DEPTH:
                raise self.fail(f"more than {MAX_DEPTH} signs in a row", tok)
        value = self.power()
        for sign in reversed(signs):
            if sign.text == "+":
                continue
            value = Num(-value.value, sign.line, sign.col) if isinstance(value, Num) else \
                Op("neg", (value,), sign.line, sign.col)
        return value

    def power(self) -> Expr:
        base = self.atom()
        tok = self.peek()
        if tok.text == "**" and tok.kind == "op":
            self.take()
            self.deeper(tok)
            exponent = self.unary()  # right-associative, and 2**-1 is allowed, as in Python
            self.depth -= 1
            return Op("pow", (base, exponent), tok.line, tok.col)
        return base

    def atom(self) -> Expr:
        tok = self.take()
        if tok.kind == "num":
            return Num(tok.value, tok.line, tok.col)
        if tok.kind == "name":
            if self.peek().text == "(":
                return self.call(tok)
            return Ref(tok.text, tok.line, tok.col)
        if tok.text == "(":
            self.deeper(tok)
            inner = self.expr()
            self.depth -= 1
            if self.peek().text != ")":
                raise self.fail(f"expected `)` to close the `(` at column {tok.col}, found "
                                f"{describe(self.peek())}", self.peek())
            self.take()
            return inner
        if tok.kind in ("newline", "end") or tok.text == ";":
            raise self.fail("the expression ends too early: an operand is missing", tok)
        raise self.fail(f"unexpected {describe(tok)}", tok)

    def call(self, name: Token) -> Expr:
        fn = name.text
        if fn not in FUNCTIONS and fn not in (MANY_OUTPUT, CONST):
            raise self.fail(f"unknown function `{fn}`; known: {', '.join(known_functions())}, const", name)
        open_paren = self.take()
        self.deeper(open_paren)
        args: list[Expr] = []
        if self.peek().text != ")":
            args.append(self.expr())
            while self.peek().text == ",":
                self.take()
                args.append(self.expr())
        if self.peek().text != ")":
            raise self.fail(f"expected `,` or `)` in the call to {fn}, found {describe(self.peek())}",
                            self.peek())
        self.take()
        self.depth -= 1
        want = FUNCTIONS.get(fn, 1 if fn == CONST else None)
        if want is not None and len(args) != want:
            raise self.fail(f"{fn} takes {want} argument{'s' if want != 1 else ''}, got {len(args)}", name)
        if fn == MANY_OUTPUT and not args:
            raise self.fail("softmax needs at least one argument", name)
        return Op(fn, tuple(args), name.line, name.col)


def describe(tok: Token) -> str:
    if tok.kind == "end":
        return "the end of the program"
    if tok.kind == "newline":
        return "the end of the line"
    if tok.kind == "num":
        return f"number {tok.text}"
    if tok.kind == "name":
        return f"name `{tok.text}`"
    return f"`{tok.text}`"


def parse_chain(text: str, output: str | None = None) -> Program:
    parser = _Parser(text)
    raw = parser.statements()
    lines = parser.lines
    assignments: list[Assignment] = []
    defined: dict[str, int] = {}
    for targets, expr, eq in raw:
        assignments.extend(_assign(targets, expr, eq, lines, defined))
    if not assignments:
        raise BadInput("the program is empty: write assignments such as x = 1 and y = 2*x",
                       hint="example:  x = 1\n          w = 2\n          y = x*w")
    out = output if output is not None else assignments[-1].name
    if out not in defined:
        raise BadInput(f"--of {out}: no variable of that name; defined: {_names_hint(defined)}")
    return Program(tuple(assignments), out, "chain")


def _names_hint(defined: dict[str, int]) -> str:
    names = list(defined)
    return ", ".join(names[:12]) + (", …" if len(names) > 12 else "")


def _assign(targets: list[Token], expr: Expr, eq: Token, lines: list[str], defined: dict[str, int]) -> list[Assignment]:
    text = lines[eq.line - 1]
    seen: set[str] = set()
    for tok in targets:
        if tok.text in defined:
            raise BadInput(f"`{tok.text}` is already assigned on line {defined[tok.text]}; names are "
                           "single-assignment (use a new name, such as " f"{tok.text}2)", tok.line, tok.col, text)
        if tok.text in seen:
            raise BadInput(f"`{tok.text}` appears twice on the left-hand side", tok.line, tok.col, text)
        seen.add(tok.text)
    is_softmax = isinstance(expr, Op) and expr.op == MANY_OUTPUT
    if is_softmax:
        arity = len(expr.args)  # type: ignore[union-attr]
        limits.check("SOFTMAX_ARITY", arity, "the number of softmax inputs",
                     f"its Jacobian would be {arity:,}² = {arity * arity:,} local steps", expr.line, expr.col,
                     lines[expr.line - 1])
    if is_softmax and len(targets) != len(expr.args):
        count = len(expr.args)
        raise BadInput(f"softmax of {count} input{'s' if count != 1 else ''} gives {count} output"
                       f"{'s' if count != 1 else ''}, but "
                       f"{len(targets)} name{'s are' if len(targets) != 1 else ' is'} assigned",
                       eq.line, eq.col, text)
    if not is_softmax and len(targets) > 1:
        raise BadInput(f"{len(targets)} names but one value: only softmax(...) gives several outputs",
                       targets[1].line, targets[1].col, text)
    constant, expr = _const(expr, lines)
    _check_names(expr, targets, defined, lines)
    reads = names_read(expr)
    out = []
    for k, tok in enumerate(targets):
        one = Op(MANY_OUTPUT, expr.args, expr.line, expr.col, k) if is_softmax else expr  # type: ignore[union-attr]
        out.append(Assignment(tok.text, one, tok.line, tok.col, text, constant, reads))
        defined[tok.text] = tok.line
    return out


def _const(expr: Expr, lines: list[str]) -> tuple[bool, Expr]:
    """`const(2)` marks a leaf without gradient; const anywhere else is an error."""
    if isinstance(expr, Op) and expr.op == CONST:
        arg = expr.args[0]
        if not isinstance(arg, Num):
            raise BadInput("const(...) takes a number, such as const(2)", expr.line, expr.col,
                           lines[expr.line - 1])
        return True, arg
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Op):
            if node.op == CONST:
                raise BadInput("const(...) marks a whole leaf: write c = const(2), then use c",
                               node.line, node.col, lines[node.line - 1])
            if node.op == MANY_OUTPUT and node is not expr:
                raise BadInput("softmax gives several outputs: assign it on its own line, as "
                               "p1, p2 = softmax(z1, z2)", node.line, node.col, lines[node.line - 1])
            stack.extend(node.args)
    return False, expr


def _check_names(expr: Expr, targets: list[Token], defined: dict[str, int], lines: list[str]) -> None:
    own = {t.text for t in targets}
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Ref):
            if node.name in own:
                raise BadInput(f"`{node.name}` is used in its own definition; names are single-assignment, "
                               "so define it from other names", node.line, node.col, lines[node.line - 1])
            if node.name in FUNCTIONS or node.name == MANY_OUTPUT:
                raise BadInput(f"`{node.name}` is a function: call it, as {node.name}(x)", node.line, node.col,
                               lines[node.line - 1])
            if node.name not in defined and node.name.lower() in ("nan", "inf", "infinity"):
                raise BadInput(f"`{node.name}` is not allowed: every number must be finite", node.line,
                               node.col, lines[node.line - 1])
            if node.name not in defined:
                raise BadInput(f"`{node.name}` is used before it is defined", node.line, node.col,
                               lines[node.line - 1])
        elif isinstance(node, Op):
            stack.extend(node.args)


def parse_expression(text: str) -> Expr:
    """One expression on its own (`2*3`, `-0.5*4`, `exp(1)`), as the quiz reads a typed prediction.

    The same tokenizer and precedence parser as a program's right-hand side; BadInput (with the column)
    for anything else, such as a second line, `=` or `;`.
    """
    parser = _Parser(text)
    if parser.peek().kind == "end":
        raise parser.fail("type a number, such as 0.59, or arithmetic, such as 2*3", parser.peek())
    expr = parser.expr()
    tok = parser.peek()
    if tok.kind != "end":
        raise parser.fail(f"unexpected {describe(tok)}: type one number or one arithmetic expression", tok)
    return expr
