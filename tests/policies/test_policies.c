/*
 * test_policies.c - the policies of sim/policies against a hand-built view
 * and a fake backend, no simulator involved.
 *
 * The fake backend records every call, applies it to the view's arrays the
 * way a real backend would (placing and migrating reserve capacity on the
 * destination and switch it on; a migration keeps the source's share until
 * w_complete ends the copy) and refuses, counting the refusal, anything
 * that would over-commit a box or break a rule (a pinned or non-running
 * instance moved, a box outside the candidates, a box switched off with
 * something on it).
 *
 * Contract tests walk the registry (mn_policy_name), so a new policy is
 * tested without editing this file; behaviour tests state the hand-checked
 * answer first.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/rng.h"
#include "policies/policy.h"
#include "unit.h"

#define GHZ 1e9
#define GIB 1073741824.0
#define MBPS 1e6

#define MAXB 8
#define MAXR 16
#define MAXI 32
#define MAXU 16
#define MAXCALLS 512

/* ---------- a small world and a fake backend ---------- */

typedef struct call {
    char op; /* p place, m migrate, o power, r remove, a associate, t tunnel, q qos */
    uint32_t a, b, c;
    int rc;
} call;

typedef struct world {
    mn_view_box box[MAXB];
    mn_view_radio radio[MAXR];
    mn_view_inst inst[MAXI];
    mn_view_user user[MAXU];
    mn_pos upos[MAXU];
    uint32_t cand[MAXI][MAXB];
    uint32_t dest_radio[MAXI]; /* a migration's radio on its destination */
    double base_load[MAXB];    /* a box's load beside its instances' */
    double sla[2];
    size_t nb, nr, ni, nvm, nu;
    mn_view v;
    call calls[MAXCALLS];
    size_t ncalls, refusals;
    int fail_code; /* non-zero: every migrate/power returns this (refusal tests) */
    char why[256]; /* the first refusal */
} world;

static const char *const box_ids[MAXB] = {"b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7"};

static mn_pos user_pos(const void *ctx, uint32_t u)
{
    const world *w = ctx;
    return w->upos[u];
}

/* PHY rate in range: 6 Mb/s at the edge, 54 Mb/s at the box: 6 + 48 (1 - d / range). */
static double user_phy(const void *ctx, uint32_t u, uint32_t r)
{
    const world *w = ctx;
    const mn_view_radio *R = &w->radio[r];
    const mn_view_box *B = &w->box[R->box];
    if (!R->up || !B->up) /* a box that is off reaches as far as when on */
        return 0;
    double d = mn_pos_dist(w->upos[u], B->pos);
    return d <= R->range_m ? (6 + 48 * (1 - d / R->range_m)) * MBPS : 0;
}

static double box_latency(const void *ctx, uint32_t a, uint32_t b)
{
    const world *w = ctx;
    return mn_pos_dist(w->box[a].pos, w->box[b].pos) / 2e8 + 1e-4;
}

static void w_sync(world *w)
{
    w->v.nboxes = w->nb;
    w->v.nradios = w->nr;
    w->v.ninsts = w->ni;
    w->v.nvaps = w->ni - w->nvm;
    w->v.nusers = w->nu;
}

static void w_init(world *w)
{
    memset(w, 0, sizeof *w);
    w->v.boxes = w->box;
    w->v.radios = w->radio;
    w->v.insts = w->inst;
    w->v.users = w->user;
    w->v.high = 0.8;
    w->v.low = 0.3;
    w->sla[0] = 2 * MBPS;
    w->sla[1] = 0;
    w->v.sla_min_bps = w->sla;
    w->v.ctx = w;
    w->v.user_pos = user_pos;
    w->v.user_phy = user_phy;
    w->v.box_latency = box_latency;
}

/* A box, powered and up, with nradios up radios of max_vaps slots and 50 m range. */
static uint32_t w_box(world *w, double x, double y, double cpu_ghz, double mem_gib,
                      uint32_t nradios, uint32_t max_vaps)
{
    uint32_t b = (uint32_t)w->nb++;
    mn_view_box *B = &w->box[b];
    B->id = box_ids[b];
    B->pos = (mn_pos){x, y};
    B->node = B->site = MN_NONE;
    B->cpu_hz = B->cpu_free_hz = cpu_ghz * GHZ;
    B->mem_bytes = B->mem_free_bytes = mem_gib * GIB;
    B->uplink_bps = B->uplink_free_bps = 1000 * MBPS;
    B->power_idle_w = 10;
    B->power_max_w = 20;
    B->radio_first = (uint32_t)w->nr;
    B->nradios = nradios;
    B->up = B->powered = 1;
    for (uint32_t k = 0; k < nradios; k++)
        w->radio[w->nr++] = (mn_view_radio){.box = b, .max_vaps = max_vaps, .range_m = 50, .up = 1};
    w_sync(w);
    return b;
}

/* An unplaced movable instance (vAPs must all come before the first VM). */
static uint32_t w_inst(world *w, int kind, uint32_t op, double cpu_ghz, double mem_gib,
                       const uint32_t *cand, size_t ncand)
{
    CU_ASSERT_FATAL(kind == MN_INST_VM || w->nvm == 0);
    uint32_t i = (uint32_t)w->ni++;
    mn_view_inst *I = &w->inst[i];
    I->id = kind == MN_INST_VAP ? "vap" : "vm";
    I->line = (long)i + 1;
    I->kind = (uint8_t)kind;
    I->state = MN_INST_UNPLACED;
    I->movable = 1;
    I->op = op;
    I->box = I->radio = I->dest = I->follows = MN_NONE;
    I->cpu_hz = cpu_ghz * GHZ;
    I->mem_bytes = mem_gib * GIB;
    I->uplink_bps = 10 * MBPS;
    I->dirty_bps = 1e6;
    if (ncand)
        memcpy(w->cand[i], cand, ncand * sizeof *cand);
    I->cand = w->cand[i];
    I->ncand = ncand;
    w->dest_radio[i] = MN_NONE;
    w->nvm += kind == MN_INST_VM;
    w_sync(w);
    return i;
}
#define CANDS(...)                                                                                 \
    (const uint32_t[]){__VA_ARGS__}, sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t)
#define ANYBOX NULL, 0

static uint32_t w_user(world *w, uint32_t op, double x, double y, int online)
{
    uint32_t u = (uint32_t)w->nu++;
    w->user[u] =
        (mn_view_user){.op = op, .sla = MN_NONE, .vap = MN_NONE, .online = (uint8_t)online};
    w->upos[u] = (mn_pos){x, y};
    w_sync(w);
    return u;
}

static void reserve(world *w, uint32_t i, uint32_t b, uint32_t r, int sign)
{
    mn_view_inst *I = &w->inst[i];
    mn_view_box *B = &w->box[b];
    B->cpu_free_hz -= sign * I->cpu_hz;
    B->mem_free_bytes -= sign * I->mem_bytes;
    B->uplink_free_bps -= sign * I->uplink_bps;
    B->hosted = (uint32_t)((int)B->hosted + sign);
    if (I->kind == MN_INST_VAP)
        w->radio[r].nvaps = (uint32_t)((int)w->radio[r].nvaps + sign);
}

/* Box loads from their base and the instances on them. */
static void w_loads(world *w)
{
    for (size_t b = 0; b < w->nb; b++)
        w->box[b].load = w->base_load[b];
    for (size_t i = 0; i < w->ni; i++)
        if (w->inst[i].box != MN_NONE)
            w->box[w->inst[i].box].load += w->inst[i].load;
}

/* Puts instance i running on box b (radio MN_NONE: the box's first radio with a slot). */
static void w_put(world *w, uint32_t i, uint32_t b, uint32_t r, int pinned, double load)
{
    mn_view_inst *I = &w->inst[i];
    if (I->kind == MN_INST_VAP && r == MN_NONE)
        for (r = w->box[b].radio_first; w->radio[r].nvaps >= w->radio[r].max_vaps; r++)
            ;
    reserve(w, i, b, r, 1);
    I->state = MN_INST_RUNNING;
    I->box = b;
    I->radio = I->kind == MN_INST_VAP ? r : MN_NONE;
    I->load = load;
    if (pinned) {
        I->movable = 0;
        I->ncand = 0;
        w->box[b].pinned++;
    }
    w_loads(w);
}

/* Ends every migration under way: the source lets the instance go. */
static void w_complete(world *w)
{
    for (uint32_t i = 0; i < w->ni; i++) {
        mn_view_inst *I = &w->inst[i];
        if (I->state != MN_INST_MIGRATING)
            continue;
        reserve(w, i, I->box, I->radio, -1);
        I->box = I->dest;
        I->radio = w->dest_radio[i];
        I->dest = MN_NONE;
        I->state = MN_INST_RUNNING;
    }
    w_loads(w);
}

static void record(world *w, char op, uint32_t a, uint32_t b, uint32_t c, int rc)
{
    if (w->ncalls < MAXCALLS)
        w->calls[w->ncalls++] = (call){.op = op, .a = a, .b = b, .c = c, .rc = rc};
}

