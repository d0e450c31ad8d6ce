def f():
    s = 'abc\
  def'
    t = 'unterminated
    return s
x = 1
