/*
 * sync.c - helpers shared by every strategy: the common heads of domains and
 * threads, parameter and table checks, and names for the watchdog.
 */
#include "strategies/sync.h"

#include <stdlib.h>
#include <string.h>

int sync_domain_init(struct sync_domain *d, const struct sync_ops *ops,
		     const struct sync_params *p)
{
	d->ops = ops;
	d->nthreads = p->nthreads;
	d->reclaim = p->reclaim;
	memset(d->arrays, 0, sizeof(d->arrays));
	d->threads = calloc(p->nthreads ? p->nthreads : 1, sizeof(*d->threads));
	return d->threads ? 0 : -1;
}

void sync_domain_fini(struct sync_domain *d)
{
	for (size_t i = 0; i < SYNC_DOMAIN_ARRAYS; i++) {
		free(d->arrays[i]);
		d->arrays[i] = NULL;
	}
	free((void *)d->threads);
	d->threads = NULL;
}

/* aligned_alloc wants a multiple of the alignment; zeroed. */
static void *sync_alloc_lines(size_t size)
{
	size_t rounded = (size + SYNC_CACHELINE - 1) / SYNC_CACHELINE * SYNC_CACHELINE;
	void *m = aligned_alloc(SYNC_CACHELINE, rounded ? rounded : SYNC_CACHELINE);

	if (m)
		memset(m, 0, rounded);
	return m;
}

#ifdef SYNC_COUNTING
/* The thread SYNC_COUNT_SELF counts for (count.h). */
_Thread_local struct sync_thread *sync_count_self;
#endif

void sync_thread_attach(struct sync_domain *d, struct sync_thread *t, unsigned tid)
{
	t->tid = tid;
	t->dom = d;
	atomic_init(&t->wait_since_ns, 0);
	atomic_init(&t->wait_kind, SYNC_WAIT_NONE);
	atomic_init(&t->doing, SYNC_DOING_STARTING);
	atomic_init(&t->doing_since_ns, 0);
	/* Release: the watchdog that finds t in threads[] sees it initialized. */
	atomic_store_explicit(&d->threads[tid], t, memory_order_release);
#ifdef SYNC_COUNTING
	sync_count_self = t;
#endif
}

void sync_thread_detach(struct sync_thread *t)
{
#ifdef SYNC_COUNTING
	if (sync_count_self == t)
		sync_count_self = NULL;
#endif
	atomic_store_explicit(&t->dom->threads[t->tid], NULL, memory_order_release);
}

void *sync_thread_new(struct sync_domain *d, unsigned tid, size_t size, char *err, size_t errlen)
{
	struct sync_thread *t = sync_alloc_lines(size);

	if (!t) {
		snprintf(err, errlen, "%s: out of memory for thread %u", d->ops->name, tid);
		return NULL;
	}
	sync_thread_attach(d, t, tid);
	return t;
}

void sync_thread_delete(struct sync_thread *t)
{
	sync_thread_detach(t);
	free(t);
}

void *sync_deferred_node_new(struct sync_thread *t, size_t size, size_t offset, void *p,
			     void (*fn)(void *), struct sync_reclaim_stats *stats)
{
	char *n = malloc(size);

	if (!n) {
		/* No memory for the node: reclaim synchronously instead. */
		t->dom->ops->synchronize(t);
		fn(p);
		return NULL;
	}
	sync_deferred_init((struct sync_deferred *)(n + offset), p, fn, stats);
	return n;
}

int sync_harmless_thread_init(struct sync_thread *t, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	t->dom->ops->harmless_end(t);
	return 0;
}

void sync_stats_summary(const struct sync_reclaim_stats *s, enum sync_reclaim reclaim, FILE *out)
{
	/* The loads only read: cast away const for C11's atomic_load on old compilers. */
	struct sync_reclaim_stats *m = (struct sync_reclaim_stats *)s;

	fprintf(out, "synchronize_calls %llu",
		(unsigned long long)atomic_load_explicit(&m->sync_calls, memory_order_relaxed));
	if (reclaim == SYNC_RECLAIM_DEFER)
		fprintf(out, " deferred_total %llu deferred_peak_pending %llu",
			(unsigned long long)atomic_load_explicit(&m->deferred, memory_order_relaxed),
			(unsigned long long)atomic_load_explicit(&m->peak_pending, memory_order_relaxed));
}

