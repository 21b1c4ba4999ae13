/*
 * harmless_membarrier.h - the one test hook of harmless_membarrier.c.
 */
#ifndef HARMLESS_MEMBARRIER_H
#define HARMLESS_MEMBARRIER_H

/*
 * How harmless_membarrier calls membarrier(2): the raw syscall by default.
 * A test points it at a function returning -1 to see domain_create refuse
 * cleanly, as it must when the kernel refuses the command. Set it before
 * domain_create, from one thread, while no domain exists.
 */
extern int (*sync_membarrier_call)(int cmd, unsigned flags, int cpu_id);

#endif /* HARMLESS_MEMBARRIER_H */
