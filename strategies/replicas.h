/*
 * replicas.h - the per-thread replica protocol shared by replicas_lazy.c and
 * replicas_eager.c (the design note is in replicas.c). Each of those files
 * defines one strategy's table from these hooks; only their domain_create
 * differs (the mode).
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

#endif /* REPLICAS_H */
