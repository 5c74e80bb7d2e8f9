/**
 * @file printed.h
 * The documents of the single window that get signed (issue 16;
 * printed.c, on src/doc/doc.h): the filled request laid out like the
 * CERFA 12156 form (its numbered sections: identification, human
 * resources, project, budget with its account lines, attestation to
 * sign), and a co-funder's funding agreement (convention) from the
 * request's data and its decision and payment terms.
 */
#ifndef MG_FUNDING_PRINTED_H
#define MG_FUNDING_PRINTED_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "db/db.h"

/** The filled form of request `request_id` as a PDF, into a new buffer
 * (*pdf: free()). */
int mg_subsidy_cerfa_pdf(mg_db *db, int64_t request_id, unsigned char **pdf, size_t *len,
                         mg_diag *d) MG_WARN_UNUSED;

/** Co-funder `funder_id`'s funding agreement for request `request_id`
 * (its part must be granted: MG_EINVAL otherwise), into a new buffer. */
int mg_subsidy_agreement_pdf(mg_db *db, int64_t request_id, int64_t funder_id,
                             unsigned char **pdf, size_t *len, mg_diag *d) MG_WARN_UNUSED;

/* Added by the printed documents' work (printed.c), pure: */

/** An amount of cents in French words as a legal document writes it
 * (traditional spelling: « deux cent quatre-vingts euros », « un million
 * d'euros », « soixante et onze euros et cinq centimes »), into out.
 * Returns the length written, or 0 when it does not fit or the amount is
 * negative or 10^12 euros or more (then write the figures only). */
size_t mg_subsidy_amount_words(int64_t cents, char *out, size_t cap);

#endif
