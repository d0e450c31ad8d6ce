/*
 * The sampler: a C thread ticks every interval, and at each tick the
 * Python stack is recorded into a prefix tree of code objects, written
 * out as folded stacks ("func (file:firstline)" frames, root first).
 *
 * Where the stack is read, and why that is safe. The tick thread never
 * touches Python objects without the GIL; stacks are only walked by a
 * thread holding the GIL, between two bytecodes, with the public frame API.
 *  - Main thread, Python 3.8 and 3.13+ ("pending"): the tick thread calls
 *    Py_AddPendingCall(), documented as callable from any thread without
 *    the GIL; the main thread runs the call at its next eval-breaker check
 *    and walks its own stack. No signal, no GIL hand-off.
 *  - Main thread, Python 3.9-3.12 ("signal"): there a pending call made by
 *    another thread does not set the main thread's eval breaker (it is
 *    only noticed at the next GIL switch, which a busy single-threaded
 *    program never makes), so the tick thread sends SIGPROF to the main
 *    thread instead. CPython's own signal handler notes it, and at the
 *    next eval-breaker check runs the Python-level handler, a C function
 *    here, which walks the stack. SIGPROF is installed with SA_RESTART
 *    (signal.siginterrupt(SIGPROF, False)), so system calls are restarted
 *    rather than failing with EINTR; a SIGPROF handler the program set
 *    itself is never replaced (enable() refuses).
 *  - All threads ("gil"), or a sampler enabled outside the main thread on
 *    3.9-3.12: a pending call or a signal reaches only the main thread,
 *    which may be blocked (in join(), say), so the tick thread takes the
 *    GIL itself (with its own thread state) and reads every thread's frame
 *    through sys._current_frames(). This costs a GIL hand-off per tick,
 *    and a thread busy in Python keeps the GIL for up to
 *    sys.getswitchinterval() (5 ms) before handing it over.
 * Counts are ticks: each sample is weighted by the ticks elapsed since the
 * previous one, so a long C call, a sleep or a late GIL is charged to the
 * Python frame that made it, and the counts sum to the elapsed time.
 */
#include "collector.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <profkit/stacks.h>

typedef struct node {
    PyObject *key;   /* a code object, or a thread's name (str) for a thread root */
    uint32_t parent;
    uint64_t count;  /* ticks that ended at this frame */
} node;

typedef struct Sampler {
    PyObject_HEAD
    int64_t interval_ns;
    int all_threads;
    int mode;       /* how ticks reach a thread holding the GIL (MODE_*) */
    int enabled;
    int nomem;
    pid_t pid;
    pthread_t main_thread; /* signal mode: where SIGPROF goes */
    PyObject *main_ident;  /* the main thread's ident (an int) */
    PyObject *old_handler; /* signal mode: SIGPROF's handler before ours */
    /* the tick thread */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop; /* under mu */
    /* sampling state: only touched with the GIL held */
    int64_t start_ns;
    uint64_t credited; /* ticks credited to stacks so far */
    uint64_t samples;  /* stacks recorded */
    PyObject *base;    /* stacks of the main thread stop below this frame */
    PyObject *keep;    /* list: every node's key, so its address stays unique */
    PyObject *names;   /* dict: thread ident -> name */
    PyObject *current_frames; /* sys._current_frames */
    node *nodes;
    size_t nnodes, cap;
    uint32_t *slots; /* (parent, key) -> node index + 1 */
    size_t mask;
    unsigned shift;
    PyObject **frames; /* one stack's code objects, leaf first */
    size_t frames_cap;
} Sampler;

enum { MODE_PENDING, MODE_SIGNAL, MODE_GIL };

/* Whether a pending call from another thread wakes the main thread. */
#define PENDING_WAKES_MAIN (PY_VERSION_HEX < 0x03090000 || PY_VERSION_HEX >= 0x030D0000)

/* The enabled sampler (GIL held), whether a pending call or a SIGPROF is
 * on its way, and the SIGPROF handler (a module-level C function). */
static Sampler *running;
static atomic_int tick_queued;
static PyObject *sigprof_handler;

/* ---- the prefix tree ---- */

static size_t slot_of(uint32_t parent, const PyObject *key, unsigned shift)
{
    uint64_t h = (uint64_t)(uintptr_t)key * UINT64_C(0x9E3779B97F4A7C15) ^
                 (uint64_t)parent * UINT64_C(0xC2B2AE3D27D4EB4F);
    return (size_t)((h * UINT64_C(0x9E3779B97F4A7C15)) >> shift);
}

