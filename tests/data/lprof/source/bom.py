@profile
def f():
    return 1
