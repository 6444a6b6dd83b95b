"""Surfaces typed as formulas: ``surfaces.from_formula("sin(x)*cos(y) + 0.1*(x^2 + y^2)")``.

The text is read by a small parser of our own with a whitelist (numbers, ``x``, ``y``, ``pi``,
``e``, ``+ - * / ** ^``, unary minus, parentheses and calls of :data:`FUNCTIONS`); nothing of
it is handed to ``eval``, ``exec``, ``sympify`` or ``parse_expr``.  Its length, nesting depth and
constant exponents are bounded, and every refusal is a ``ValueError`` that names the offending
part, its column, and what is allowed.

The parsed tree is built into a sympy expression node by node; sympy differentiates it (gradient
and Hessian, never finite differences) and ``cse`` shares the common parts.  The three results
are then written as small register programs into the surface's parameter array ``p``, and one
compiled interpreter (:func:`_value`, :func:`_gradient`, :func:`_hessian`) evaluates every
formula: no formula is compiled, so a new one costs parsing and differentiation only (tens of
milliseconds), and a stream of formulas leaves no compiled code behind.

A program is a list of instructions of four numbers ``(op, a, b, c)``; instruction ``k`` writes
register ``k``, from the registers ``a`` and ``b`` (earlier ones) or, for :data:`CONST`, the
number ``c``.  ``p`` holds a header (for each of the value, the gradient and the Hessian: where
its program starts, how many instructions it has, and its output registers) and the programs.
Where a formula is undefined (log of a negative number, a division by zero) the interpreter
gives ``nan`` or ``inf``, as compiled code with NumPy's error model does: the views mask it and a
run that walks into it diverges cleanly.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import re
from dataclasses import dataclass

import numpy as np
import sympy

from optviz.jit import PAIR_SIG, SCALAR_SIG, TRIPLE_SIG, compiled
from optviz.spec import Hyperparameter
from surfaces._base import Surface

__all__ = ["parse", "from_formula", "FUNCTIONS", "MAX_LENGTH", "MAX_DEPTH", "MAX_EXPONENT", "MAX_INSTRUCTIONS",
           "MAX_GRADIENT_OPS"]

#: The longest formula accepted, in characters.
MAX_LENGTH = 300
#: The deepest nesting of parentheses and calls accepted.
MAX_DEPTH = 20
#: The largest constant exponent accepted (in absolute value): ``x**64`` but not ``x**65``.
MAX_EXPONENT = 64
#: The most instructions the value, gradient and Hessian programs may have together.
MAX_INSTRUCTIONS = 4000
#: The most operations the gradient may have (sympy's count): the Hessian is derived from it and
#: grows about as its square, so this bounds the work of a formula that is short but expensive
#: (a product of 24 sines: 4,600 operations in the gradient, 2 s for sympy's Hessian; refused).
MAX_GRADIENT_OPS = 1500
#: The largest constant (in absolute value) a formula may hold or compute.
MAX_CONSTANT = 1e300

_x, _y = sympy.symbols("x y", real=True)

#: The functions a formula may call, each of one argument: name -> sympy function.
FUNCTIONS = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
    "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "abs": sympy.Abs,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
    "arcsin": sympy.asin, "arccos": sympy.acos, "arctan": sympy.atan,
    "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
}
_CONSTANTS = {"pi": sympy.pi, "e": sympy.E}
_VARIABLES = {"x": _x, "y": _y}
_NAMES = {*_VARIABLES, *_CONSTANTS, *FUNCTIONS}
_ALLOWED = ", ".join([*_VARIABLES, *_CONSTANTS, *FUNCTIONS])


# --- reading the text ------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
                    r"|(?P<op>\*\*|[-+*/^(),]))")


@dataclass(frozen=True)
class _Token:
    kind: str    # "number", "name", "op" or "end"
    text: str
    column: int  # 1-based


def _refuse(message: str, column: int | None = None) -> ValueError:
    return ValueError(f"column {column}: {message}" if column is not None else message)


def _tokens(text: str) -> list[_Token]:
    out, i = [], 0
    while i < len(text):
        match = _TOKEN.match(text, i)
        if match is None or match.end() == i:
            rest = text[i:].lstrip()
            if not rest:
                break
            column = len(text) - len(rest) + 1
            char = rest[0]
            hint = {".": " (attribute access is not part of a formula)", "[": " (no indexing)", "=": " (no assignment)",
                    "²": " (write ^2)", "³": " (write ^3)", "·": " (write *)", "×": " (write *)",
                    "−": " (write - with the keyboard's minus)"}.get(char, "")
            raise _refuse(f"{char!r} is not allowed{hint}; a formula has numbers, + - * / ** ^, parentheses "
                          f"and the names {_ALLOWED}", column)
        kind = match.lastgroup
        out.append(_Token(kind, match.group(kind), match.start(kind) + 1))
        if kind == "name" and out[-1].text not in _NAMES:   # before any character after it: os.system
            raise _refuse(f"name {out[-1].text!r} is not allowed (allowed: {_ALLOWED})", out[-1].column)
        i = match.end()
    out.append(_Token("end", "", len(text) + 1))
    return out


class _Parser:
    """Recursive descent over the tokens, building sympy nodes as it goes:

    expr  := term (("+" | "-") term)*
    term  := unary (("*" | "/") unary)*
    unary := ("-" | "+") unary | power
    power := atom (("**" | "^") unary)?        (right-associative; -x**2 is -(x**2))
    atom  := number | name | function "(" expr ")" | "(" expr ")"
    """

    def __init__(self, text: str, as_typed: bool = False):
        self.tokens = _tokens(text)
        self.at = 0
        self.depth = 0
        #: Build the tree as typed, for typesetting (sympy otherwise rewrites 0.1*(x^2 + y^2) as
        #: x^2/10 + y^2/10); only for text already read once, so nothing is checked again.
        self.as_typed = as_typed

    def node(self, kind: str, *args):
        """The node ``kind`` of ``args``: sympy's, or as typed a tuple ``(kind, *args)``."""
        if self.as_typed:
            return (kind, *args)
        if kind in FUNCTIONS:
            return FUNCTIONS[kind](*args)
        return {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
                "/": lambda a, b: a / b, "neg": lambda a: -a, "^": sympy.Pow}[kind](*args)

    def checked(self, expr: sympy.Expr, column: int) -> sympy.Expr:
        return expr if self.as_typed else _checked(expr, column)

    @property
    def token(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def parse(self) -> sympy.Expr:
        expr = self.expr()
        if self.token.kind != "end":
            token = self.token
            if token.kind in ("number", "name") or token.text == "(":
                raise _refuse(f"missing operator before {token.text!r} (write * for a product: 2*x, not 2x)",
                              token.column)
            raise _refuse(f"unexpected {token.text!r}", token.column)
        return expr

    def expr(self) -> sympy.Expr:
        return self.chain(("+", "-"), self.term)

    def term(self) -> sympy.Expr:
        return self.chain(("*", "/"), self.unary)

    def chain(self, ops: tuple[str, str], operand) -> sympy.Expr:
        """``operand (op operand)*`` for the two operators ``ops``, left-associative."""
        left = operand()
        while self.token.text in ops:
            op = self.take()
            right = operand()
            if not self.as_typed and op.text == "/" and right.is_zero:
                raise _refuse("division by the constant zero", op.column)
            left = self.checked(self.node(op.text, left, right), op.column)
        return left

    def unary(self) -> sympy.Expr:
        if self.token.text in ("-", "+"):
            op = self.take()
            self.enter(op)
            operand = self.unary()
            self.depth -= 1
            return self.node("neg", operand) if op.text == "-" else operand
        return self.power()

    def power(self) -> sympy.Expr:
        base = self.atom()
        if self.token.text in ("**", "^"):
            op = self.take()
            self.enter(op)
            exponent = self.unary()
            self.depth -= 1
            if not self.as_typed and not exponent.free_symbols:
                value = _number(exponent, op.column)
                if abs(value) > MAX_EXPONENT:
                    raise _refuse(f"the exponent {value:.6g} is too large (at most {MAX_EXPONENT} in absolute value)",
                                  op.column)
            if not self.as_typed and base.is_zero and not exponent.free_symbols and _number(exponent, op.column) < 0:
                raise _refuse("zero to a negative power", op.column)
            # a constant base only: asking sympy whether x^2 + y - 11 is negative costs its assumptions
            if not self.as_typed and exponent.free_symbols and not base.free_symbols and base.is_negative:
                raise _refuse(f"a negative number ({_number(base, op.column):g}) to a power in x or y is not real "
                              f"for most x and y; write -(2^x) for minus 2 to the x", op.column)
            return self.checked(self.node("^", base, exponent), op.column)
        return base

    def atom(self) -> sympy.Expr:
        token = self.take()
        if token.kind == "number":
            value = float(token.text)
            if not abs(value) <= MAX_CONSTANT:
                raise _refuse(f"the number {token.text} is too large (at most {MAX_CONSTANT:g})", token.column)
            if self.as_typed:
                return ("number", token.text)
            return sympy.Rational(token.text) if ("." in token.text or "e" in token.text.lower()) \
                else sympy.Integer(int(token.text))
        if token.kind == "name":
            name = token.text
            if name in FUNCTIONS:
                if self.token.text != "(":
                    raise _refuse(f"{name} is a function: write {name}(...)", token.column)
                opening = self.take()
                self.enter(opening)
                argument = self.expr()
                if self.token.text == ",":
                    raise _refuse(f"{name} takes one argument", self.token.column)
                self.close(opening)
                return self.checked(self.node(name, argument), token.column)
            if name in _VARIABLES or name in _CONSTANTS:
                if self.token.text == "(":
                    raise _refuse(f"{name} is not a function; write * for a product: {name}*(...)",
                                  self.token.column)
                return ("name", name) if self.as_typed else _VARIABLES.get(name, _CONSTANTS.get(name))
            raise _refuse(f"name {name!r} is not allowed (allowed: {_ALLOWED})", token.column)
        if token.text == "(":
            self.enter(token)
            inner = self.expr()
            self.close(token)
            return ("paren", inner) if self.as_typed else inner
        if token.kind == "end":
            raise _refuse("the formula ends too early (an operand is missing)", token.column)
        raise _refuse(f"unexpected {token.text!r} (an operand is missing)", token.column)

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _refuse(f"the formula is nested too deeply (at most {MAX_DEPTH} levels)", token.column)

    def close(self, opening: _Token) -> None:
        if self.token.text != ")":
            raise _refuse(f"the parenthesis opened at column {opening.column} is not closed", self.token.column)
        self.take()
        self.depth -= 1


def _number(expr: sympy.Expr, column: int) -> float:
    try:
        value = float(sympy.N(expr, 17)) if not expr.is_Number else float(expr)
    except (OverflowError, TypeError, ValueError):
        raise _refuse("a constant is too large or not a real number", column) from None
    if not math.isfinite(value) or abs(value) > MAX_CONSTANT:
        raise _refuse(f"a constant is too large (at most {MAX_CONSTANT:g})", column)
    return value


def _checked(expr: sympy.Expr, column: int) -> sympy.Expr:
    """``expr``, refused if it is a constant that is too large or not real (``(-8)**0.5``).  Sympy
    works constants out exactly, so checking each one as it is built keeps a power of a power
    from growing without bound (``9**9**9**9`` stops at the second power)."""
    if not expr.free_symbols:
        if expr.is_real is False:
            raise _refuse("a constant part is not a real number", column)
        _number(expr, column)
    return expr


def parse(text: str) -> sympy.Expr:
    """The sympy expression of ``text`` (a formula in ``x`` and ``y``), or ``ValueError`` saying
    what is wrong and where."""
    if not isinstance(text, str):
        raise ValueError(f"a formula is text; got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"the formula is {len(text)} characters long; at most {MAX_LENGTH}")
    if not text.strip():
        raise ValueError("the formula is empty: type f(x, y), such as sin(x)*cos(y) + 0.1*(x^2 + y^2)")
    expr = _Parser(text).parse()
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise ValueError("the formula is undefined everywhere (it divides by zero or takes an infinite value)")
    if expr.has(sympy.I):
        raise ValueError("the formula has an imaginary constant part (such as sqrt(-1))")
    return expr


@functools.lru_cache(maxsize=128)   # a formula is derived to check it, then its surface is built; 128 x 128 KB
def _program(text: str) -> np.ndarray:
    """The read-only programs of ``text`` (see ``compile_program``), or ``ValueError``: a formula
    is accepted only once its derivatives are known to be within bounds."""
    program = compile_program(parse(text))
    program.setflags(write=False)
    return program


def latex(text: str) -> str:
    """``text`` (a formula that :func:`parse` accepts) typeset as it was typed: its grouping,
    order and numbers kept (sympy's printer would show 0.1*(x^2 + y^2) as x^2/10 + y^2/10)."""
    return _typeset(_Parser(text, as_typed=True).parse())


_TEX_NAMES = {"x": "x", "y": "y", "pi": r"\pi", "e": "e"}
_TEX_FUNCTIONS = {"arcsin": r"\arcsin", "arccos": r"\arccos", "arctan": r"\arctan", "asin": r"\arcsin",
                  "acos": r"\arccos", "atan": r"\arctan"}


def _typeset(node) -> str:
    kind, *args = node
    if kind == "number":
        mantissa, _, exponent = args[0].lower().partition("e")
        return f"{mantissa} \\cdot 10^{{{int(exponent)}}}" if exponent else mantissa
    if kind == "name":
        return _TEX_NAMES[args[0]]
    if kind == "paren":
        return rf"\left({_typeset(args[0])}\right)"
    if kind in ("+", "-"):
        return f"{_typeset(args[0])} {kind} {_typeset(args[1])}"
    if kind == "neg":
        return f"-{_typeset(args[0])}"
    if kind == "*":
        left, right = _typeset(args[0]), _typeset(args[1])
        return f"{left} \\cdot {right}" if right[:1].isdigit() or right.startswith("-") else f"{left}\\,{right}"
    if kind == "/":
        return rf"\frac{{{_typeset(_bare(args[0]))}}}{{{_typeset(_bare(args[1]))}}}"
    if kind == "^":
        return f"{{{_typeset(args[0])}}}^{{{_typeset(_bare(args[1]))}}}"
    inner = _typeset(args[0])   # a function call
    if kind == "sqrt":
        return rf"\sqrt{{{inner}}}"
    if kind == "abs":
        return rf"\left|{inner}\right|"
    command = _TEX_FUNCTIONS.get(kind, "\\" + kind)
    return rf"{command}\left({inner}\right)"


def _bare(node):
    """``node`` without its outer parentheses (a fraction or an exponent groups by itself)."""
    return node[1] if node[0] == "paren" else node


# --- programs --------------------------------------------------------------------------------------

CONST, X, Y, ADD, SUB, MUL, DIV, POW, NEG, POWI = range(10)
SIN, COS, TAN, EXP, LOG, SQRT, ABS, SINH, COSH, TANH, ASIN, ACOS, ATAN, SIGN = range(10, 24)
_UNARY = {sympy.sin: SIN, sympy.cos: COS, sympy.tan: TAN, sympy.exp: EXP, sympy.log: LOG, sympy.Abs: ABS,
          sympy.sinh: SINH, sympy.cosh: COSH, sympy.tanh: TANH, sympy.asin: ASIN, sympy.acos: ACOS,
          sympy.atan: ATAN, sympy.sign: SIGN}
#: Header: for the value, the gradient and the Hessian, (start, count, out0, out1, out2).
_HEADER = 15


class _Program:
    """Register code for a few expressions that share their common parts."""

    def __init__(self):
        self.code: list[tuple[float, float, float, float]] = []
        self.memo: dict = {}

    def emit(self, op: int, a: int = 0, b: int = 0, c: float = 0.0) -> int:
        key = (op, a, b, c)
        if key in self.memo:
            return self.memo[key]
        self.code.append((float(op), float(a), float(b), float(c)))
        if len(self.code) > MAX_INSTRUCTIONS:
            raise ValueError(f"the formula is too complex: its derivatives need more than {MAX_INSTRUCTIONS:,} "
                             f"operations")
        self.memo[key] = len(self.code) - 1
        return self.memo[key]

    def const(self, value: float) -> int:
        return self.emit(CONST, c=float(value))

    def add(self, expr: sympy.Expr, names: dict) -> int:
        if expr in names:
            return names[expr]
        if expr == _x:
            return self.emit(X)
        if expr == _y:
            return self.emit(Y)
        if isinstance(expr, sympy.DiracDelta):   # the derivative of sign: zero almost everywhere
            return self.const(0.0)
        if expr.is_Number or (expr.is_number and not expr.free_symbols):
            value = complex(sympy.N(expr, 17))
            if value.imag:
                raise ValueError("the formula's derivatives have a constant part that is not a real number")
            return self.const(value.real)
        if isinstance(expr, sympy.Add):
            terms = [self.add(arg, names) for arg in expr.args]
            out = terms[0]
            for term in terms[1:]:
                out = self.emit(ADD, out, term)
            return out
        if isinstance(expr, sympy.Mul):
            numerator = [a for a in expr.args if not (a.is_Pow and a.exp.is_Number and a.exp < 0)]
            denominator = [1 / a for a in expr.args if a.is_Pow and a.exp.is_Number and a.exp < 0]
            if numerator and numerator[0] == -1:   # -a*b: a negation, as the formula would be written
                rest = sympy.Mul(*numerator[1:], *[1 / d for d in denominator])
                return self.emit(NEG, self.add(rest, names))
            factors = [self.add(a, names) for a in numerator] or [self.const(1.0)]
            out = factors[0]
            for factor in factors[1:]:
                out = self.emit(MUL, out, factor)
            if denominator:
                below = [self.add(d, names) for d in denominator]
                d = below[0]
                for factor in below[1:]:
                    d = self.emit(MUL, d, factor)
                out = self.emit(DIV, out, d)
            return out
        if isinstance(expr, sympy.Pow):
            base, exponent = expr.args
            if exponent.is_Integer:
                n = int(exponent)
                b = self.add(base, names)
                if n < 0:
                    return self.emit(DIV, self.const(1.0), self.emit(POWI, b, 0, float(-n)))
                return self.emit(POWI, b, 0, float(n))
            if exponent == sympy.Rational(1, 2):
                return self.emit(SQRT, self.add(base, names))
            if exponent == sympy.Rational(-1, 2):
                return self.emit(DIV, self.const(1.0), self.emit(SQRT, self.add(base, names)))
            if base == sympy.E:
                return self.emit(EXP, self.add(exponent, names))
            return self.emit(POW, self.add(base, names), self.add(exponent, names))
        if expr.func in _UNARY:
            return self.emit(_UNARY[expr.func], self.add(expr.args[0], names))
        raise ValueError(f"the formula's derivative needs {expr.func.__name__}, which optviz cannot evaluate")

    def outputs(self, exprs: list[sympy.Expr]) -> list[int]:
        replacements, reduced = sympy.cse(exprs, optimizations=None, order="none")
        names: dict = {}
        for symbol, value in replacements:   # each may use the ones before it
            names[symbol] = self.add(value, names)
        return [self.add(e, names) for e in reduced]


def compile_program(expr: sympy.Expr) -> np.ndarray:
    """The parameter array ``p`` of a formula surface: header and programs of f, grad f, Hess f."""
    gx, gy = sympy.diff(expr, _x), sympy.diff(expr, _y)
    size = sympy.count_ops(gx) + sympy.count_ops(gy)
    if size > MAX_GRADIENT_OPS:
        raise ValueError(f"the formula is too complex: its gradient has {size:,} operations, at most "
                         f"{MAX_GRADIENT_OPS:,} (its second derivatives would take too long); write it with fewer "
                         f"factors or less nesting")
    parts = ([expr], [gx, gy], [sympy.diff(gx, _x), sympy.diff(gx, _y), sympy.diff(gy, _y)])
    header = np.zeros(_HEADER)
    body: list = []
    for k, exprs in enumerate(parts):
        program = _Program()
        outs = program.outputs(exprs)
        header[5 * k: 5 * k + 2] = (_HEADER + 4 * len(body), len(program.code))
        header[5 * k + 2: 5 * k + 2 + len(outs)] = outs
        body += program.code
        if len(body) > MAX_INSTRUCTIONS:
            raise ValueError(f"the formula is too complex: its derivatives need more than {MAX_INSTRUCTIONS:,} "
                             f"operations")
    return np.concatenate([header, np.asarray(body, dtype=np.float64).ravel()])


# --- the interpreter -----------------------------------------------------------------------------------


@compiled("float64(float64[::1], int64, float64, float64, float64[::1])")
def _execute(p, part, x, y, r):
    """Run program ``part`` (0 value, 1 gradient, 2 Hessian) of ``p`` at ``(x, y)`` into ``r``."""
    start, count = int(p[5 * part]), int(p[5 * part + 1])
    for k in range(count):
        i = start + 4 * k
        op, a, b = int(p[i]), int(p[i + 1]), int(p[i + 2])
        if op == CONST:
            v = p[i + 3]
        elif op == X:
            v = x
        elif op == Y:
            v = y
        elif op == ADD:
            v = r[a] + r[b]
        elif op == SUB:
            v = r[a] - r[b]
        elif op == MUL:
            v = r[a] * r[b]
        elif op == DIV:
            v = r[a] / r[b]
        elif op == POW:
            base, exponent = r[a], r[b]
            v = base ** exponent if base >= 0.0 or exponent == math.floor(exponent) else math.nan
        elif op == NEG:
            v = -r[a]
        elif op == POWI:
            n = int(p[i + 3])
            base = r[a]
            v = 1.0
            while n > 0:   # by squaring, as compiled code raises a float to an integer power
                if n & 1:
                    v *= base
                base *= base
                n >>= 1
        elif op == SIN:
            v = math.sin(r[a])
        elif op == COS:
            v = math.cos(r[a])
        elif op == TAN:
            v = math.tan(r[a])
        elif op == EXP:
            v = math.exp(r[a])
        elif op == LOG:
            v = math.log(r[a]) if r[a] > 0.0 else (-math.inf if r[a] == 0.0 else math.nan)
        elif op == SQRT:
            v = math.sqrt(r[a]) if r[a] >= 0.0 else math.nan
        elif op == ABS:
            v = abs(r[a])
        elif op == SINH:
            v = math.sinh(r[a])
        elif op == COSH:
            v = math.cosh(r[a])
        elif op == TANH:
            v = math.tanh(r[a])
        elif op == ASIN:
            v = math.asin(r[a]) if -1.0 <= r[a] <= 1.0 else math.nan
        elif op == ACOS:
            v = math.acos(r[a]) if -1.0 <= r[a] <= 1.0 else math.nan
        elif op == ATAN:
            v = math.atan(r[a])
        else:   # SIGN
            v = 0.0 if r[a] == 0.0 else (math.copysign(1.0, r[a]) if r[a] == r[a] else math.nan)
        r[k] = v
    return 0.0


@compiled(SCALAR_SIG)
def _value(x, y, p):
    r = np.empty(int(p[1]))
    _execute(p, 0, x, y, r)
    return r[int(p[2])]


@compiled(PAIR_SIG)
def _gradient(x, y, p):
    r = np.empty(int(p[6]))
    _execute(p, 1, x, y, r)
    return r[int(p[7])], r[int(p[8])]


@compiled(TRIPLE_SIG)
def _hessian(x, y, p):
    r = np.empty(int(p[11]))
    _execute(p, 2, x, y, r)
    return r[int(p[12])], r[int(p[13])], r[int(p[14])]


# --- the surface ---------------------------------------------------------------------------------------

#: The window a typed formula is drawn over unless another is given.
DEFAULT_DOMAIN = ((-5.0, 5.0), (-5.0, 5.0))
#: The formula the app's "your own formula" surface opens with.
DEFAULT_FORMULA = "sin(x)*cos(y) + 0.1*(x^2 + y^2)"
#: The largest window coordinate accepted (in absolute value).
MAX_WINDOW = 1e6


def _check(text: str) -> str:
    if not isinstance(text, str):
        raise ValueError(f"a formula is text; got {type(text).__name__}")
    _program(text)
    return text


#: The family's parameters, as the app and links set them: the text and the window.
PARAMETERS = (
    Hyperparameter("f", DEFAULT_FORMULA, high=MAX_LENGTH, kind="text", check=_check,
                   help="A formula in x and y: numbers, + - * / ^ (or **), parentheses, pi, e and "
                        + ", ".join(FUNCTIONS)),
    *(Hyperparameter(name, default, -MAX_WINDOW, MAX_WINDOW, slider=(-20.0, 20.0),
                     help=f"The window's {what} (the map spans x_min to x_max and y_min to y_max).")
      for name, default, what in (("x_min", DEFAULT_DOMAIN[0][0], "left edge"),
                                  ("x_max", DEFAULT_DOMAIN[0][1], "right edge"),
                                  ("y_min", DEFAULT_DOMAIN[1][0], "bottom edge"),
                                  ("y_max", DEFAULT_DOMAIN[1][1], "top edge"))),
)
#: The names of the window's parameters: reset together when they do not make a window.
WINDOW = ("x_min", "x_max", "y_min", "y_max")


def _window(domain) -> tuple[tuple[float, float], tuple[float, float]]:
    try:
        (x0, x1), (y0, y1) = domain
        x0, x1, y0, y1 = (float(v) for v in (x0, x1, y0, y1))
    except (TypeError, ValueError):
        raise ValueError(f"domain must be ((x0, x1), (y0, y1)) with x0 < x1 and y0 < y1; got {domain!r:.80}") from None
    if not all(math.isfinite(v) and abs(v) <= MAX_WINDOW for v in (x0, x1, y0, y1)) or not (x0 < x1 and y0 < y1):
        raise ValueError(f"domain must be ((x0, x1), (y0, y1)) with x0 < x1, y0 < y1 and every bound within "
                         f"±{MAX_WINDOW:g}; got {((x0, x1), (y0, y1))}")
    return (x0, x1), (y0, y1)


def from_formula(text: str, domain=DEFAULT_DOMAIN):
    """The surface ``f(x, y) = text`` over ``domain`` (``((x0, x1), (y0, y1))``), with its
    gradient and Hessian derived symbolically.  Its minima are not known (``minima == ()``).
    The same surface as ``surfaces.get("formula", f=text, x_min=x0, x_max=x1, y_min=y0,
    y_max=y1)``, the app's "your own formula".

    >>> import surfaces
    >>> s = surfaces.from_formula("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", domain=((-5, 5), (-5, 5)))
    >>> float(s.value(3.0, 2.0)), [float(g) for g in s.gradient(3.0, 2.0)]
    (0.0, [0.0, 0.0])
    """
    window = _window(domain)
    if not isinstance(text, str):
        raise ValueError(f"a formula is text; got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ValueError(f"the formula is {len(text)} characters long; at most {MAX_LENGTH}")
    return _surface(" ".join(text.split()), window)


def _rebuild(f: str, x_min: float, x_max: float, y_min: float, y_max: float):
    for low, high, lo_name, hi_name in ((x_min, x_max, "x_min", "x_max"), (y_min, y_max, "y_min", "y_max")):
        if not low < high:
            raise ValueError(f"{lo_name} ({low:g}) must be less than {hi_name} ({high:g})")
    return from_formula(f, ((x_min, x_max), (y_min, y_max)))


@functools.lru_cache(maxsize=128)   # a formula seen before costs nothing; at most 128 x 128 KB
def _surface(text: str, window):
    program = _program(text)
    (x0, x1), (y0, y1) = window
    surface = Surface(
        name="formula", title="Your own formula", latex="f(x, y) = " + latex(text),
        value_fn=_value, gradient_fn=_gradient, hessian_fn=_hessian, domain=window,
        start=(float(f"{x0 + 0.2 * (x1 - x0):.4g}"), float(f"{y0 + 0.8 * (y1 - y0):.4g}")), minima=(),
        note=("A formula you type: its gradient and Hessian are derived from it symbolically. Its minima are "
              "not known, so the distance plot has nothing to measure, the loss plot shows f itself, and the "
              "basin map shows where the runs come to rest."),
        parameters=PARAMETERS, values=(("f", text), ("x_min", x0), ("x_max", x1), ("y_min", y0), ("y_max", y1)),
        make_params=lambda **_: program.copy(),   # a copy: the cached program stays as it was
        formula=text, rebuild=_rebuild,
        reference=("Gradient and Hessian by SymPy: A. Meurer et al., \"SymPy: symbolic computing in Python\", "
                   "PeerJ Computer Science 3:e103 (2017)."),
    )
    _, _, Z = surface.grid(48)
    return dataclasses.replace(surface, log_scale=_spans_decades(Z), start=_defined_start(surface, 48))


def _defined_start(surface, n: int) -> tuple[float, float]:
    """``surface.start`` if f has a value there, else the nearest point of an ``n`` x ``n``
    grid over the window (to 4 digits) where it has one (log(x) on a window around 0 starts right
    of the y axis), or ``ValueError`` if f is undefined on the whole grid."""
    sx, sy = surface.start
    if math.isfinite(surface.value(sx, sy)):
        return surface.start
    xs, ys = (np.linspace(lo, hi, n) for lo, hi in surface.domain)
    X, Y = np.meshgrid([float(f"{v:.4g}") for v in xs], [float(f"{v:.4g}") for v in ys])
    ok = np.isfinite(surface.value(X, Y))
    if not ok.any():
        (x0, x1), (y0, y1) = surface.domain
        raise ValueError(f"the formula is undefined everywhere in the window (x from {x0:g} to {x1:g}, y from "
                         f"{y0:g} to {y1:g}): choose another window or formula")
    i = np.argmin(np.where(ok, np.hypot(X - sx, Y - sy), np.inf))
    return float(X.flat[i]), float(Y.flat[i])


def _spans_decades(Z: np.ndarray) -> bool:
    """Whether a map of ``Z`` should space its levels by log10: when a linear scale would paint most of
    the window in its lowest colour (a third of it below the lowest twentieth of the range), as
    for Rosenbrock typed out; the built-in surfaces say so themselves (``log_scale``).  On the
    built-ins this picks log for Rosenbrock, Beale, Matyas and Goldstein-Price, as they do, and
    linear for every one that is linear; it misses Himmelblau and the long valley (a fifth and a
    seventh of their windows in that lowest twentieth).  ``Z``: f on a 48 x 48 grid over the window."""
    finite = Z[np.isfinite(Z)]
    if finite.size < 16:
        return False
    lo, hi = float(finite.min()), float(finite.max())
    return hi > lo and float(np.mean(finite < lo + 0.05 * (hi - lo))) > 1 / 3


#: The registry's entry (``surfaces.get("formula", ...)``): the default formula and window.
FORMULA = from_formula(DEFAULT_FORMULA, DEFAULT_DOMAIN)
