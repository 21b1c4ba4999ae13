/*
 * tgroups_test_hooks.h - the step points of tgroups.c's isolate, for tests
 * that script an interleaving. Present only in builds with
 * -DTGROUPS_TEST_HOOKS (never in the benchmark's build).
 */
#ifndef TGROUPS_TEST_HOOKS_H
#define TGROUPS_TEST_HOOKS_H

#include "strategies/sync.h"

enum tgroups_test_point {
	/* isolate: every group was seen harmless; the claim comes next. */
	TGROUPS_HOOK_SCANNED,
};

/*
 * Called at each point by the isolating thread when non-NULL. Set before the
 * domain's threads start; it may block (the thread stays harmless).
 */
extern void (*tgroups_test_hook)(struct sync_thread *t, enum tgroups_test_point point);

#endif /* TGROUPS_TEST_HOOKS_H */
