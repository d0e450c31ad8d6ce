/*
 * The deterministic profiler: what cProfile (_lsprof) records, counted the
 * same way, and written as .pstats through the library.
 *
 * Events. Python up to 3.11: a C profile function (PyEval_SetProfile), as
 * _lsprof uses, for the calling thread only. Python 3.12+: sys.monitoring
 * callbacks as C functions (tool id 2, the profiler slot), as _lsprof 3.12+
 * uses; PyEval_SetProfile there is a shim over the same events that also
 * makes a frame object per call (bench/bench_collector.sh on 3.13: 3.14x
 * bare with sys.monitoring, 3.61x with the shim, cProfile 4.19x; build
 * with -DPKC_USE_SETPROFILE to measure the shim). Monitoring events come
 * from every thread; only the thread that enabled the profiler is
 * recorded (see README).
 *
 * Counting, as _lsprof counts (the facts come from Modules/_lsprof.c):
 *  - a function's entry is keyed by its code object, a C function's by
 *    its PyMethodDef; a C function is named once, when first seen;
 *  - every activation pushes a context; when it ends, its time less what
 *    its callees took goes to the function's inline time, and all of it
 *    to the total time only if no other activation of the function is
 *    still on the stack (so recursion does not count time twice); an end
 *    inside another activation of the same function counts as a
 *    recursive call;
 *  - the caller -> callee edge keeps the same four numbers, recursion
 *    judged per (caller, callee) pair;
 *  - an end event whose key is not the top context's still ends the top
 *    context, charged to the key's entry (or dropped when the key is
 *    unknown), as _lsprof does; disable() ends every open context.
 * Unlike _lsprof, the top context remembers its entry and edge, so the
 * usual end event costs no lookups.
 */
#include "collector.h"

#include <string.h>

#if defined(PKC_USE_SETPROFILE) /* for measuring: the PyEval_SetProfile shim on 3.12+ */
#define MONITORING 0
#else
#define MONITORING (PY_VERSION_HEX >= 0x030C0000)
#endif
#define POOL_BLOCK 256
#define TOOL_ID 2

typedef struct edge edge;

typedef struct entry {
    void *key;
    PyObject *obj;   /* the code object, or the C function's name (a str) */
    edge *last_edge; /* this function's edge to the callee it called last */
    int64_t tt;      /* total time of the outermost activations, ns */
    int64_t it;      /* inline time (callees excluded), ns */
    long long calls, rec_calls;
    long level;      /* activations on the stack */
    uint32_t model;  /* function index while writing */
} entry;

struct edge {
    entry *caller, *callee;
    int64_t tt, it;
    long long calls, rec_calls;
    long level; /* activations of this pair on the stack */
};

typedef struct context {
    entry *fn;
    edge *via; /* NULL at the bottom of the stack */
    int64_t t0, subt;
} context;

/* Items in fixed blocks: pointers stay valid, and creation order is kept. */
typedef struct pool {
    char **blocks;
    size_t nblocks, cap, used, size;
} pool;

/* Open addressing over pointers, at most half full. */
typedef struct table {
    void **slots;
    size_t mask, count;
    unsigned shift;
} table;

typedef struct Profiler {
    PyObject_HEAD
    int builtins;
    int enabled;
    int nomem;
    pool entries, edges;
    table by_key, by_pair;
    context *stack;
    size_t depth, cap;
#if MONITORING
    PyThreadState *tstate;
    PyObject *missing;
#endif
} Profiler;

/* ---- storage ---- */

static void *pool_add(pool *p)
{
    if (!p->nblocks || p->used == POOL_BLOCK) {
        char *b;
        if (p->nblocks == p->cap) {
            size_t cap = p->cap ? p->cap * 2 : 16;
            char **nb = PyMem_RawRealloc(p->blocks, cap * sizeof *nb);
            if (!nb)
                return NULL;
            p->blocks = nb;
            p->cap = cap;
        }
        if (!(b = PyMem_RawCalloc(POOL_BLOCK, p->size)))
            return NULL;
        p->blocks[p->nblocks++] = b;
        p->used = 0;
    }
    return p->blocks[p->nblocks - 1] + p->used++ * p->size;
}

static size_t pool_count(const pool *p)
{
    return p->nblocks ? (p->nblocks - 1) * POOL_BLOCK + p->used : 0;
}

