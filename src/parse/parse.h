/**
 * @file parse.h
 * One bounded parser for what people type: numbers as the French write
 * them, integers, database ids, dates, and the French administrative codes
 * (INSEE commune, département, postcode, SIREN, SIRET, RNA, FINESS).
 *
 * Every function here is pure: no allocation, no global state, no locale
 * (see number.c for the one strtod call), and it reads at most its
 * documented maximum plus one byte of the NUL-terminated input, so a
 * missing terminator past that bound is never reached. Each returns 0 or a
 * negative MG_E… code and, when `why` is not NULL, stores the reason, which
 * mg_parse_error_fr() turns into French for a form:
 *
 *     MG_PARSE_TOO_LONG   → MG_ELIMIT   (longer than the maximum)
 *     MG_PARSE_UTF8       → MG_EUTF8    (not valid UTF-8)
 *     MG_PARSE_RANGE      → MG_EINVAL   (well written, outside [min, max])
 *     every other reason  → MG_EPARSE
 *
 * Out-parameters are written only on success. A NULL input string is
 * treated as empty (MG_PARSE_EMPTY), so an absent form field and an empty
 * one read the same.
 *
 * Spaces. Around a value (not inside an id) these are ignored: ASCII space
 * and tab, U+00A0 no-break space, U+2009 thin space and U+202F narrow
 * no-break space (what word processors and spreadsheets put in "80 000").
 * The same four, without the tab, are the group separators of numbers and
 * may stand inside codes ("732 829 320 00074"). Any input holding a byte
 * above 0x7F must be valid UTF-8 as a whole.
 *
 * Numbers (mg_parse_number), decided as follows:
 *  - an optional sign: '+', '-' or U+2212 MINUS SIGN, directly before the
 *    first digit;
 *  - an integer part of at least one digit. It is either plain ("80000",
 *    leading zeros allowed) or grouped by threes with single separators
 *    ("80 000", "1 234 567"): the first group has 1 to 3 digits and does not
 *    start with 0, each later group exactly 3 (else MG_PARSE_GROUPING);
 *  - an optional decimal part: a comma is always the decimal separator; a
 *    dot is too (so "1.5" is one and a half, and "1.234" is 1,234, never
 *    1234). Only one separator, followed by at least one digit; a second
 *    comma or dot anywhere ("1.234,5", "1,234.5", "1,2,3") is
 *    MG_PARSE_SEPARATOR. Decimals are not grouped; ",5" and "5," are
 *    refused;
 *  - an optional exponent 'e' or 'E', optional sign, 1 to 3 digits
 *    ("1,5e-3"): spreadsheets export such numbers and "%.17g" prints them;
 *  - nothing else: no "inf", "nan", hexadecimal, or text after the number.
 * The value is the correctly rounded double of the decimal written; -0 reads
 * as 0; a value whose magnitude overflows a double is MG_PARSE_RANGE, one
 * that underflows reads as the nearest subnormal or 0.
 *
 * Integers (mg_parse_int) follow the same sign, spaces and grouping rules
 * with no decimal part or exponent ("12,0" and "1e3" are
 * MG_PARSE_NOT_INTEGER), over the whole int64 range.
 *
 * Ids (mg_parse_id) are what the program prints in URLs: ASCII digits only,
 * no sign, no space, no leading zero ("007" is refused so that each id has
 * one spelling), from 1 to a caller's maximum.
 *
 * Data files (mg_parse_c_double, mg_parse_c_int) have their own syntax:
 * the "C" numbers of printf, with a dot and never a group separator; see
 * those functions.
 *
 * Dates (mg_parse_date): ISO 8601 "2026-12-04" (exactly 4-2-2 digits) or
 * French "04/12/2026" and "4/12/2026" (day/month/year, day and month of 1
 * or 2 digits, year of 4). Years 1583 to 9999 (the first whole Gregorian
 * year in France onwards), proleptic Gregorian rules: 29/02 only in leap
 * years (divisible by 4, not by 100 unless by 400). Two-digit years,
 * "04.12.2026", "04-12-2026" and times are refused.
 *
 * Codes are upper-cased and their inner spaces removed into the caller's
 * buffer of the size given by the MG_PARSE_…_SIZE constant; see each
 * function for what is accepted.
 */
