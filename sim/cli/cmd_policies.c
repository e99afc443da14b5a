/* cmd_policies.c - `mnetsim policies`: every registered policy by kind, with its summary. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../policies/policy.h"
#include "commands.h"

static void list_kind(mn_policy_kind k, int width)
{
    printf("%s:\n", mn_policy_kind_name(k));
    const char *name, *summary;
    for (size_t i = 0; (name = mn_policy_name(k, i, &summary)) != NULL; i++)
        printf("  %-*s %s\n", width, name, summary ? summary : "");
}

int mn_cli_policies(int argc, char **argv)
{
    static const struct option opts[] = {
        {"kind", required_argument, NULL, 'k'},
        {NULL, 0, NULL, 0},
    };
    int only = -1, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'k' && (only = mn_policy_kind_parse(optarg)) >= 0)
            continue;
        if (c == 'k')
            fprintf(stderr,
                    "mnetsim: policies: unknown kind \"%s\"; use placement, balancing or "
                    "migration\n",
                    optarg);
        else
            fprintf(stderr,
                    "mnetsim: policies: unknown or incomplete option \"%s\"; see `mnetsim help "
                    "policies`\n",
                    argv[optind - 1]);
        return MN_EXIT_USAGE;
    }
    if (optind != argc) {
        fprintf(stderr,
                "mnetsim: policies: unexpected argument \"%s\"; see `mnetsim help "
                "policies`\n",
                argv[optind]);
        return MN_EXIT_USAGE;
    }
    /* one name column for every kind: at least 16 wide, two spaces after the longest */
    int width = 16;
    for (int k = 0; k < MN_POLICY_KINDS; k++) {
        const char *name, *summary;
        for (size_t i = 0; (name = mn_policy_name((mn_policy_kind)k, i, &summary)) != NULL; i++)
            if ((int)strlen(name) + 1 > width)
                width = (int)strlen(name) + 1;
    }
    for (int k = 0; k < MN_POLICY_KINDS; k++)
        if (only < 0 || only == k)
            list_kind((mn_policy_kind)k, width);
    return MN_EXIT_OK;
}