__attribute__((format(printf, 3, 4))) static int refuse(world *w, int code, const char *fmt, ...)
{
    if (w->refusals++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->why, sizeof w->why, fmt, ap);
        va_end(ap);
    }
    return code;
}

static int short_of(double free_amount, double need)
{
    return need > 0 && free_amount < need * (1 - 1e-9);
}

/* What a real backend checks before putting i on b (radio r). */
static int check_dest(world *w, uint32_t i, uint32_t b, uint32_t r)
{
    const mn_view_inst *I = &w->inst[i];
    if (b >= w->nb || !w->box[b].up)
        return refuse(w, MN_EINVAL, "inst %u: box %u missing or down", i, b);
    int in = I->ncand == 0;
    for (size_t k = 0; k < I->ncand; k++)
        in |= I->cand[k] == b;
    if (!in)
        return refuse(w, MN_EINVAL, "inst %u: box %u is not a candidate", i, b);
    const mn_view_box *B = &w->box[b];
    if (short_of(B->cpu_free_hz, I->cpu_hz) || short_of(B->mem_free_bytes, I->mem_bytes) ||
        short_of(B->uplink_free_bps, I->uplink_bps))
        return refuse(w, MN_ERANGE, "inst %u: box %u over-committed", i, b);
    if (I->kind == MN_INST_VAP) {
        if (r < B->radio_first || r >= B->radio_first + B->nradios)
            return refuse(w, MN_EINVAL, "vap %u: radio %u is not on box %u", i, r, b);
        if (!w->radio[r].up || w->radio[r].nvaps >= w->radio[r].max_vaps)
            return refuse(w, MN_ERANGE, "vap %u: radio %u down or full", i, r);
    } else if (r != MN_NONE) {
        return refuse(w, MN_EINVAL, "vm %u given radio %u", i, r);
    }
    return MN_OK;
}

static int be_place(void *ctx, uint32_t i, uint32_t b, uint32_t r, mn_err *err)
{
    (void)err;
    world *w = ctx;
    int rc = i >= w->ni || !w->inst[i].movable || w->inst[i].state != MN_INST_UNPLACED
                 ? refuse(w, MN_EINVAL, "inst %u cannot be placed", i)
                 : check_dest(w, i, b, r);
    record(w, 'p', i, b, r, rc);
    if (rc != MN_OK)
        return rc;
    reserve(w, i, b, r, 1);
    w->box[b].powered = 1;
    w->inst[i].state = MN_INST_RUNNING;
    w->inst[i].box = b;
    w->inst[i].radio = w->inst[i].kind == MN_INST_VAP ? r : MN_NONE;
    return MN_OK;
}

static int be_migrate(void *ctx, uint32_t i, uint32_t b, uint32_t r, mn_err *err)
{
    world *w = ctx;
    int rc;
    if (w->fail_code)
        rc = w->fail_code == MN_ENOMEM ? MN_ERR(err, MN_ENOMEM, "fake: out of memory")
                                       : w->fail_code;
    else if (i >= w->ni || !w->inst[i].movable || w->inst[i].state != MN_INST_RUNNING)
        rc = refuse(w, MN_EINVAL, "inst %u is not a movable running instance", i);
    else if (b == w->inst[i].box)
        rc = refuse(w, MN_EINVAL, "inst %u migrated onto its own box %u", i, b);
    else
        rc = check_dest(w, i, b, r);
    record(w, 'm', i, b, r, rc);
    if (rc != MN_OK)
        return rc;
    reserve(w, i, b, r, 1);
    w->box[b].powered = 1;
    w->inst[i].state = MN_INST_MIGRATING;
    w->inst[i].dest = b;
    w->dest_radio[i] = r;
    return MN_OK;
}

static int be_power(void *ctx, uint32_t b, int on, mn_err *err)
{
    world *w = ctx;
    int rc = MN_OK;
    if (w->fail_code)
        rc = w->fail_code == MN_ENOMEM ? MN_ERR(err, MN_ENOMEM, "fake: out of memory")
                                       : w->fail_code;
    else if (b >= w->nb)
        rc = refuse(w, MN_EINVAL, "no box %u", b);
    else if (!on && w->box[b].hosted > 0)
        rc = refuse(w, MN_ERANGE, "box %u switched off hosting %u", b, w->box[b].hosted);
    record(w, 'o', b, (uint32_t)on, 0, rc);
    if (rc == MN_OK)
        w->box[b].powered = (uint8_t)(on != 0);
    return rc;
}

static int be_remove(void *ctx, uint32_t i, mn_err *err)
{
    (void)err;
    world *w = ctx;
    record(w, 'r', i, 0, 0, MN_EINVAL);
    return refuse(w, MN_EINVAL, "remove %u: no policy here removes", i);
}

static int be_associate(void *ctx, uint32_t u, uint32_t vap, mn_err *err)
{
    (void)err;
    record(ctx, 'a', u, vap, 0, MN_OK);
    return MN_OK;
}

static int be_tunnel(void *ctx, uint32_t a, uint32_t b, mn_err *err)
{
    (void)err;
    record(ctx, 't', a, b, 0, MN_OK);
    return MN_OK;
}

static int be_qos(void *ctx, uint32_t vap, double air, mn_err *err)
{
    (void)err;
    record(ctx, 'q', vap, (uint32_t)(air * 1000), 0, MN_OK);
    return MN_OK;
}

static const mn_backend_ops fake_ops = {
    .name = "fake",
    .place = be_place,
    .remove = be_remove,
    .associate = be_associate,
    .migrate = be_migrate,
    .tunnel = be_tunnel,
    .set_qos = be_qos,
    .power = be_power,
};

static mn_backend fake(world *w)
{
    return (mn_backend){.ops = &fake_ops, .ctx = w};
}

/* Nothing over-committed, and the free capacities agree with what is on each box. */
static int w_consistent(const world *w)
{
    for (uint32_t b = 0; b < w->nb; b++) {
        const mn_view_box *B = &w->box[b];
        double cpu = 0, mem = 0, upl = 0;
        uint32_t hosted = 0;
        for (size_t i = 0; i < w->ni; i++) {
            const mn_view_inst *I = &w->inst[i];
            if (I->box == b || I->dest == b) {
                cpu += I->cpu_hz;
                mem += I->mem_bytes;
                upl += I->uplink_bps;
                hosted++;
            }
        }
        if (cpu > B->cpu_hz * (1 + 1e-9) || mem > B->mem_bytes * (1 + 1e-9) ||
            upl > B->uplink_bps * (1 + 1e-9) || hosted != B->hosted || (hosted > 0 && !B->powered))
            return 0;
        if (B->cpu_free_hz < B->cpu_hz - cpu - 1 || B->cpu_free_hz > B->cpu_hz - cpu + 1)
            return 0;
    }
    for (size_t r = 0; r < w->nr; r++)
        if (w->radio[r].nvaps > w->radio[r].max_vaps)
            return 0;
    return 1;
}

static int calls_equal(const world *a, const world *b)
{
    if (a->ncalls != b->ncalls)
        return 0;
    for (size_t k = 0; k < a->ncalls; k++) {
        const call *x = &a->calls[k], *y = &b->calls[k];
        if (x->op != y->op || x->a != y->a || x->b != y->b || x->c != y->c || x->rc != y->rc)
            return 0;
    }
    return 1;
}

static size_t count_calls(const world *w, char op)
{
    size_t n = 0;
    for (size_t k = 0; k < w->ncalls; k++)
        n += w->calls[k].op == op;
    return n;
}

/* Whether the k-th recorded call is (op, a, b). */
static int call_is(const world *w, size_t k, char op, uint32_t a, uint32_t b)
{
    return k < w->ncalls && w->calls[k].op == op && w->calls[k].a == a && w->calls[k].b == b;
}

static mn_rng *rng_new(uint64_t seed)
{
    mn_rng *r = NULL;
    mn_err err;
    CU_ASSERT_FATAL(mn_rng_create(seed, "placement", NULL, &r, &err) == MN_OK);
    return r;
}

/* ---------- placement: the contract, for every registered policy ---------- */

/*
 * Five boxes of mixed sizes (one off, one failed, one with a failed radio),
 * twelve vAPs and twelve VMs of mixed needs and candidate lists - more than
 * fits, so the later ones find boxes full - and one VM nothing can hold.
 */
