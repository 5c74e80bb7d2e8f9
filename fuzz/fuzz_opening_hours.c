/*
 * libFuzzer target for OpenStreetMap opening_hours strings
 * (mg_opening_hours_parse). Beyond the sanitizers it checks the module's
 * promises: a refusal comes with a message and no value; an accepted
 * string evaluates at a few instants (a public holiday, New Year's Eve
 * before midnight, a leap day) to one of the three states; the next change
 * is a change (the state differs there, and not one minute before it
 * differs from the start); the canonical spelling parses again and answers
 * the same; the French sentence is written.
 */
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "directory/holidays.h"
#include "directory/opening_hours.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const mg_oh_instant instants[] = {
    {2026, 1, 5, 0},    {2026, 7, 14, 600}, {2026, 5, 14, 1439}, {2026, 12, 31, 1439},
    {2027, 1, 1, 0},    {2028, 2, 29, 720}, {2026, 1, 10, 61},   {2026, 3, 29, 150},
};

/* The instant one minute before t (t after 1584). */
static mg_oh_instant minute_before(mg_oh_instant t)
{
    if (t.minute > 0) {
        t.minute--;
        return t;
    }
    long days = mg_days_from_civil(t.year, t.month, t.day) - 1;
    mg_civil_from_days(days, &t.year, &t.month, &t.day);
    t.minute = 1439;
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mg_opening_hours *oh = (mg_opening_hours *)&size; /* must be cleared on failure */
    mg_diag d = {{0}};
    int rc = mg_opening_hours_parse((const char *)data, size, 0, &oh, &d);
    if (rc != 0) {
        check(oh == NULL);
        check(rc == MG_ENOMEM || d.msg[0] != 0);
        return 0;
    }
    mg_buf canon;
    mg_buf_init(&canon, 64 * 1024);
    check(mg_opening_hours_format(oh, &canon) == 0);
    mg_opening_hours *again = NULL;
    mg_diag d2 = {{0}};
    check(mg_opening_hours_parse(canon.data, canon.len, 0, &again, &d2) == 0 || canon.len > MG_OH_MAX_BYTES);
    for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
        const char *comment;
        int s = mg_opening_hours_state(oh, instants[i], &comment);
        check(s == MG_OH_CLOSED || s == MG_OH_OPEN || s == MG_OH_UNKNOWN);
        check(!comment || comment[0] != 0);
        if (again) {
            const char *c2;
            check(mg_opening_hours_state(again, instants[i], &c2) == s);
            check(comment == c2 || (comment && c2 && strcmp(comment, c2) == 0));
        }
        mg_oh_instant next;
        int found = mg_opening_hours_next_change(oh, instants[i], 8, &next);
        check(found == 0 || found == 1);
        if (found) {
            check(mg_opening_hours_state(oh, next, NULL) != s);
            check(mg_opening_hours_state(oh, minute_before(next), NULL) == s);
        }
    }
    mg_buf text;
    mg_buf_init(&text, 64 * 1024);
    check(mg_opening_hours_describe(oh, &text) == 0 && text.len > 0);
    mg_buf_free(&text);
    mg_buf_free(&canon);
    mg_opening_hours_free(again);
    mg_opening_hours_free(oh);
    return 0;
}