#ifndef MG_PARSE_PARSE_H
#define MG_PARSE_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Longest inputs accepted, in bytes, surrounding spaces included. */
#define MG_PARSE_NUMBER_MAX 64u
#define MG_PARSE_ID_MAX 19u /* INT64_MAX has 19 digits */
#define MG_PARSE_DATE_MAX 32u
#define MG_PARSE_CODE_MAX 48u
#define MG_PARSE_NAME_MAX 200u

/* Buffer size of a folded name (mg_parse_fold_name), NUL included: an
 * abbreviation written out at most doubles a word and its separator. */
#define MG_PARSE_FOLD_SIZE (2u * MG_PARSE_NAME_MAX + 8u)

/* Buffer sizes of the normalised codes, terminating NUL included. */
#define MG_PARSE_COMMUNE_SIZE 6u
#define MG_PARSE_DEPARTEMENT_SIZE 4u
#define MG_PARSE_POSTCODE_SIZE 6u
#define MG_PARSE_SIREN_SIZE 10u
#define MG_PARSE_SIRET_SIZE 15u
#define MG_PARSE_RNA_SIZE 11u
#define MG_PARSE_FINESS_SIZE 10u

/** Why an input was refused. */
typedef enum mg_parse_error {
    MG_PARSE_OK = 0,
    MG_PARSE_EMPTY,        /* nothing but spaces, or NULL */
    MG_PARSE_TOO_LONG,     /* longer than the function's maximum */
    MG_PARSE_UTF8,         /* a byte above 0x7F and not valid UTF-8 */
    MG_PARSE_NOT_NUMBER,   /* not a number at all */
    MG_PARSE_NOT_INTEGER,  /* a number, but with decimals or an exponent */
    MG_PARSE_GROUPING,     /* digit groups not of three ("1 23", "1234 567") */
    MG_PARSE_SEPARATOR,    /* more than one decimal mark ("1.234,5") */
    MG_PARSE_RANGE,        /* well written, outside the bounds */
    MG_PARSE_NOT_ID,       /* an id with something else than digits, or a leading 0 */
    MG_PARSE_NOT_DATE,     /* neither jj/mm/aaaa nor aaaa-mm-jj */
    MG_PARSE_NO_SUCH_DAY,  /* no such day in the calendar (31/04, 29/02/2023) */
    MG_PARSE_SYNTAX,       /* a code with a character out of place */
    MG_PARSE_LENGTH,       /* a code with too few or too many characters */
    MG_PARSE_NO_SUCH_CODE, /* a code of the right shape no one is given ("96", "00000") */
    MG_PARSE_CHECKSUM,     /* a code whose check digit does not match */
    MG_PARSE_ERROR_COUNT
} mg_parse_error;

/**
 * A French sentence fragment for a form, to follow « Le champ « X » »,
 * e.g. "doit être un nombre, par exemple 1 234,5". Never NULL; "" for
 * MG_PARSE_OK and unknown values.
 */
const char *mg_parse_error_fr(mg_parse_error e);

/** The MG_E… code a reason is returned with (0 for MG_PARSE_OK). */
int mg_parse_error_code(mg_parse_error e);

/**
 * Parses a number as typed (see the file comment) of at most
 * MG_PARSE_NUMBER_MAX bytes, and checks min <= value <= max.
 * min > max or a NaN bound is MG_EINVAL with MG_PARSE_RANGE.
 */
int mg_parse_number(const char *s, double min, double max, double *out,
                    mg_parse_error *why) MG_WARN_UNUSED;

/**
 * Parses an integer (see the file comment) of at most MG_PARSE_NUMBER_MAX
 * bytes and checks min <= value <= max (min > max: MG_EINVAL).
 */
int mg_parse_int(const char *s, int64_t min, int64_t max, int64_t *out,
                 mg_parse_error *why) MG_WARN_UNUSED;

/**
 * Parses an id: 1 to MG_PARSE_ID_MAX ASCII digits, no leading zero, no
 * surrounding space, 1 <= value <= max ("0" and values past max or
 * INT64_MAX are MG_PARSE_RANGE). max < 1 is MG_EINVAL.
 */
