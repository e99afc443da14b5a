/* test_outfile.c - atomic result files (sim/core/outfile.c). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/outfile.h"
#include "unit.h"

static char root[256];

static void make_root(void)
{
    snprintf(root, sizeof root, "/tmp/mn_outfile_XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
}

/* Number of directory entries other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* The first line of dir/name into buf (empty if the file cannot be read). */
static void first_line(const char *dir, const char *name, char *buf, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL(fgets(buf, (int)size, f));
    fclose(f);
}

static void test_outfile_commit_publishes_the_whole_file_only(void)
{
    make_root();
    mn_outfile o;
    CU_ASSERT_EQUAL_FATAL(mn_outfile_open(&o, root, "summary.json", NULL), MN_OK);
    fprintf(o.f, "{\"flows\": 3}\n");
    char final[512];
    snprintf(final, sizeof final, "%s/summary.json", root);
    CU_ASSERT_EQUAL(access(final, F_OK), -1); /* not visible before commit */
    CU_ASSERT_EQUAL(count_entries(root), 1);  /* only the hidden temporary */
    CU_ASSERT_EQUAL(mn_outfile_commit(&o, NULL), MN_OK);
    char buf[64];
    first_line(root, "summary.json", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "{\"flows\": 3}\n");
    CU_ASSERT_EQUAL(count_entries(root), 1); /* no temporary left */
    remove_tree(root);
}

static void test_outfile_abort_leaves_nothing_and_keeps_the_old_file(void)
{
    make_root();
    mn_outfile o;
    CU_ASSERT_EQUAL_FATAL(mn_outfile_open(&o, root, "flows.csv", NULL), MN_OK);
    fprintf(o.f, "old\n");
    CU_ASSERT_EQUAL_FATAL(mn_outfile_commit(&o, NULL), MN_OK);
    CU_ASSERT_EQUAL_FATAL(mn_outfile_open(&o, root, "flows.csv", NULL), MN_OK);
    fprintf(o.f, "half a new fi");
    mn_outfile_abort(&o); /* e.g. the run was interrupted */
    mn_outfile_abort(&o); /* twice is harmless */
    CU_ASSERT_EQUAL(count_entries(root), 1);
    char buf[64];
    first_line(root, "flows.csv", buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "old\n");
    remove_tree(root);
}

static void test_outfile_failures_name_the_file_and_clean_up(void)
{
    make_root();
    mn_err err = {0};
    mn_outfile o;
    char missing[512];
    snprintf(missing, sizeof missing, "%s/no/such/dir", root);
    CU_ASSERT_EQUAL(mn_outfile_open(&o, missing, "x.csv", &err), MN_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.where, "no/such/dir/x.csv"));
    /* the final name is taken by a directory: rename fails, nothing is left */
    char blocker[512];
    snprintf(blocker, sizeof blocker, "%s/links.csv", root);
    CU_ASSERT_EQUAL_FATAL(mkdir(blocker, 0777), 0);
    char inside[600];
    snprintf(inside, sizeof inside, "%s/keep", blocker);
    FILE *k = fopen(inside, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(k);
    fclose(k);
    CU_ASSERT_EQUAL_FATAL(mn_outfile_open(&o, root, "links.csv", &err), MN_OK);
    fprintf(o.f, "data\n");
    CU_ASSERT_EQUAL(mn_outfile_commit(&o, &err), MN_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.where, "links.csv"));
    CU_ASSERT_EQUAL(count_entries(root), 1); /* just the blocking directory */
    remove_tree(root);
}

static void test_outfile_mkdir_p_creates_parents(void)
{
    make_root();
    char deep[512];
    snprintf(deep, sizeof deep, "%s/a/b/c", root);
    CU_ASSERT_EQUAL(mn_mkdir_p(deep, NULL), MN_OK);
    CU_ASSERT_EQUAL(mn_mkdir_p(deep, NULL), MN_OK); /* idempotent */
    struct stat st;
    CU_ASSERT(stat(deep, &st) == 0 && S_ISDIR(st.st_mode));
    char file[512], below[600];
    snprintf(file, sizeof file, "%s/a/plain", root);
    FILE *f = fopen(file, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    snprintf(below, sizeof below, "%s/sub", file);
    mn_err err = {0};
    CU_ASSERT_NOT_EQUAL(mn_mkdir_p(below, &err), MN_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.where, "a/plain"));
    remove_tree(root);
}

void mn_test_register(void)
{
    static const struct mn_test_case cases[] = {
        MN_TEST(test_outfile_commit_publishes_the_whole_file_only),
        MN_TEST(test_outfile_abort_leaves_nothing_and_keeps_the_old_file),
        MN_TEST(test_outfile_failures_name_the_file_and_clean_up),
        MN_TEST(test_outfile_mkdir_p_creates_parents),
    };
    MN_SUITE("outfile", cases);
}
