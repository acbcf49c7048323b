// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "pprof.h"

/* profile.proto field numbers */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_TIME_NANOS = 9,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	PROFILE_COMMENT = 13,
	VALUE_TYPE_TYPE = 1,
	VALUE_TYPE_UNIT = 2,
	SAMPLE_LOCATION_ID = 1,
	SAMPLE_VALUE = 2,
	SAMPLE_LABEL = 3,
	LABEL_KEY = 1,
	LABEL_STR = 2,
	LABEL_NUM = 3,
	MAPPING_ID = 1,
	MAPPING_HAS_FUNCTIONS = 7,
	MAPPING_HAS_FILENAMES = 8,
	MAPPING_HAS_LINE_NUMBERS = 9,
	MAPPING_HAS_INLINE_FRAMES = 10,
	LOCATION_ID = 1,
	LOCATION_MAPPING_ID = 2,
	LOCATION_ADDRESS = 3,
	LOCATION_LINE = 4,
	LINE_FUNCTION_ID = 1,
	LINE_LINE = 2,
	FUNCTION_ID = 1,
	FUNCTION_NAME = 2,
	FUNCTION_SYSTEM_NAME = 3,
	FUNCTION_FILENAME = 4,
};

enum { WIRE_VARINT = 0, WIRE_BYTES = 2 };

struct interned {
	const char *key; /* a string, or "name\0file" for a function */
	size_t key_len;
	int64_t id;
};

struct location {
	uint64_t space;
	uint64_t addr;
	int64_t id;
	int nr_lines;
	int64_t *func_ids; /* innermost first */
	int64_t *lines;
};

struct sample {
	int64_t *locations;
	int nr;
	int64_t value;
	int64_t *labels; /* (key, str, num) string ids and number, nr_labels times */
	int nr_labels;
};

struct pprof {
	void *strings, *functions, *locations; /* trees */
	struct interned **string_v;	       /* by id */
	int64_t nr_strings, cap_strings;
	struct interned **function_v;
	int64_t nr_functions, cap_functions;
	struct location **location_v;
	int64_t nr_locations, cap_locations;
	struct sample *samples;
	size_t nr_samples, cap_samples;
	int64_t *comments;
	int64_t nr_comments, cap_comments;
	int64_t sample_type, unit, time_ns;
	int err;
};

/* A growing buffer of protobuf bytes. */
struct pb {
	unsigned char *p;
	size_t len, cap;
	int err;
};

