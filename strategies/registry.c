/*
 * registry.c - every strategy, listed explicitly: static libraries drop objects
 * nothing references, and an explicit list is readable and ordered (baselines
 * first, then the HAProxy family, then the RCU family).
 */
#include "strategies/sync.h"

#include <string.h>

/*
 * The list, one line per strategy, in the order --list prints: X(name) for
 * the table sync_<name> its file defines.
 */

#define SYNC_STRATEGIES(X)		\
	X(none)				\
	X(rwlock)			\
	X(wake_all)			\
	X(harmless_mask)		\
	X(isolate_full)			\
	X(tgroups)			\
	X(harmless_membarrier)		\
	X(qsbr)				\
	X(ebr)				\
	X(urcu_qsbr)			\
	X(urcu_memb)			\
	X(ck_epoch)			\
	X(urcu_mb)			\
	X(urcu_bp)			\
	X(urcu_signal)			\
	X(brlock)			\
	X(replicas_lazy)		\
	X(replicas_eager)		\
	X(seqlock)			\
	X(hazard_pointers)		\
	X(dpdk_qsbr)

#define SYNC_DECLARE(name) extern const struct sync_ops sync_##name;
#define SYNC_ENTRY(name) &sync_##name,

SYNC_STRATEGIES(SYNC_DECLARE)

const struct sync_ops *const sync_registry[] = {
	SYNC_STRATEGIES(SYNC_ENTRY)
	NULL,
};

const struct sync_ops *sync_find(const char *name)
{
	for (size_t i = 0; sync_registry[i]; i++)
		if (strcmp(sync_registry[i]->name, name) == 0)
			return sync_registry[i];
	return NULL;
}

const char *sync_names(void)
{
	static char buf[512];

	if (!buf[0]) {
		for (size_t i = 0; sync_registry[i]; i++) {
			if (i)
				strncat(buf, ", ", sizeof(buf) - strlen(buf) - 1);
			strncat(buf, sync_registry[i]->name, sizeof(buf) - strlen(buf) - 1);
		}
	}
	return buf;
}
