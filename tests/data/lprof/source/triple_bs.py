def f():
    s = '''a\
b\\
c'''
    return s
z=3
