/* strhash: the one hash of byte strings for the server's in-memory tables
 * (patch member index, controller caches and queues, per-address
 * connection buckets). FNV-1a 64 with MurmurHash3's finalizer: FNV's
 * multiply carries information only upwards, so without the finalizer the
 * low bits a power-of-two table masks depend on the characters' low bits
 * alone ("k000001".."k999999" would pile up). Not for anything an attacker
 * must not predict. */
#ifndef SKIFF_STRHASH_H
#define SKIFF_STRHASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t strhash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

static inline uint64_t strhash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return strhash_mix(h);
}

/* A NUL-terminated string. */
static inline uint64_t strhash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return strhash_mix(h);
}

#endif
