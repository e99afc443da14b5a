/*
 * test_emu_delayline.c - the delay line's FIFO and its forwarding thread
 * (emu/delayline.c), without root: the thread forwards between socketpairs
 * (SOCK_SEQPACKET: one frame per read and write, like a tap).
 *
 * Hand-computed answers: a 10000-byte queue takes ten 1000-byte frames and
 * drops the eleventh; a 600-byte queue has 600 / 60 + 2 = 12 slots; frames
 * written at t to a 20 ms line come out at t + 20 ms or later, in order.
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "emu/delayline.h"
#include "unit.h"

static int64_t mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Frame k: its number in the first 4 bytes, then bytes (k + i) & 255. */
static void fill(uint8_t *p, size_t len, uint32_t k)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)((k + i) & 255);
    if (len >= 4)
        memcpy(p, &k, 4);
}

static int intact(const uint8_t *p, size_t len, uint32_t k)
{
    uint32_t got;
    if (len >= 4) {
        memcpy(&got, p, 4);
        if (got != k)
            return 0;
    }
    for (size_t i = 4; i < len; i++)
        if (p[i] != (uint8_t)((k + i) & 255))
            return 0;
    return 1;
}

static int push(mn_emu_dl_fifo *q, size_t len, uint32_t k, int64_t rel)
{
    uint8_t *p = mn_emu_dl_fifo_reserve(q);
    if (!p)
        return -1;
    fill(p, len, k);
    return mn_emu_dl_fifo_commit(q, len, rel);
}

static void test_fifo_keeps_order_and_release_times(void)
{
    mn_emu_dl_fifo q;
    CU_ASSERT_EQUAL_FATAL(mn_emu_dl_fifo_init(&q, 10000, NULL), MN_OK);
    for (uint32_t k = 0; k < 5; k++)
        CU_ASSERT_EQUAL(push(&q, 100 * (k + 1), k, 10 * (int64_t)(k + 1)), MN_OK);
    CU_ASSERT_EQUAL(q.bytes, 1500);
    for (uint32_t k = 0; k < 5; k++) {
        size_t len;
        int64_t rel;
        const uint8_t *p = mn_emu_dl_fifo_head(&q, &len, &rel);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p);
        CU_ASSERT_EQUAL(len, 100 * (k + 1));
        CU_ASSERT_EQUAL(rel, 10 * (int64_t)(k + 1));
        CU_ASSERT(intact(p, len, k));
        mn_emu_dl_fifo_pop(&q);
    }
    size_t len;
    int64_t rel;
    CU_ASSERT_PTR_NULL(mn_emu_dl_fifo_head(&q, &len, &rel));
    CU_ASSERT_EQUAL(q.bytes, 0);
    mn_emu_dl_fifo_fini(&q);
}

static void test_fifo_drops_the_tail_at_its_byte_limit(void)
{
    mn_emu_dl_fifo q;
    CU_ASSERT_EQUAL_FATAL(mn_emu_dl_fifo_init(&q, 10000, NULL), MN_OK);
    for (uint32_t k = 0; k < 10; k++)
        CU_ASSERT_EQUAL(push(&q, 1000, k, k), MN_OK);
    CU_ASSERT_EQUAL(push(&q, 1000, 10, 10), MN_ERANGE); /* the eleventh: dropped */
    CU_ASSERT_EQUAL(q.count, 10);
    CU_ASSERT_EQUAL(q.bytes, 10000);
    mn_emu_dl_fifo_pop(&q);
    CU_ASSERT_EQUAL(push(&q, 1000, 11, 11), MN_OK); /* room again after one left */
    size_t len;
    int64_t rel;
    const uint8_t *p = mn_emu_dl_fifo_head(&q, &len, &rel);
    CU_ASSERT(p && intact(p, len, 1)); /* the dropped one never entered */
    mn_emu_dl_fifo_fini(&q);
}

static void test_fifo_runs_out_of_slots_before_bytes_with_tiny_frames(void)
{
    mn_emu_dl_fifo q;
    CU_ASSERT_EQUAL_FATAL(mn_emu_dl_fifo_init(&q, 600, NULL), MN_OK);
    CU_ASSERT_EQUAL(q.nslots, 12);
    for (uint32_t k = 0; k < 12; k++)
        CU_ASSERT_EQUAL(push(&q, 10, k, k), MN_OK);
    CU_ASSERT_PTR_NULL(mn_emu_dl_fifo_reserve(&q));
    mn_emu_dl_fifo_fini(&q);
}

