/*
 * fuzz_scenario.c - libFuzzer target for the scenario loader: any bytes must
 * load or fail with a located message, never crash, leak or hang.
 *
 * Inputs naming <import> or an xi:include are skipped: they would read
 * arbitrary files of the fuzzing machine (FIFOs, devices); both paths have
 * their own unit tests.
 * Built with clang by scripts/fuzz.sh; tests/fuzz/replay_main.c replays the
 * corpus and kept crashes (tests/fuzz/regress/) under plain CTest.
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memmem(data, size, "import", 6) || memmem(data, size, "include", 7))
        return 0;
    mn_net *n = NULL;
    mn_err err = {0};
    if (mn_net_load_memory((const char *)data, size, "fuzz.xml", &n, &err) == MN_OK) {
        /* what the loader promises of a scenario it accepts */
        for (size_t i = 0; i < n->nlinks; i++)
            if (n->links[i].a >= n->nnodes || n->links[i].b >= n->nnodes ||
                n->links[i].capacity_bps == 0)
                abort();
        for (size_t i = 0; i < n->nflows; i++)
            if (n->flows[i].from >= n->nnodes || n->flows[i].to >= n->nnodes ||
                n->flows[i].from == n->flows[i].to || n->flows[i].bytes == 0)
                abort();
        mn_net_destroy(n);
    } else if (!err.msg[0] || !err.where[0]) {
        abort(); /* every refusal says where and why */
    }
    return 0;
}
