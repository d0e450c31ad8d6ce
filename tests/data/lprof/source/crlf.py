@profile
def f():
    x = 1
    return x
y = 2
