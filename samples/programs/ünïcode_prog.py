# Non-ASCII file name and identifiers (Python 3 only): the profile keys
# hold non-ASCII strings, which marshal writes as TYPE_UNICODE.


def résumé(text):
    """Return the words of text, accents folded."""
    table = str.maketrans("éèêàïüöç", "eeeaiuoc")
    return [w.translate(table) for w in text.split()]


class Café:
    def __init__(self, name):
        self.name = name
        self.orders = []

    def commander(self, boisson):
        self.orders.append(boisson)
        return len(self.orders)

    def addition(self):
        return sum(len(o) for o in self.orders)


def größe(n):
    return n if n < 2 else größe(n - 1) + größe(n - 2)


def main():
    words = résumé("crème brûlée à la café naïve über höflich garçon " * 300)
    c = Café("Le Zébre")
    for w in words:
        c.commander(w)
    print(len(words), c.addition(), größe(18))
    print("→".join(sorted(set(words))))


if __name__ == "__main__":
    main()
