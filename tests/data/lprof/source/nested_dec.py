class A:
    @staticmethod
    @other
    def m():
        return 1
    x = 2
