/* sim_faults: vni-sim's fault knobs (command line, state file and POST /__sim/faults share one
 * JSON shape) and the one seeded PRNG every random decision of a run draws from. */
#ifndef SIM_FAULTS_H
#define SIM_FAULTS_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_STUCK_MAX 16
#define SIM_ID_MAX 128

/* splitmix64: small, fast, and the same sequence for the same seed on every machine. */
typedef struct {
    uint64_t state;
} sim_rng;

void sim_rng_seed(sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(sim_rng *r);
/* Uniform integer in [min, max] (min when max <= min). */
long sim_rng_range(sim_rng *r, long min, long max);
/* True with probability p (0 never, 1 always). */
bool sim_rng_chance(sim_rng *r, double p);
/* A version-4 UUID text from the PRNG (37 bytes), so a seeded run replays the same ids. */
void sim_rng_uuid(sim_rng *r, char *out);

typedef enum { SIM_PAGING_OFF = 0, SIM_PAGING_ONCE, SIM_PAGING_ALWAYS } sim_paging_insert;
typedef enum { SIM_COUNT_TOTAL = 0, SIM_COUNT_TOTALCOUNT, SIM_COUNT_BOTH } sim_count_field;

/* Every knob. Plain values, no pointers: copy it freely. */
typedef struct {
    double rate_429;  /* probability of a 429 per request */
    long retry_after; /* Retry-After seconds of those 429s (and of some 503s) */
    double rate_5xx;  /* probability of a 500/502/503/504 per request */
    long latency_min_ms, latency_max_ms;
    long converge_min_ms, converge_max_ms;
    char stuck[SIM_STUCK_MAX][SIM_ID_MAX]; /* routing tables that never converge */
    size_t stuck_count;
    long drop_create;  /* 0: off; N: the Nth successful create is committed, not answered */
    long creates_seen; /* successful creates counted since drop_create was set */
    sim_paging_insert insert_while_paging;
    bool insert_done; /* SIM_PAGING_ONCE has fired */
    long token_lifetime_s;
    bool no_limits_endpoint;
    bool ratelimit_headers;
    long rate_limit;          /* 0: off; N: a fixed-window limiter serves N requests a window */
    long rate_window_s;       /* its window, seconds */
    long unavailable_s;       /* 0: off; S: every request answered 503 for S seconds */
    bool unavailable_started; /* those S seconds have started (at the first request after) */
    sim_count_field count_field;
    bool no_estimate;
} sim_faults;

/* No faults, Retry-After 1, convergence 200-400 ms, tokens of 86400 s. */
void sim_faults_default(sim_faults *f);

/* Parses "MIN-MAX" or "N" (milliseconds, 0..3600000). Returns 0, or -1. */
int sim_range_parse(const char *text, long *min, long *max);

/* Parses a rate limit "N/SECONDS" (N 1..1000000, SECONDS 1..86400). Returns 0, or -1. */
int sim_rate_limit_parse(const char *text, long *n, long *window_s);

/* Applies the knobs present in obj (a JSON object; absent keys are left alone) to f.
 * Keys: rate429, retryAfter, rate5xx, latencyMs, convergeMs, stuckTable, dropCreate,
 * insertWhilePaging, tokenLifetime, noLimitsEndpoint, ratelimitHeaders, countField,
 * noEstimate, rateLimit ("N/SECONDS", or null / "off"), unavailableFor (seconds, 0 = off; the
 * time starts at the next request) (and seed, which is returned in *seed_out with *has_seed set;
 * both may be NULL). On a bad key or value writes a message into err and returns -1 leaving f
 * unchanged. */
int sim_faults_apply_json(sim_faults *f, const cJSON *obj, uint64_t *seed_out, bool *has_seed,
                          char *err, size_t errlen);

/* The knobs as a JSON object of the same keys (caller cJSON_Delete()s it). */
cJSON *sim_faults_to_json(const sim_faults *f);

/* True when table_id is one of the stuck tables. */
bool sim_faults_is_stuck(const sim_faults *f, const char *table_id);

#endif
