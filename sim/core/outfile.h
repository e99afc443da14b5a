/*
 * outfile.h - result files written atomically: a reader sees either the
 * whole file or none of it, even if the run is killed mid-write.
 *
 * Owns:      an open mn_outfile owns its stream and its temporary file until
 *            mn_outfile_commit or mn_outfile_abort, after which it owns
 *            nothing.
 * Invariant: data goes to "<dir>/.<name>.XXXXXX" (same directory, so the
 *            final rename is atomic), which commit fsyncs, renames to
 *            "<dir>/<name>" and makes durable by fsyncing the directory.
 *            A crash can leave a temporary file behind (hidden, never under
 *            the final name), never an incomplete file under the final name.
 */
#ifndef MN_OUTFILE_H
#define MN_OUTFILE_H

#include <stdio.h>

#include "err.h"

typedef struct mn_outfile {
    FILE *f;             /* write here between open and commit */
    char final_path[4096];
    char tmp_path[4096];
} mn_outfile;

/* Creates dir and its parents if missing (like mkdir -p). */
int mn_mkdir_p(const char *dir, mn_err *err);

/* Opens the temporary file for <dir>/<name>; dir must exist. */
int mn_outfile_open(mn_outfile *o, const char *dir, const char *name, mn_err *err);

/*
 * Flushes, syncs and renames into place. On any failure (disk full, a write
 * error seen late) the temporary file is removed, the final name untouched,
 * and the error names the file and errno's text.
 */
int mn_outfile_commit(mn_outfile *o, mn_err *err);

/*
 * Whether commits fsync (default: yes). A process whose files are scratch
 * copies, never results - the MPI runner's remote ranks, which write a run
 * into a private temporary directory and send its bytes to rank 0, which
 * commits them durably - turns it off: each commit's two fsyncs cost about
 * 3.7 ms here, some 30 ms for a run's files. The rename stays atomic either
 * way. Process-wide; set it before any file is written.
 */
void mn_outfile_set_durable(int on);

/* Discards everything written; safe on an outfile already committed or aborted. */
void mn_outfile_abort(mn_outfile *o);

/* Writes s as a JSON string literal (quotes, escapes). */
void mn_json_string(FILE *f, const char *s);

/* A CSV field (RFC 4180): quoted, quotes doubled, only when it holds a comma, quote or newline. */
void mn_csv_field(FILE *f, const char *s);

#endif /* MN_OUTFILE_H */
