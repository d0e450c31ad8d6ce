def f():
    x = 1e-5 + 0x1fe-3 + 1_000.5j
    return x
y = 1