static int slots_resize(Sampler *s, unsigned bits)
{
    uint32_t *slots = PyMem_RawCalloc((size_t)1 << bits, sizeof *slots);
    size_t i, mask = ((size_t)1 << bits) - 1;

    if (!slots)
        return -1;
    for (i = 1; i < s->nnodes; i++) {
        size_t h = slot_of(s->nodes[i].parent, s->nodes[i].key, 64 - bits);
        while (slots[h])
            h = (h + 1) & mask;
        slots[h] = (uint32_t)i + 1;
    }
    PyMem_RawFree(s->slots);
    s->slots = slots;
    s->mask = mask;
    s->shift = 64 - bits;
    return 0;
}

static int tree_reset(Sampler *s)
{
    s->nnodes = 1; /* the root */
    memset(&s->nodes[0], 0, sizeof s->nodes[0]);
    s->nodes[0].parent = UINT32_MAX;
    s->samples = 0;
    if (PyList_SetSlice(s->keep, 0, PyList_GET_SIZE(s->keep), NULL) < 0)
        return -1;
    if (slots_resize(s, 10) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* The child of parent for key, added (and key kept) if new; 0 when out of
 * memory (0 is the root, never a child). */
static uint32_t child(Sampler *s, uint32_t parent, PyObject *key)
{
    size_t h = slot_of(parent, key, s->shift);
    node *n;

    for (; s->slots[h]; h = (h + 1) & s->mask) {
        n = &s->nodes[s->slots[h] - 1];
        if (n->key == key && n->parent == parent)
            return s->slots[h] - 1;
    }
    if (s->nnodes >= UINT32_MAX - 1)
        return 0;
    if (s->nnodes == s->cap) {
        size_t cap = s->cap * 2;
        node *nn = PyMem_RawRealloc(s->nodes, cap * sizeof *nn);
        if (!nn)
            return 0;
        s->nodes = nn;
        s->cap = cap;
    }
    if (PyList_Append(s->keep, key) < 0) {
        PyErr_Clear();
        return 0;
    }
    n = &s->nodes[s->nnodes];
    n->key = key;
    n->parent = parent;
    n->count = 0;
    s->slots[h] = (uint32_t)++s->nnodes;
    if (s->nnodes * 2 > s->mask + 1 && slots_resize(s, 64 - s->shift + 1) < 0)
        s->nomem = 1; /* the table still works, only fuller */
    return (uint32_t)(s->nnodes - 1);
}

/* ---- taking a sample (GIL held) ---- */

/* Ticks since the last sample: the counts then sum to the elapsed time. */
static uint64_t due_ticks(Sampler *s)
{
    uint64_t total = (uint64_t)((pkc_now_ns() - s->start_ns) / s->interval_ns);
    uint64_t n = total > s->credited ? total - s->credited : 0;

    s->credited += n;
    return n;
}

/* Collects the code objects from top (borrowed) down to the base frame
 * into s->frames, leaf first. Returns the depth, or -1 out of memory. */
static Py_ssize_t walk(Sampler *s, PyFrameObject *top)
{
    PyFrameObject *f = top;
    size_t depth = 0;

    Py_XINCREF(f);
    while (f && (PyObject *)f != s->base) {
        PyFrameObject *back;
        if (depth == s->frames_cap) {
            size_t cap = s->frames_cap ? s->frames_cap * 2 : 64;
            PyObject **fr = PyMem_RawRealloc(s->frames, cap * sizeof *fr);
            if (!fr) {
                Py_DECREF(f);
                return -1;
            }
            s->frames = fr;
            s->frames_cap = cap;
        }
        /* The frame's code lives as long as the frame runs, and it runs
         * until this sample returns: a borrowed pointer is enough. */
        s->frames[depth] = (PyObject *)pkc_frame_code(f);
        Py_DECREF(s->frames[depth]);
        depth++;
        back = pkc_frame_back(f);
        Py_DECREF(f);
        f = back;
    }
    Py_XDECREF(f);
    if (PyErr_Occurred()) { /* a frame object could not be made */
        PyErr_Clear();
        return -1;
    }
    return (Py_ssize_t)depth;
}

/* Adds the stack whose innermost frame is top (borrowed) under node root. */
static void record(Sampler *s, uint32_t root, PyFrameObject *top, uint64_t ticks)
{
    Py_ssize_t depth = walk(s, top);
    uint32_t at = root;

    if (depth < 0) {
        s->nomem = 1;
        return;
    }
    if (depth == 0)
        return; /* nothing below the base frame */
    while (depth > 0) {
        if (!(at = child(s, at, s->frames[--depth]))) {
            s->nomem = 1;
            return;
        }
    }
    s->nodes[at].count += ticks;
    s->samples++;
}

/* The pending call (main thread, between two bytecodes). */
static int on_pending(void *unused)
{
    Sampler *s = running;
    uint64_t n;

    (void)unused;
    atomic_store(&tick_queued, 0);
    if (s && s->enabled && s->mode == MODE_PENDING && (n = due_ticks(s)))
        record(s, 0, PyEval_GetFrame(), n);
    return 0;
}

/* The Python-level SIGPROF handler (main thread, between two bytecodes):
 * called as handler(signum, frame). */
static PyObject *on_sigprof(PyObject *module, PyObject *const *args, Py_ssize_t n)
{
    Sampler *s = running;
    uint64_t ticks;

    (void)module;
    atomic_store(&tick_queued, 0);
    if (s && s->enabled && s->mode == MODE_SIGNAL && n == 2 && PyFrame_Check(args[1]) &&
        (ticks = due_ticks(s)))
        record(s, 0, (PyFrameObject *)args[1], ticks);
    Py_RETURN_NONE;
}

static PyMethodDef sigprof_def = {"_on_sigprof", PKC_METH(on_sigprof), METH_FASTCALL,
                                  "SIGPROF handler of profkit's sampler."};

/* The root frame of a thread's stacks: its threading name, looked up once. */
static PyObject *thread_name(Sampler *s, PyObject *ident)
{
    PyObject *name = PyDict_GetItemWithError(s->names, ident), *mod, *active, *t = NULL;

    if (name || PyErr_Occurred())
        return name;
    if ((mod = PyImport_ImportModule("threading"))) {
        if ((active = PyObject_GetAttrString(mod, "_active"))) {
            t = PyDict_Check(active) ? PyDict_GetItemWithError(active, ident) : NULL;
            name = t ? PyObject_GetAttrString(t, "name") : NULL;
            Py_DECREF(active);
        }
        Py_DECREF(mod);
    }
    if (!name || !PyUnicode_Check(name)) {
        Py_XDECREF(name);
        PyErr_Clear();
        name = PyUnicode_FromFormat("thread-%S", ident);
    }
    if (!name || PyDict_SetItem(s->names, ident, name) < 0) {
        Py_XDECREF(name);
        return NULL;
    }
    Py_DECREF(name);
    return name; /* borrowed from the dict */
}

/* One tick in the tick thread, holding the GIL: every thread but this
 * one (each under a root frame naming it), or only the main thread. */
static void sample_gil(Sampler *s)
{
    PyObject *frames, *ident, *frame, *me;
    Py_ssize_t pos = 0;
    uint64_t n;

    if (!s->enabled || !(n = due_ticks(s)))
        return;
    if (!(frames = PyObject_CallObject(s->current_frames, NULL))) {
        PyErr_Clear();
        s->nomem = 1;
        return;
    }
    me = PyLong_FromUnsignedLong(PyThread_get_thread_ident());
    while (me && PyDict_Next(frames, &pos, &ident, &frame)) {
        PyObject *name;
        uint32_t root = 0;
        if (!PyFrame_Check(frame) || PyObject_RichCompareBool(ident, me, Py_EQ) == 1)
            continue;
        if (!s->all_threads) {
            if (PyObject_RichCompareBool(ident, s->main_ident, Py_EQ) != 1)
                continue;
        } else if (!(name = thread_name(s, ident)) || !(root = child(s, 0, name))) {
            PyErr_Clear();
            s->nomem = 1;
            continue;
        }
        record(s, root, (PyFrameObject *)frame, n);
    }
    PyErr_Clear();
    Py_XDECREF(me);
    Py_DECREF(frames);
}

/* ---- the tick thread ---- */

static void add_ns(struct timespec *t, int64_t ns)
{
    int64_t v = (int64_t)t->tv_nsec + ns % 1000000000;

    t->tv_sec += (time_t)(ns / 1000000000 + v / 1000000000);
    t->tv_nsec = (long)(v % 1000000000);
}

/* Waits until `at` or a stop request; true when stopped. */
static int wait_tick(Sampler *s, const struct timespec *at)
{
    int stop;

    pthread_mutex_lock(&s->mu);
    while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, at) == 0) {
    }
    stop = s->stop;
    pthread_mutex_unlock(&s->mu);
    return stop;
}