int sync_check_params(const struct sync_ops *ops, const struct sync_params *p,
		      char *err, size_t errlen)
{
	if (p->nthreads == 0) {
		snprintf(err, errlen, "%s: needs at least 1 thread", ops->name);
		return -1;
	}
	if (ops->max_threads && p->nthreads > ops->max_threads) {
		snprintf(err, errlen,
			 "%s supports at most %u threads (the outside updater counts as one), %u asked",
			 ops->name, ops->max_threads, p->nthreads);
		return -1;
	}
	if (p->reclaim == SYNC_RECLAIM_DEFER && !(ops->caps & SYNC_CAP_DEFER)) {
		snprintf(err, errlen, "%s has no deferred reclamation (--reclaim=defer is for grace-period strategies)",
			 ops->name);
		return -1;
	}
	if (p->reclaim != SYNC_RECLAIM_SYNC && p->reclaim != SYNC_RECLAIM_DEFER) {
		snprintf(err, errlen, "%s: unknown reclaim mode %d", ops->name, (int)p->reclaim);
		return -1;
	}
	return 0;
}

void *sync_domain_new(const struct sync_ops *ops, const struct sync_params *p, size_t size,
		      char *err, size_t errlen)
{
	struct sync_domain *d;

	if (sync_check_params(ops, p, err, errlen))
		return NULL;
	d = sync_alloc_lines(size);
	if (!d || sync_domain_init(d, ops, p)) {
		free(d);
		snprintf(err, errlen, "%s: out of memory", ops->name);
		return NULL;
	}
	return d;
}

void sync_domain_delete(struct sync_domain *d)
{
	sync_domain_fini(d);
	free(d);
}

void *sync_domain_new_with(const struct sync_ops *ops, const struct sync_params *p, size_t size,
			   const struct sync_domain_array *arrays, char *err, size_t errlen)
{
	struct sync_domain *d = sync_domain_new(ops, p, size, err, errlen);

	for (size_t i = 0; d && arrays[i].size; i++) {
		if (i == SYNC_DOMAIN_ARRAYS) {
			fprintf(stderr, "%s: more than %d per-thread arrays (SYNC_DOMAIN_ARRAYS)\n",
				ops->name, SYNC_DOMAIN_ARRAYS);
			abort();
		}
		d->arrays[i] = sync_alloc_lines((size_t)p->nthreads * arrays[i].size);
		if (!d->arrays[i]) {
			snprintf(err, errlen, "%s: out of memory for %u per-thread entries", ops->name,
				 p->nthreads);
			sync_domain_delete(d);
			return NULL;
		}
		/* The member is a pointer to the element type: same representation as void *. */
		memcpy((char *)d + arrays[i].offset, &d->arrays[i], sizeof(d->arrays[i]));
	}
	return d;
}

