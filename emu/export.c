/* export.c - what both exports share: where instances go, which ids may be written. */
#include "export.h"

#include <stdio.h>
#include <string.h>

mn_export_place mn_emu_export_place(const mn_world *w, uint32_t i)
{
    mn_export_place p = {MN_NONE, MN_NONE, 0};
    const uint32_t *cand;
    size_t ncand;
    if (i < w->nvaps) {
        p.box = w->vaps[i].box;
        p.radio = w->vaps[i].radio;
        cand = w->vaps[i].cand;
        ncand = w->vaps[i].ncand;
    } else if (i < w->nvaps + w->nvms) {
        p.box = w->vms[i - w->nvaps].box;
        cand = w->vms[i - w->nvaps].cand;
        ncand = w->vms[i - w->nvaps].ncand;
    } else {
        return p;
    }
    if (p.box == MN_NONE && ncand > 0) {
        /* as mn_emu_build without a placement policy: the first candidate, its first radio */
        p.box = cand[0];
        p.movable = 1;
        p.radio = MN_NONE;
        if (i < w->nvaps)
            for (uint32_t r = 0; r < w->nradios; r++)
                if (w->radios[r].box == p.box) {
                    p.radio = r;
                    break;
                }
    }
    return p;
}

/* [A-Za-z0-9_.:-]+, not starting with '.' or '-' (so never "..", never an option). */
static int id_ok(const char *s)
{
    if (!s || !*s || *s == '.' || *s == '-')
        return 0;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '-'))
            return 0;
    }
    return 1;
}

static int bad_id(const mn_net *net, long line, const char *kind, const char *id, mn_err *err)
{
    char where[200];
    snprintf(where, sizeof where, "%s:%ld", net->path ? net->path : "scenario",
             line > 0 ? line : net->line);
    /* the id itself may hold anything (a newline, a quote): show at most its safe part */
    char shown[48];
    size_t k = 0;
    for (const char *s = id ? id : ""; *s && k + 1 < sizeof shown; s++)
        shown[k++] = (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\') ? *s : '?';
    shown[k] = '\0';
    return mn_err_set_at(err, MN_EINVAL, where,
                         "%s \"%s\": an exported id must match [A-Za-z0-9_.:-]+ and not start "
                         "with '.' or '-'; rename it (e.g. with letters, digits, '-' and '_')",
                         kind, shown);
}

#define CHECK(line, kind, id)                                                                      \
    do {                                                                                           \
        if (!id_ok(id))                                                                            \
            return bad_id(net, (line), (kind), (id), err);                                         \
    } while (0)

int mn_emu_export_check_ids(const mn_net *net, mn_err *err)
{
    const mn_world *w = &net->world;
    CHECK(net->line, "scenario name", net->name);
    for (size_t k = 0; k < net->nnodes; k++)
        CHECK(0, "node", net->nodes[k]);
    for (size_t k = 0; k < net->nlinks; k++)
        CHECK(0, "link", net->links[k].id);
    for (size_t k = 0; k < w->noperators; k++)
        CHECK(0, "operator", w->operators[k]);
    for (size_t k = 0; k < w->nsites; k++)
        CHECK(0, "site", w->sites[k].id);
    for (size_t k = 0; k < w->nboxes; k++)
        CHECK(w->boxes[k].line, "box", w->boxes[k].id);
    for (size_t k = 0; k < w->nradios; k++)
        CHECK(w->boxes[w->radios[k].box].line, "radio", w->radios[k].id);
    for (size_t k = 0; k < w->nvaps; k++)
        CHECK(w->vaps[k].line, "vap", w->vaps[k].id);
    for (size_t k = 0; k < w->nvms; k++)
        CHECK(w->vms[k].line, "vm", w->vms[k].id);
    for (size_t k = 0; k < w->nusers; k++)
        CHECK(0, "user", w->users[k].id);
    return MN_OK;
}