static void *pool_at(const pool *p, size_t i)
{
    return p->blocks[i / POOL_BLOCK] + (i % POOL_BLOCK) * p->size;
}

static void pool_dispose(pool *p)
{
    size_t i;

    for (i = 0; i < p->nblocks; i++)
        PyMem_RawFree(p->blocks[i]);
    PyMem_RawFree(p->blocks);
    p->blocks = NULL;
    p->nblocks = p->cap = p->used = 0;
}

/* Fibonacci hashing: pointers differ in their middle bits, and the
 * product's top bits mix all of them. */
static inline size_t hash_key(const void *k, unsigned shift)
{
    return (size_t)(((uint64_t)(uintptr_t)k * UINT64_C(0x9E3779B97F4A7C15)) >> shift);
}

static inline size_t hash_pair(const entry *a, const entry *b, unsigned shift)
{
    uint64_t h = (uint64_t)(uintptr_t)a * UINT64_C(0x9E3779B97F4A7C15) ^
                 (uint64_t)(uintptr_t)b * UINT64_C(0xC2B2AE3D27D4EB4F);
    return (size_t)((h * UINT64_C(0x9E3779B97F4A7C15)) >> shift);
}

static int table_init(table *t, unsigned bits)
{
    void **slots = PyMem_RawCalloc((size_t)1 << bits, sizeof *slots);

    if (!slots)
        return -1;
    PyMem_RawFree(t->slots);
    t->slots = slots;
    t->mask = ((size_t)1 << bits) - 1;
    t->shift = 64 - bits;
    t->count = 0;
    return 0;
}

static inline entry *entry_find(const Profiler *self, const void *key)
{
    const table *t = &self->by_key;
    size_t i = hash_key(key, t->shift);

    for (;;) {
        entry *e = t->slots[i];
        if (!e || e->key == key)
            return e;
        i = (i + 1) & t->mask;
    }
}

static inline edge *edge_find(const Profiler *self, const entry *caller, const entry *callee)
{
    const table *t = &self->by_pair;
    size_t i = hash_pair(caller, callee, t->shift);

    for (;;) {
        edge *g = t->slots[i];
        if (!g || (g->caller == caller && g->callee == callee))
            return g;
        i = (i + 1) & t->mask;
    }
}

static void table_put(table *t, void *item, size_t h)
{
    while (t->slots[h])
        h = (h + 1) & t->mask;
    t->slots[h] = item;
    t->count++;
}

/* Doubles a table before it gets more than half full. */
static int table_make_room(table *t, int pairs)
{
    table bigger = {NULL, 0, 0, 0};
    size_t i;

    if ((t->count + 1) * 2 <= t->mask + 1)
        return 0;
    if (table_init(&bigger, 64 - t->shift + 1) < 0)
        return -1;
    for (i = 0; i <= t->mask; i++) {
        void *it = t->slots[i];
        if (!it)
            continue;
        if (pairs)
            table_put(&bigger, it, hash_pair(((edge *)it)->caller, ((edge *)it)->callee, bigger.shift));
        else
            table_put(&bigger, it, hash_key(((entry *)it)->key, bigger.shift));
    }
    PyMem_RawFree(t->slots);
    *t = bigger;
    return 0;
}

/* ---- naming C functions as _lsprof does ---- */

/* "<len>" or "<mod.name>" for a function without __self__ (rare in 3.x);
 * otherwise the repr of what type(__self__) holds under the name, such as
 * "<method 'append' of 'list' objects>", else "<built-in method mod.name>"
 * ("<built-in method builtins.len>": module functions have the module as
 * __self__ and nothing of that name on the module type). */
static PyObject *cfunc_name(PyCFunctionObject *fn)
{
    const char *name = fn->m_ml->ml_name;
    PyObject *mod = fn->m_module, *attr, *found, *r;

    if (!fn->m_self) {
        PyObject *modname = NULL;
        if (mod && PyUnicode_Check(mod)) {
            Py_INCREF(mod);
            modname = mod;
        } else if (mod && PyModule_Check(mod) && !(modname = PyModule_GetNameObject(mod))) {
            PyErr_Clear();
        }
        if (modname && PyUnicode_CompareWithASCIIString(modname, "builtins") != 0)
            r = PyUnicode_FromFormat("<%U.%s>", modname, name);
        else
            r = PyUnicode_FromFormat("<%s>", name);
        Py_XDECREF(modname);
        return r;
    }
    if ((attr = PyUnicode_FromString(name))) {
        found = _PyType_Lookup(Py_TYPE(fn->m_self), attr);
        Py_XINCREF(found);
        Py_DECREF(attr);
        if (found) {
            r = PyObject_Repr(found);
            Py_DECREF(found);
            if (r)
                return r;
        }
    }
    PyErr_Clear();
    if (mod && PyUnicode_Check(mod))
        return PyUnicode_FromFormat("<built-in method %S.%s>", mod, name);
    return PyUnicode_FromFormat("<built-in method %s>", name);
}

