f = lambda x: (x +
    1)
y = 2
