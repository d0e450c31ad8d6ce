#include "arena.h"

#include <stdalign.h>
#include <stdint.h>

#include "alloc.h"

#define PAGE_SIZE ((size_t)64 * 1024)
#define ALIGN (alignof(max_align_t))

struct pk_arena_page {
    pk_arena_page *next;
    alignas(max_align_t) unsigned char data[];
};

static size_t round_up(size_t n)
{
    return (n + ALIGN - 1) & ~(ALIGN - 1);
}

/* Pushes a page with at least n usable bytes. */
static void *new_page(pk_arena *a, size_t n)
{
    size_t usable = n > PAGE_SIZE ? n : PAGE_SIZE;
    size_t bytes;
    pk_arena_page *page;

    if (!pk_size_add(&bytes, usable, sizeof(pk_arena_page)))
        return NULL;
    page = pk_malloc(bytes);
    if (!page)
        return NULL;
    page->next = a->pages;
    a->pages = page;
    a->size = usable;
    a->used = n;
    return page->data;
}

void *pk_arena_alloc(pk_arena *a, size_t n)
{
    if (n > SIZE_MAX - ALIGN)
        return NULL;
    n = round_up(n ? n : 1);
#ifdef PK_ARENA_DEBUG
    return new_page(a, n);
#else
    void *p;
    if (!a->pages || a->size - a->used < n)
        return new_page(a, n);
    p = a->pages->data + a->used;
    a->used += n;
    return p;
#endif
}

void pk_arena_dispose(pk_arena *a)
{
    pk_arena_page *page = a->pages;

    while (page) {
        pk_arena_page *next = page->next;
        pk_free(page);
        page = next;
    }
    a->pages = NULL;
    a->used = a->size = 0;
}
