/*
 * Rounding a double to a whole int64 without libm (the model and formats
 * libraries do not link it): half away from zero, saturating at the int64
 * range, NaN to 0. Used where sample weights become counts.
 */
#ifndef PK_MODEL_ROUND_H
#define PK_MODEL_ROUND_H

#include <stdint.h>

static inline int64_t pk_round_i64(double v)
{
    if (!(v == v))
        return 0;
    if (v >= 9.2e18)
        return INT64_MAX;
    if (v <= -9.2e18)
        return INT64_MIN;
    return v >= 0 ? (int64_t)(v + 0.5) : -(int64_t)(-v + 0.5);
}

#endif