/* Makes the next sample happen; at most one pending call or signal is on
 * its way at a time. */
static void tick(Sampler *s, PyThreadState *ts)
{
    if (ts) {
        PyEval_RestoreThread(ts);
        sample_gil(s);
        PyEval_SaveThread();
    } else if (!atomic_exchange(&tick_queued, 1)) {
        int failed = s->mode == MODE_SIGNAL ? pthread_kill(s->main_thread, SIGPROF) != 0
                                            : Py_AddPendingCall(on_pending, NULL) != 0;
        if (failed)
            atomic_store(&tick_queued, 0); /* the queue is full: next tick */
    }
}

static void *tick_thread(void *arg)
{
    Sampler *s = arg; /* alive: the active collector is referenced until joined */
    PyGILState_STATE gil = PyGILState_UNLOCKED;
    PyThreadState *ts = NULL;
    struct timespec next, now;

    if (s->mode == MODE_GIL) {
        gil = PyGILState_Ensure();
        ts = PyEval_SaveThread();
    }
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (;;) {
        add_ns(&next, s->interval_ns);
        if (wait_tick(s, &next))
            break;
        tick(s, ts);
        /* Behind by more than a tick (a long GIL wait): ticks are credited
         * by the clock anyway, so start again from now. */
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > next.tv_sec + 1 ||
            (now.tv_sec - next.tv_sec) * 1000000000 + (now.tv_nsec - next.tv_nsec) > s->interval_ns)
            next = now;
    }
    if (ts) {
        PyEval_RestoreThread(ts);
        PyGILState_Release(gil);
    }
    return NULL;
}

