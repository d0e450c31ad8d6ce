def f():
    x = '''abc
