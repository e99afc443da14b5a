/*
 * readfile.h - a whole file read into memory, for the parsers that want
 * its text in one piece (waypoint traces, scenario lines, validate's
 * splicing).
 *
 * Owns:      nothing: the text is the caller's.
 */
#ifndef MN_READFILE_H
#define MN_READFILE_H

#include <stddef.h>

/*
 * The whole file at path, NUL-terminated, in *text (the caller's: mn_free),
 * its length without the NUL in *len. MN_OK; MN_EIO when it cannot be
 * opened or read (errno says why); MN_ENOMEM. On failure *text is NULL.
 */
int mn_read_file(const char *path, char **text, size_t *len);

#endif /* MN_READFILE_H */
