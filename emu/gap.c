/* gap.c - a flow's longest gap in a window, from .pcap files; see gap.h. */
#include "gap.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "sim/core/alloc.h"

typedef struct g_pkt {
    uint64_t seq;
    double t;
} g_pkt;

static int by_seq_then_time(const void *a, const void *b)
{
    const g_pkt *x = a, *y = b;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

static int by_time(const void *a, const void *b)
{
    const g_pkt *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* How many of the (sorted, distinct) seqs lie strictly between lo and hi. */
static size_t present_between(const g_pkt *v, size_t n, uint64_t lo, uint64_t hi)
{
    size_t a = 0, b = n; /* first index with seq > lo */
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (v[m].seq <= lo)
            a = m + 1;
        else
            b = m;
    }
    size_t k = 0;
    for (size_t i = a; i < n && v[i].seq < hi; i++)
        k++;
    return k;
}

static int read_file(const char *path, uint32_t flow, g_pkt **v, size_t *n, size_t *cap,
                     mn_err *err)
{
    char eb[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, eb);
    if (!p)
        return MN_ERR(err, MN_EIO, "%s: %s", path, eb);
    struct pcap_pkthdr *h;
    const u_char *bytes;
    int r, rc = MN_OK, dlt = pcap_datalink(p);
    while ((r = pcap_next_ex(p, &h, &bytes)) == 1) {
        uint32_t f;
        uint64_t seq;
        if (mn_emu_capture_parse(dlt, bytes, h->caplen, &f, &seq) != MN_OK || f != flow)
            continue;
        if (mn_array_reserve((void **)v, cap, *n + 1, sizeof **v) != MN_OK) {
            rc = MN_ERR(err, MN_ENOMEM, "out of memory");
            break;
        }
        /* nanosecond precision: tv_usec holds nanoseconds */
        (*v)[(*n)++] = (g_pkt){seq, (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e9};
    }
    if (rc == MN_OK && r == PCAP_ERROR)
        rc = MN_ERR(err, MN_EIO, "%s: %s", path, pcap_geterr(p));
    pcap_close(p);
    return rc;
}

int mn_emu_gap_measure(const char *const *pcaps, size_t npcaps, uint32_t flow, double t0, double t1,
                       mn_emu_gap *out, mn_err *err)
{
    memset(out, 0, sizeof *out);
    out->gap_s = -1;
    g_pkt *v = NULL;
    size_t n = 0, cap = 0;
    int rc = MN_OK;
    for (size_t i = 0; rc == MN_OK && i < npcaps; i++)
        rc = read_file(pcaps[i], flow, &v, &n, &cap, err);
    if (rc != MN_OK) {
        mn_free(v);
        return rc;
    }
    /* one per sequence number, its latest time */
    if (n)
        qsort(v, n, sizeof *v, by_seq_then_time);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && v[m - 1].seq == v[i].seq)
            v[m - 1].t = v[i].t;
        else
            v[m++] = v[i];
    }
    g_pkt *w = m ? mn_calloc(m, sizeof *w) : NULL;
    if (m && !w) {
        mn_free(v);
        return MN_ERR(err, MN_ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (v[i].t >= t0 && v[i].t <= t1)
            w[k++] = v[i];
    if (k)
        qsort(w, k, sizeof *w, by_time);
    out->packets = k;
    for (size_t i = 1; i < k; i++) {
        double g = w[i].t - w[i - 1].t;
        if (g > out->gap_s) {
            out->gap_s = g;
            out->gap_from = w[i - 1].t;
            out->gap_to = w[i].t;
            out->seq_from = w[i - 1].seq;
            out->seq_to = w[i].seq;
        }
    }
    if (out->gap_s >= 0 && out->seq_to > out->seq_from + 1)
        out->lost_in_gap =
            out->seq_to - out->seq_from - 1 - present_between(v, m, out->seq_from, out->seq_to);
    mn_free(w);
    mn_free(v);
    return MN_OK;
}