static void place_world(world *w)
{
    w_init(w);
    w_box(w, 0, 0, 2, 2, 2, 3);     /* b0 */
    w_box(w, 100, 0, 4, 4, 1, 2);   /* b1 */
    w_box(w, 0, 100, 1, 8, 2, 4);   /* b2: off */
    w_box(w, 100, 100, 8, 8, 1, 4); /* b3: failed */
    w_box(w, 50, 50, 3, 3, 2, 1);   /* b4: radio 0 failed */
    w->box[2].powered = 0;
    w->box[3].up = 0;
    w->radio[w->box[4].radio_first].up = 0;
    static const double cpu[] = {0.25, 0.5, 0.75, 1.0, 1.5, 0.3};
    static const double mem[] = {0.5, 0.25, 1.0, 0.75};
    for (uint32_t k = 0; k < 12; k++) {
        double c = cpu[k % 6], m = mem[k % 4];
        if (k % 3 == 0)
            w_inst(w, MN_INST_VAP, k % 2, c, m, ANYBOX);
        else if (k % 3 == 1)
            w_inst(w, MN_INST_VAP, k % 2, c, m, CANDS(4, 1, 3, 0));
        else
            w_inst(w, MN_INST_VAP, k % 2, c, m, CANDS(2, 0));
    }
    w->inst[1].follows = 0;
    w->inst[5].follows = 3;
    for (uint32_t k = 0; k < 12; k++) {
        double c = cpu[(k + 3) % 6], m = mem[(k + 1) % 4];
        if (k % 2 == 0)
            w_inst(w, MN_INST_VM, k % 2, c, m, ANYBOX);
        else
            w_inst(w, MN_INST_VM, k % 2, c, m, CANDS(3, 2, 1));
    }
    w_inst(w, MN_INST_VM, 0, 100, 1, ANYBOX); /* fits nowhere */
    w_user(w, 0, 10, 10, 1);
    w_user(w, 0, 90, 5, 1);
    w_user(w, 1, 5, 95, 1);
    w_user(w, 1, 60, 40, 0);
    w_user(w, 1, 95, 95, 1);
}

static int fits_somewhere(const world *w, uint32_t i)
{
    const mn_view_inst *I = &w->inst[i];
    size_t n = I->ncand ? I->ncand : w->nb;
    for (size_t k = 0; k < n; k++)
        if (mn_place_fits(&w->v, i, I->ncand ? I->cand[k] : (uint32_t)k, NULL))
            return 1;
    return 0;
}

static int is_cand(const world *w, uint32_t i, uint32_t b)
{
    const mn_view_inst *I = &w->inst[i];
    if (I->ncand == 0)
        return b < w->nb;
    for (size_t k = 0; k < I->ncand; k++)
        if (I->cand[k] == b)
            return 1;
    return 0;
}

/*
 * Places every unplaced instance in order with ops (through the fake
 * backend), checking each decision, then runs the after hook. choice[i]:
 * the box chosen for i (MN_NONE: none).
 */
static void place_all(world *w, const mn_place_ops *ops, uint64_t seed, uint32_t *choice)
{
    mn_rng *rng = rng_new(seed);
    mn_backend be = fake(w);
    for (uint32_t i = 0; i < w->ni; i++) {
        choice[i] = MN_NONE;
        if (w->inst[i].state != MN_INST_UNPLACED)
            continue;
        int any = fits_somewhere(w, i);
        uint32_t radio = 12345, check;
        uint32_t b = ops->choose(&w->v, i, rng, &radio);
        choice[i] = b;
        if (any != (b != MN_NONE))
            fprintf(stderr, "%s: inst %u: fits somewhere %d, chose %u\n", ops->name, i, any, b);
        CU_ASSERT_EQUAL(any, b != MN_NONE);
        if (b == MN_NONE) {
            CU_ASSERT_EQUAL(radio, MN_NONE);
            continue;
        }
        CU_ASSERT(is_cand(w, i, b));
        CU_ASSERT(mn_place_fits(&w->v, i, b, &check));
        if (w->inst[i].kind == MN_INST_VAP) {
            const mn_view_box *B = &w->box[b];
            CU_ASSERT(radio >= B->radio_first && radio < B->radio_first + B->nradios);
            CU_ASSERT(radio < w->nr && w->radio[radio].up &&
                      w->radio[radio].nvaps < w->radio[radio].max_vaps);
        } else {
            CU_ASSERT_EQUAL(radio, MN_NONE);
        }
        CU_ASSERT_EQUAL(be.ops->place(be.ctx, i, b, radio, NULL), MN_OK);
    }
    if (ops->after) {
        mn_err err;
        mn_err_clear(&err);
        CU_ASSERT_EQUAL(ops->after(&w->v, &be, &err), MN_OK);
    }
    mn_rng_destroy(rng);
}