/* 200000 frames of 1..1600 bytes through a 5000-byte queue kept between 0 and full. */
static void test_fifo_wraps_without_corrupting_a_frame(void)
{
    mn_emu_dl_fifo q;
    CU_ASSERT_EQUAL_FATAL(mn_emu_dl_fifo_init(&q, 5000, NULL), MN_OK);
    uint32_t in = 0, out = 0, x = 12345, bad = 0, refused_within_limit = 0;
    size_t lens[65536];
    for (int step = 0; step < 400000; step++) {
        x = x * 1103515245u + 12345u;
        size_t len = 1 + (x >> 8) % MN_EMU_DL_FRAME_MAX;
        if ((x >> 4) & 1) {
            size_t before = q.bytes;
            uint8_t *p = mn_emu_dl_fifo_reserve(&q);
            if (!p) {
                refused_within_limit += before <= q.limit && q.count < q.nslots;
                continue;
            }
            fill(p, len, in);
            if (mn_emu_dl_fifo_commit(&q, len, in) == MN_OK)
                lens[in++ & 65535] = len;
        } else {
            size_t l;
            int64_t rel;
            const uint8_t *p = mn_emu_dl_fifo_head(&q, &l, &rel);
            if (!p)
                continue;
            bad += !(l == lens[out & 65535] && rel == out && intact(p, l, out));
            mn_emu_dl_fifo_pop(&q);
            out++;
        }
    }
    printf("(%u frames in, %u out) ", in, out);
    CU_ASSERT(in > 50000);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(refused_within_limit, 0); /* the slack: room whenever within the limit */
    mn_emu_dl_fifo_fini(&q);
}

/* Reads one frame from fd within ms milliseconds: its length, else -1. */
static ssize_t read_within(int fd, uint8_t *buf, size_t len, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, ms) != 1)
        return -1;
    return read(fd, buf, len);
}

static void test_delay_line_forwards_after_the_delay_in_order_both_ways(void)
{
    int a[2], b[2];
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, a) == 0);
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, b) == 0);
    mn_emu_dl *d;
    const int64_t D = 20000000;
    CU_ASSERT_EQUAL_FATAL(mn_emu_dl_create(&d, NULL), MN_OK);
    size_t idx = 99;
    CU_ASSERT_EQUAL_FATAL(mn_emu_dl_add(d, a[1], b[1], D, 1 << 20, "l", &idx, NULL), MN_OK);
    CU_ASSERT_EQUAL(idx, 0);
    CU_ASSERT_EQUAL_FATAL(mn_emu_dl_start(d, NULL), MN_OK);
    /* after start, no more links */
    int c[2];
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, c) == 0);
    CU_ASSERT_EQUAL(mn_emu_dl_add(d, c[0], c[1], D, 1 << 20, "late", NULL, NULL), MN_EINVAL);
    int64_t sent[2][20];
    uint8_t buf[2048];
    for (uint32_t k = 0; k < 20; k++) {
        for (int s = 0; s < 2; s++) {
            fill(buf, 300 + k, k);
            sent[s][k] = mono();
            CU_ASSERT(write(s ? b[0] : a[0], buf, 300 + k) == (ssize_t)(300 + k));
        }
        usleep(1000);
    }
    /* read each frame as it arrives, from either end: s = 0 comes out at b[0], 1 at a[0] */
    int early = 0, order_or_data = 0, got = 0;
    uint32_t next[2] = {0, 0};
    int64_t worst = 0;
    struct pollfd p[2] = {{b[0], POLLIN, 0}, {a[0], POLLIN, 0}};
    while (got < 40 && poll(p, 2, 1000) > 0)
        for (int s = 0; s < 2; s++) {
            if (!(p[s].revents & POLLIN))
                continue;
            ssize_t r = read(p[s].fd, buf, sizeof buf);
            uint32_t k = next[s]++;
            if (r < 0 || k >= 20)
                continue;
            int64_t late = mono() - sent[s][k] - D;
            got++;
            early += late < 0;
            worst = late > worst ? late : worst;
            order_or_data += !(r == (ssize_t)(300 + k) && intact(buf, (size_t)r, k));
        }
    printf("(worst %.3f ms past the delay) ", (double)worst / 1e6);
    CU_ASSERT_EQUAL(got, 40);
    CU_ASSERT_EQUAL(early, 0);
    CU_ASSERT_EQUAL(order_or_data, 0);
    CU_ASSERT(worst < 50000000); /* generous: a loaded CI machine */
    /* the line counts a frame just after writing it, so the reader can be a moment
     * ahead of the counters: wait (up to 1 s) for them to settle */
    for (int i = 0; i < 1000; i++) {
        mn_emu_dl_stats t = mn_emu_dl_total(d);
        if (t.forwarded + t.dropped_write + t.dropped_full >= 40)
            break;
        usleep(1000);
    }
    for (int s = 0; s < 2; s++) {
        mn_emu_dl_stats st = mn_emu_dl_get_stats(d, 0, s);
        CU_ASSERT_EQUAL(st.frames_in, 20);
        CU_ASSERT_EQUAL(st.forwarded, 20);
        CU_ASSERT_EQUAL(st.bytes, 20 * 300 + 190);
        CU_ASSERT_EQUAL(st.dropped_full + st.dropped_write, 0);
    }
    CU_ASSERT_EQUAL(mn_emu_dl_total(d).forwarded, 40);
    CU_ASSERT_EQUAL(mn_emu_dl_delay(d, 0), D);
    CU_ASSERT_STRING_EQUAL(mn_emu_dl_label(d, 0), "l");
    mn_emu_dl_destroy(d); /* joins the thread, closes a[1] and b[1] */
    close(a[0]);
    close(b[0]);
}

