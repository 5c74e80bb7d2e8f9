/* The baseline a scenario's result is shown on: the model's APL, or the
 * official APL plus the model's change (baseline.h). */
#include "scenario/baseline.h"

#include <math.h>
#include <string.h>

const char *mg_baseline_name(enum mg_baseline b)
{
    switch (b) {
    case MG_BASELINE_MODEL: return "model";
    case MG_BASELINE_OFFICIAL: return "official";
    case MG_BASELINE_COUNT: break;
    }
    return "?";
}

enum mg_baseline mg_baseline_parse(const char *s)
{
    if (!s)
        return MG_BASELINE_COUNT;
    if (strcmp(s, "model") == 0 || strcmp(s, "modele") == 0)
        return MG_BASELINE_MODEL;
    if (strcmp(s, "official") == 0 || strcmp(s, "officielle") == 0)
        return MG_BASELINE_OFFICIAL;
    return MG_BASELINE_COUNT;
}

const char *mg_baseline_label_fr(enum mg_baseline b)
{
    return b == MG_BASELINE_OFFICIAL ? "APL officielle + effet du scénario (modèle)"
                                     : "APL du modèle";
}

mg_baseline_shown mg_baseline_value(enum mg_baseline b, double official, double before,
                                    double after)
{
    if (b != MG_BASELINE_OFFICIAL)
        return (mg_baseline_shown){after, 0};
    if (!isfinite(official))
        return (mg_baseline_shown){after, MG_BASELINE_F_MODEL_FALLBACK};
    /* With no change the official value itself, bit for bit: adding a zero
     * difference would be exact too, but a commune out of every action's
     * reach must not depend on that. */
    if (after == before)
        return (mg_baseline_shown){official, 0};
    double v = official + (after - before);
    if (v < 0)
        return (mg_baseline_shown){0, MG_BASELINE_F_CLAMPED};
    return (mg_baseline_shown){v, 0};
}

void mg_baseline_apply(enum mg_baseline b, size_t n, const double *official,
                       const double *before, const double *after, double *out, uint8_t *flags,
                       const uint8_t *only, mg_baseline_counts *counts)
{
    mg_baseline_counts c = {0};
    for (size_t i = 0; i < n; i++) {
        mg_baseline_shown s = mg_baseline_value(b, official[i], before[i], after[i]);
        out[i] = s.value;
        if (flags)
            flags[i] = (uint8_t)s.flags;
        if (only && !only[i])
            continue;
        if (s.flags & MG_BASELINE_F_MODEL_FALLBACK)
            c.fallback++;
        else if (b == MG_BASELINE_OFFICIAL)
            c.official++;
        if (s.flags & MG_BASELINE_F_CLAMPED)
            c.clamped++;
    }
    if (counts)
        *counts = c;
}
