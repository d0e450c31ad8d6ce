def f():
    return 'ÿ'