/* ---- the hot path ---- */

static entry *entry_add(Profiler *self, void *key, PyObject *src, int is_c)
{
    PyObject *obj;
    entry *e;

    if (is_c) {
        pkc_exc saved;
        pkc_exc_save(&saved);
        obj = cfunc_name((PyCFunctionObject *)src);
        pkc_exc_restore(&saved); /* also drops an error from naming */
    } else {
        Py_INCREF(src);
        obj = src;
    }
    if (!obj || table_make_room(&self->by_key, 0) < 0 || !(e = pool_add(&self->entries))) {
        Py_XDECREF(obj);
        self->nomem = 1;
        return NULL;
    }
    e->key = key;
    e->obj = obj;
    table_put(&self->by_key, e, hash_key(key, self->by_key.shift));
    return e;
}

static edge *edge_add(Profiler *self, entry *caller, entry *callee)
{
    edge *g;

    if (table_make_room(&self->by_pair, 1) < 0 || !(g = pool_add(&self->edges))) {
        self->nomem = 1;
        return NULL;
    }
    g->caller = caller;
    g->callee = callee;
    table_put(&self->by_pair, g, hash_pair(caller, callee, self->by_pair.shift));
    return g;
}

static int stack_grow(Profiler *self)
{
    size_t cap = self->cap ? self->cap * 2 : 64;
    context *s = PyMem_RawRealloc(self->stack, cap * sizeof *s);

    if (!s) {
        self->nomem = 1;
        return -1;
    }
    self->stack = s;
    self->cap = cap;
    return 0;
}

static void enter(Profiler *self, void *key, PyObject *src, int is_c)
{
    entry *fn = entry_find(self, key);
    context *c;

    if (!fn && !(fn = entry_add(self, key, src, is_c)))
        return;
    if (self->depth == self->cap && stack_grow(self) < 0)
        return;
    c = &self->stack[self->depth];
    c->fn = fn;
    c->via = NULL;
    c->subt = 0;
    fn->level++;
    if (self->depth) {
        entry *caller = self->stack[self->depth - 1].fn;
        edge *g = caller->last_edge;
        if (!g || g->callee != fn) {
            if (!(g = edge_find(self, caller, fn)))
                g = edge_add(self, caller, fn);
            caller->last_edge = g;
        }
        if (g)
            g->level++;
        c->via = g;
    }
    self->depth++;
    c->t0 = pkc_now_ns();
}

/* Ends the top context, charging fn and the edge g (either may differ
 * from what the context started with only in the rare mismatched case). */
static void stop(Profiler *self, entry *fn, edge *g)
{
    context *c = &self->stack[--self->depth];
    int64_t tt = pkc_now_ns() - c->t0;
    int64_t it = tt - c->subt;

    if (self->depth)
        self->stack[self->depth - 1].subt += tt;
    if (--fn->level == 0)
        fn->tt += tt;
    else
        fn->rec_calls++;
    fn->it += it;
    fn->calls++;
    if (g) {
        if (--g->level == 0)
            g->tt += tt;
        else
            g->rec_calls++;
        g->it += it;
        g->calls++;
    }
}

static void leave(Profiler *self, const void *key)
{
    context *c;
    entry *fn;

    if (!self->depth)
        return; /* started before the profiler was enabled */
    c = &self->stack[self->depth - 1];
    if (c->fn->key == key) {
        stop(self, c->fn, c->via);
        return;
    }
    if (!(fn = entry_find(self, key))) {
        self->depth--;
        return;
    }
    stop(self, fn, self->depth > 1 ? edge_find(self, self->stack[self->depth - 2].fn, fn) : NULL);
}

