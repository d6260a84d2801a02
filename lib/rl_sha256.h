/*
 * rl_sha256.h - SHA-256 (FIPS 180-4), for content that must not be
 * forged: the digest of a repository's .redline/ layer that the user
 * trusted (rl_trust.h).  A low-level primitive: it includes nothing of
 * redline's.
 *
 *     struct rl_sha256 h;
 *     char hex[RL_SHA256_HEX];
 *     rl_sha256_init(&h);
 *     rl_sha256_add(&h, data, n);     (any number of times)
 *     rl_sha256_hex(&h, hex);         (64 hex digits and a NUL)
 */
#ifndef RL_SHA256_H
#define RL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define RL_SHA256_HEX 65

struct rl_sha256 {
	uint32_t h[8];
	uint64_t len;             /* bytes added so far */
	unsigned char block[64];
	size_t fill;              /* bytes waiting in block */
};

void rl_sha256_init(struct rl_sha256 *s);

/* Add n bytes of data. */
void rl_sha256_add(struct rl_sha256 *s, const void *data, size_t n);

/* Finish: the 32-byte digest into out.  s must be initialized again
 * before it is used for another digest. */
void rl_sha256_final(struct rl_sha256 *s, unsigned char out[32]);

/* Finish, as 64 lowercase hex digits and a NUL into hex. */
void rl_sha256_hex(struct rl_sha256 *s, char hex[RL_SHA256_HEX]);

#endif