static void test_place_every_policy_places_what_fits_and_never_over_commits(void)
{
    const char *name;
    for (size_t k = 0; (name = mn_policy_name(MN_POLICY_PLACEMENT, k, NULL)) != NULL; k++) {
        const mn_place_ops *ops = mn_place_lookup(name, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
        static world w;
        place_world(&w);
        uint32_t choice[MAXI];
        place_all(&w, ops, 42, choice);
        size_t placed = 0;
        for (size_t i = 0; i < w.ni; i++)
            placed += choice[i] != MN_NONE;
        if (w.refusals)
            fprintf(stderr, "%s: %zu refusals, first: %s\n", name, w.refusals, w.why);
        CU_ASSERT_EQUAL(w.refusals, 0);
        CU_ASSERT(w_consistent(&w));
        CU_ASSERT(placed >= 8);                     /* the world holds at least that many */
        CU_ASSERT(placed < w.ni);                   /* and not everything */
        CU_ASSERT_EQUAL(choice[w.ni - 1], MN_NONE); /* 100 GHz: nowhere */
        CU_ASSERT(w.box[3].hosted == 0);            /* failed */
    }
}

static void test_place_every_policy_repeats_itself_for_a_seed(void)
{
    const char *name;
    for (size_t k = 0; (name = mn_policy_name(MN_POLICY_PLACEMENT, k, NULL)) != NULL; k++) {
        const mn_place_ops *ops = mn_place_lookup(name, NULL);
        static world a, b;
        uint32_t ca[MAXI], cb[MAXI];
        place_world(&a);
        place_all(&a, ops, 7, ca);
        place_world(&b);
        place_all(&b, ops, 7, cb);
        CU_ASSERT(memcmp(ca, cb, sizeof(uint32_t) * a.ni) == 0);
        CU_ASSERT(calls_equal(&a, &b));
    }
}

static void test_place_every_policy_finds_the_only_box_that_fits(void)
{
    /*
     * VM 1 GHz with candidates b0 (0.5 GHz), b1 (failed), b2 (fits), b3
     * (off, 0.9 GHz): b2 is the only answer; a VM of 5 GHz has none.
     */
    const char *name;
    for (size_t k = 0; (name = mn_policy_name(MN_POLICY_PLACEMENT, k, NULL)) != NULL; k++) {
        const mn_place_ops *ops = mn_place_lookup(name, NULL);
        static world w;
        w_init(&w);
        w_box(&w, 0, 0, 0.5, 4, 1, 4);
        w_box(&w, 10, 0, 8, 8, 1, 4);
        w_box(&w, 20, 0, 2, 2, 1, 4);
        w_box(&w, 30, 0, 0.9, 8, 1, 4);
        w.box[1].up = 0;
        w.box[3].powered = 0;
        uint32_t vm = w_inst(&w, MN_INST_VM, 0, 1, 1, CANDS(0, 1, 2, 3));
        uint32_t big = w_inst(&w, MN_INST_VM, 0, 5, 1, CANDS(0, 1, 2, 3));
        w_user(&w, 0, 0, 0, 1);
        mn_rng *rng = rng_new(1);
        for (int rep = 0; rep < 5; rep++) {
            uint32_t radio;
            CU_ASSERT_EQUAL(ops->choose(&w.v, vm, rng, &radio), 2);
            CU_ASSERT_EQUAL(ops->choose(&w.v, big, rng, &radio), MN_NONE);
        }
        mn_rng_destroy(rng);
    }
}

/* ---------- placement: behaviour ---------- */

static void test_place_fits_checks_capacity_radios_and_power(void)
{
    static world w;
    w_init(&w);
    uint32_t b = w_box(&w, 0, 0, 4, 4, 3, 4);
    uint32_t r0 = w.box[b].radio_first;
    uint32_t vap = w_inst(&w, MN_INST_VAP, 0, 1, 1, ANYBOX);
    uint32_t vm = w_inst(&w, MN_INST_VM, 0, 1, 1, ANYBOX);
    uint32_t radio;
    /* radios with 2, 1, 1 vAPs: the second (fewest, then lowest index) */
    w.radio[r0].nvaps = 2;
    w.radio[r0 + 1].nvaps = 1;
    w.radio[r0 + 2].nvaps = 1;
    CU_ASSERT(mn_place_fits(&w.v, vap, b, &radio));
    CU_ASSERT_EQUAL(radio, r0 + 1);
    w.radio[r0 + 1].up = 0; /* then the third */
    CU_ASSERT(mn_place_fits(&w.v, vap, b, &radio));
    CU_ASSERT_EQUAL(radio, r0 + 2);
    w.radio[r0].nvaps = w.radio[r0 + 2].nvaps = 4; /* all full: no slot */
    CU_ASSERT(!mn_place_fits(&w.v, vap, b, &radio));
    CU_ASSERT_EQUAL(radio, MN_NONE);
    CU_ASSERT(mn_place_fits(&w.v, vm, b, &radio)); /* a VM needs no radio */
    CU_ASSERT_EQUAL(radio, MN_NONE);
    /* 1 GHz needed: 1 GHz less 1e-12 relative fits (rounding), 1e-6 short does not */
    w.box[b].cpu_free_hz = 1 * GHZ * (1 - 1e-12);
    CU_ASSERT(mn_place_fits(&w.v, vm, b, NULL));
    w.box[b].cpu_free_hz = 1 * GHZ * (1 - 1e-6);
    CU_ASSERT(!mn_place_fits(&w.v, vm, b, NULL));
    w.box[b].cpu_free_hz = 4 * GHZ;
    w.box[b].mem_free_bytes = 0.5 * GIB;
    CU_ASSERT(!mn_place_fits(&w.v, vm, b, NULL));
    w.box[b].mem_free_bytes = 4 * GIB;
    w.box[b].uplink_free_bps = 5 * MBPS; /* 10 Mb/s reserved */
    CU_ASSERT(!mn_place_fits(&w.v, vm, b, NULL));
    w.box[b].uplink_free_bps = 1000 * MBPS;
    w.box[b].powered = 0; /* off fits: placing switches it on */
    CU_ASSERT(mn_place_fits(&w.v, vm, b, NULL));
    w.box[b].up = 0; /* failed does not */
    CU_ASSERT(!mn_place_fits(&w.v, vm, b, NULL));
    CU_ASSERT(!mn_place_fits(&w.v, vm, 99, NULL));
    CU_ASSERT(!mn_place_fits(&w.v, 99, b, NULL));
}

/*
 * Boxes with 0.5, 1.5, 3 and 2 GHz free, a 1 GHz VM with candidates in
 * the order b0, b3, b1, b2. CPU left after placing: b0 does not fit, b3 1,
 * b1 0.5, b2 2 GHz. So first-fit b3 (first that fits in candidate order),
 * best-fit b1 (0.5 left, tightest), worst-fit b2 (2 left, emptiest).
 */
static void fit_world(world *w)
{
    w_init(w);
    w_box(w, 0, 0, 0.5, 4, 1, 4);
    w_box(w, 0, 0, 1.5, 4, 1, 4);
    w_box(w, 0, 0, 3, 4, 1, 4);
    w_box(w, 0, 0, 2, 4, 1, 4);
    w_inst(w, MN_INST_VM, 0, 1, 1, CANDS(0, 3, 1, 2));
}

static uint32_t choose_with(const char *name, const world *w, uint32_t inst)
{
    const mn_place_ops *ops = mn_place_lookup(name, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
    uint32_t radio;
    return ops->choose(&w->v, inst, NULL, &radio);
}

static void test_place_first_fit_takes_the_first_candidate_that_fits(void)
{
    static world w;
    fit_world(&w);
    CU_ASSERT_EQUAL(choose_with("first-fit", &w, 0), 3);
}

static void test_place_best_fit_takes_the_tightest_box(void)
{
    static world w;
    fit_world(&w);
    CU_ASSERT_EQUAL(choose_with("best-fit", &w, 0), 1);
    /* b1 and b3 both 1.5 GHz free (0.5 left): memory decides, 1 GiB left on b3 against 3 */
    w.box[3].cpu_free_hz = 1.5 * GHZ;
    w.box[3].mem_free_bytes = 2 * GIB;
    CU_ASSERT_EQUAL(choose_with("best-fit", &w, 0), 3);
    /* equal on both: candidate order, b3 before b1 */
    w.box[1].mem_free_bytes = 2 * GIB;
    CU_ASSERT_EQUAL(choose_with("best-fit", &w, 0), 3);
}

static void test_place_worst_fit_takes_the_emptiest_box(void)
{
    static world w;
    fit_world(&w);
    CU_ASSERT_EQUAL(choose_with("worst-fit", &w, 0), 2);
}

static void test_place_energy_packs_onto_one_box_and_switches_the_empty_ones_off(void)
{
    /*
     * b0, b1, b2 on and empty (4 GHz each), b3 on and empty but no one's
     * candidate, b4 off. Three 1 GHz VMs with candidates b4, b0, b1, b2.
     * First: b0 (on and empty beats off; best-fit tie between b0, b1, b2
     * goes to candidate order); then b0 twice (on and hosting). After:
     * b1 and b2 switched off, b3 left on, b4 left off.
     */
    static world w;
    w_init(&w);
    for (int k = 0; k < 5; k++)
        w_box(&w, 10.0 * k, 0, 4, 4, 1, 4);
    w.box[4].powered = 0;
    for (int k = 0; k < 3; k++)
        w_inst(&w, MN_INST_VM, 0, 1, 0.5, CANDS(4, 0, 1, 2));
    uint32_t choice[MAXI];
    place_all(&w, mn_place_lookup("energy", NULL), 1, choice);
    CU_ASSERT_EQUAL(choice[0], 0);
    CU_ASSERT_EQUAL(choice[1], 0);
    CU_ASSERT_EQUAL(choice[2], 0);
    CU_ASSERT_EQUAL(w.box[0].hosted, 3);
    CU_ASSERT_EQUAL(count_calls(&w, 'o'), 2);
    CU_ASSERT(call_is(&w, 3, 'o', 1, 0));
    CU_ASSERT(call_is(&w, 4, 'o', 2, 0));
    CU_ASSERT_EQUAL(w.box[3].powered, 1);
    CU_ASSERT_EQUAL(w.box[4].powered, 0);
    CU_ASSERT_EQUAL(w.refusals, 0);
}

static void test_place_random_picks_only_fitting_boxes_and_depends_on_the_seed(void)
{
    /* five candidates, of which b1 (failed) and b3 (0.5 GHz) do not fit a 1 GHz VM */
    static world w;
    w_init(&w);
    for (int k = 0; k < 5; k++)
        w_box(&w, 0, 0, 2, 2, 1, 4);
    w.box[1].up = 0;
    w.box[3].cpu_free_hz = 0.5 * GHZ;
    uint32_t vm = w_inst(&w, MN_INST_VM, 0, 1, 1, ANYBOX);
    const mn_place_ops *ops = mn_place_lookup("random", NULL);
    int seen[5] = {0};
    mn_rng *rng = rng_new(3);
    for (int k = 0; k < 60; k++) {
        uint32_t radio, b = ops->choose(&w.v, vm, rng, &radio);
        CU_ASSERT(b == 0 || b == 2 || b == 4);
        if (b < 5)
            seen[b]++;
    }
    mn_rng_destroy(rng);
    CU_ASSERT(seen[0] > 0 && seen[2] > 0 && seen[4] > 0); /* each misses 60 draws w.p. (2/3)^60 */
    /* the first decision of seeds 1..10: not all the same box */
    uint32_t first = MN_NONE;
    int differs = 0;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        rng = rng_new(seed);
        uint32_t radio, b = ops->choose(&w.v, vm, rng, &radio);
        mn_rng_destroy(rng);
        if (first == MN_NONE)
            first = b;
        differs |= b != first;
    }
    CU_ASSERT(differs);
}

static void test_place_nearest_goes_to_the_followed_user_or_the_operators_users(void)
{
    /*
     * Boxes at x = 0, 100, 200 (y = 0). A vAP following user 0 at (180, 10):
     * distances 180.3, 80.6, 22.4 m: box 2. A VM of operator 1, whose
     * online users are at x = 10, 20, 90 (an offline one at x = 1000):
     * sums 120, 180, 480 m: box 0; counting the offline user would give
     * 1120 against 1080 (box 1), and operator 0's three users at x = 200
     * would tip it to box 1 too (720, 480, 480).
     */
    static world w;
    w_init(&w);
    w_box(&w, 0, 0, 4, 4, 1, 4);
    w_box(&w, 100, 0, 4, 4, 1, 4);
    w_box(&w, 200, 0, 4, 4, 1, 4);
    uint32_t vap = w_inst(&w, MN_INST_VAP, 0, 1, 1, ANYBOX);
    uint32_t vm = w_inst(&w, MN_INST_VM, 1, 1, 1, ANYBOX);
    uint32_t u0 = w_user(&w, 0, 180, 10, 0); /* followed, offline: its position still counts */
    w.inst[vap].follows = u0;
    w_user(&w, 1, 10, 0, 1);
    w_user(&w, 1, 20, 0, 1);
    w_user(&w, 1, 90, 0, 1);
    w_user(&w, 1, 1000, 0, 0);
    for (int k = 0; k < 3; k++)
        w_user(&w, 0, 200, 0, 1);
    CU_ASSERT_EQUAL(choose_with("nearest", &w, vap), 2);
    CU_ASSERT_EQUAL(choose_with("nearest", &w, vm), 0);
    /* box 0 full: the next nearest, box 1 (180 m) */
    w.box[0].cpu_free_hz = 0;
    CU_ASSERT_EQUAL(choose_with("nearest", &w, vm), 1);
}

static void test_place_nearest_puts_the_next_instance_where_users_are_far_from_one(void)
{
    /*
     * The file's example: boxes at x = 0, 100, 200; operator 0's users at
     * x = 10, 20, 190. The first VM: sums 220, 260, 380: box 0. With it
     * there, a second VM: min(near, d) sums 220, 120, 40: box 200 (a
     * plain sum of distances would put it on box 0 again).
     */
    static world w;
    w_init(&w);
    w_box(&w, 0, 0, 4, 4, 1, 4);
    w_box(&w, 100, 0, 4, 4, 1, 4);
    w_box(&w, 200, 0, 4, 4, 1, 4);
    uint32_t a = w_inst(&w, MN_INST_VM, 0, 1, 1, ANYBOX);
    uint32_t b = w_inst(&w, MN_INST_VM, 0, 1, 1, ANYBOX);
    w_user(&w, 0, 10, 0, 1);
    w_user(&w, 0, 20, 0, 1);
    w_user(&w, 0, 190, 0, 1);
    CU_ASSERT_EQUAL(choose_with("nearest", &w, a), 0);
    w.inst[a].box = 0;
    w.inst[a].state = MN_INST_RUNNING;
    CU_ASSERT_EQUAL(choose_with("nearest", &w, b), 2);
}

/* ---------- load balancing ---------- */

static void test_lb_every_policy_returns_a_valid_index_and_repeats_itself(void)
{
    static world w;
    w_init(&w);
    w_box(&w, 0, 0, 4, 4, 1, 4);
    uint32_t u = w_user(&w, 0, 0, 0, 1);
    w_user(&w, 0, 0, 0, 1);
    w.user[1].sla = 0; /* 2 Mb/s */
    mn_rng *rng = rng_new(11);
    const char *name;
    for (size_t k = 0; (name = mn_policy_name(MN_POLICY_BALANCING, k, NULL)) != NULL; k++) {
        const mn_lb_ops *ops = mn_lb_lookup(name, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
        for (int trial = 0; trial < 200; trial++) {
            mn_lb_cand c[8], copy[8];
            size_t n = 1 + (size_t)mn_rng_uniform_int(rng, 8);
            for (size_t i = 0; i < n; i++) /* few distinct values: many ties */
                c[i] = (mn_lb_cand){.vap = (uint32_t)(3 * i + 1),
                                    .phy_bps = 6 * MBPS * (double)(1 + mn_rng_uniform_int(rng, 3)),
                                    .predicted_bps = MBPS * (double)mn_rng_uniform_int(rng, 4),
                                    .users = (uint32_t)mn_rng_uniform_int(rng, 3),
                                    .air_load = 0.5};
            memcpy(copy, c, sizeof c);
            uint32_t user = u + (uint32_t)(trial % 2);
            uint32_t cur = trial % 3 == 0 ? MN_NONE : c[(size_t)trial % n].vap;
            size_t a = ops->choose(&w.v, user, c, n, cur);
            size_t b = ops->choose(&w.v, user, c, n, cur);
            CU_ASSERT(a < n);
            CU_ASSERT_EQUAL(a, b);
            CU_ASSERT(memcmp(c, copy, sizeof(mn_lb_cand) * n) == 0);
        }
    }
    mn_rng_destroy(rng);
}

static size_t lb_choose(const char *name, const world *w, uint32_t user, const mn_lb_cand *c,
                        size_t n)
{
    const mn_lb_ops *ops = mn_lb_lookup(name, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
    return ops->choose(&w->v, user, c, n, MN_NONE);
}

static void test_lb_strongest_signal_takes_the_highest_phy_and_ties_to_the_lower_vap(void)
{
    /* PHY 24, 54, 54, 36 Mb/s: the first 54 (index 1, the lower vAP) */
    static world w;
    w_init(&w);
    w_user(&w, 0, 0, 0, 1);
    mn_lb_cand c[4] = {{.vap = 2, .phy_bps = 24 * MBPS},
                       {.vap = 5, .phy_bps = 54 * MBPS},
                       {.vap = 7, .phy_bps = 54 * MBPS},
                       {.vap = 9, .phy_bps = 36 * MBPS}};
    CU_ASSERT_EQUAL(lb_choose("strongest-signal", &w, 0, c, 4), 1);
    CU_ASSERT_EQUAL(lb_choose("strongest-signal", &w, 0, c, 1), 0);
}

static void test_lb_least_loaded_takes_the_emptiest_vap(void)
{
    /* users 3, 1, 1, 2 with PHY 54, 24, 36, 54: the two with one user tie, 36 beats 24: index 2 */
    static world w;
    w_init(&w);
    w_user(&w, 0, 0, 0, 1);
    mn_lb_cand c[4] = {{.vap = 0, .phy_bps = 54 * MBPS, .users = 3},
                       {.vap = 1, .phy_bps = 24 * MBPS, .users = 1},
                       {.vap = 2, .phy_bps = 36 * MBPS, .users = 1},
                       {.vap = 3, .phy_bps = 54 * MBPS, .users = 2}};
    CU_ASSERT_EQUAL(lb_choose("least-loaded", &w, 0, c, 4), 2);
    c[1].phy_bps = 36 * MBPS; /* a full tie: the lower index */
    CU_ASSERT_EQUAL(lb_choose("least-loaded", &w, 0, c, 4), 1);
}

static void test_lb_sla_aware_keeps_a_2_mbps_sla_or_falls_back_to_the_best(void)
{
    /*
     * The user's SLA asks 2 Mb/s. Predicted 1.5, 2.5, 1.9, 3 Mb/s: 2.5 and 3
     * keep it, 3 is the higher: index 3. Predicted 1, 1.8, 1.5: none keeps
     * it, the highest: index 1. 3 and 3: the lower index.
     */
    static world w;
    w_init(&w);
    uint32_t u = w_user(&w, 0, 0, 0, 1);
    w.user[u].sla = 0;
    mn_lb_cand c[4] = {{.vap = 0, .predicted_bps = 1.5 * MBPS},
                       {.vap = 1, .predicted_bps = 2.5 * MBPS},
                       {.vap = 2, .predicted_bps = 1.9 * MBPS},
                       {.vap = 3, .predicted_bps = 3 * MBPS}};
    CU_ASSERT_EQUAL(lb_choose("sla-aware", &w, u, c, 4), 3);
    mn_lb_cand d[3] = {{.vap = 0, .predicted_bps = 1 * MBPS},
                       {.vap = 1, .predicted_bps = 1.8 * MBPS},
                       {.vap = 2, .predicted_bps = 1.5 * MBPS}};
    CU_ASSERT_EQUAL(lb_choose("sla-aware", &w, u, d, 3), 1);
    mn_lb_cand e[2] = {{.vap = 0, .predicted_bps = 3 * MBPS},
                       {.vap = 1, .predicted_bps = 3 * MBPS}};
    CU_ASSERT_EQUAL(lb_choose("sla-aware", &w, u, e, 2), 0);
    w.user[u].sla = MN_NONE; /* no SLA, no default: simply the highest */
    CU_ASSERT_EQUAL(lb_choose("sla-aware", &w, u, c, 4), 3);
}

/*
 * mn_lb_view_cands (the emulation's candidate list, lb_pick.c): three boxes
 * at x = 0, 30, 200 m (range 50 m), the user at x = 10: PHY 6 + 48 (1 - d/50)
 * = 44.4 Mb/s at box 0, 34.8 Mb/s at box 1, out of range at box 2. Of the
 * vAPs on boxes 0 and 1 the list keeps only the user's operator, a shared
 * stack, a running vAP on an up radio, and a full vAP only if it is the
 * user's own; predicted = PHY x air_cap x airtime / (n_tx + 1).
 */
static void test_lb_view_cands_filters_by_operator_stack_range_state_and_admission(void)
{
    static world w;
    w_init(&w);
    uint32_t b0 = w_box(&w, 0, 0, 4, 4, 1, 8), b1 = w_box(&w, 30, 0, 4, 4, 1, 8);
    uint32_t b2 = w_box(&w, 200, 0, 4, 4, 1, 8);
    uint32_t ok0 = w_inst(&w, MN_INST_VAP, 0, 0.1, 0.1, ANYBOX);    /* on b0: kept */
    uint32_t other = w_inst(&w, MN_INST_VAP, 1, 0.1, 0.1, ANYBOX);  /* operator 1: not */
    uint32_t v6 = w_inst(&w, MN_INST_VAP, 0, 0.1, 0.1, ANYBOX);     /* IPv6 only: not */
    uint32_t full = w_inst(&w, MN_INST_VAP, 0, 0.1, 0.1, ANYBOX);   /* full: not */
    uint32_t ok1 = w_inst(&w, MN_INST_VAP, 0, 0.1, 0.1, ANYBOX);    /* on b1: kept */
    uint32_t far = w_inst(&w, MN_INST_VAP, 0, 0.1, 0.1, ANYBOX);    /* on b2: out of range */
    uint32_t unplaced = w_inst(&w, MN_INST_VAP, 0, 0.1, 0.1, ANYBOX);
    w_put(&w, ok0, b0, MN_NONE, 1, 0);
    w_put(&w, other, b0, MN_NONE, 1, 0);
    w_put(&w, v6, b0, MN_NONE, 1, 0);
    w_put(&w, full, b1, MN_NONE, 1, 0);
    w_put(&w, ok1, b1, MN_NONE, 1, 0);
    w_put(&w, far, b2, MN_NONE, 1, 0);
    for (uint32_t i = 0; i < w.ni; i++)
        w.inst[i].stacks = i == v6 ? 2u : 1u;
    w.inst[full].max_users = 2;
    w.inst[full].users = 2;
    w.inst[ok1].airtime = 0.5;
    w.radio[w.inst[ok0].radio].air_cap = 0.6;
    w.radio[w.inst[ok0].radio].n_tx = 2;
    uint32_t u = w_user(&w, 0, 10, 0, 1);
    w.user[u].stacks = 1;
    mn_lb_cand c[8];
    size_t n = mn_lb_view_cands(&w.v, u, c, 8);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_EQUAL(c[0].vap, ok0);
    CU_ASSERT_DOUBLE_EQUAL(c[0].phy_bps, 44.4 * MBPS, 1);
    CU_ASSERT_DOUBLE_EQUAL(c[0].predicted_bps, 44.4 * MBPS * 0.6 / 3, 1);
    CU_ASSERT_EQUAL(c[1].vap, ok1);
    CU_ASSERT_DOUBLE_EQUAL(c[1].phy_bps, 34.8 * MBPS, 1);
    CU_ASSERT_DOUBLE_EQUAL(c[1].predicted_bps, 34.8 * MBPS * 0.5, 1);
    /* the full vAP is a candidate for its own user */
    w.user[u].vap = full;
    CU_ASSERT_EQUAL(mn_lb_view_cands(&w.v, u, c, 8), 3);
    /* a cap of one keeps the strongest */
    CU_ASSERT_EQUAL_FATAL(mn_lb_view_cands(&w.v, u, c, 1), 1);
    CU_ASSERT_EQUAL(c[0].vap, ok0);
    /* a radio down or a box off takes its vAPs out */
    w.radio[w.inst[ok0].radio].up = 0;
    w.box[b1].powered = 0;
    CU_ASSERT_EQUAL(mn_lb_view_cands(&w.v, u, c, 8), 0);
    CU_ASSERT_EQUAL(mn_lb_view_cands(&w.v, 99, c, 8), 0); /* no such user */
    CU_ASSERT_EQUAL(unplaced, 6);
}

/*
 * mn_lb_pick sorts the candidates by vAP, asks the policy, and keeps the
 * current vAP unless the pick's PHY rate beats it by the hysteresis:
 * strongest-signal between vAP 4 at 30 Mb/s (current) and vAP 2 at 33 Mb/s
 * hands over with hysteresis 0.05 (33 > 31.5) and stays with 0.2 (33 < 36).
 */
static void test_lb_pick_sorts_asks_the_policy_and_applies_hysteresis(void)
{
    static world w;
    w_init(&w);
    uint32_t u = w_user(&w, 0, 0, 0, 1);
    const mn_lb_ops *ss = mn_lb_lookup("strongest-signal", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ss);
    mn_lb_cand c[2] = {{.vap = 4, .phy_bps = 30 * MBPS}, {.vap = 2, .phy_bps = 33 * MBPS}};
    size_t k = mn_lb_pick(ss, &w.v, u, c, 2, 4, 0.05);
    CU_ASSERT_EQUAL(c[0].vap, 2); /* sorted */
    CU_ASSERT_EQUAL(c[k].vap, 2);
    k = mn_lb_pick(ss, &w.v, u, c, 2, 4, 0.2);
    CU_ASSERT_EQUAL(c[k].vap, 4);
    /* no current vAP among them: no hysteresis */
    k = mn_lb_pick(ss, &w.v, u, c, 2, MN_NONE, 0.2);
    CU_ASSERT_EQUAL(c[k].vap, 2);
    CU_ASSERT_EQUAL(mn_lb_pick(ss, &w.v, u, c, 0, 4, 0.2), 0);
}

/* ---------- migration: the contract, for every registered policy ---------- */

/*
 * Six boxes: b0 overloaded (base 0.7 plus its instances), b1 underloaded
 * with movable instances only, b2 in between with a pinned VM, b3 off,
 * b4 on and empty, b5 on, empty and nobody's candidate. vAPs follow users
 * who walk between the boxes; one paused instance must never be touched.
 */
static void mig_world(world *w)
{
    w_init(w);
    w_box(w, 0, 0, 4, 4, 2, 4);   /* b0 */
    w_box(w, 100, 0, 4, 4, 2, 4); /* b1 */
    w_box(w, 200, 0, 3, 4, 1, 2); /* b2 */
    w_box(w, 300, 0, 4, 4, 2, 4); /* b3: off */
    w_box(w, 400, 0, 2, 2, 1, 4); /* b4 */
    w_box(w, 500, 0, 8, 8, 1, 4); /* b5: not a candidate */
    w->box[3].powered = 0;
    w->base_load[0] = 0.7;
    w->base_load[1] = 0.0;
    w->base_load[2] = 0.4;
    uint32_t v0 = w_inst(w, MN_INST_VAP, 0, 0.5, 0.5, CANDS(0, 1, 2, 3, 4));
    uint32_t v1 = w_inst(w, MN_INST_VAP, 1, 0.5, 0.5, CANDS(1, 3, 4));
    uint32_t v2 = w_inst(w, MN_INST_VAP, 0, 0.25, 0.25, CANDS(0, 1, 2, 3, 4));
    uint32_t m0 = w_inst(w, MN_INST_VM, 0, 1, 1, CANDS(0, 1, 2, 3, 4));
    uint32_t m1 = w_inst(w, MN_INST_VM, 0, 1, 0.5, CANDS(0, 2, 3, 4));
    uint32_t m2 = w_inst(w, MN_INST_VM, 1, 0.5, 0.5, CANDS(1, 2, 3));
    uint32_t pin = w_inst(w, MN_INST_VM, 1, 1, 1, ANYBOX);
    uint32_t pin2 = w_inst(w, MN_INST_VM, 0, 0.5, 0.5, ANYBOX);
    uint32_t paused = w_inst(w, MN_INST_VM, 0, 0.5, 0.5, CANDS(0, 1, 2, 3, 4));
    w_inst(w, MN_INST_VM, 0, 0.5, 0.5, CANDS(0, 1)); /* unplaced */
    w_put(w, v0, 0, MN_NONE, 0, 0.05);
    w_put(w, v1, 1, MN_NONE, 0, 0.05);
    w_put(w, v2, 0, MN_NONE, 0, 0.02);
    w_put(w, m0, 0, MN_NONE, 0, 0.1);
    w_put(w, m1, 0, MN_NONE, 0, 0.15);
    w_put(w, m2, 1, MN_NONE, 0, 0.05);
    w_put(w, pin, 2, MN_NONE, 1, 0.2);
    w_put(w, pin2, 0, MN_NONE, 1, 0.3); /* the heaviest on b0, but pinned */
    w_put(w, paused, 0, MN_NONE, 0, 0.1);
    w->inst[paused].state = MN_INST_PAUSED;
    uint32_t u0 = w_user(w, 0, 10, 0, 1);
    uint32_t u1 = w_user(w, 1, 110, 0, 1);
    w_user(w, 0, 190, 0, 1);
    w->inst[v0].follows = u0;
    w->inst[v1].follows = u1;
    w->inst[v2].follows = u0;
}

/* Walks the users one step: user 0 eastwards 90 m a period, user 1 westwards. */
static void walk(world *w, int step)
{
    w->upos[0].x = 10 + 90.0 * step;
    w->upos[1].x = 410 - 100.0 * step;
    w->user[1].online = (uint8_t)(step != 2);
}

/* Runs ops for `ticks` periods, ending the migrations and moving users in between. */
static void run_ticks(world *w, const mn_mig_ops *ops, int ticks)
{
    mn_backend be = fake(w);
    for (int t = 0; t < ticks; t++) {
        walk(w, t);
        mn_err err;
        mn_err_clear(&err);
        CU_ASSERT_EQUAL(ops->tick(&w->v, &be, &err), MN_OK);
        CU_ASSERT(w_consistent(w));
        w_complete(w);
        CU_ASSERT(w_consistent(w));
    }
}

static void test_mig_every_policy_acts_within_capacity_and_repeats_itself(void)
{
    const char *name;
    for (size_t k = 0; (name = mn_policy_name(MN_POLICY_MIGRATION, k, NULL)) != NULL; k++) {
        const mn_mig_ops *ops = mn_mig_lookup(name, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
        static world a, b;
        mig_world(&a);
        run_ticks(&a, ops, 6);
        if (a.refusals)
            fprintf(stderr, "%s: %zu refusals, first: %s\n", name, a.refusals, a.why);
        CU_ASSERT_EQUAL(a.refusals, 0);
        CU_ASSERT_EQUAL(count_calls(&a, 'p') + count_calls(&a, 'r'), 0);
        /* pinned and paused instances stay; box 5 (no one's candidate) is left alone */
        CU_ASSERT_EQUAL(a.inst[6].box, 2);
        CU_ASSERT_EQUAL(a.inst[7].box, 0);
        CU_ASSERT_EQUAL(a.inst[8].box, 0);
        CU_ASSERT_EQUAL(a.box[5].powered, 1);
        mig_world(&b);
        run_ticks(&b, ops, 6);
        CU_ASSERT(calls_equal(&a, &b));
    }
}

static void test_mig_every_policy_skips_refusals_and_returns_failures(void)
{
    const char *name;
    for (size_t k = 0; (name = mn_policy_name(MN_POLICY_MIGRATION, k, NULL)) != NULL; k++) {
        const mn_mig_ops *ops = mn_mig_lookup(name, NULL);
        static world w;
        mn_backend be = fake(&w);
        mn_err err;
        /* the backend refuses everything: the policy goes on and succeeds */
        mig_world(&w);
        walk(&w, 1); /* user 0 leaves box 0's range: follow-the-user acts too */
        w.fail_code = MN_ERANGE;
        mn_err_clear(&err);
        CU_ASSERT_EQUAL(ops->tick(&w.v, &be, &err), MN_OK);
        CU_ASSERT_EQUAL(err.code, MN_OK);
        /* out of memory: returned with its message, as soon as it happens */
        mig_world(&w);
        walk(&w, 1);
        w.fail_code = MN_ENOMEM;
        mn_err_clear(&err);
        int rc = ops->tick(&w.v, &be, &err);
        if (w.ncalls > 0) {
            CU_ASSERT_EQUAL(rc, MN_ENOMEM);
            CU_ASSERT_EQUAL(err.code, MN_ENOMEM);
            CU_ASSERT_EQUAL(w.ncalls, 1);
        } else {
            CU_ASSERT_EQUAL(rc, MN_OK);
        }
    }
}

/* ---------- migration: behaviour ---------- */

/*
 * high 0.8, low 0.3. b0 at 0.9: VMs a (0.2) and b (0.3) movable, c (0.4)
 * pinned. b's candidates: b1 at 0.5 (between low and high), b3 at 0.1
 * (0.5 GHz: too small for 1 GHz), b2 at load2.
 */
static void threshold_world(world *w, double load2)
{
    w_init(w);
    w_box(w, 0, 0, 4, 4, 1, 4);
    w_box(w, 0, 0, 4, 4, 1, 4);
    w_box(w, 0, 0, 4, 4, 1, 4);
    w_box(w, 0, 0, 0.5, 4, 1, 4);
    uint32_t a = w_inst(w, MN_INST_VM, 0, 1, 1, CANDS(0, 1, 3, 2));
    uint32_t b = w_inst(w, MN_INST_VM, 0, 1, 1, CANDS(0, 1, 3, 2));
    uint32_t c = w_inst(w, MN_INST_VM, 0, 1, 1, ANYBOX);
    w->base_load[1] = 0.5;
    w->base_load[2] = load2;
    w->base_load[3] = 0.1;
    w_put(w, a, 0, MN_NONE, 0, 0.2);
    w_put(w, b, 0, MN_NONE, 0, 0.3);
    w_put(w, c, 0, MN_NONE, 1, 0.4);
}

static void test_mig_threshold_moves_off_an_overloaded_box_to_one_under_low(void)
{
    /* b (0.3), the heaviest movable instance, goes to b2 at 0.2: the only box under low that fits
     */
    static world w;
    threshold_world(&w, 0.2);
    CU_ASSERT_DOUBLE_EQUAL(w.box[0].load, 0.9, 1e-12);
    const mn_mig_ops *ops = mn_mig_lookup("threshold", NULL);
    mn_backend be = fake(&w);
    CU_ASSERT_EQUAL(ops->tick(&w.v, &be, NULL), MN_OK);
    CU_ASSERT_EQUAL(w.ncalls, 1);
    CU_ASSERT(call_is(&w, 0, 'm', 1, 2));
    /* b2 at 0.35, between low and high like b1: nothing qualifies, no move */
    threshold_world(&w, 0.35);
    be = fake(&w);
    CU_ASSERT_EQUAL(ops->tick(&w.v, &be, NULL), MN_OK);
    CU_ASSERT_EQUAL(w.ncalls, 0);
    CU_ASSERT_EQUAL(w.refusals, 0);
}

static void test_mig_follow_the_user_moves_the_vap_into_the_users_range(void)
{
    /*
     * Office box b0 at (0, 0), b2 at (500, 0), home box b1 at (1000, 0)
     * with radios of 50 m and 100 m range. The user, online at (1000, 10),
     * is out of the office's range (1000 m): the vAP goes home, on the
     * 100 m radio: 6 + 48 (1 - 10/100) = 49.2 Mb/s against 44.4 on the other.
     */
    static world w;
    w_init(&w);
    w_box(&w, 0, 0, 4, 4, 1, 4);
    w_box(&w, 1000, 0, 4, 4, 2, 4);
    w_box(&w, 500, 0, 4, 4, 1, 4);
    w.radio[w.box[1].radio_first + 1].range_m = 100;
    uint32_t vap = w_inst(&w, MN_INST_VAP, 0, 0.5, 0.5, CANDS(0, 2, 1));
    uint32_t u = w_user(&w, 0, 5, 0, 1);
    w.inst[vap].follows = u;
    w_put(&w, vap, 0, MN_NONE, 0, 0.1);
    const mn_mig_ops *ops = mn_mig_lookup("follow-the-user", NULL);
    mn_backend be = fake(&w);
    /* at the office: stays */
    CU_ASSERT_EQUAL(ops->tick(&w.v, &be, NULL), MN_OK);
    CU_ASSERT_EQUAL(w.ncalls, 0);
    /* at home but offline: stays */
    w.upos[u] = (mn_pos){1000, 10};
    w.user[u].online = 0;
    CU_ASSERT_EQUAL(ops->tick(&w.v, &be, NULL), MN_OK);
    CU_ASSERT_EQUAL(w.ncalls, 0);
    /* at home and online: goes home, on radio 2 (b1's second) */
    w.user[u].online = 1;
    CU_ASSERT_EQUAL(ops->tick(&w.v, &be, NULL), MN_OK);
    CU_ASSERT_EQUAL(w.ncalls, 1);
    CU_ASSERT(call_is(&w, 0, 'm', vap, 1));
    CU_ASSERT_EQUAL(w.calls[0].c, w.box[1].radio_first + 1);
    w_complete(&w);
    /* in range now: stays */
    CU_ASSERT_EQUAL(ops->tick(&w.v, &be, NULL), MN_OK);
    CU_ASSERT_EQUAL(w.ncalls, 1);
    CU_ASSERT_EQUAL(w.refusals, 0);
}

static void test_mig_consolidation_empties_an_underloaded_box_then_switches_it_off(void)
{
    /*
     * low 0.3. b0 at 0.1 hosts VMs x and y (1 GHz each, movable); b1 at 0.5
     * hosts a pinned VM (4 GHz, 1 used); b2 on and empty, a candidate; b3
     * on and empty, nobody's candidate. Period 1: x and y to b1 (the only
     * powered box hosting something; 0.5 + 0.05 + 0.05 stays under high),
     * b2 off; b0 still hosts them while they copy. Period 2: b0 is empty:
     * off. b3 is never touched.
     */
    static world w;
    w_init(&w);
    for (int k = 0; k < 4; k++)
        w_box(&w, 10.0 * k, 0, 4, 4, 1, 4);
    uint32_t x = w_inst(&w, MN_INST_VM, 0, 1, 1, CANDS(0, 1, 2));
    uint32_t y = w_inst(&w, MN_INST_VM, 0, 1, 1, CANDS(0, 1, 2));
    uint32_t z = w_inst(&w, MN_INST_VM, 1, 1, 1, ANYBOX);
    w.base_load[0] = 0;
    w.base_load[1] = 0.4;
    w_put(&w, x, 0, MN_NONE, 0, 0.05);
    w_put(&w, y, 0, MN_NONE, 0, 0.05);
    w_put(&w, z, 1, MN_NONE, 1, 0.1);
    const mn_mig_ops *ops = mn_mig_lookup("consolidation", NULL);
    mn_backend be = fake(&w);
    CU_ASSERT_EQUAL(ops->tick(&w.v, &be, NULL), MN_OK);
    CU_ASSERT_EQUAL(w.ncalls, 3);
    CU_ASSERT(call_is(&w, 0, 'm', x, 1));
    CU_ASSERT(call_is(&w, 1, 'm', y, 1));
    CU_ASSERT(call_is(&w, 2, 'o', 2, 0));
    CU_ASSERT_EQUAL(w.box[0].powered, 1);
    w_complete(&w);
    CU_ASSERT_EQUAL(w.box[0].hosted, 0);
    CU_ASSERT_EQUAL(ops->tick(&w.v, &be, NULL), MN_OK);
    CU_ASSERT_EQUAL(w.ncalls, 4);
    CU_ASSERT(call_is(&w, 3, 'o', 0, 0));
    CU_ASSERT_EQUAL(w.box[0].powered, 0);
    CU_ASSERT_EQUAL(w.box[3].powered, 1);
    /* nothing left to do */
    CU_ASSERT_EQUAL(ops->tick(&w.v, &be, NULL), MN_OK);
    CU_ASSERT_EQUAL(w.ncalls, 4);
    CU_ASSERT_EQUAL(w.refusals, 0);
}

static void test_mig_consolidation_moves_nothing_unless_everything_fits(void)
{
    /* as above, but b1 has room for one of the two 1 GHz VMs only (1.5 GHz free): no move */
    static world w;
    w_init(&w);
    for (int k = 0; k < 2; k++)
        w_box(&w, 10.0 * k, 0, 4, 4, 1, 4);
    uint32_t x = w_inst(&w, MN_INST_VM, 0, 1, 1, CANDS(0, 1));
    uint32_t y = w_inst(&w, MN_INST_VM, 0, 1, 1, CANDS(0, 1));
    uint32_t z = w_inst(&w, MN_INST_VM, 1, 2.5, 1, ANYBOX);
    w.base_load[1] = 0.4;
    w_put(&w, x, 0, MN_NONE, 0, 0.05);
    w_put(&w, y, 0, MN_NONE, 0, 0.05);
    w_put(&w, z, 1, MN_NONE, 1, 0.1);
    mn_backend be = fake(&w);
    CU_ASSERT_EQUAL(mn_mig_lookup("consolidation", NULL)->tick(&w.v, &be, NULL), MN_OK);
    CU_ASSERT_EQUAL(w.ncalls, 0);
}

static void test_mig_consolidation_relieves_an_overloaded_box_onto_a_box_that_is_off(void)
{
    /*
     * high 0.8. b0 at 0.9 (base 0.6, VMs of 0.1 and 0.2); b1 off, a
     * candidate of both. The heavier VM (0.2) goes to b1 (the backend
     * switches it on); one move per period.
     */
    static world w;
    w_init(&w);
    w_box(&w, 0, 0, 4, 4, 1, 4);
    w_box(&w, 10, 0, 4, 4, 1, 4);
    w.box[1].powered = 0;
    uint32_t a = w_inst(&w, MN_INST_VM, 0, 1, 1, CANDS(0, 1));
    uint32_t b = w_inst(&w, MN_INST_VM, 0, 1, 1, CANDS(0, 1));
    w.base_load[0] = 0.6;
    w_put(&w, a, 0, MN_NONE, 0, 0.1);
    w_put(&w, b, 0, MN_NONE, 0, 0.2);
    mn_backend be = fake(&w);
    CU_ASSERT_EQUAL(mn_mig_lookup("consolidation", NULL)->tick(&w.v, &be, NULL), MN_OK);
    CU_ASSERT_EQUAL(w.ncalls, 1);
    CU_ASSERT(call_is(&w, 0, 'm', b, 1));
    CU_ASSERT_EQUAL(w.box[1].powered, 1);
}

/* ---------- the registry ---------- */

static void test_registry_unknown_name_lists_every_valid_one(void)
{
    for (int k = 0; k < MN_POLICY_KINDS; k++) {
        mn_err err;
        mn_err_clear(&err);
        CU_ASSERT_EQUAL(mn_policy_check((mn_policy_kind)k, "no-such-policy", &err), MN_EINVAL);
        CU_ASSERT_EQUAL(err.code, MN_EINVAL);
        char head[96];
        snprintf(head, sizeof head, "unknown %s policy \"no-such-policy\"; valid: ",
                 mn_policy_kind_name((mn_policy_kind)k));
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, head));
        const char *name;
        for (size_t i = 0; (name = mn_policy_name((mn_policy_kind)k, i, NULL)) != NULL; i++)
            CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, name));
    }
    mn_err err;
    CU_ASSERT_PTR_NULL(mn_place_lookup("firstfit", &err));
    CU_ASSERT_EQUAL(err.code, MN_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.msg, "unknown placement policy \"firstfit\"; valid: first-fit, "
                                    "best-fit, worst-fit, random, nearest, energy");
    CU_ASSERT_PTR_NULL(mn_lb_lookup("strongest", &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "valid: strongest-signal, least-loaded, sla-aware"));
    CU_ASSERT_PTR_NULL(mn_mig_lookup("", &err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unknown migration policy"));
    CU_ASSERT_PTR_NULL(mn_mig_lookup(NULL, NULL)); /* err may be NULL */
}

static void test_registry_names_are_unique_and_look_up_to_themselves(void)
{
    for (int k = 0; k < MN_POLICY_KINDS; k++) {
        const char *name, *summary, *other;
        size_t n = 0;
        for (size_t i = 0; (name = mn_policy_name((mn_policy_kind)k, i, &summary)) != NULL; i++) {
            n++;
            CU_ASSERT(name[0] != '\0');
            CU_ASSERT(summary && summary[0] != '\0');
            for (size_t j = 0; j < i; j++) {
                other = mn_policy_name((mn_policy_kind)k, j, NULL);
                CU_ASSERT(strcmp(name, other) != 0);
            }
            CU_ASSERT_EQUAL(mn_policy_check((mn_policy_kind)k, name, NULL), MN_OK);
            if (k == MN_POLICY_PLACEMENT) {
                const mn_place_ops *o = mn_place_lookup(name, NULL);
                CU_ASSERT(o && strcmp(o->name, name) == 0 && o->summary == summary && o->choose);
            } else if (k == MN_POLICY_BALANCING) {
                const mn_lb_ops *o = mn_lb_lookup(name, NULL);
                CU_ASSERT(o && strcmp(o->name, name) == 0 && o->summary == summary && o->choose);
            } else {
                const mn_mig_ops *o = mn_mig_lookup(name, NULL);
                CU_ASSERT(o && strcmp(o->name, name) == 0 && o->summary == summary && o->tick);
            }
        }
        CU_ASSERT(n >= 3);
        const char *s = "x";
        CU_ASSERT_PTR_NULL(mn_policy_name((mn_policy_kind)k, n, &s));
        CU_ASSERT_PTR_NULL(s);
    }
    CU_ASSERT_PTR_NULL(mn_policy_name(MN_POLICY_KINDS, 0, NULL));
}

static void test_registry_kinds_parse_and_print(void)
{
    CU_ASSERT_STRING_EQUAL(mn_policy_kind_name(MN_POLICY_PLACEMENT), "placement");
    CU_ASSERT_STRING_EQUAL(mn_policy_kind_name(MN_POLICY_BALANCING), "balancing");
    CU_ASSERT_STRING_EQUAL(mn_policy_kind_name(MN_POLICY_MIGRATION), "migration");
    for (int k = 0; k < MN_POLICY_KINDS; k++)
        CU_ASSERT_EQUAL(mn_policy_kind_parse(mn_policy_kind_name((mn_policy_kind)k)), k);
    CU_ASSERT_EQUAL(mn_policy_kind_parse("Placement"), -1);
    CU_ASSERT_EQUAL(mn_policy_kind_parse(""), -1);
    CU_ASSERT_EQUAL(mn_policy_kind_parse(NULL), -1);
}

void mn_test_register(void)
{
    static const struct mn_test_case place[] = {
        MN_TEST(test_place_every_policy_places_what_fits_and_never_over_commits),
        MN_TEST(test_place_every_policy_repeats_itself_for_a_seed),
        MN_TEST(test_place_every_policy_finds_the_only_box_that_fits),
        MN_TEST(test_place_fits_checks_capacity_radios_and_power),
        MN_TEST(test_place_first_fit_takes_the_first_candidate_that_fits),
        MN_TEST(test_place_best_fit_takes_the_tightest_box),
        MN_TEST(test_place_worst_fit_takes_the_emptiest_box),
        MN_TEST(test_place_energy_packs_onto_one_box_and_switches_the_empty_ones_off),
        MN_TEST(test_place_random_picks_only_fitting_boxes_and_depends_on_the_seed),
        MN_TEST(test_place_nearest_goes_to_the_followed_user_or_the_operators_users),
        MN_TEST(test_place_nearest_puts_the_next_instance_where_users_are_far_from_one),
    };
    static const struct mn_test_case lb[] = {
        MN_TEST(test_lb_every_policy_returns_a_valid_index_and_repeats_itself),
        MN_TEST(test_lb_strongest_signal_takes_the_highest_phy_and_ties_to_the_lower_vap),
        MN_TEST(test_lb_least_loaded_takes_the_emptiest_vap),
        MN_TEST(test_lb_sla_aware_keeps_a_2_mbps_sla_or_falls_back_to_the_best),
        MN_TEST(test_lb_view_cands_filters_by_operator_stack_range_state_and_admission),
        MN_TEST(test_lb_pick_sorts_asks_the_policy_and_applies_hysteresis),
    };
    static const struct mn_test_case mig[] = {
        MN_TEST(test_mig_every_policy_acts_within_capacity_and_repeats_itself),
        MN_TEST(test_mig_every_policy_skips_refusals_and_returns_failures),
        MN_TEST(test_mig_threshold_moves_off_an_overloaded_box_to_one_under_low),
        MN_TEST(test_mig_follow_the_user_moves_the_vap_into_the_users_range),
        MN_TEST(test_mig_consolidation_empties_an_underloaded_box_then_switches_it_off),
        MN_TEST(test_mig_consolidation_moves_nothing_unless_everything_fits),
        MN_TEST(test_mig_consolidation_relieves_an_overloaded_box_onto_a_box_that_is_off),
    };
    static const struct mn_test_case registry[] = {
        MN_TEST(test_registry_unknown_name_lists_every_valid_one),
        MN_TEST(test_registry_names_are_unique_and_look_up_to_themselves),
        MN_TEST(test_registry_kinds_parse_and_print),
    };
    MN_SUITE("placement", place);
    MN_SUITE("balancing", lb);
    MN_SUITE("migration", mig);
    MN_SUITE("registry", registry);
}
