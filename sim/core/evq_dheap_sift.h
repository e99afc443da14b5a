/*
 * evq_dheap_sift.h - sift-up and sift-down of an implicit d-ary min-heap of
 * mn_evq_entry, shared by the heap backends and the radix backend's front
 * heap. Included with HEAP_D (children per node) and HFN(name) defined; not a
 * public header.
 *
 * Layout: root at index 0, children of i at D*i+1 .. D*i+D. A wider node
 * means a shallower tree (log_D n levels) whose children sit next to each
 * other in memory.
 */

static inline void HFN(sift_up_)(mn_evq_entry *e, size_t i, const mn_evq_entry *x)
{
    mn_evq_key kx = mn_evq_key_of(x);
    while (i > 0) {
        size_t parent = (i - 1) / HEAP_D;
        if (kx >= mn_evq_key_of(&e[parent]))
            break;
        e[i] = e[parent];
        i = parent;
    }
    mn_evq_copy(&e[i], x);
}

/*
 * The smallest child is found with its key kept in registers and selected
 * by conditional moves: reloading e[best] after each choice would chain a
 * memory load on every comparison. Full nodes (all D children present, the
 * common case) run a loop of constant length that the compiler unrolls.
 */
static inline void HFN(sift_down_)(mn_evq_entry *e, size_t n, size_t i, mn_evq_entry x)
{
    mn_evq_key kx = mn_evq_key_of(&x);
    for (;;) {
        size_t first = HEAP_D * i + 1;
        if (first >= n)
            break;
        size_t best = first;
        mn_evq_key kb = mn_evq_key_of(&e[first]);
        if (first + HEAP_D <= n) {
            for (size_t c = 1; c < HEAP_D; c++) {
                mn_evq_key kc = mn_evq_key_of(&e[first + c]);
                int lt = kc < kb;
                kb = lt ? kc : kb;
                best = lt ? first + c : best;
            }
        } else {
            for (size_t c = first + 1; c < n; c++) {
                mn_evq_key kc = mn_evq_key_of(&e[c]);
                int lt = kc < kb;
                kb = lt ? kc : kb;
                best = lt ? c : best;
            }
        }
        if (kb >= kx)
            break;
        e[i] = e[best];
        i = best;
    }
    e[i] = x;
}

