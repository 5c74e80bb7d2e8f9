/**
 * @file attachments.h
 * The attachments of a subsidy request (issue 16; attachments.c):
 * statutes, last accounts, bank details, the signed attestation, the
 * final report's pieces. PDF, PNG, JPEG and office files (OOXML, ODF) up
 * to MG_SUBSIDY_ATTACHMENT_MAX_BYTES; the type is read from the bytes
 * (contracts.h, mg_contract_document_type), never from the name, so an
 * HTML page named .pdf is refused. The bytes are stored in the database,
 * once per SHA-256 (table subsidy_blobs), so that every server process
 * serves them; they are served as downloads (Content-Disposition:
 * attachment, X-Content-Type-Options: nosniff) with the type found.
 */
#ifndef MG_FUNDING_ATTACHMENTS_H
#define MG_FUNDING_ATTACHMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "db/db.h"
#include "funding/funding.h"

enum { MG_SUBSIDY_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024 };

typedef enum mg_subsidy_attachment_kind {
    MG_ATTACH_STATUTES = 0,        /* statuts */
    MG_ATTACH_ACCOUNTS,            /* derniers comptes approuvés */
    MG_ATTACH_BANK_DETAILS,        /* RIB */
    MG_ATTACH_ATTESTATION,         /* attestation sur l'honneur signée */
    MG_ATTACH_REPORT,              /* pièce du compte rendu financier */
    MG_ATTACH_OTHER,
    MG_ATTACH_KINDS
} mg_subsidy_attachment_kind;

/* "statutes", "accounts", "bank_details", "attestation", "report", "other"
 * and their French labels. */
const char *mg_subsidy_attachment_kind_key(mg_subsidy_attachment_kind k);
const char *mg_subsidy_attachment_kind_label(mg_subsidy_attachment_kind k);
int mg_subsidy_attachment_kind_parse(const char *key,
                                     mg_subsidy_attachment_kind *out) MG_WARN_UNUSED;

/** The kinds a filing requires: bank details and the signed attestation
 * always, the statutes for a first request (not a renewal). */
bool mg_subsidy_attachment_required(mg_subsidy_attachment_kind k, bool is_renewal);

typedef struct mg_subsidy_attachment {
    int64_t id;
    int64_t request_id;
    mg_subsidy_attachment_kind kind;
    char filename[256];
    char media_type[96];
    char sha256[65];
    int64_t size;
    char created_at[32];
} mg_subsidy_attachment;

/** Adds a file ("file": empty, too large, or of a type not accepted —
 * the sentence says which and what is accepted; "kind"). Bytes already
 * stored under the same hash are not stored again. */
int mg_subsidy_attachment_add(mg_db *db, int64_t by, int64_t request_id,
                              mg_subsidy_attachment_kind kind, const char *filename,
                              const void *data, size_t len, int64_t *id_out,
                              mg_subsidy_errors *errs, mg_diag *d) MG_WARN_UNUSED;
/** Removes an attachment of a draft (a filed request keeps its pieces). */
int mg_subsidy_attachment_delete(mg_db *db, int64_t by, int64_t attachment_id,
                                 mg_subsidy_errors *errs, mg_diag *d) MG_WARN_UNUSED;
int mg_subsidy_attachments(mg_db *db, int64_t request_id, mg_subsidy_attachment **out, size_t *n,
                           mg_diag *d) MG_WARN_UNUSED;
/** An attachment and its bytes (*data: free()). */
int mg_subsidy_attachment_get(mg_db *db, int64_t attachment_id, mg_subsidy_attachment *out,
                              void **data, size_t *len, mg_diag *d) MG_WARN_UNUSED;
/** The kinds present on a request, as a bit set (1u << kind). */
int mg_subsidy_attachment_kinds(mg_db_conn *c, int64_t request_id, unsigned *present,
                                mg_diag *d) MG_WARN_UNUSED;

/* Added by the attachments work (attachments.c), pure, for the web layer
 * and fuzz_subsidy_attachment: */

/** The name kept for an uploaded file: what follows the last '/' or '\\',
 * without control characters (C0, DEL, C1) nor the bidirectional
 * controls that could disguise an extension, invalid UTF-8 dropped, outer
 * spaces trimmed, at most 255 bytes cut on a character boundary (the
 * extension kept when it is short). "" when nothing is left. Returns
 * strlen(out). */
size_t mg_subsidy_attachment_filename_clean(const char *name, char out[static 256]);

/** The type of a file to attach, read from its bytes: the accepted media
 * type (a static string), or NULL with the French sentence of what is
 * accepted in errs on "file" (empty, too large, or not of an accepted
 * type whatever its name). */
const char *mg_subsidy_attachment_check(const void *data, size_t len, mg_subsidy_errors *errs);

#endif
