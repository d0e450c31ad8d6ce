def f(x):
    return f'{x!r}' + rb'\d' + Rb"q" + u'u'
x = 1
