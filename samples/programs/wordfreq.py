# Word-frequency report over a generated text: regular expressions,
# collections, str methods and sorting with key functions.
# Runs on Python 2.7 and 3.x; call counts do not depend on hashing.
from __future__ import print_function

import re
import collections

WORDS = ("the quick brown fox jumps over the lazy dog while a slow green "
         "turtle walks past the old stone bridge near the river bank and "
         "every morning the baker sells fresh bread to the hungry people").split()

WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")
SENTENCE_RE = re.compile(r"[.!?]\s+")


def make_text(n_sentences):
    """Build a deterministic text from a linear congruential sequence."""
    seed = 12345
    sentences = []
    for _ in range(n_sentences):
        length = 5 + seed % 9
        words = []
        for _ in range(length):
            seed = (seed * 1103515245 + 12345) % 2147483648
            words.append(WORDS[seed % len(WORDS)])
        sentence = " ".join(words)
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
    return " ".join(sentences)


def normalise(word):
    return word.lower().strip("'")


def tokenize(text):
    return [normalise(w) for w in WORD_RE.findall(text.lower())]


def count_words(tokens):
    counts = collections.Counter()
    for tok in tokens:
        counts[tok] += 1
    return counts


def by_first_letter(tokens):
    groups = collections.defaultdict(set)
    for tok in tokens:
        groups[tok[0]].add(tok)
    return dict((k, sorted(v)) for k, v in groups.items())


def longest_sentences(text, n):
    sentences = [s for s in SENTENCE_RE.split(text) if s]
    return sorted(sentences, key=lambda s: (-len(s.split()), s))[:n]


def report(counts):
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    lines = []
    for word, n in rows[:10]:
        lines.append("%-10s %5d %s" % (word, n, "*" * (n // 20)))
    return "\n".join(lines)


def main():
    text = make_text(2000)
    tokens = tokenize(text)
    counts = count_words(tokens)
    print(report(counts))
    groups = by_first_letter(tokens)
    print(", ".join("%s:%d" % (k, len(groups[k])) for k in sorted(groups)))
    for s in longest_sentences(text, 3):
        print(s.title().replace(" ", "_")[:40])
    print(sum(1 for t in tokens if t.startswith("th")), "words start with th")


if __name__ == "__main__":
    main()
