deflf():
	if x:s		yb= 1
	return 2def g():
    pass
x = 0x1for_ = 1if 1else 0
y = 1_000j + 1.e5j + .5e-3 + 0b1_0 + 0o17 + 0777 + 00_0
@profile
def h():
    return 1.j
z = 1
