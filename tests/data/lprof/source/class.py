@dec(a,
     b)
class C:
    '''doc
'''
    def m(self):
        pass

    # comment
# c0
x = 1
