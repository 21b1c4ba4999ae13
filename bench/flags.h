/* Forwarding header: flags.h lives in bench/lib/. */
#include "bench/lib/flags.h"