static void flush(Profiler *self)
{
    while (self->depth) {
        context *c = &self->stack[self->depth - 1];
        stop(self, c->fn, c->via);
    }
}

/* ---- events ---- */

#if MONITORING

/* A C function (PyCFunction) for the callable of a CALL event, as
 * _lsprof takes it: a method descriptor called with a first argument is
 * bound to it. New reference, or NULL for everything else. */
static PyObject *as_cfunction(Profiler *self, PyObject *callable, PyObject *arg0)
{
    PyObject *m;

    if (PyCFunction_Check(callable)) {
        Py_INCREF(callable);
        return callable;
    }
    if (!Py_IS_TYPE(callable, &PyMethodDescr_Type) || arg0 == self->missing)
        return NULL;
    m = Py_TYPE(callable)->tp_descr_get(callable, arg0, (PyObject *)Py_TYPE(arg0));
    if (!m) {
        PyErr_Clear(); /* the call itself will raise it */
        return NULL;
    }
    if (PyCFunction_Check(m))
        return m;
    Py_DECREF(m);
    return NULL;
}

static inline int mine(Profiler *self)
{
    return PyThreadState_Get() == self->tstate;
}

static PyObject *on_py_start(PyObject *obj, PyObject *const *args, Py_ssize_t n)
{
    Profiler *self = (Profiler *)obj;

    if (n >= 1 && mine(self))
        enter(self, args[0], args[0], 0);
    Py_RETURN_NONE;
}

static PyObject *on_py_return(PyObject *obj, PyObject *const *args, Py_ssize_t n)
{
    Profiler *self = (Profiler *)obj;

    if (n >= 1 && mine(self))
        leave(self, args[0]);
    Py_RETURN_NONE;
}

static PyObject *on_call(PyObject *obj, PyObject *const *args, Py_ssize_t n)
{
    Profiler *self = (Profiler *)obj;
    PyObject *f;

    if (n >= 4 && mine(self) && (f = as_cfunction(self, args[2], args[3]))) {
        enter(self, ((PyCFunctionObject *)f)->m_ml, f, 1);
        Py_DECREF(f);
    }
    Py_RETURN_NONE;
}

static PyObject *on_c_return(PyObject *obj, PyObject *const *args, Py_ssize_t n)
{
    Profiler *self = (Profiler *)obj;
    PyObject *f;

    if (n >= 4 && mine(self) && (f = as_cfunction(self, args[2], args[3]))) {
        leave(self, ((PyCFunctionObject *)f)->m_ml);
        Py_DECREF(f);
    }
    Py_RETURN_NONE;
}

static PyMethodDef callback_defs[] = {
    {"_py_start", PKC_METH(on_py_start), METH_FASTCALL, NULL},
    {"_py_return", PKC_METH(on_py_return), METH_FASTCALL, NULL},
    {"_call", PKC_METH(on_call), METH_FASTCALL, NULL},
    {"_c_return", PKC_METH(on_c_return), METH_FASTCALL, NULL},
};

static const struct {
    const char *event;
    int callback; /* index in callback_defs */
    int builtin;  /* only when C functions are recorded */
} event_table[] = {
    {"PY_START", 0, 0}, {"PY_RESUME", 0, 0}, {"PY_THROW", 0, 0},
    {"PY_RETURN", 1, 0}, {"PY_YIELD", 1, 0}, {"PY_UNWIND", 1, 0},
    {"CALL", 2, 1}, {"C_RETURN", 3, 1}, {"C_RAISE", 3, 1},
};
#define N_EVENTS (sizeof event_table / sizeof event_table[0])

static int call_ok(PyObject *r)
{
    Py_XDECREF(r);
    return r ? 0 : -1;
}

/* Registers the callbacks and sets the events (on), or undoes that. */
static int hook_events(Profiler *self, PyObject *mon, int on)
{
    PyObject *events = PyObject_GetAttrString(mon, "events");
    long mask = 0;
    size_t i;

    if (!events)
        return -1;
    for (i = 0; i < N_EVENTS; i++) {
        PyObject *ev, *cb;
        long bit;
        if (event_table[i].builtin && !self->builtins)
            continue;
        if (!(ev = PyObject_GetAttrString(events, event_table[i].event))) {
            Py_DECREF(events);
            return -1;
        }
        bit = PyLong_AsLong(ev);
        if (on)
            cb = PyCFunction_New(&callback_defs[event_table[i].callback], (PyObject *)self);
        else
            cb = pkc_ref(Py_None);
        if (bit == -1 || !cb ||
            call_ok(PyObject_CallMethod(mon, "register_callback", "iOO", TOOL_ID, ev, cb)) < 0) {
            Py_DECREF(ev);
            Py_XDECREF(cb);
            Py_DECREF(events);
            return -1;
        }
        Py_DECREF(ev);
        Py_DECREF(cb);
        mask |= bit;
    }
    Py_DECREF(events);
    return call_ok(PyObject_CallMethod(mon, "set_events", "il", TOOL_ID, on ? mask : 0L));
}

