# Line-profiler sample (run with `kernprof -l lines_calc.py`): a small
# arithmetic tokenizer, parser and evaluator: methods of one class,
# mutual recursion, and lines hit thousands of times.
import re

try:
    profile
except NameError:  # run without kernprof: no profiling
    def profile(func):
        return func


TOKEN = re.compile(r"\s*(?:(\d+\.?\d*)|(.))")


@profile
def tokenize(text):
    tokens = []
    for number, op in TOKEN.findall(text):
        if number:
            tokens.append(("num", float(number)))
        elif op.strip():
            tokens.append(("op", op))
    tokens.append(("end", None))
    return tokens


class Parser(object):
    def __init__(self, tokens):
        self.tokens = tokens
        self.pos = 0

    @profile
    def peek(self):
        return self.tokens[self.pos]

    @profile
    def take(self):
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    @profile
    def expr(self):
        node = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            node = (op, node, self.term())
        return node

    @profile
    def term(self):
        node = self.factor()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.take()[1]
            node = (op, node, self.factor())
        return node

    @profile
    def factor(self):
        kind, value = self.take()
        if kind == "num":
            return value
        if value == "(":
            node = self.expr()
            self.take()
            return node
        if value == "-":
            return ("neg", self.factor())
        raise SyntaxError("unexpected %r" % (value,))


@profile
def evaluate(node):
    if isinstance(node, float):
        return node
    if node[0] == "neg":
        return -evaluate(node[1])
    left, right = evaluate(node[1]), evaluate(node[2])
    if node[0] == "+":
        return left + right
    if node[0] == "-":
        return left - right
    if node[0] == "*":
        return left * right
    return left / right if right else float("inf")


@profile
def make_expression(seed, depth):
    if depth == 0:
        return str(seed % 97 + 1)
    op = "+-*/"[seed % 4]
    left = make_expression(seed * 7 + 1, depth - 1)
    right = make_expression(seed * 13 + 3, depth - 1)
    if seed % 5 == 0:
        return "-(%s %s %s)" % (left, op, right)
    return "(%s %s %s)" % (left, op, right)


@profile
def checksum(values):
    total = 0.0
    count = 0
    for v in values:
        if v == v and v not in (float("inf"), float("-inf")):
            total += v
            count += 1
    return round(total, 6), count


@profile
def run(n):
    results = []
    for seed in range(n):
        text = make_expression(seed, 4)
        tree = Parser(tokenize(text)).expr()
        results.append(evaluate(tree))
    return checksum(results)


print(run(150))