/* ---- the type ---- */

static PyObject *sampler_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    Sampler *s = (Sampler *)type->tp_alloc(type, 0);
    pthread_condattr_t ca;

    (void)args;
    (void)kw;
    if (!s)
        return NULL;
    s->interval_ns = 1000000;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    s->cap = 1024;
    if (!(s->nodes = PyMem_RawMalloc(s->cap * sizeof *s->nodes)) || !(s->keep = PyList_New(0)) ||
        !(s->names = PyDict_New()) || tree_reset(s) < 0) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        Py_DECREF(s);
        return NULL;
    }
    return (PyObject *)s;
}

static int sampler_init(PyObject *obj, PyObject *args, PyObject *kw)
{
    Sampler *s = (Sampler *)obj;
    static char kw_interval[] = "interval";
    static char kw_all_threads[] = "all_threads";
    static char *kwlist[] = {kw_interval, kw_all_threads, NULL};
    double interval = 0.001;
    int all = 0;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "|dp:Sampler", kwlist, &interval, &all))
        return -1;
    if (s->enabled) {
        PyErr_SetString(PyExc_RuntimeError, "profkit: cannot re-initialise an enabled sampler");
        return -1;
    }
    if (!(interval >= 1e-5 && interval <= 60.0)) {
        PyErr_SetString(PyExc_ValueError,
                        "profkit: the sampling interval must be between 10us and 60s");
        return -1;
    }
    s->interval_ns = (int64_t)(interval * 1e9 + 0.5);
    s->all_threads = all;
    return 0;
}

static void sampler_dealloc(PyObject *obj)
{
    Sampler *s = (Sampler *)obj;

    /* Never enabled here: an enabled sampler is referenced until disabled. */
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    Py_XDECREF(s->base);
    Py_XDECREF(s->keep);
    Py_XDECREF(s->names);
    Py_XDECREF(s->current_frames);
    Py_XDECREF(s->main_ident);
    Py_XDECREF(s->old_handler);
    PyMem_RawFree(s->nodes);
    PyMem_RawFree(s->slots);
    PyMem_RawFree(s->frames);
    Py_TYPE(obj)->tp_free(obj);
}

