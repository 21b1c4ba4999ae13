/* Forwarding header: pollsim.h lives in bench/sim/. */
#include "bench/sim/pollsim.h"
