# A small class hierarchy: inheritance, super(), properties, special
# methods and methods that share names across classes (so keys differ
# only by line), plus heapq and bisect. Runs on Python 2.7 and 3.x.
from __future__ import print_function

import bisect
import heapq
import math


class Shape(object):
    count = 0

    def __init__(self, name):
        Shape.count += 1
        self.name = name

    def area(self):
        raise NotImplementedError

    def __lt__(self, other):
        return self.area() < other.area()

    def __repr__(self):
        return "%s(%.2f)" % (self.name, self.area())


class Circle(Shape):
    def __init__(self, r):
        super(Circle, self).__init__("circle")
        self.r = r

    def area(self):
        return math.pi * self.r * self.r

    @property
    def diameter(self):
        return 2 * self.r


class Rect(Shape):
    def __init__(self, w, h):
        super(Rect, self).__init__("rect")
        self.w, self.h = w, h

    def area(self):
        return self.w * self.h


class Square(Rect):
    def __init__(self, side):
        super(Square, self).__init__(side, side)
        self.name = "square"


def make_shapes(n):
    shapes = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            shapes.append(Circle(1 + i % 7))
        elif kind == 1:
            shapes.append(Rect(1 + i % 5, 2 + i % 4))
        else:
            shapes.append(Square(1 + i % 6))
    return shapes


def main():
    shapes = make_shapes(1500)
    print(heapq.nsmallest(3, shapes))
    ordered = sorted(shapes)
    areas = [s.area() for s in ordered]
    print(bisect.bisect_left(areas, 20.0), len(areas))
    print(sum(c.diameter for c in shapes if isinstance(c, Circle)))
    print(Shape.count, repr(ordered[-1]))
    try:
        Shape("abstract").area()
    except NotImplementedError:
        print("abstract area refused")


if __name__ == "__main__":
    main()