/* Calls module.name(*args) and drops the result. */
static int call_void(PyObject *module, const char *name, const char *fmt, PyObject *a, PyObject *b)
{
    PyObject *r = PyObject_CallMethod(module, name, fmt, a, b);

    Py_XDECREF(r);
    return r ? 0 : -1;
}

/* Installs the SIGPROF handler, remembering the one it replaces; refuses
 * to replace a handler the program set. */
static int install_sigprof(Sampler *s)
{
    PyObject *sig = PyImport_ImportModule("signal"), *cur = NULL, *num = NULL;
    PyObject *dfl = NULL, *ign = NULL;
    int rc = -1;

    if (!sig || !(num = PyLong_FromLong(SIGPROF)) || !(dfl = PyObject_GetAttrString(sig, "SIG_DFL")) ||
        !(ign = PyObject_GetAttrString(sig, "SIG_IGN")) ||
        !(cur = PyObject_CallMethod(sig, "getsignal", "O", num)))
        goto done;
    if (cur != sigprof_handler && PyObject_RichCompareBool(cur, dfl, Py_EQ) != 1 &&
        PyObject_RichCompareBool(cur, ign, Py_EQ) != 1) {
        PyErr_Format(PyExc_RuntimeError,
                     "profkit: SIGPROF already has a handler (%R); the sampler needs SIGPROF "
                     "on Python 3.9-3.12 (or use all_threads=True)", cur);
        goto done;
    }
    Py_XSETREF(s->old_handler, pkc_ref(cur == sigprof_handler ? dfl : cur));
    if (call_void(sig, "signal", "OO", num, sigprof_handler) < 0 ||
        call_void(sig, "siginterrupt", "OO", num, Py_False) < 0)
        goto done;
    s->main_thread = pthread_self();
    rc = 0;
done:
    Py_XDECREF(cur);
    Py_XDECREF(ign);
    Py_XDECREF(dfl);
    Py_XDECREF(num);
    Py_XDECREF(sig);
    return rc;
}

/* Puts the old SIGPROF handler back, after the tick thread is joined,
 * unless the program has set its own since. Only the main thread can;
 * elsewhere ours stays, doing nothing when no sampler runs. Returns -1
 * with an exception set by a pending signal's handler. */
static int restore_sigprof(Sampler *s)
{
    PyObject *sig, *num, *cur = NULL;
    sigset_t pending;
    pkc_exc saved;
    int rc;

    if (!s->old_handler || pthread_self() != s->main_thread)
        return 0;
    /* A SIGPROF sent before the join is delivered when this thread returns
     * from a system call: this one. Then its handler runs, before SIGPROF
     * may get its default action (which ends the process) back. */
    sigpending(&pending);
    rc = PyErr_CheckSignals();
    pkc_exc_save(&saved);
    sig = PyImport_ImportModule("signal");
    num = PyLong_FromLong(SIGPROF);
    if (!sig || !num || !(cur = PyObject_CallMethod(sig, "getsignal", "O", num)) ||
        (cur == sigprof_handler && call_void(sig, "signal", "OO", num, s->old_handler) < 0))
        PyErr_WriteUnraisable(sigprof_handler);
    Py_XDECREF(cur);
    Py_XDECREF(num);
    Py_XDECREF(sig);
    Py_CLEAR(s->old_handler);
    pkc_exc_restore(&saved);
    return rc;
}

static PyObject *main_thread_ident(void)
{
    PyObject *th = PyImport_ImportModule("threading"), *mt, *id = NULL;

    if (!th)
        return NULL;
    if ((mt = PyObject_CallMethod(th, "main_thread", NULL))) {
        id = PyObject_GetAttrString(mt, "ident");
        Py_DECREF(mt);
    }
    Py_DECREF(th);
    return id;
}

/* Picks how ticks become samples (see the top of the file). */
static int start_mode(Sampler *s)
{
    PyObject *main = main_thread_ident(), *me = NULL;
    int in_main;

    if (!main || !(me = PyLong_FromUnsignedLong(PyThread_get_thread_ident()))) {
        Py_XDECREF(main);
        return -1;
    }
    in_main = PyObject_RichCompareBool(main, me, Py_EQ) == 1;
    Py_DECREF(me);
    Py_XSETREF(s->main_ident, main);
    if (s->all_threads || (!PENDING_WAKES_MAIN && !in_main))
        s->mode = MODE_GIL;
    else
        s->mode = PENDING_WAKES_MAIN ? MODE_PENDING : MODE_SIGNAL;
    if (s->mode == MODE_GIL && !s->current_frames) {
        PyObject *cf = PySys_GetObject("_current_frames"); /* borrowed */
        if (!cf) {
            PyErr_SetString(PyExc_RuntimeError, "profkit: sys._current_frames is missing");
            return -1;
        }
        s->current_frames = pkc_ref(cf);
    }
    return s->mode == MODE_SIGNAL ? install_sigprof(s) : 0;
}

