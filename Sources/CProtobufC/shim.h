#ifndef CHIBO_CPROTOBUFC_SHIM_H
#define CHIBO_CPROTOBUFC_SHIM_H
// Debian's libprotobuf-c.pc adds no include flags; the header lives in the default path.
#include <protobuf-c/protobuf-c.h>
#endif
