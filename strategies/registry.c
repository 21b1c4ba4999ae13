/*
 * registry.c - every strategy, listed explicitly: static libraries drop objects
 * nothing references, and an explicit list is readable and ordered (baselines
 * first, then the HAProxy family, then the RCU family).
 */
#include "strategies/sync.h"

#include <string.h>

/* --- declarations: one line per strategy --- */
extern const struct sync_ops sync_none;
extern const struct sync_ops sync_rwlock;
extern const struct sync_ops sync_wake_all;
extern const struct sync_ops sync_harmless_mask;
extern const struct sync_ops sync_isolate_full;
extern const struct sync_ops sync_tgroups;
extern const struct sync_ops sync_harmless_membarrier;
extern const struct sync_ops sync_qsbr;
extern const struct sync_ops sync_ebr;
extern const struct sync_ops sync_urcu_qsbr;
extern const struct sync_ops sync_urcu_memb;
extern const struct sync_ops sync_ck_epoch;
extern const struct sync_ops sync_urcu_mb;
extern const struct sync_ops sync_urcu_bp;
extern const struct sync_ops sync_urcu_signal;
extern const struct sync_ops sync_brlock;
extern const struct sync_ops sync_replicas_lazy;
extern const struct sync_ops sync_replicas_eager;
extern const struct sync_ops sync_seqlock;
extern const struct sync_ops sync_hazard_pointers;
#ifdef SYNC_WITH_DPDK /* opt-in: --config=dpdk */
extern const struct sync_ops sync_dpdk_qsbr;
#endif
/* --- end declarations --- */

const struct sync_ops *const sync_registry[] = {
	/* --- entries: one line per strategy --- */
	&sync_none,
	&sync_rwlock,
	&sync_wake_all,
	&sync_harmless_mask,
	&sync_isolate_full,
	&sync_tgroups,
	&sync_harmless_membarrier,
	&sync_qsbr,
	&sync_ebr,
	&sync_urcu_qsbr,
	&sync_urcu_memb,
	&sync_ck_epoch,
	&sync_urcu_mb,
	&sync_urcu_bp,
	&sync_urcu_signal,
	&sync_brlock,
	&sync_replicas_lazy,
	&sync_replicas_eager,
	&sync_seqlock,
	&sync_hazard_pointers,
#ifdef SYNC_WITH_DPDK
	&sync_dpdk_qsbr,
#endif
	/* --- end entries --- */
	/*
	 * Not listed until every harness reads through loop.h's sync_read()
	 * and sync_deref(): seqlock (its readers must redo torn sections) and
	 * hazard_pointers (its readers must publish what they load). Their
	 * libraries and validate tests are in strategies/BUILD.
	 */
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