static PyObject *sampler_enable(PyObject *obj, PyObject *args, PyObject *kw)
{
    Sampler *s = (Sampler *)obj;
    static char kw_base_frame[] = "base_frame";
    static char *kwlist[] = {kw_base_frame, NULL};
    PyObject *base = Py_None;
    int claimed;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:enable", kwlist, &base))
        return NULL;
    if (base != Py_None && !PyFrame_Check(base))
        return PyErr_Format(PyExc_TypeError, "profkit: base_frame must be a frame or None");
    if ((claimed = pkc_claim(obj)) != 0)
        return claimed < 0 ? NULL : pkc_ref(Py_None);
    if (start_mode(s) < 0) {
        pkc_release(obj);
        return NULL;
    }
    Py_XSETREF(s->base, base == Py_None ? NULL : pkc_ref(base));
    s->stop = 0;
    s->start_ns = pkc_now_ns();
    s->credited = 0;
    s->pid = getpid();
    s->enabled = 1;
    running = s;
    atomic_store(&tick_queued, 0);
    if (pthread_create(&s->thread, NULL, tick_thread, s) != 0) {
        s->enabled = 0;
        running = NULL;
        (void)restore_sigprof(s);
        pkc_release(obj);
        return PyErr_Format(PyExc_RuntimeError, "profkit: cannot start the sampling thread");
    }
    Py_RETURN_NONE;
}

static int disable(Sampler *s)
{
    int rc = 0;

    if (s->enabled) {
        s->enabled = 0;
        running = NULL;
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        /* A forked child has no tick thread to join. The tick thread may
         * wait for the GIL, so let it go while joining. */
        if (s->pid == getpid()) {
            Py_BEGIN_ALLOW_THREADS
            pthread_join(s->thread, NULL);
            Py_END_ALLOW_THREADS
        }
        Py_CLEAR(s->base);
        rc = restore_sigprof(s);
        pkc_release((PyObject *)s);
    }
    if (rc == 0 && s->nomem) {
        s->nomem = 0;
        PyErr_SetString(PyExc_MemoryError,
                        "profkit: memory ran out while sampling; the profile is incomplete");
        rc = -1;
    }
    return rc;
}

