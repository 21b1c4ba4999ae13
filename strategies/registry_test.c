/*
 * registry_test.c - every strategy of the registry has a consistent table
 * (sync_ops_check: identity, required hooks, update hooks matching the
 * capabilities), a unique name, and is found by sync_find(); and the check
 * itself refuses each kind of inconsistent table.
 */
#include "strategies/sync.h"

#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                       \
	do {                                                   \
		if (!(cond)) {                                 \
			fprintf(stderr, "FAIL: " __VA_ARGS__); \
			fputc('\n', stderr);                   \
			failures++;                            \
		}                                              \
	} while (0)

static void hook(struct sync_thread *t)
{
	(void)t;
}

static void defer(struct sync_thread *t, void *p, void (*fn)(void *))
{
	(void)t;
	(void)p;
	(void)fn;
}

static int create(const struct sync_params *p, struct sync_domain **out, char *err, size_t errlen)
{
	(void)p;
	(void)out;
	(void)err;
	(void)errlen;
	return -1;
}

static void destroy(struct sync_domain *d)
{
	(void)d;
}

static int alloc(struct sync_domain *d, unsigned tid, struct sync_thread **out, char *err, size_t errlen)
{
	(void)d;
	(void)tid;
	(void)out;
	(void)err;
	(void)errlen;
	return -1;
}

static void dump(struct sync_domain *d, FILE *out)
{
	(void)d;
	(void)out;
}

#define BASE                                                                                 \
	.name = "t", .family = "test", .origin = "registry_test", .domain_create = create,     \
	.domain_destroy = destroy, .thread_alloc = alloc, .thread_free = hook, .dump = dump

int main(void)
{
	char err[256];
	size_t n = 0;

	for (size_t i = 0; sync_registry[i]; i++, n++) {
		const struct sync_ops *o = sync_registry[i];

		err[0] = 0;
		CHECK(sync_ops_check(o, err, sizeof(err)) == 0, "%s", err);
		CHECK(sync_find(o->name) == o, "sync_find(\"%s\") does not return its table", o->name);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(sync_registry[j]->name, o->name) != 0, "two strategies named %s", o->name);
	}
	CHECK(n >= 12, "only %zu strategies in the registry", n);

	/* The check refuses what it must. */
	const struct sync_ops ok_iso = { BASE, .caps = SYNC_CAP_ISOLATE, .isolate = hook, .release = hook };
	const struct sync_ops ok_grace = { BASE, .caps = SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER,
					   .synchronize = hook, .defer_free = defer, .barrier = hook };
	const struct sync_ops no_release = { BASE, .caps = SYNC_CAP_ISOLATE, .isolate = hook };
	const struct sync_ops unclaimed = { BASE, .caps = SYNC_CAP_ISOLATE, .isolate = hook, .release = hook,
					    .synchronize = hook };
	const struct sync_ops no_barrier = { BASE, .caps = SYNC_CAP_SYNCHRONIZE | SYNC_CAP_DEFER,
					     .synchronize = hook, .defer_free = defer };
	const struct sync_ops half_read = { BASE, .caps = SYNC_CAP_ISOLATE, .isolate = hook, .release = hook,
					    .read_begin = hook };
	const struct sync_ops no_caps = { BASE };
	const struct sync_ops no_dump = { .name = "t", .family = "test", .origin = "registry_test",
					  .domain_create = create, .domain_destroy = destroy, .thread_alloc = alloc,
					  .thread_free = hook, .caps = SYNC_CAP_ISOLATE, .isolate = hook,
					  .release = hook };

	CHECK(sync_ops_check(&ok_iso, err, sizeof(err)) == 0, "a valid exclusive table refused: %s", err);
	CHECK(sync_ops_check(&ok_grace, err, sizeof(err)) == 0, "a valid grace table refused: %s", err);
	CHECK(sync_ops_check(&no_release, err, sizeof(err)) == -1, "isolate without release accepted");
	CHECK(sync_ops_check(&unclaimed, err, sizeof(err)) == -1, "synchronize without its capability accepted");
	CHECK(sync_ops_check(&no_barrier, err, sizeof(err)) == -1, "defer without barrier accepted");
	CHECK(sync_ops_check(&half_read, err, sizeof(err)) == -1, "read_begin without read_end accepted");
	CHECK(sync_ops_check(&no_caps, err, sizeof(err)) == -1, "a table with no update capability accepted");
	CHECK(sync_ops_check(&no_dump, err, sizeof(err)) == -1, "a table without dump accepted");

	if (failures) {
		fprintf(stderr, "registry_test: %d failures\n", failures);
		return 1;
	}
	printf("registry_test: %zu strategies, every table consistent; 6 bad tables refused\n", n);
	return 0;
}
