/*
 * Growable byte buffer and string vector. An append that cannot allocate
 * marks the buffer (oom) so long chains of appends need one check at the end.
 */
#include "common.h"

#include <stdio.h>
#include <string.h>

int wsb__buf_grow(wsb__buf *b, size_t extra)
{
	size_t need, nsize;
	char *p;

	if (b->oom)
		return WSB_ENOMEM;
	if (extra > SIZE_MAX - b->size - 1)
		goto fail;
	need = b->size + extra + 1;
	if (need <= b->asize)
		return WSB_OK;
	nsize = b->asize ? b->asize : 64;
	while (nsize < need)
		nsize = nsize > SIZE_MAX / 2 ? need : nsize * 2;
	p = wsb__realloc(b->ptr, nsize);
	if (p == NULL)
		goto fail;
	b->ptr = p;
	b->asize = nsize;
	return WSB_OK;
fail:
	b->oom = 1;
	return wsb__error_nomem();
}

int wsb__buf_put(wsb__buf *b, const void *data, size_t len)
{
	if (wsb__buf_grow(b, len) < 0)
		return WSB_ENOMEM;
	if (len)
		memcpy(b->ptr + b->size, data, len);
	b->size += len;
	b->ptr[b->size] = '\0';
	return WSB_OK;
}

int wsb__buf_puts(wsb__buf *b, const char *s)
{
	return wsb__buf_put(b, s, strlen(s));
}

int wsb__buf_putc(wsb__buf *b, char c)
{
	return wsb__buf_put(b, &c, 1);
}

int wsb__buf_vprintf(wsb__buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n < 0) {
		va_end(again);
		return wsb__error(WSB_ERROR, "formatting failed");
	}
	if (wsb__buf_grow(b, (size_t)n) < 0) {
		va_end(again);
		return WSB_ENOMEM;
	}
	vsnprintf(b->ptr + b->size, (size_t)n + 1, fmt, again);
	va_end(again);
	b->size += (size_t)n;
	return WSB_OK;
}

int wsb__buf_printf(wsb__buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = wsb__buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *wsb__buf_detach(wsb__buf *b)
{
	char *p;

	if (b->oom) {
		wsb__buf_dispose(b);
		return NULL;
	}
	if (b->ptr == NULL && wsb__buf_grow(b, 0) < 0)
		return NULL;
	b->ptr[b->size] = '\0';
	p = b->ptr;
	b->ptr = NULL;
	b->size = b->asize = 0;
	return p;
}

void wsb__buf_dispose(wsb__buf *b)
{
	wsb__free(b->ptr);
	b->ptr = NULL;
	b->size = b->asize = 0;
	b->oom = 0;
}

int wsb__array_reserve(void *items_ptr, size_t *cap, size_t count, size_t elem, size_t first)
{
	void *items, *grown;
	size_t ncap;

	if (count < *cap)
		return WSB_OK;
	ncap = *cap ? *cap : first / 2;
	if (ncap > SIZE_MAX / 2 / elem)
		return wsb__error_nomem();
	ncap *= 2;
	/* items_ptr points at a T *, whatever T is: copied, not cast. */
	memcpy(&items, items_ptr, sizeof(items));
	if ((grown = wsb__realloc(items, ncap * elem)) == NULL)
		return wsb__error_nomem();
	memcpy(items_ptr, &grown, sizeof(grown));
	*cap = ncap;
	return WSB_OK;
}

int wsb__strvec_push_owned(wsb__strvec *v, char *s)
{
	if (s == NULL)
		return wsb__error_nomem();
	if (wsb__array_reserve(&v->items, &v->cap, v->count, sizeof(*v->items), 8) != WSB_OK) {
		wsb__free(s);
		return WSB_ENOMEM;
	}
	v->items[v->count++] = s;
	return WSB_OK;
}

int wsb__strvec_push(wsb__strvec *v, const char *s)
{
	return wsb__strvec_push_owned(v, wsb__strdup(s));
}

void wsb__strvec_remove(wsb__strvec *v, size_t index)
{
	if (index >= v->count)
		return;
	wsb__free(v->items[index]);
	memmove(&v->items[index], &v->items[index + 1],
		(v->count - index - 1) * sizeof(*v->items));
	v->count--;
}

void wsb__strvec_dispose(wsb__strvec *v)
{
	size_t i;

	for (i = 0; i < v->count; i++)
		wsb__free(v->items[i]);
	wsb__free(v->items);
	v->items = NULL;
	v->count = v->cap = 0;
}