int sync_ops_check(const struct sync_ops *o, char *err, size_t errlen)
{
	const char *name = o->name ? o->name : "(unnamed)";
	struct {
		const char *hook;
		int present, wanted;
	} upd[] = {
		{ "isolate", !!o->isolate, !!(o->caps & SYNC_CAP_ISOLATE) },
		{ "release", !!o->release, !!(o->caps & SYNC_CAP_ISOLATE) },
		{ "synchronize", !!o->synchronize, !!(o->caps & SYNC_CAP_SYNCHRONIZE) },
		{ "defer_free", !!o->defer_free, !!(o->caps & SYNC_CAP_DEFER) },
		{ "barrier", !!o->barrier, !!(o->caps & SYNC_CAP_DEFER) },
	};

	if (!o->name || !o->family || !o->origin) {
		snprintf(err, errlen, "%s: name, family and origin are required", name);
		return -1;
	}
	if (!o->domain_create || !o->domain_destroy || !o->thread_alloc || !o->thread_free || !o->dump) {
		snprintf(err, errlen, "%s: domain_create, domain_destroy, thread_alloc, thread_free and dump are required",
			 name);
		return -1;
	}
	if (!(o->caps & (SYNC_CAP_ISOLATE | SYNC_CAP_SYNCHRONIZE))) {
		snprintf(err, errlen, "%s: needs SYNC_CAP_ISOLATE or SYNC_CAP_SYNCHRONIZE", name);
		return -1;
	}
	for (size_t i = 0; i < sizeof(upd) / sizeof(upd[0]); i++) {
		if (upd[i].present != upd[i].wanted) {
			snprintf(err, errlen, "%s: %s is %s but its capability is %s", name, upd[i].hook,
				 upd[i].present ? "set" : "NULL", upd[i].wanted ? "claimed" : "not claimed");
			return -1;
		}
	}
	if (!o->read_begin != !o->read_end) {
		snprintf(err, errlen, "%s: read_begin and read_end come as a pair", name);
		return -1;
	}
	if (!o->harmless_begin != !o->harmless_end) {
		snprintf(err, errlen, "%s: harmless_begin and harmless_end come as a pair", name);
		return -1;
	}
	if (!o->poll_enter != !o->poll_leave) {
		snprintf(err, errlen, "%s: poll_enter and poll_leave come as a pair", name);
		return -1;
	}
	return 0;
}

void sync_missing_hook(const struct sync_ops *ops, const char *hook)
{
	fprintf(stderr, "%s has no %s (its capabilities do not claim it): harness bug\n", ops->name, hook);
	abort();
}

const char *sync_wait_kind_name(int k)
{
	static const char *const names[] = {
		[SYNC_WAIT_NONE] = "none",       [SYNC_WAIT_ISOLATE] = "isolate",
		[SYNC_WAIT_BARRIER] = "barrier", [SYNC_WAIT_REPARK] = "repark",
		[SYNC_WAIT_GRACE] = "grace",     [SYNC_WAIT_EPOCH] = "epoch",
		[SYNC_WAIT_LOCK] = "lock",       [SYNC_WAIT_DEFER] = "defer",
	};

	if (k < 0 || (size_t)k >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[k];
}

const char *sync_doing_name(int d)
{
	static const char *const names[] = {
		[SYNC_DOING_STARTING] = "starting", [SYNC_DOING_POLLING] = "polling",
		[SYNC_DOING_EVENT] = "event",       [SYNC_DOING_UPDATE] = "update",
		[SYNC_DOING_LOOP] = "loop",         [SYNC_DOING_EXITING] = "exiting",
		[SYNC_DOING_EXITED] = "exited",
	};

	if (d < 0 || (size_t)d >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[d];
}

void sync_dump_threads(struct sync_domain *d, FILE *out,
		       void (*state)(struct sync_thread *t, FILE *out))
{
	for (unsigned i = 0; i < d->nthreads; i++) {
		/* Acquire: pairs with sync_thread_attach, t is initialized. */
		struct sync_thread *t = atomic_load_explicit(&d->threads[i], memory_order_acquire);

		if (!t) {
			fprintf(out, "  thread %u: not attached\n", i);
			continue;
		}
		fprintf(out, "  thread %u: ", i);
		state(t, out);
		fprintf(out, ", waiting for %s\n",
			sync_wait_kind_name(atomic_load_explicit(&t->wait_kind, memory_order_relaxed)));
	}
}

char *sync_summary_string(struct sync_domain *d, char *buf, size_t len)
{
	FILE *f;
	char *p;
	size_t n;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!d->ops->summary || len < 2)
		return buf;
	/* len - 1: fmemopen keeps the last byte for the NUL it writes on close. */
	f = fmemopen(buf, len - 1, "w");
	if (!f)
		return buf;
	d->ops->summary(d, f);
	fclose(f);
	buf[len - 1] = '\0';
	for (p = buf; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	for (n = strlen(buf); n && buf[n - 1] == ' '; n--)
		buf[n - 1] = '\0';
	for (p = buf; *p == ' '; p++)
		;
	if (p != buf)
		memmove(buf, p, strlen(p) + 1);
	return buf;
}
