/* outfile.c - atomic result files; see outfile.h. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mn_mkdir_p(const char *dir, mn_err *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return MN_ERR(err, MN_EINVAL, "directory path too long: %s", dir);
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return mn_err_set_at(err, MN_EIO, path, "cannot create directory: %s", strerror(errno));
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            return mn_err_set_at(err, MN_EIO, path, "exists and is not a directory");
        *p = saved;
        if (saved == '\0')
            return MN_OK;
    }
}

int mn_outfile_open(mn_outfile *o, const char *dir, const char *name, mn_err *err)
{
    memset(o, 0, sizeof *o);
    if ((size_t)snprintf(o->final_path, sizeof o->final_path, "%s/%s", dir, name) >=
            sizeof o->final_path ||
        (size_t)snprintf(o->tmp_path, sizeof o->tmp_path, "%s/.%s.XXXXXX", dir, name) >=
            sizeof o->tmp_path)
        return MN_ERR(err, MN_EINVAL, "output path too long: %s/%s", dir, name);
    int fd = mkstemp(o->tmp_path);
    if (fd < 0)
        return mn_err_set_at(err, MN_EIO, o->final_path, "cannot create: %s", strerror(errno));
    o->f = fdopen(fd, "w");
    if (!o->f) {
        int e = errno;
        close(fd);
        unlink(o->tmp_path);
        return mn_err_set_at(err, MN_EIO, o->final_path, "cannot open: %s", strerror(e));
    }
    return MN_OK;
}

static int sync_dir_of(const char *path)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int durable = 1; /* mn_outfile_set_durable */

void mn_outfile_set_durable(int on)
{
    durable = on != 0;
}

int mn_outfile_commit(mn_outfile *o, mn_err *err)
{
    if (!o->f)
        return MN_ERR(err, MN_EBUG, "outfile %s: commit without an open file", o->final_path);
    int failed = ferror(o->f) || fflush(o->f) != 0 || (durable && fsync(fileno(o->f)) != 0);
    int e = failed ? errno : 0;
    if (fclose(o->f) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    o->f = NULL;
    if (!failed && rename(o->tmp_path, o->final_path) != 0) {
        failed = 1;
        e = errno;
    }
    if (failed) {
        unlink(o->tmp_path);
        o->tmp_path[0] = '\0';
        return mn_err_set_at(err, MN_EIO, o->final_path, "cannot write: %s",
                             e ? strerror(e) : "write error");
    }
    o->tmp_path[0] = '\0';
    if (durable && sync_dir_of(o->final_path) != 0)
        return mn_err_set_at(err, MN_EIO, o->final_path, "written, but the directory could not be synced: %s",
                             strerror(errno));
    return MN_OK;
}

void mn_outfile_abort(mn_outfile *o)
{
    if (o->f) {
        fclose(o->f);
        o->f = NULL;
    }
    if (o->tmp_path[0]) {
        unlink(o->tmp_path);
        o->tmp_path[0] = '\0';
    }
}

void mn_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void mn_csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
