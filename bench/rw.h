#include "bench/rw/rw.h" /* forwarding header: the readers/writers benchmark lives in bench/rw/ */
