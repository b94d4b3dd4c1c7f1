#include "phs_env.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

int phs_env_is_set(const char *value)
{
    if (!value)
        return 0;
    for (; *value; value++)
        if (!apr_isspace(*value))
            return 1;
    return 0;
}

int phs_env_bool(const char *value)
{
    static const char *const truths[] = { "y", "yes", "t", "true", "on", "1" };
    apr_size_t start, len, i;

    if (!phs_env_is_set(value))
        return -1;
    for (start = 0; apr_isspace(value[start]); start++)
        ;
    for (len = strlen(value + start); apr_isspace(value[start + len - 1]); len--)
        ;
    for (i = 0; i < sizeof(truths) / sizeof(*truths); i++)
        if (strlen(truths[i]) == len
            && !strncasecmp(value + start, truths[i], len))
            return 1;
    return 0;
}