/* Takes sys.monitoring's profiler slot and starts the events (on), or
 * stops them and gives the slot back. */
static int hook(Profiler *self, int on)
{
    PyObject *mon = PySys_GetObject("monitoring"); /* borrowed */
    PyObject *tool;
    int rc = -1;

    if (!mon) {
        PyErr_SetString(PyExc_RuntimeError, "profkit: sys.monitoring is missing");
        return -1;
    }
    Py_INCREF(mon);
    if (!on) {
        rc = hook_events(self, mon, 0);
        if (call_ok(PyObject_CallMethod(mon, "free_tool_id", "i", TOOL_ID)) < 0)
            rc = -1;
        goto done;
    }
    if (!(tool = PyObject_CallMethod(mon, "get_tool", "i", TOOL_ID)))
        goto done;
    if (tool != Py_None) {
        PyErr_Format(PyExc_RuntimeError,
                     "profkit: another profiler (sys.monitoring tool %d, %R) is active; "
                     "stop it before enabling profkit", TOOL_ID, tool);
        Py_DECREF(tool);
        goto done;
    }
    Py_DECREF(tool);
    Py_XSETREF(self->missing, PyObject_GetAttrString(mon, "MISSING"));
    if (!self->missing ||
        call_ok(PyObject_CallMethod(mon, "use_tool_id", "is", TOOL_ID, "profkit")) < 0)
        goto done;
    self->tstate = PyThreadState_Get();
    rc = hook_events(self, mon, 1);
    if (rc < 0) {
        pkc_exc saved;
        pkc_exc_save(&saved);
        Py_XDECREF(PyObject_CallMethod(mon, "free_tool_id", "i", TOOL_ID));
        pkc_exc_restore(&saved);
    }
done:
    Py_DECREF(mon);
    return rc;
}

#else /* Python up to 3.11: a profile function */

static int on_event(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    Profiler *self = (Profiler *)obj;
    PyCodeObject *co;

    switch (what) {
    case PyTrace_CALL:
        co = pkc_frame_code(frame);
        enter(self, co, (PyObject *)co, 0);
        Py_DECREF(co);
        break;
    case PyTrace_RETURN: /* normal or by an exception */
        co = pkc_frame_code(frame);
        leave(self, co);
        Py_DECREF(co);
        break;
    case PyTrace_C_CALL:
        if (self->builtins && PyCFunction_Check(arg))
            enter(self, ((PyCFunctionObject *)arg)->m_ml, arg, 1);
        break;
    case PyTrace_C_RETURN:
    case PyTrace_C_EXCEPTION:
        if (self->builtins && PyCFunction_Check(arg))
            leave(self, ((PyCFunctionObject *)arg)->m_ml);
        break;
    default:
        break;
    }
    return 0;
}

static int hook(Profiler *self, int on)
{
    PyThreadState *ts = PyThreadState_Get();

    if (!on) {
        PyEval_SetProfile(NULL, NULL);
        return 0;
    }
    if (ts->c_profilefunc && ts->c_profileobj != (PyObject *)self) {
        PyErr_Format(PyExc_RuntimeError,
                     "profkit: another profiler (sys.setprofile: %R) is active in this "
                     "thread; stop it before enabling profkit",
                     ts->c_profileobj ? ts->c_profileobj : Py_None);
        return -1;
    }
    PyEval_SetProfile(on_event, (PyObject *)self);
    if (ts->c_profilefunc != on_event) {
        PyErr_SetString(PyExc_RuntimeError, "profkit: the profile function was refused");
        return -1;
    }
    return 0;
}

#endif

/* ---- the type ---- */

