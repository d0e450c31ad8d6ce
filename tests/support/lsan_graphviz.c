/* Graphviz and the font libraries it loads keep allocations until exit
 * (see tests/golden/prof2dot/lsan.supp); they are not profkit's. Linked
 * into every unit test, so the tests that draw need no copy of it. */
#if defined(__SANITIZE_ADDRESS__)
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:gvPluginList\nleak:libgvc.so\nleak:libfontconfig.so\nleak:libpango\n"
           "leak:libcairo\nleak:libgvplugin\n";
}
#else
typedef int pk_no_lsan; /* an empty file is not ISO C */
#endif
