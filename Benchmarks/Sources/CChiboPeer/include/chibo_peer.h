#ifndef CHIBO_PEER_H
#define CHIBO_PEER_H
// The C peer of the codec benchmarks: the benchmark Member and Meeting built once as protoc-c
// structs, packed and unpacked by libprotobuf-c with its default allocator.

#include <stddef.h>
#include <stdint.h>

// Packs the Member the way a C caller that hands out an owned buffer does:
// get_packed_size, malloc, pack, free. Returns the packed size.
size_t bench_member_pack(void);
// Packs the Member into `out` (get_packed_size + pack, no allocation). Returns the packed size,
// or 0 when `capacity` is too small.
size_t bench_member_pack_into(uint8_t *out, size_t capacity);
// Unpacks a Member and frees it with free_unpacked. Returns 0, or -1 when unpack failed.
int bench_member_unpack(const uint8_t *data, size_t length);
// Unpacks a Member and packs it again into `out`: the C side of the start-up equality check.
// Returns the packed size, or 0 when unpack failed or `capacity` is too small.
size_t bench_member_repack(const uint8_t *data, size_t length, uint8_t *out, size_t capacity);

// The same four for the Meeting.
size_t bench_meeting_pack(void);
size_t bench_meeting_pack_into(uint8_t *out, size_t capacity);
int bench_meeting_unpack(const uint8_t *data, size_t length);
size_t bench_meeting_repack(const uint8_t *data, size_t length, uint8_t *out, size_t capacity);

#endif