int mg_parse_id(const char *s, int64_t max, int64_t *out, mg_parse_error *why) MG_WARN_UNUSED;

/**
 * Parses a number as data files and C's printf write it ("C" numbers, as
 * in the CSVs of INSEE, La Poste and the DREES, OpenStreetMap tags, or
 * "%.12g"): exactly the len bytes at s (no terminator needed, nothing past
 * s[len - 1] is read), at most MG_PARSE_NUMBER_MAX of them:
 *  - an optional '+' or '-', then digits with at most one '.' among or
 *    around them and at least one digit ("12", "-0.5", ".5", "5.");
 *  - an optional exponent 'e' or 'E', optional sign, 1 to 4 digits;
 *  - nothing else: no space (callers trim), no comma, no digit grouping
 *    (a data file never groups, and "1 234" or "1,5" there is a fault to
 *    report, not a French number to read), no "inf", "nan" or hexadecimal.
 * The value is the correctly rounded double, whatever the locale; -0 reads
 * as 0; overflow is MG_PARSE_RANGE, underflow reads as the nearest
 * subnormal or 0. Refusals: MG_PARSE_EMPTY (len 0), MG_PARSE_TOO_LONG,
 * MG_PARSE_NOT_NUMBER.
 */
int mg_parse_c_double(const char *s, size_t len, double *out, mg_parse_error *why) MG_WARN_UNUSED;

/**
 * Parses a "C" integer: exactly the len bytes at s (at most
 * MG_PARSE_NUMBER_MAX), an optional '+' or '-' and 1 or more ASCII digits,
 * nothing else (no space, no grouping), checked min <= value <= max
 * (min > max: MG_EINVAL). Refusals: MG_PARSE_EMPTY, MG_PARSE_TOO_LONG,
 * MG_PARSE_NOT_NUMBER, MG_PARSE_NOT_INTEGER ("12.0", "1e3"),
 * MG_PARSE_RANGE.
 */
int mg_parse_c_int(const char *s, size_t len, int64_t min, int64_t max, int64_t *out,
                   mg_parse_error *why) MG_WARN_UNUSED;

/** A calendar day. */
typedef struct mg_date {
    int year;  /* 1583..9999 */
    int month; /* 1..12 */
    int day;   /* 1..28/29/30/31 */
} mg_date;

/**
 * Parses "aaaa-mm-jj" or "jj/mm/aaaa" (see the file comment), at most
 * MG_PARSE_DATE_MAX bytes. A year outside 1583..9999 is MG_PARSE_RANGE; a
 * month or day that does not exist is MG_PARSE_NO_SUCH_DAY.
 */
int mg_parse_date(const char *s, mg_date *out, mg_parse_error *why) MG_WARN_UNUSED;

/** True when (year, month, day) is a day of the proleptic Gregorian calendar. */
int mg_date_valid(int year, int month, int day);

/**
 * INSEE commune code (code officiel géographique), 5 characters:
 *  - 2 digits 01–95 except 20, or 2A / 2B (Corsica), then a commune number
 *    001–999 ("11069", "2A004", Paris arrondissements "75101");
 *  - 971–978 (overseas départements and collectivités of the COG) or
 *    984–989 (TAAF, Wallis-et-Futuna, Polynésie, Nouvelle-Calédonie,
 *    Clipperton), then 01–99 ("97411").
 * Written to out as 5 upper-case characters ("2a004" → "2A004").
 */
int mg_parse_commune(const char *s, char out[static MG_PARSE_COMMUNE_SIZE],
                     mg_parse_error *why) MG_WARN_UNUSED;

/**
 * Département code: 01–95 except 20, 2A, 2B, and the five overseas
 * départements 971, 972, 973, 974, 976. 975 (Saint-Pierre-et-Miquelon) is
 * a collectivité, not a département, and is refused
 * (MG_PARSE_NO_SUCH_CODE); so is "1" for "01" (MG_PARSE_LENGTH).
 */
int mg_parse_departement(const char *s, char out[static MG_PARSE_DEPARTEMENT_SIZE],
                         mg_parse_error *why) MG_WARN_UNUSED;

