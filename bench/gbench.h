/* Forwarding header: gbench.h lives in bench/gbench/. */
#include "bench/gbench/gbench.h"
