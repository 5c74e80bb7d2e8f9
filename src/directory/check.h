/**
 * @file check.h
 * The semantic checks of a directory record, shared by the store's import
 * and save (directory.h) and the exchange formats: required fields,
 * date_maj a real date, postcode of 5 digits, INSEE commune code, e-mail
 * and URL shapes, SIRET (14 digits, Luhn), RNA, FINESS (9 characters, its
 * key), coordinates, opening_hours parsed, every code of a list known to
 * the data·inclusion schema (directory/codes.h), lengths the database
 * accepts.
 *
 * On the first fault found, row->field receives the record's field key
 * (the struct member and column name: "postcode") and row->message a
 * French sentence naming the data·inclusion field ("code_postal") and
 * saying what was expected and what was found; row may be NULL.
 */
#ifndef MG_DIRECTORY_CHECK_H
#define MG_DIRECTORY_CHECK_H

#include "directory/directory.h"

/** 0, or MG_EINVAL with row->field and row->message set. */
int mg_dir_check_structure(const mg_dir_structure *s, mg_dir_report_row *row) MG_WARN_UNUSED;
int mg_dir_check_service(const mg_dir_service *v, mg_dir_report_row *row) MG_WARN_UNUSED;

/** The data·inclusion name of a field key of a structure ('s') or a
 * service ('v'): "postcode" → "code_postal"; the key itself when the
 * field is maillage's own ("network_role"). */
const char *mg_dir_field_di_name(char kind, const char *key);

/** Makes a message valid UTF-8 in place: a byte that starts no valid
 * sequence becomes '?', a sequence cut at the end is dropped (messages
 * quote what a file held, which may be anything). */
void mg_dir_message_clean(char *s);

#endif
