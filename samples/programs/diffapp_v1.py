"""Version 1 of a small program profiled twice for prof-diff's tests.

diffapp_v2.py is the next version of this file: see samples/make_diff.sh.
"""
try:
    profile
except NameError:  # run by cProfile, not kernprof
    def profile(func):
        return func

WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu "
         "nu xi omicron pi rho sigma tau upsilon phi chi psi omega").split()


@profile
def make_text(n):
    out = []
    for i in range(n):
        out.append(WORDS[(i * 7) % len(WORDS)])
    return " ".join(out)


@profile
def tokenize(text):
    return [w.strip(".,") for w in text.split()]


@profile
def score(words):
    total = 0
    for w in words:
        total += len(w)
    return total


def legacy_filter(words):
    return [w for w in words if len(w) > 2]


class Counter:
    def run(self, words):
        seen = {}
        for w in words:
            seen[w] = seen.get(w, 0) + 1
        return seen


class Lengths:
    def run(self, words):
        return sorted(len(w) for w in words)


def main():
    text = make_text(20000)
    words = legacy_filter(tokenize(text))
    score(words)
    Counter().run(words)
    Lengths().run(words)


main()
