/* Forwarding header: lifecycle.h lives in bench/lib/. */
#include "bench/lib/lifecycle.h"
