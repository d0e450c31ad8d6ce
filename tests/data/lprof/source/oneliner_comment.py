def f(): return 1  # c
    # indented comment
x = 1