static void clear_data(Profiler *self)
{
    size_t i, n = pool_count(&self->entries);

    for (i = 0; i < n; i++)
        Py_CLEAR(((entry *)pool_at(&self->entries, i))->obj);
    pool_dispose(&self->entries);
    pool_dispose(&self->edges);
    self->depth = 0;
}

static int reset(Profiler *self)
{
    clear_data(self);
    if (table_init(&self->by_key, 10) < 0 || table_init(&self->by_pair, 10) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static PyObject *profiler_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    Profiler *self = (Profiler *)type->tp_alloc(type, 0);

    (void)args;
    (void)kw;
    if (!self)
        return NULL;
    self->entries.size = sizeof(entry);
    self->edges.size = sizeof(edge);
    self->builtins = 1;
    if (reset(self) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int profiler_init(PyObject *obj, PyObject *args, PyObject *kw)
{
    Profiler *self = (Profiler *)obj;
    static char kw_builtins[] = "builtins";
    static char *kwlist[] = {kw_builtins, NULL};
    int builtins = 1;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "|p:Profiler", kwlist, &builtins))
        return -1;
    if (self->enabled) {
        PyErr_SetString(PyExc_RuntimeError, "profkit: cannot re-initialise an enabled profiler");
        return -1;
    }
    self->builtins = builtins;
    return 0;
}

static void profiler_dealloc(PyObject *obj)
{
    Profiler *self = (Profiler *)obj;

    if (self->enabled)
        (void)hook(self, 0); /* only at interpreter teardown: enabled ones are referenced */
    clear_data(self);
    PyMem_RawFree(self->by_key.slots);
    PyMem_RawFree(self->by_pair.slots);
    PyMem_RawFree(self->stack);
#if MONITORING
    Py_CLEAR(self->missing);
#endif
    Py_TYPE(obj)->tp_free(obj);
}

static PyObject *profiler_enable(PyObject *obj, PyObject *unused)
{
    Profiler *self = (Profiler *)obj;
    int claimed = pkc_claim(obj);

    (void)unused;
    if (claimed < 0)
        return NULL;
    if (claimed == 1)
        Py_RETURN_NONE; /* already enabled: like cProfile, nothing to do */
    if (hook(self, 1) < 0) {
        pkc_release(obj);
        return NULL;
    }
    self->enabled = 1;
    Py_RETURN_NONE;
}

static int disable(Profiler *self)
{
    int rc = 0;

    if (self->enabled) {
        rc = hook(self, 0);
        self->enabled = 0;
        flush(self);
        pkc_release((PyObject *)self);
    }
    if (rc == 0 && self->nomem) {
        self->nomem = 0;
        PyErr_SetString(PyExc_MemoryError,
                        "profkit: memory ran out while profiling; the profile is incomplete");
        rc = -1;
    }
    return rc;
}

static PyObject *profiler_disable(PyObject *obj, PyObject *unused)
{
    (void)unused;
    if (disable((Profiler *)obj) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *profiler_clear(PyObject *obj, PyObject *unused)
{
    (void)unused;
    if (reset((Profiler *)obj) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ---- writing ---- */

static int add_function(pk_profile *p, entry *e)
{
    pk_str file, name;
    int64_t line = 0;
    pk_func *f;
    int rc;

    if (PyCode_Check(e->obj)) {
        PyCodeObject *co = (PyCodeObject *)e->obj;
        rc = pkc_intern_str(&file, p, co->co_filename);
        if (rc == PK_OK)
            rc = pkc_intern_str(&name, p, co->co_name);
        line = co->co_firstlineno;
    } else {
        rc = pk_profile_intern(&file, p, "~", 1);
        if (rc == PK_OK)
            rc = pkc_intern_str(&name, p, e->obj);
    }
    if (rc == PK_OK)
        rc = pk_profile_func_get(&e->model, NULL, p, file, line, name);
    if (rc != PK_OK)
        return rc;
    /* Two entries with one key (code objects made by repeated exec) are
     * summed; cProfile keeps only the last. */
    f = pk_profile_func(p, e->model);
    f->stats.ncalls += e->calls;
    f->stats.pcalls += e->calls - e->rec_calls;
    f->stats.tottime += (double)e->it * 1e-9;
    f->stats.cumtime += (double)e->tt * 1e-9;
    return PK_OK;
}

static int add_edge(pk_profile *p, const edge *g)
{
    uint32_t i;
    pk_edge *e;
    int rc = pk_profile_edge_get(&i, NULL, p, g->caller->model, g->callee->model);

    if (rc != PK_OK)
        return rc;
    e = pk_profile_edge(p, i);
    e->stats.ncalls += g->calls;
    e->stats.pcalls += g->calls - g->rec_calls;
    e->stats.tottime += (double)g->it * 1e-9;
    e->stats.cumtime += (double)g->tt * 1e-9;
    return PK_OK;
}

/* The model of what was collected: entries never completed are left out,
 * and so are edges touching them, as cProfile leaves them out. */
static int build(pk_profile **out, Profiler *self)
{
    pk_profile *p = NULL;
    size_t i, n = pool_count(&self->entries), m = pool_count(&self->edges);
    double total = 0;
    int rc = pk_profile_new(&p);

    for (i = 0; i < n && rc == PK_OK; i++) {
        entry *e = pool_at(&self->entries, i);
        if (e->calls)
            rc = add_function(p, e);
    }
    if (rc == PK_OK)
        rc = pk_profile_edge_reserve(p, m);
    for (i = 0; i < m && rc == PK_OK; i++) {
        const edge *g = pool_at(&self->edges, i);
        if (g->caller->calls && g->callee->calls)
            rc = add_edge(p, g);
    }
    for (i = 0; rc == PK_OK && i < pk_profile_func_count(p); i++)
        total += pk_profile_func_c(p, (uint32_t)i)->stats.tottime;
    if (rc != PK_OK) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        pk_profile_free(p);
        return -1;
    }
    pk_profile_set_source(p, PK_SOURCE_PSTATS);
    pk_profile_set_total_time(p, total);
    *out = p;
    return 0;
}

static PyObject *profiler_dumps(PyObject *obj, PyObject *args, PyObject *kw)
{
    Profiler *self = (Profiler *)obj;
    static char kw_marshal_version[] = "marshal_version";
    static char *kwlist[] = {kw_marshal_version, NULL};
    pk_write_opts o = PK_WRITE_OPTS_INIT;
    pk_profile *p = NULL;
    PyObject *r;

    o.marshal_version = 4;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|i:dumps", kwlist, &o.marshal_version))
        return NULL;
    if (o.marshal_version != 2 && o.marshal_version != 4)
        return PyErr_Format(PyExc_ValueError,
                            "profkit: marshal_version must be 2 or 4, not %d", o.marshal_version);
    if (disable(self) < 0 || build(&p, self) < 0)
        return NULL;
    r = pkc_write_bytes(p, &o);
    pk_profile_free(p);
    return r;
}

static PyObject *profiler_enabled(PyObject *obj, void *closure)
{
    (void)closure;
    return PyBool_FromLong(((Profiler *)obj)->enabled);
}

static PyMethodDef profiler_methods[] = {
    {"enable", profiler_enable, METH_NOARGS,
     "enable()\n--\n\nStarts collecting. Raises RuntimeError when another profiler is active."},
    {"disable", profiler_disable, METH_NOARGS,
     "disable()\n--\n\nStops collecting; calls still open are ended now."},
    {"clear", profiler_clear, METH_NOARGS,
     "clear()\n--\n\nForgets everything collected so far."},
    {"dumps", PKC_METH(profiler_dumps), METH_VARARGS | METH_KEYWORDS,
     "dumps(marshal_version=4)\n--\n\nDisables the profiler and returns the profile as "
     ".pstats bytes\n(marshal version 4, or 2 for Python 2.7 readers)."},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef profiler_getset[] = {
    {"enabled", profiler_enabled, NULL, "True while collecting.", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject profiler_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_profkit.Profiler",
    .tp_basicsize = sizeof(Profiler),
    .tp_dealloc = profiler_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Profiler(builtins=True)\n--\n\n"
              "A deterministic profiler recording what cProfile records.",
    .tp_methods = profiler_methods,
    .tp_getset = profiler_getset,
    .tp_init = profiler_init,
    .tp_new = profiler_new,
};

int pkc_profiler_add_type(PyObject *module)
{
    if (PyType_Ready(&profiler_type) < 0)
        return -1;
    Py_INCREF(&profiler_type);
    if (PyModule_AddObject(module, "Profiler", (PyObject *)&profiler_type) < 0) {
        Py_DECREF(&profiler_type);
        return -1;
    }
    return 0;
}
