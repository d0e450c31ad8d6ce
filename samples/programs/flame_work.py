"""A small text pipeline, for flame graph samples (and a differential pair).

    python3 flame_work.py          the baseline
    python3 flame_work.py tuned    tokenising gets cheaper (one compiled
                                   regex instead of str.split loops) and
                                   scoring dearer (a quadratic dedupe), so a
                                   differential graph has red and blue frames

Deterministic: the text is generated from a fixed seed.
"""
import random
import re
import sys

WORD = re.compile(r"[a-z]+")


def make_text(rng, lines):
    words = ["alpha", "beta", "gamma", "delta", "omega", "kappa", "sigma", "tau"]
    return ["%s, %s; %s." % (rng.choice(words), rng.choice(words), rng.choice(words))
            for _ in range(lines)]


def tokenize_slow(line):
    out = []
    for part in line.split():
        out.extend(p for p in part.replace(",", " ").replace(";", " ").replace(".", " ").split())
    return out


def tokenize_fast(line):
    return WORD.findall(line)


def score(tokens, quadratic):
    if quadratic:
        seen = []
        for t in tokens:
            if t not in seen:
                seen.append(t)
        return len(seen)
    return len(set(tokens))


def transform(tokens):
    return [t.upper()[::-1] for t in tokens]


def render(results):
    return "\n".join("%d:%s" % (n, ",".join(t)) for n, t in results)


def pipeline(tuned):
    rng = random.Random(1234)
    text = make_text(rng, 3000)
    results = []
    all_tokens = []
    for line in text:
        tokens = tokenize_fast(line) if tuned else tokenize_slow(line)
        all_tokens.extend("%s%d" % (t, len(all_tokens) % 400) for t in tokens[:1])
        results.append((score(tokens, False), transform(tokens)))
    score(all_tokens, tuned)
    return render(results)


def main():
    tuned = len(sys.argv) > 1 and sys.argv[1] == "tuned"
    for _ in range(3):
        pipeline(tuned)


main()