static void test_delay_line_drops_the_tail_when_its_queue_is_full(void)
{
    int a[2], b[2];
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, a) == 0);
    CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, b) == 0);
    mn_emu_dl *d;
    CU_ASSERT_EQUAL_FATAL(mn_emu_dl_create(&d, NULL), MN_OK);
    CU_ASSERT_EQUAL_FATAL(mn_emu_dl_add(d, a[1], b[1], 100000000, 10000, "l", NULL, NULL), MN_OK);
    CU_ASSERT_EQUAL_FATAL(mn_emu_dl_start(d, NULL), MN_OK);
    uint8_t buf[2048];
    for (uint32_t k = 0; k < 30; k++) { /* within microseconds: all read before the first leaves */
        fill(buf, 1000, k);
        CU_ASSERT(write(a[0], buf, 1000) == 1000);
    }
    uint32_t got = 0, wrong = 0;
    ssize_t r;
    while ((r = read_within(b[0], buf, sizeof buf, 400)) > 0)
        wrong += !intact(buf, (size_t)r, got++); /* 0..9, the head of the burst */
    mn_emu_dl_stats st = mn_emu_dl_get_stats(d, 0, 0);
    CU_ASSERT_EQUAL(got, 10);
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(st.dropped_full, 20);
    CU_ASSERT_EQUAL(st.forwarded, 10);
    CU_ASSERT_EQUAL(st.max_queue_frames, 10);
    CU_ASSERT_EQUAL(st.max_queue_bytes, 10000);
    mn_emu_dl_stop(d);
    CU_ASSERT(mn_emu_dl_cpu_s(d) >= 0);
    mn_emu_dl_destroy(d);
    close(a[0]);
    close(b[0]);
}

void mn_test_register(void)
{
    static const struct mn_test_case fifo[] = {
        MN_TEST(test_fifo_keeps_order_and_release_times),
        MN_TEST(test_fifo_drops_the_tail_at_its_byte_limit),
        MN_TEST(test_fifo_runs_out_of_slots_before_bytes_with_tiny_frames),
        MN_TEST(test_fifo_wraps_without_corrupting_a_frame),
    };
    static const struct mn_test_case line[] = {
        MN_TEST(test_delay_line_forwards_after_the_delay_in_order_both_ways),
        MN_TEST(test_delay_line_drops_the_tail_when_its_queue_is_full),
    };
    MN_SUITE("emu_delayline_fifo", fifo);
    MN_SUITE("emu_delayline", line);
}
