/* Minimal TAP producer for the C unit tests (prove runs them via t/unit/NAME.t). */
#ifndef PHS_TAP_H
#define PHS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static inline int tap_ok(int pass, const char *fmt, ...)
{
    va_list ap;
    printf("%s %d - ", pass ? "ok" : "not ok", ++tap_count);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    if (!pass)
        tap_failed++;
    return pass;
}

/* Compares two strings (NULL-safe) and shows both on failure. */
static inline int tap_is_str(const char *got, const char *want, const char *name)
{
    int pass = (got == NULL && want == NULL)
               || (got && want && strcmp(got, want) == 0);
    tap_ok(pass, "%s", name);
    if (!pass)
        printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)",
               want ? want : "(null)");
    return pass;
}

/* Output of a command, trailing newline dropped (checks against the
 * openssl command). */
#ifdef APR_STRINGS_H
static inline char *tap_command_output(apr_pool_t *p, const char *command)
{
    char buf[512] = "";
    FILE *f = popen(command, "r");

    if (!f)
        return NULL;
    if (!fgets(buf, sizeof(buf), f))
        buf[0] = '\0';
    pclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return apr_pstrdup(p, buf);
}
#endif

static inline int tap_done(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif
