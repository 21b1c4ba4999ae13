/* Forwarding header: histogram.h lives in bench/lib/. */
#include "bench/lib/histogram.h"
