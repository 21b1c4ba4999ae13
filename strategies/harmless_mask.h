/*
 * harmless_mask.h - what harmless_mask.c offers beyond its sync_ops table.
 */
#ifndef HARMLESS_MASK_H
#define HARMLESS_MASK_H

#include "strategies/sync.h"

/*
 * HAProxy's thread_isolated(): non-zero when t (a harmless_mask thread) is
 * isolated, by the masks' own reading (want_rdv set, harmless clear). Called
 * by t itself, e.g. by a test between isolate() and release().
 */
int sync_harmless_mask_isolated(struct sync_thread *t);

#endif /* HARMLESS_MASK_H */
