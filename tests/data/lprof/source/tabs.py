def f():
	if x:
		y = 1
	return 2

def g():
        pass
