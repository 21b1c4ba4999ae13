/*
 * replicas.h - the per-thread replica protocol shared by replicas_lazy.c and
 * replicas_eager.c (the design note is in replicas.c). Each of those files
 * defines one strategy's table from these hooks with REPLICAS_DEFINE_OPS; the
 * tables differ in the mode, the identity and eager's wake hooks.
 */
#ifndef REPLICAS_H
#define REPLICAS_H

#include "strategies/sync.h"

enum replicas_mode {
	REPLICAS_LAZY = 0,  /* sleepers apply at their next wake-up; never woken */
	REPLICAS_EAGER = 1, /* sleepers are woken through the wake_fd to apply */
};

int replicas_domain_create(const struct sync_ops *ops, enum replicas_mode mode,
			   const struct sync_params *p, struct sync_domain **out, char *err,
			   size_t errlen);
void replicas_domain_destroy(struct sync_domain *d);
int replicas_wake_fd(struct sync_domain *d);
int replicas_thread_alloc(struct sync_domain *d, unsigned tid, struct sync_thread **out,
			  char *err, size_t errlen);
int replicas_thread_init(struct sync_thread *t, char *err, size_t errlen);
void replicas_thread_deinit(struct sync_thread *t);
void replicas_poll_enter(struct sync_thread *t);
void replicas_poll_leave(struct sync_thread *t);
void replicas_wake_event(struct sync_thread *t);
void replicas_loop_iter(struct sync_thread *t);
void replicas_synchronize(struct sync_thread *t);
void replicas_dump(struct sync_domain *d, FILE *out);
void replicas_summary(struct sync_domain *d, FILE *out);

/*
 * REPLICAS_DEFINE_OPS(mode, MODE, ...) defines sync_replicas_<mode>, one
 * mode's table: its domain_create passes MODE to replicas_domain_create, the
 * hooks both modes share are the functions above, and the arguments after
 * MODE are the mode's own members (origin, caps, the wake hooks if any).
 */
#define REPLICAS_DEFINE_OPS(mode, MODE, ...)                                                      \
	extern const struct sync_ops sync_replicas_##mode;                                          \
	static int replicas_##mode##_domain_create(const struct sync_params *p,                     \
						   struct sync_domain **out, char *err, size_t errlen) \
	{                                                                                           \
		return replicas_domain_create(&sync_replicas_##mode, MODE, p, out, err, errlen);   \
	}                                                                                           \
	const struct sync_ops sync_replicas_##mode = {                                              \
		.name = "replicas_" #mode,                                                          \
		.family = "grace",                                                                  \
		.max_threads = 0,                                                                   \
		.counted = SYNC_COUNTED_ALL,                                                        \
		.domain_create = replicas_##mode##_domain_create,                                   \
		.domain_destroy = replicas_domain_destroy,                                          \
		.thread_alloc = replicas_thread_alloc,                                              \
		.thread_init = replicas_thread_init,                                                \
		.thread_deinit = replicas_thread_deinit,                                            \
		.thread_free = sync_thread_delete,                                                  \
		.poll_enter = replicas_poll_enter,                                                  \
		.poll_leave = replicas_poll_leave,                                                  \
		.loop_iter = replicas_loop_iter,                                                    \
		.synchronize = replicas_synchronize,                                                \
		.dump = replicas_dump,                                                              \
		.summary = replicas_summary,                                                        \
		__VA_ARGS__                                                                         \
	}

#endif /* REPLICAS_H */