static void pb_put(struct pb *b, const void *data, size_t len)
{
	if (b->err)
		return;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		unsigned char *np;

		while (cap < b->len + len)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->err = -ENOMEM;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void pb_varint(struct pb *b, uint64_t v)
{
	unsigned char buf[10];
	size_t n = 0;

	do {
		buf[n] = v & 0x7f;
		v >>= 7;
		if (v)
			buf[n] |= 0x80;
		n++;
	} while (v);
	pb_put(b, buf, n);
}

static void pb_int(struct pb *b, int field, uint64_t v)
{
	if (!v)
		return; /* proto3: zero is the default, not written */
	pb_varint(b, (uint64_t)field << 3 | WIRE_VARINT);
	pb_varint(b, v);
}

static void pb_bytes(struct pb *b, int field, const void *data, size_t len)
{
	pb_varint(b, (uint64_t)field << 3 | WIRE_BYTES);
	pb_varint(b, len);
	pb_put(b, data, len);
}

/* Append @sub as a message field, and empty it for the next one. */
static void pb_msg(struct pb *b, int field, struct pb *sub)
{
	if (sub->err)
		b->err = sub->err;
	pb_bytes(b, field, sub->p, sub->len);
	sub->len = 0;
}

static void pb_packed(struct pb *b, int field, const int64_t *v, int n, struct pb *tmp)
{
	int i;

	for (i = 0; i < n; i++)
		pb_varint(tmp, v[i]);
	pb_msg(b, field, tmp);
}

static int interned_cmp(const void *a, const void *b)
{
	const struct interned *x = a, *y = b;

	if (x->key_len != y->key_len)
		return x->key_len < y->key_len ? -1 : 1;
	return memcmp(x->key, y->key, x->key_len);
}

static int location_cmp(const void *a, const void *b)
{
	const struct location *x = a, *y = b;

	if (x->space != y->space)
		return x->space < y->space ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Append @item to the array *@v of *@n, growing *@cap. */
static int push(void *v, int64_t *n, int64_t *cap, size_t size, const void *item)
{
	void **arr = v;

	if (*n == *cap) {
		int64_t ncap = *cap ? *cap * 2 : 64;
		void *np = realloc(*arr, ncap * size);

		if (!np)
			return -ENOMEM;
		*arr = np;
		*cap = ncap;
	}
	memcpy((char *)*arr + *n * size, item, size);
	(*n)++;
	return 0;
}

/* The id of @key (@len bytes) in @tree, added to *@v if new. */
static int64_t intern(struct pprof *pp, void **tree, const char *key, size_t len, void *v,
		      int64_t *n, int64_t *cap, int64_t first_id)
{
	struct interned probe = { .key = key, .key_len = len }, *it, **node;
	char *copy;

	node = tfind(&probe, tree, interned_cmp);
	if (node)
		return (*node)->id;
	it = calloc(1, sizeof(*it));
	copy = malloc(len + 1);
	if (!it || !copy)
		goto nomem;
	memcpy(copy, key, len);
	copy[len] = '\0';
	it->key = copy;
	it->key_len = len;
	it->id = *n + first_id;
	if (push(v, n, cap, sizeof(it), &it))
		goto nomem;
	if (!tsearch(it, tree, interned_cmp)) {
		(*n)--;
		goto nomem;
	}
	return it->id;
nomem:
	free(copy);
	free(it);
	pp->err = -ENOMEM;
	return 0;
}

static int64_t string_id(struct pprof *pp, const char *s)
{
	return intern(pp, &pp->strings, s ? s : "", s ? strlen(s) : 0, &pp->string_v,
		      &pp->nr_strings, &pp->cap_strings, 0);
}

static int64_t function_id(struct pprof *pp, const char *name, const char *file)
{
	size_t nl = strlen(name ? name : ""), fl = strlen(file ? file : "");
	char *key = malloc(nl + fl + 2);
	int64_t id;

	if (!key) {
		pp->err = -ENOMEM;
		return 0;
	}
	memcpy(key, name ? name : "", nl + 1);
	memcpy(key + nl + 1, file ? file : "", fl + 1);
	id = intern(pp, &pp->functions, key, nl + fl + 1, &pp->function_v, &pp->nr_functions,
		    &pp->cap_functions, 1);
	free(key);
	/* Its strings, in the table too. */
	string_id(pp, name);
	string_id(pp, file);
	return id;
}

struct pprof *pprof__new(const char *sample_type, const char *unit, int64_t time_ns)
{
	struct pprof *pp = calloc(1, sizeof(*pp));

	if (!pp)
		return NULL;
	string_id(pp, ""); /* string 0 is always "" */
	pp->sample_type = string_id(pp, sample_type);
	pp->unit = string_id(pp, unit);
	pp->time_ns = time_ns;
	if (pp->err) {
		pprof__free(pp);
		return NULL;
	}
	return pp;
}

static void interned_free(void *p)
{
	struct interned *it = p;

	free((char *)it->key);
	free(it);
}

static void location_free(void *p)
{
	struct location *l = p;

	free(l->func_ids);
	free(l->lines);
	free(l);
}

void pprof__free(struct pprof *pp)
{
	size_t i;

	if (!pp)
		return;
	tdestroy(pp->strings, interned_free);
	tdestroy(pp->functions, interned_free);
	tdestroy(pp->locations, location_free);
	free(pp->string_v);
	free(pp->function_v);
	free(pp->location_v);
	for (i = 0; i < pp->nr_samples; i++) {
		free(pp->samples[i].locations);
		free(pp->samples[i].labels);
	}
	free(pp->samples);
	free(pp->comments);
	free(pp);
}

int64_t pprof__location(struct pprof *pp, uint64_t addr, const struct pprof_line *lines,
			int nr_lines)
{
	return pprof__location_in(pp, 0, addr, lines, nr_lines);
}

int64_t pprof__location_in(struct pprof *pp, uint64_t space, uint64_t addr,
			   const struct pprof_line *lines, int nr_lines)
{
	struct location probe = { .space = space, .addr = addr }, *l, **node;
	int i;

	node = tfind(&probe, &pp->locations, location_cmp);
	if (node)
		return (*node)->id;
	l = calloc(1, sizeof(*l));
	if (!l)
		goto nomem;
	l->space = space;
	l->addr = addr;
	l->nr_lines = nr_lines;
	l->func_ids = calloc(nr_lines ? nr_lines : 1, sizeof(*l->func_ids));
	l->lines = calloc(nr_lines ? nr_lines : 1, sizeof(*l->lines));
	if (!l->func_ids || !l->lines)
		goto nomem;
	for (i = 0; i < nr_lines; i++) {
		l->func_ids[i] = function_id(pp, lines[i].func, lines[i].file);
		l->lines[i] = lines[i].line;
	}
	l->id = pp->nr_locations + 1;
	if (push(&pp->location_v, &pp->nr_locations, &pp->cap_locations, sizeof(l), &l))
		goto nomem;
	if (!tsearch(l, &pp->locations, location_cmp)) {
		pp->nr_locations--;
		goto nomem;
	}
	return l->id;
nomem:
	if (l)
		location_free(l);
	pp->err = -ENOMEM;
	return 0;
}

int pprof__sample(struct pprof *pp, const int64_t *locations, int nr, int64_t value)
{
	return pprof__sample_labels(pp, locations, nr, value, NULL, 0);
}

int pprof__sample_labels(struct pprof *pp, const int64_t *locations, int nr, int64_t value,
			 const struct pprof_label *labels, int nr_labels)
{
	struct sample s = { .nr = nr, .value = value, .nr_labels = nr_labels };
	int64_t n = pp->nr_samples, cap = pp->cap_samples;
	int i;

	s.locations = malloc((nr ? nr : 1) * sizeof(*s.locations));
	s.labels = malloc((nr_labels ? nr_labels : 1) * 3 * sizeof(*s.labels));
	if (!s.locations || !s.labels)
		goto nomem;
	memcpy(s.locations, locations, nr * sizeof(*locations));
	for (i = 0; i < nr_labels; i++) {
		s.labels[3 * i] = string_id(pp, labels[i].key);
		s.labels[3 * i + 1] = labels[i].str ? string_id(pp, labels[i].str) : 0;
		s.labels[3 * i + 2] = labels[i].str ? 0 : labels[i].num;
	}
	if (pp->err || push(&pp->samples, &n, &cap, sizeof(s), &s))
		goto nomem;
	pp->nr_samples = n;
	pp->cap_samples = cap;
	return 0;
nomem:
	free(s.locations);
	free(s.labels);
	return pp->err = -ENOMEM;
}

int pprof__comment(struct pprof *pp, const char *text)
{
	int64_t id = string_id(pp, text);

	if (pp->err || push(&pp->comments, &pp->nr_comments, &pp->cap_comments, sizeof(id), &id))
		return pp->err = -ENOMEM;
	return 0;
}

int pprof__encode(struct pprof *pp, unsigned char **buf, size_t *len)
{
	struct pb out = {}, msg = {}, sub = {};
	int64_t i;
	int j;

	if (pp->err)
		return pp->err;
	/* sample_type and period_type: {goroutine, count} */
	pb_int(&msg, VALUE_TYPE_TYPE, pp->sample_type);
	pb_int(&msg, VALUE_TYPE_UNIT, pp->unit);
	pb_bytes(&out, PROFILE_SAMPLE_TYPE, msg.p, msg.len);
	pb_msg(&out, PROFILE_PERIOD_TYPE, &msg);
	pb_int(&out, PROFILE_PERIOD, 1);
	pb_int(&out, PROFILE_TIME_NANOS, pp->time_ns);
	for (i = 0; i < (int64_t)pp->nr_samples; i++) {
		pb_packed(&msg, SAMPLE_LOCATION_ID, pp->samples[i].locations, pp->samples[i].nr,
			  &sub);
		pb_packed(&msg, SAMPLE_VALUE, &pp->samples[i].value, 1, &sub);
		for (j = 0; j < pp->samples[i].nr_labels; j++) {
			const int64_t *l = &pp->samples[i].labels[3 * j];

			pb_int(&sub, LABEL_KEY, l[0]);
			pb_int(&sub, LABEL_STR, l[1]);
			pb_int(&sub, LABEL_NUM, l[2]);
			pb_msg(&msg, SAMPLE_LABEL, &sub);
		}
		pb_msg(&out, PROFILE_SAMPLE, &msg);
	}
	/* One mapping, already symbolized: pprof must not look for the binary. */
	pb_int(&msg, MAPPING_ID, 1);
	pb_int(&msg, MAPPING_HAS_FUNCTIONS, 1);
	pb_int(&msg, MAPPING_HAS_FILENAMES, 1);
	pb_int(&msg, MAPPING_HAS_LINE_NUMBERS, 1);
	pb_int(&msg, MAPPING_HAS_INLINE_FRAMES, 1);
	pb_msg(&out, PROFILE_MAPPING, &msg);
	for (i = 0; i < pp->nr_locations; i++) {
		const struct location *l = pp->location_v[i];

		pb_int(&msg, LOCATION_ID, l->id);
		pb_int(&msg, LOCATION_MAPPING_ID, 1);
		pb_int(&msg, LOCATION_ADDRESS, l->addr);
		for (j = 0; j < l->nr_lines; j++) {
			pb_int(&sub, LINE_FUNCTION_ID, l->func_ids[j]);
			pb_int(&sub, LINE_LINE, l->lines[j]);
			pb_msg(&msg, LOCATION_LINE, &sub);
		}
		pb_msg(&out, PROFILE_LOCATION, &msg);
	}
	for (i = 0; i < pp->nr_functions; i++) {
		const struct interned *f = pp->function_v[i];
		const char *name = f->key, *file = f->key + strlen(f->key) + 1;

		pb_int(&msg, FUNCTION_ID, f->id);
		pb_int(&msg, FUNCTION_NAME, string_id(pp, name));
		pb_int(&msg, FUNCTION_SYSTEM_NAME, string_id(pp, name));
		pb_int(&msg, FUNCTION_FILENAME, string_id(pp, file));
		pb_msg(&out, PROFILE_FUNCTION, &msg);
	}
	if (pp->nr_comments)
		pb_packed(&out, PROFILE_COMMENT, pp->comments, pp->nr_comments, &sub);
	for (i = 0; i < pp->nr_strings; i++)
		pb_bytes(&out, PROFILE_STRING_TABLE, pp->string_v[i]->key, pp->string_v[i]->key_len);
	free(msg.p);
	free(sub.p);
	if (out.err || msg.err || sub.err || pp->err) {
		free(out.p);
		return -ENOMEM;
	}
	*buf = out.p;
	*len = out.len;
	return 0;
}

int pprof__write(struct pprof *pp, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	int err;

	if (fd < 0)
		return -errno;
	err = pprof__write_fd(pp, fd);
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int pprof__write_fd(struct pprof *pp, int fd)
{
	unsigned char *raw, *gz = NULL;
	z_stream zs = {};
	size_t len, cap;
	ssize_t n;
	int err;

	err = pprof__encode(pp, &raw, &len);
	if (err)
		return err;
	/* gzip: deflate with a gzip wrapper (window bits 15 + 16). */
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		free(raw);
		return -ENOMEM;
	}
	cap = deflateBound(&zs, len) + 64;
	gz = malloc(cap);
	if (!gz) {
		err = -ENOMEM;
		goto out;
	}
	zs.next_in = raw;
	zs.avail_in = len;
	zs.next_out = gz;
	zs.avail_out = cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		err = -EIO;
		goto out;
	}
	n = write(fd, gz, zs.total_out);
	if (n != (ssize_t)zs.total_out)
		err = n < 0 ? -errno : -EIO;
out:
	deflateEnd(&zs);
	free(raw);
	free(gz);
	return err;
}
