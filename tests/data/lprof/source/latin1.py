# -*- coding: latin-1 -*-
@profile
def f():
    s = 'café'  # é
    return s
x = 1