static PyObject *sampler_disable(PyObject *obj, PyObject *unused)
{
    (void)unused;
    if (disable((Sampler *)obj) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *sampler_clear(PyObject *obj, PyObject *unused)
{
    Sampler *s = (Sampler *)obj;

    (void)unused;
    if (tree_reset(s) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ---- writing ---- */

/* "func (file:line)", with ';' and line breaks replaced: they would cut
 * the folded line. Thread roots are their name. */
static int node_name(pk_str *out, pk_profile *p, PyObject *key)
{
    PyObject *text, *b;
    char *c;
    Py_ssize_t i;
    int rc;

    if (PyCode_Check(key)) {
        PyCodeObject *co = (PyCodeObject *)key;
        text = PyUnicode_FromFormat("%U (%U:%d)", co->co_name, co->co_filename, co->co_firstlineno);
    } else {
        text = pkc_ref(key);
    }
    if (!text)
        return PK_EINVAL;
    b = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
    Py_DECREF(text);
    if (!b)
        return PK_EINVAL;
    c = PyBytes_AS_STRING(b);
    for (i = 0; i < PyBytes_GET_SIZE(b); i++) {
        if (c[i] == ';')
            c[i] = ':';
        else if (c[i] == '\n' || c[i] == '\r')
            c[i] = ' ';
    }
    rc = pk_profile_intern(out, p, c, (size_t)PyBytes_GET_SIZE(b));
    Py_DECREF(b);
    return rc;
}

static int build(pk_profile **out, Sampler *s)
{
    pk_profile *p = NULL;
    uint32_t *map = PyMem_RawMalloc(s->nnodes * sizeof *map);
    size_t i;
    int rc = map ? pk_profile_new(&p) : PK_ENOMEM;

    if (rc == PK_OK)
        rc = pk_stacks_init(p, 0);
    if (map)
        map[0] = PK_STACK_ROOT;
    for (i = 1; i < s->nnodes && rc == PK_OK; i++) {
        pk_str name;
        rc = node_name(&name, p, s->nodes[i].key);
        if (rc == PK_OK)
            rc = pk_stacks_child(&map[i], p, map[s->nodes[i].parent], name);
    }
    for (i = 1; i < s->nnodes && rc == PK_OK; i++) {
        if (s->nodes[i].count)
            rc = pk_stacks_add(p, map[i], PK_STR_EMPTY, 1, (double)s->nodes[i].count, 0, false);
    }
    PyMem_RawFree(map);
    if (rc != PK_OK) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        pk_profile_free(p);
        return -1;
    }
    pk_profile_set_source(p, PK_SOURCE_FOLDED);
    *out = p;
    return 0;
}

static PyObject *sampler_dumps(PyObject *obj, PyObject *unused)
{
    Sampler *s = (Sampler *)obj;
    pk_write_opts o = PK_WRITE_OPTS_INIT;
    pk_profile *p = NULL;
    PyObject *r;

    (void)unused;
    o.format = PK_FORMAT_FOLDED;
    if (disable(s) < 0)
        return NULL;
    if (!s->samples)
        return PyBytes_FromStringAndSize("", 0); /* no stack, no line */
    if (build(&p, s) < 0)
        return NULL;
    r = pkc_write_bytes(p, &o);
    pk_profile_free(p);
    return r;
}

static PyObject *get_enabled(PyObject *obj, void *closure)
{
    (void)closure;
    return PyBool_FromLong(((Sampler *)obj)->enabled);
}

static PyObject *get_samples(PyObject *obj, void *closure)
{
    (void)closure;
    return PyLong_FromUnsignedLongLong(((Sampler *)obj)->samples);
}

static PyObject *get_interval(PyObject *obj, void *closure)
{
    (void)closure;
    return PyFloat_FromDouble((double)((Sampler *)obj)->interval_ns * 1e-9);
}

static PyObject *get_all_threads(PyObject *obj, void *closure)
{
    (void)closure;
    return PyBool_FromLong(((Sampler *)obj)->all_threads);
}

static PyMethodDef sampler_methods[] = {
    {"enable", PKC_METH(sampler_enable), METH_VARARGS | METH_KEYWORDS,
     "enable(base_frame=None)\n--\n\nStarts sampling. Stacks of the main thread stop below\n"
     "base_frame when it is on them. Raises RuntimeError when another\n"
     "profkit collector is active."},
    {"disable", sampler_disable, METH_NOARGS,
     "disable()\n--\n\nStops sampling and joins the sampling thread."},
    {"clear", sampler_clear, METH_NOARGS,
     "clear()\n--\n\nForgets every sample taken so far."},
    {"dumps", sampler_dumps, METH_NOARGS,
     "dumps()\n--\n\nDisables the sampler and returns the samples as folded stacks (bytes)."},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef sampler_getset[] = {
    {"enabled", get_enabled, NULL, "True while sampling.", NULL},
    {"samples", get_samples, NULL, "Stacks recorded so far.", NULL},
    {"interval", get_interval, NULL, "Seconds between ticks.", NULL},
    {"all_threads", get_all_threads, NULL, "True when every thread is sampled.", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject sampler_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_profkit.Sampler",
    .tp_basicsize = sizeof(Sampler),
    .tp_dealloc = sampler_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Sampler(interval=0.001, all_threads=False)\n--\n\n"
              "A sampling profiler: the Python stack every interval seconds.",
    .tp_methods = sampler_methods,
    .tp_getset = sampler_getset,
    .tp_init = sampler_init,
    .tp_new = sampler_new,
};

int pkc_sampler_add_type(PyObject *module)
{
    if (!sigprof_handler && !(sigprof_handler = PyCFunction_New(&sigprof_def, NULL)))
        return -1;
    if (PyType_Ready(&sampler_type) < 0)
        return -1;
    Py_INCREF(&sampler_type);
    if (PyModule_AddObject(module, "Sampler", (PyObject *)&sampler_type) < 0) {
        Py_DECREF(&sampler_type);
        return -1;
    }
    return 0;
}
