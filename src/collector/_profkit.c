/*
 * The _profkit module: what the two collectors share (the clock, the one
 * active collector, writing a model to bytes) and the module itself.
 */
#include "collector.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A strong reference while a collector is enabled. Only touched with the
 * GIL held. */
static PyObject *active_collector;

int64_t pkc_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int pkc_claim(PyObject *self)
{
    if (active_collector == self)
        return 1;
    if (active_collector) {
        PyErr_Format(PyExc_RuntimeError,
                     "profkit: another profkit collector (a %s) is already active; "
                     "disable it before enabling this one (nested profilers are refused)",
                     Py_TYPE(active_collector)->tp_name);
        return -1;
    }
    Py_INCREF(self);
    active_collector = self;
    return 0;
}

void pkc_release(PyObject *self)
{
    if (active_collector == self) {
        active_collector = NULL;
        Py_DECREF(self);
    }
}

PyObject *pkc_active(void)
{
    return active_collector;
}

PyObject *pkc_raise(int rc, const pk_error *err)
{
    char msg[1024];

    pk_error_format(msg, sizeof msg, err);
    if (!msg[0])
        snprintf(msg, sizeof msg, "%s", pk_status_str(rc));
    if (rc == PK_ENOMEM)
        return PyErr_Format(PyExc_MemoryError, "profkit: %s", msg);
    return PyErr_Format(PyExc_RuntimeError, "profkit: %s", msg);
}

PyObject *pkc_write_bytes(pk_profile *p, const pk_write_opts *opts)
{
    pk_error err = PK_ERROR_INIT;
    char *buf = NULL;
    size_t len = 0;
    PyObject *out = NULL;
    int rc;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        return PyErr_NoMemory();
    rc = pk_write(f, p, opts, &err);
    if (fclose(f) != 0 && rc == PK_OK)
        rc = pk_error_set(&err, PK_ENOMEM, NULL, -1, "out of memory writing");
    if (rc == PK_OK)
        out = PyBytes_FromStringAndSize(buf ? buf : "", (Py_ssize_t)len);
    else
        pkc_raise(rc, &err);
    free(buf);
    return out;
}

int pkc_intern_str(pk_str *out, pk_profile *p, PyObject *s)
{
    PyObject *b;
    int rc;

    if (!PyUnicode_Check(s)) {
        PyErr_Format(PyExc_TypeError, "profkit: expected a str, not %.100s",
                     Py_TYPE(s)->tp_name);
        return PK_EINVAL;
    }
    b = PyUnicode_AsEncodedString(s, "utf-8", "surrogatepass");
    if (!b)
        return PK_EINVAL;
    rc = pk_profile_intern(out, p, PyBytes_AS_STRING(b), (size_t)PyBytes_GET_SIZE(b));
    Py_DECREF(b);
    return rc;
}

PyObject *pkc_stop_active(PyObject *module, PyObject *unused)
{
    PyObject *a = active_collector, *r;

    (void)module;
    (void)unused;
    if (!a)
        Py_RETURN_NONE;
    Py_INCREF(a);
    r = PyObject_CallMethod(a, "disable", NULL);
    Py_DECREF(a);
    return r;
}

static PyObject *module_active(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    if (!active_collector)
        Py_RETURN_NONE;
    Py_INCREF(active_collector);
    return active_collector;
}

static PyMethodDef module_methods[] = {
    {"active", module_active, METH_NOARGS,
     "active()\n--\n\nThe enabled profkit collector, or None."},
    {"_stop_active", pkc_stop_active, METH_NOARGS,
     "_stop_active()\n--\n\nDisables the enabled collector, if any."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "_profkit",
    "profkit's collectors: a deterministic profiler writing .pstats and a\n"
    "sampler writing folded stacks. Use the profkit package.",
    -1,
    module_methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__profkit(void);

PyMODINIT_FUNC PyInit__profkit(void)
{
    PyObject *m = PyModule_Create(&module_def);

    if (!m)
        return NULL;
    if (pkc_profiler_add_type(m) < 0 || pkc_sampler_add_type(m) < 0 ||
        PyModule_AddIntConstant(m, "MONITORING", PY_VERSION_HEX >= 0x030C0000) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
