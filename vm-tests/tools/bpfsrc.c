// SPDX-License-Identifier: Apache-2.0
/*
 * bpfsrc: the source line behind addresses in a loaded BPF program's JIT image, for reading
 * a `perf record` profile of tabby's programs where bpftool cannot disassemble (Debian's is
 * built without libbfd) and perf cannot annotate BPF.
 *
 *   bpfsrc PROG_ID ADDR...       one line per address: ADDR +OFFSET FILE:LINE SOURCE
 *
 * It reads the program's line info and, for each, the JIT address it starts at
 * (bpf_prog_info.jited_line_info), and names the last line starting at or before ADDR. An
 * address outside the program prints "?". scripts/profile-dataplane.sh drives it.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct lines {
	struct bpf_line_info *li;
	__u64 *jited;
	__u32 n;
	__u64 start, end;	/* JIT image bounds, from the functions' symbols and lengths */
	struct btf *btf;
};

static int load_lines(int fd, struct lines *l)
{
	struct bpf_prog_info info = { 0 }, more = { 0 };
	__u32 len = sizeof(info), nfuncs;
	__u64 *ksyms;
	__u32 *lens;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (!info.nr_line_info || info.nr_line_info != info.nr_jited_line_info)
		return -ENODATA;
	nfuncs = info.nr_jited_ksyms;
	l->n = info.nr_line_info;
	l->li = calloc(l->n, sizeof(*l->li));
	l->jited = calloc(l->n, sizeof(*l->jited));
	ksyms = calloc(nfuncs, sizeof(*ksyms));
	lens = calloc(nfuncs, sizeof(*lens));
	if (!l->li || !l->jited || !ksyms || !lens)
		return -ENOMEM;
	more.nr_line_info = l->n;
	more.line_info_rec_size = sizeof(*l->li);
	more.line_info = (__u64)(unsigned long)l->li;
	more.nr_jited_line_info = l->n;
	more.jited_line_info_rec_size = sizeof(*l->jited);
	more.jited_line_info = (__u64)(unsigned long)l->jited;
	more.nr_jited_ksyms = nfuncs;
	more.jited_ksyms = (__u64)(unsigned long)ksyms;
	more.nr_jited_func_lens = nfuncs;
	more.jited_func_lens = (__u64)(unsigned long)lens;
	len = sizeof(more);
	if (bpf_obj_get_info_by_fd(fd, &more, &len))
		return -errno;
	l->start = ~0ull;
	for (__u32 i = 0; i < nfuncs; i++) {
		if (ksyms[i] < l->start)
			l->start = ksyms[i];
		if (ksyms[i] + lens[i] > l->end)
			l->end = ksyms[i] + lens[i];
	}
	free(ksyms);
	free(lens);
	l->btf = btf__load_from_kernel_by_id(info.btf_id);
	return l->btf ? 0 : -errno;
}

static void print_addr(const struct lines *l, __u64 addr)
{
	const char *file, *src;
	int best = -1;

	for (__u32 i = 0; addr >= l->start && addr < l->end && i < l->n; i++)
		if (l->jited[i] <= addr && (best < 0 || l->jited[i] > l->jited[best]))
			best = (int)i;
	if (best < 0) {
		printf("%llx ?\n", (unsigned long long)addr);
		return;
	}
	file = btf__name_by_offset(l->btf, l->li[best].file_name_off);
	src = btf__name_by_offset(l->btf, l->li[best].line_off);
	if (file && strrchr(file, '/'))
		file = strrchr(file, '/') + 1;
	while (src && (*src == ' ' || *src == '\t'))
		src++;
	printf("%llx +%llu %s:%u %s\n", (unsigned long long)addr,
	       (unsigned long long)(addr - l->jited[best]), file ? file : "?",
	       BPF_LINE_INFO_LINE_NUM(l->li[best].line_col), src ? src : "");
}

int main(int argc, char **argv)
{
	struct lines l = { 0 };
	int fd, err;

	if (argc < 3) {
		fprintf(stderr, "usage: bpfsrc PROG_ID ADDR...\n");
		return 2;
	}
	fd = bpf_prog_get_fd_by_id((__u32)strtoul(argv[1], NULL, 10));
	if (fd < 0) {
		fprintf(stderr, "bpfsrc: program %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	err = load_lines(fd, &l);
	if (err) {
		fprintf(stderr, "bpfsrc: program %s: no line info: %s\n", argv[1], strerror(-err));
		return 1;
	}
	for (int i = 2; i < argc; i++)
		print_addr(&l, strtoull(argv[i], NULL, 16));
	close(fd);
	return 0;
}
