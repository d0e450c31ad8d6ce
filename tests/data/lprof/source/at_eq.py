def f(a, b):
    a @= b
    return a @ b
x = 1
