/* snapshot.c - address spaces kept as JSON: see snapshot.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "snapshot.h"

int
snapshot_leaf(void *cookie, const struct walk_leaf *l)
{
	struct snapshot *s = cookie;
	struct snap_leaf *p;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;

		if (cap > SNAPSHOT_MAX_LEAVES ||
		    (p = realloc(s->leaves, cap * sizeof *p)) == NULL)
			return -1;
		s->leaves = p;
		s->cap = cap;
	}
	s->leaves[s->n++] = (struct snap_leaf){
		.va = l->va, .pa = l->pa, .size = l->page_size, .raw = l->raw,
		.level = l->level, .memtype = l->memtype, .w = l->eff.write,
		.u = l->eff.user, .x = l->eff.exec, .accessed = l->accessed,
	};
	return 0;
}

void
snapshot_free(struct snapshot *s)
{
	free(s->leaves);
	memset(s, 0, sizeof *s);
}

static const char *
jb(bool b)
{
	return b ? "true" : "false";
}

int
snapshot_write(const struct snapshot *s, FILE *f, struct pt_err *err)
{
	size_t i;

	fprintf(f, "{\"format\":\"%s\",\"version\":%d,\"name\":\"%s\","
	    "\"cpu\":%d,\"mode\":\"%s\",\"cr0\":\"0x%" PRIx64 "\",\"cr3\":\"0x%"
	    PRIx64 "\",\"cr4\":\"0x%" PRIx64 "\",\"efer\":\"0x%" PRIx64 "\","
	    "\"leaves\":[", SNAPSHOT_FORMAT, SNAPSHOT_VERSION, s->name, s->cpu,
	    x86pt_mode_name(s->mode), s->cr0, s->cr3, s->cr4, s->efer);
	for (i = 0; i < s->n; i++) {
		const struct snap_leaf *l = &s->leaves[i];

		fprintf(f, "%s\n{\"va\":\"0x%" PRIx64 "\",\"pa\":\"0x%" PRIx64
		    "\",\"size\":%" PRIu64 ",\"level\":%u,\"raw\":\"0x%" PRIx64
		    "\",\"w\":%s,\"u\":%s,\"x\":%s,\"memtype\":%u,\"a\":%s}",
		    i ? "," : "", l->va, l->pa, l->size, l->level, l->raw,
		    jb(l->w), jb(l->u), jb(l->x), l->memtype, jb(l->accessed));
	}
	fprintf(f, "]}\n");
	if (fflush(f) == EOF || ferror(f))
		return pt_err_set(err, PT_EXIT_USAGE, "writing the snapshot: %s",
		    strerror(errno));
	return 0;
}

/* A "0x..." string member as a number; false if absent or malformed. */
static bool
hex_member(json_t *o, const char *key, uint64_t *v)
{
	const char *s = json_string_value(json_object_get(o, key));
	char *end;

	if (s == NULL || strncmp(s, "0x", 2) != 0 || s[2] == '\0')
		return false;
	errno = 0;
	*v = strtoull(s + 2, &end, 16);
	return errno == 0 && *end == '\0';
}

static bool
bool_member(json_t *o, const char *key, bool *v)
{
	json_t *b = json_object_get(o, key);

	if (!json_is_boolean(b))
		return false;
	*v = json_is_true(b);
	return true;
}

static bool
read_leaf(json_t *o, struct snap_leaf *l)
{
	json_t *size = json_object_get(o, "size");
	json_t *level = json_object_get(o, "level");
	json_t *mt = json_object_get(o, "memtype");

	if (!json_is_object(o) || !hex_member(o, "va", &l->va) ||
	    !hex_member(o, "pa", &l->pa) || !hex_member(o, "raw", &l->raw) ||
	    !json_is_integer(size) || !json_is_integer(level) ||
	    !json_is_integer(mt) || !bool_member(o, "w", &l->w) ||
	    !bool_member(o, "u", &l->u) || !bool_member(o, "x", &l->x) ||
	    !bool_member(o, "a", &l->accessed))
		return false;
	l->size = (uint64_t)json_integer_value(size);
	l->level = (unsigned)json_integer_value(level);
	l->memtype = (unsigned)json_integer_value(mt);
	return (l->size == 1u << 12 || l->size == 1u << 21 ||
	    l->size == 1u << 22 || l->size == 1u << 30) &&
	    l->level >= 1 && l->level <= 5 &&
	    l->memtype < 8 && (l->va & (l->size - 1)) == 0;
}

int
snapshot_read(struct snapshot *s, const char *path, struct pt_err *err)
{
	json_error_t je;
	json_t *root, *leaves, *v;
	const char *fmt, *name, *mode;
	size_t i, n;

	memset(s, 0, sizeof *s);
	if ((root = json_load_file(path, 0, &je)) == NULL)
		return pt_err_set(err, PT_EXIT_USAGE, "%s: not a snapshot: %s "
		    "(line %d)", path, je.text, je.line);
	fmt = json_string_value(json_object_get(root, "format"));
	v = json_object_get(root, "version");
	if (fmt == NULL || strcmp(fmt, SNAPSHOT_FORMAT) != 0) {
		json_decref(root);
		return pt_err_set(err, PT_EXIT_USAGE, "%s: not a ptdump snapshot "
		    "(\"format\" is not \"%s\")", path, SNAPSHOT_FORMAT);
	}
	if (!json_is_integer(v) || json_integer_value(v) != SNAPSHOT_VERSION) {
		bool have = json_is_integer(v);

		json_decref(root);	/* v was root's */
		return pt_err_set(err, PT_EXIT_USAGE, "%s: snapshot version %s; "
		    "this ptdump reads version %d", path, have ?
		    "other than 1" : "missing", SNAPSHOT_VERSION);
	}
	name = json_string_value(json_object_get(root, "name"));
	mode = json_string_value(json_object_get(root, "mode"));
	leaves = json_object_get(root, "leaves");
	if (name == NULL || mode == NULL || !json_is_array(leaves) ||
	    !json_is_integer(json_object_get(root, "cpu")) ||
	    !hex_member(root, "cr0", &s->cr0) ||
	    !hex_member(root, "cr3", &s->cr3) ||
	    !hex_member(root, "cr4", &s->cr4) ||
	    !hex_member(root, "efer", &s->efer))
		goto bad;
	snprintf(s->name, sizeof s->name, "%s", name);
	s->cpu = (int)json_integer_value(json_object_get(root, "cpu"));
	s->mode = x86pt_mode(s->cr0, s->cr4, s->efer);
	n = json_array_size(leaves);
	if (n > SNAPSHOT_MAX_LEAVES ||
	    (n > 0 && (s->leaves = calloc(n, sizeof *s->leaves)) == NULL))
		goto bad;
	s->cap = n;
	for (i = 0; i < n; i++) {
		if (!read_leaf(json_array_get(leaves, i), &s->leaves[i]) ||
		    (i > 0 && s->leaves[i].va <= s->leaves[i - 1].va))
			goto bad;
		s->n++;
	}
	json_decref(root);
	return 0;
bad:
	json_decref(root);
	snapshot_free(s);
	return pt_err_set(err, PT_EXIT_USAGE, "%s: a ptdump snapshot, but "
	    "malformed (a member missing, or a leaf out of order)", path);
}
