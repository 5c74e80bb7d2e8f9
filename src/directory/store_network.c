/*
 * The directory store, the network's side: merge proposals, suggestions
 * by other organisations, meetings with their invitations, attendance,
 * minutes and contacts export.
 */
#include <stdlib.h>
#include <string.h>

#include "directory/store_internal.h"

#define NOT_YET(d) mg_diag_set(d, MG_EINVAL, NULL, 0, 0, "pas encore")

int mg_dir_merges(mg_db *db, mg_dir_merge **out, size_t *n, mg_diag *d)
{
    (void)db;
    *out = NULL;
    *n = 0;
    return NOT_YET(d);
}

int mg_dir_merge_get(mg_db *db, int64_t id, mg_dir_merge *m, mg_dir_set *into, mg_diag *d)
{
    (void)db, (void)id, (void)m, (void)into;
    return NOT_YET(d);
}

int mg_dir_merge_decide(mg_db *db, int64_t by, int64_t id, bool accept, mg_diag *d)
{
    (void)db, (void)by, (void)id, (void)accept;
    return NOT_YET(d);
}

int mg_dir_suggest(mg_db *db, int64_t by_account, int64_t by_organisation, int64_t structure_id,
                   const char *field, const char *value, int64_t *id, mg_diag *d)
{
    (void)db, (void)by_account, (void)by_organisation, (void)structure_id, (void)field,
        (void)value, (void)id;
    return NOT_YET(d);
}

int mg_dir_suggestions(mg_db *db, int64_t structure_id, mg_dir_suggestion **out, size_t *n,
                       mg_diag *d)
{
    (void)db, (void)structure_id;
    *out = NULL;
    *n = 0;
    return NOT_YET(d);
}

int mg_dir_suggestion_decide(mg_db *db, int64_t by, int64_t structure_id, int64_t id, bool accept,
                             mg_diag *d)
{
    (void)db, (void)by, (void)structure_id, (void)id, (void)accept;
    return NOT_YET(d);
}

int mg_dir_meeting_save(mg_db *db, int64_t by, mg_dir_meeting *m, const char **field, mg_diag *d)
{
    (void)db, (void)by, (void)m;
    if (field)
        *field = NULL;
    return NOT_YET(d);
}

int mg_dir_meeting_get(mg_db *db, int64_t id, mg_dir_meeting *out, mg_diag *d)
{
    (void)db, (void)id, (void)out;
    return NOT_YET(d);
}

int mg_dir_meetings(mg_db *db, int64_t organisation_id, mg_dir_meeting **out, size_t *n,
                    mg_diag *d)
{
    (void)db, (void)organisation_id;
    *out = NULL;
    *n = 0;
    return NOT_YET(d);
}

int mg_dir_meeting_invite(mg_db *db, int64_t by, int64_t meeting_id, int64_t structure_id,
                          mg_diag *d)
{
    (void)db, (void)by, (void)meeting_id, (void)structure_id;
    return NOT_YET(d);
}

int mg_dir_meeting_attendance(mg_db *db, int64_t by, int64_t meeting_id, int64_t structure_id,
                              int attended, mg_diag *d)
{
    (void)db, (void)by, (void)meeting_id, (void)structure_id, (void)attended;
    return NOT_YET(d);
}

int mg_dir_meeting_invitations(mg_db *db, int64_t meeting_id, mg_dir_invitation **out, size_t *n,
                               mg_diag *d)
{
    (void)db, (void)meeting_id;
    *out = NULL;
    *n = 0;
    return NOT_YET(d);
}

int mg_dir_meeting_minutes_set(mg_db *db, int64_t by, int64_t meeting_id, const char *filename,
                               const char *media_type, const void *data, size_t n, mg_diag *d)
{
    (void)db, (void)by, (void)meeting_id, (void)filename, (void)media_type, (void)data, (void)n;
    return NOT_YET(d);
}

int mg_dir_meeting_minutes_get(mg_db *db, int64_t meeting_id, char **filename, char **media_type,
                               void **data, size_t *n, mg_diag *d)
{
    (void)db, (void)meeting_id, (void)filename, (void)media_type, (void)data, (void)n;
    return NOT_YET(d);
}

int mg_dir_meeting_contacts_csv(mg_db *db, int64_t meeting_id, char **csv, size_t *n, mg_diag *d)
{
    (void)db, (void)meeting_id;
    *csv = NULL;
    *n = 0;
    return NOT_YET(d);
}
