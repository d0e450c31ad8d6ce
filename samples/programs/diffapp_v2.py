"""Version 2 of diffapp_v1.py: what changed, for prof-diff's tests.

- lower() is new and sits above everything, so every later function moved
  down (same file and name, other first line);
- score() does three times the work (a regression);
- legacy_filter() is gone and dedupe() is new;
- both classes still have a run() method: two moved functions with one
  (file, name), which no fallback can pair.
"""
try:
    profile
except NameError:  # run by cProfile, not kernprof
    def profile(func):
        return func

WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu "
         "nu xi omicron pi rho sigma tau upsilon phi chi psi omega").split()


@profile
def lower(words):
    return [w.lower() for w in words]


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
    for _ in range(3):
        for w in words:
            total += len(w)
    return total


def dedupe(words):
    return list(dict.fromkeys(words))


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
    words = lower(tokenize(text))
    score(words)
    dedupe(words)
    Counter().run(words)
    Lengths().run(words)


main()
