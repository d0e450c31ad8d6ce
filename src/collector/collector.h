/*
 * The collector: a CPython extension (_profkit) with two collectors.
 *
 *   Profiler  deterministic, like cProfile: every Python and C call with
 *             _lsprof's counts and times (profiler.c); written as .pstats
 *   Sampler   a C thread that ticks every interval and has the stack of the
 *             main thread (or of every thread) recorded (sampler.c);
 *             written as folded stacks
 *
 * Both turn what they collected into a pk_profile and write it with
 * pk_write(), so the files are exactly what the profkit tools read.
 * Only one collector is active in a process at a time (pkc_claim).
 *
 * Memory: the collectors allocate with PyMem_Raw* (callable without the
 * GIL, as the sampler thread needs). The pk_profile made for writing is the
 * library's, freed with pk_profile_free() before returning.
 */
#ifndef PKC_COLLECTOR_H
#define PKC_COLLECTOR_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>

#include <stdint.h>

#include <profkit/io.h>
#include <profkit/profile.h>

/* Monotonic clock in nanoseconds: what time.perf_counter() reads on Linux,
 * and the clock _lsprof's default timer uses. */
int64_t pkc_now_ns(void);

/*
 * Makes self the process's active collector. Returns 1 if it already is,
 * 0 when claimed (a strong reference is kept until pkc_release), or -1
 * with RuntimeError set when another collector is active.
 */
int pkc_claim(PyObject *self);
void pkc_release(PyObject *self);

/* The active collector (borrowed), or NULL. */
PyObject *pkc_active(void);

/* Writes p in the format of opts into a new bytes object; NULL with an
 * exception set (MemoryError, or RuntimeError naming the problem). */
PyObject *pkc_write_bytes(pk_profile *p, const pk_write_opts *opts);

/* Raises the Python exception for a failed library call; returns NULL. */
PyObject *pkc_raise(int rc, const pk_error *err);

/* Interns a str as UTF-8 (lone surrogates kept, as marshal keeps them).
 * Returns PK_OK, PK_ENOMEM, or PK_EINVAL with a Python exception set. */
int pkc_intern_str(pk_str *out, pk_profile *p, PyObject *s);

/* The profiler's and the sampler's types, set up by pkc_*_add_type(). */
int pkc_profiler_add_type(PyObject *module);
int pkc_sampler_add_type(PyObject *module);

/* Stops the active collector, if any (module function _stop_active, which
 * the package registers with atexit so no sampler thread outlives Python). */
PyObject *pkc_stop_active(PyObject *module, PyObject *unused);

/* Frames, across the versions (3.8: fields; 3.9+: accessors). Both return
 * a new reference. frame_back may return NULL with an exception set. */
static inline PyCodeObject *pkc_frame_code(PyFrameObject *f)
{
#if PY_VERSION_HEX >= 0x03090000
    return PyFrame_GetCode(f);
#else
    Py_INCREF(f->f_code);
    return f->f_code;
#endif
}

static inline PyFrameObject *pkc_frame_back(PyFrameObject *f)
{
#if PY_VERSION_HEX >= 0x03090000
    return PyFrame_GetBack(f);
#else
    Py_XINCREF(f->f_back);
    return f->f_back;
#endif
}

/* A new reference to o (Py_NewRef, which 3.8 and 3.9 lack). */
static inline PyObject *pkc_ref(PyObject *o)
{
    Py_INCREF(o);
    return o;
}

/* Saving the exception being raised around code that may touch it. */
typedef struct pkc_exc {
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *exc;
#else
    PyObject *type, *value, *tb;
#endif
} pkc_exc;

static inline void pkc_exc_save(pkc_exc *e)
{
#if PY_VERSION_HEX >= 0x030C0000
    e->exc = PyErr_GetRaisedException();
#else
    PyErr_Fetch(&e->type, &e->value, &e->tb);
#endif
}

static inline void pkc_exc_restore(pkc_exc *e)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(e->exc);
#else
    PyErr_Restore(e->type, e->value, e->tb);
#endif
}

/* A METH_FASTCALL or METH_NOARGS function as a PyCFunction, without
 * -Wcast-function-type complaining (CPython's _PyCFunction_CAST). */
#define PKC_METH(f) ((PyCFunction)(void (*)(void))(f))

#endif