/** Postcode: 5 digits in 01000–98999 ("75 001" is read as "75001"). */
int mg_parse_postcode(const char *s, char out[static MG_PARSE_POSTCODE_SIZE],
                      mg_parse_error *why) MG_WARN_UNUSED;

/**
 * SIREN: 9 digits (spaces between them ignored: "732 829 320") whose Luhn
 * key is right; "000000000" is MG_PARSE_NO_SUCH_CODE.
 */
int mg_parse_siren(const char *s, char out[static MG_PARSE_SIREN_SIZE],
                   mg_parse_error *why) MG_WARN_UNUSED;

/**
 * SIRET: 14 digits (spaces ignored: "732 829 320 00074"), a valid SIREN
 * followed by the establishment number, with the Luhn key over all 14
 * digits; except the establishments of La Poste (SIREN 356000000) other
 * than its head office 35600000000048, whose digits must instead add up to
 * a multiple of 5 (INSEE's numbering of La Poste's many offices).
 */
int mg_parse_siret(const char *s, char out[static MG_PARSE_SIRET_SIZE],
                   mg_parse_error *why) MG_WARN_UNUSED;

/**
 * RNA number of an association: "W" then 9 characters, the 3 of the
 * prefecture that registered it (digits, or digits and letters as in
 * Corsica's "W2B2001993") and a 6-digit serial: [0-9][0-9A-Z]{2}[0-9]{6}.
 * The W is required ("751234567" is MG_PARSE_SYNTAX) and upper-cased
 * ("w751234567" reads as "W751234567"). The RNA has no check digit. The older "ancien numéro"
 * of associations not declared since 2009 (RNA_import) has no fixed format
 * from one prefecture to another and is refused; such associations receive
 * a W number with their next declaration.
 */
int mg_parse_rna(const char *s, char out[static MG_PARSE_RNA_SIZE],
                 mg_parse_error *why) MG_WARN_UNUSED;

/**
 * FINESS number (établissement or entité juridique): 9 characters
 * [0-9][0-9AB][0-9]{7} as in the FINESS exchange schemas, whose first two
 * are a département prefix: 01–95 except 20, 2A, 2B, or 97/98 (overseas,
 * e.g. 970100228). The ninth is a Luhn key over the eight before it, with
 * 2A and 2B counted as 21 and 22; see codes.c for how that rule was
 * established.
 */
int mg_parse_finess(const char *s, char out[static MG_PARSE_FINESS_SIZE],
                    mg_parse_error *why) MG_WARN_UNUSED;

/**
 * Folds a place name (a commune's, as typed in a form or as published) for
 * comparison, at most MG_PARSE_NAME_MAX bytes in: ASCII letters
 * lower-cased; the accented Latin letters of U+00C0..U+00FF, Œ/œ and Ÿ
 * written as their base letters ("é" → "e", "Œ" → "oe", "ß" → "ss");
 * combining accents (U+0300..U+036F) dropped; every ASCII byte that is
 * neither a letter nor a digit, the module's spaces, hyphens and dashes
 * (U+2010..U+2015), apostrophes and quotation marks (U+2018..U+201F, « »)
 * and U+2212 separate words, written as one ASCII space, none at either
 * end; the words "st" and "ste" written out "saint" and "sainte"; any
 * other character kept as typed. "Castelnau-d'Aude", "CASTELNAU D’AUDE"
 * and "castelnau d aude" all fold to "castelnau d aude"; "St-Papoul" to
 * "saint papoul". Folding a folded name gives it back unchanged, as long
 * as the folded name is still within MG_PARSE_NAME_MAX bytes (written-out
 * abbreviations can lengthen it past the bound: it is then too long).
 * out receives the NUL-terminated result, *len (may be NULL) its length.
 * Refusals: MG_PARSE_EMPTY (nothing but separators), MG_PARSE_TOO_LONG,
 * MG_PARSE_UTF8.
 */
int mg_parse_fold_name(const char *s, char out[static MG_PARSE_FOLD_SIZE], size_t *len,
                       mg_parse_error *why) MG_WARN_UNUSED;

#endif
