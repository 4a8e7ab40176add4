// SPDX-License-Identifier: MIT
/*
 * parse_bench.c - the crash parser's throughput bench (see bench/parse.sh).
 *
 *   parse_bench gen noise MB FILE   a log of kernel noise with one crash
 *                                   report every ~20,000 lines
 *   parse_bench gen dense MB FILE   a log that is mostly crash reports
 *   parse_bench run FILE            parse FILE in 256 KiB reads; print
 *                                   MB/s, reports, peak RSS
 *
 * The noise lines are the kind a busy server logs (link changes, audit,
 * USB, filesystems, systemd, netfilter), with printk timestamps; the
 * reports cover several kinds and prefix styles.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "parse/oops.h"
#include "benchutil.h"

static const char *const noise[] = {
    "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
    "audit: type=1400 audit(1700000000.123:%u): apparmor=\"DENIED\" operation=\"open\" profile=\"snap.firefox\" name=\"/proc/%u/status\" pid=%u comm=\"firefox\" requested_mask=\"r\" denied_mask=\"r\" fsuid=1000 ouid=0",
    "usb 1-1.%u: new high-speed USB device number %u using xhci_hcd",
    "usb 1-1.2: New USB device found, idVendor=0bda, idProduct=8153, bcdDevice=30.00",
    "EXT4-fs (nvme0n1p%u): mounted filesystem 1a2b3c4d-0000-4000-8000-00000000%u r/w with ordered data mode. Quota mode: none.",
    "IPv6: ADDRCONF(NETDEV_CHANGE): veth%u: link becomes ready",
    "br-lan: port %u(veth1c2d) entered forwarding state",
    "nf_conntrack: nf_conntrack: table full, dropping packet",
    "[UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56 SRC=10.0.%u.7 DST=10.0.0.1 LEN=60 TOS=0x00 PROC=TCP SPT=%u DPT=22",
    "systemd[1]: Started session-%u.scope - Session %u of User ubuntu.",
    "kauditd_printk_skb: %u callbacks suppressed",
    "nvme nvme0: I/O %u QID 3 timeout, completion polled",
    "xfs filesystem being mounted at /srv/data%u supports timestamps until 2038-01-19 (0x7fffffff)",
    "device-mapper: uevent: version 1.0.3",
    "docker0: port %u(vethb%u) entered blocking state",
    "TCP: request_sock_TCP: Possible SYN flooding on port %u. Sending cookies.",
    "cgroup: fork rejected by pids controller in /system.slice/cron.service",
    "perf: interrupt took too long (%u > 3140), lowering kernel.perf_event_max_sample_rate to %u",
    "mlx5_core 0000:3b:00.%u: mlx5_cmd_out_err:803:(pid %u): QUERY_VPORT_COUNTER(0x770) op_mod(0x0) failed",
    "scsi %u:0:0:0: Direct-Access     ATA      Samsung SSD 870  2B6Q PQ: 0 ANSI: 5",
};

static const char *const crashes[] = {
    "------------[ cut here ]------------\n"
    "WARNING: CPU: 2 PID: %u at drivers/net/wireless/foo/main.c:812 foo_tx_complete+0x1c2/0x210 [foo]\n"
    "Modules linked in: foo(O) mac80211 cfg80211 e1000e\n"
    "CPU: 2 PID: %u Comm: kworker/2:1 Tainted: G        W  O       6.1.0-18-amd64 #1 Debian 6.1.76-1\n"
    "Hardware name: LENOVO 20XW0026GE/20XW0026GE, BIOS N32ET86W (1.62 ) 02/07/2024\n"
    "RIP: 0010:foo_tx_complete+0x1c2/0x210 [foo]\n"
    "Code: 48 8b 45 00 48 85 c0 74 0b 0f 0b 48 83 c4 08 5b 5d c3 cc 0f 0b eb f1\n"
    "RSP: 0018:ffffb4e1c0b47d98 EFLAGS: 00010246\n"
    "RAX: 0000000000000000 RBX: ffff9a4c81234000 RCX: 0000000000000000\n"
    "Call Trace:\n"
    " <TASK>\n"
    " ? __warn+0x7d/0xc0\n"
    " ? report_bug+0xe2/0x150\n"
    " foo_tx_complete+0x1c2/0x210 [foo]\n"
    " foo_work_handler+0x5a/0x90 [foo]\n"
    " process_one_work+0x1c4/0x380\n"
    " worker_thread+0x4d/0x380\n"
    " kthread+0xd7/0x100\n"
    " ret_from_fork+0x2c/0x50\n"
    " </TASK>\n"
    "---[ end trace 0000000000000000 ]---\n",

    "BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
    "#PF: supervisor read access in kernel mode\n"
    "Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
    "CPU: 3 PID: %u Comm: modprobe Tainted: G           OE      5.15.0-91-generic #101-Ubuntu\n"
    "RIP: 0010:baz_probe+0x2b/0x1a0 [baz]\n"
    "RSP: 0018:ffffa63c0284bb88 EFLAGS: 00010246\n"
    "Call Trace:\n"
    " <TASK>\n"
    " local_pci_probe+0x48/0xb0\n"
    " pci_device_probe+0x105/0x220\n"
    " really_probe+0x1f7/0x3d0\n"
    " do_init_module+0x52/0x260\n"
    " do_syscall_64+0x59/0xc0\n"
    " </TASK>\n"
    "---[ end trace 1a2b3c4d5e6f7a8b ]---\n",

    "INFO: task java:%u blocked for more than 120 seconds.\n"
    "      Not tainted 5.14.0-362.8.1.el9_3.x86_64 #1\n"
    "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.\n"
    "task:java            state:D stack:0     pid:%u ppid:1      flags:0x00000002\n"
    "Call Trace:\n"
    " <TASK>\n"
    " __schedule+0x20a/0x550\n"
    " schedule+0x2d/0x70\n"
    " io_schedule+0x42/0x70\n"
    " nfs_writepage_setup+0x8b/0x130 [nfs]\n"
    " vfs_write+0x2cb/0x3c0\n"
    " ksys_write+0x5f/0xe0\n"
    " </TASK>\n",
};

static int usage(void)
{
	fprintf(stderr,
		"usage: parse_bench gen noise|dense MB FILE | run FILE\n");
	return 2;
}

/* Print a line with a printk timestamp (t in microseconds). */
static void put_line(FILE *f, uint64_t t, const char *line)
{
	fprintf(f, "[%5llu.%06llu] %s\n", (unsigned long long)(t / 1000000),
		(unsigned long long)(t % 1000000), line);
}

/* Expand the "%u" of a template with successive values of v. */
static void expand(char *out, size_t size, const char *tmpl, unsigned int v)
{
	size_t o = 0;

	while (*tmpl && o + 12 < size) {
		if (tmpl[0] == '%' && tmpl[1] == 'u') {
			o += (size_t)snprintf(out + o, size - o, "%u", v);
			v = v * 7 + 3;
			tmpl += 2;
		} else {
			out[o++] = *tmpl++;
		}
	}
	out[o] = '\0';
}

static void put_template(FILE *f, uint64_t t, const char *tmpl, unsigned int v)
{
	char line[1024];

	expand(line, sizeof(line), tmpl, v);
	put_line(f, t, line);
}

static void put_crash(FILE *f, uint64_t t, unsigned int k, unsigned int v)
{
	char buf[4096];
	const char *s = buf;

	expand(buf, sizeof(buf), crashes[k % 3], v);
	while (*s) {
		const char *nl = strchr(s, '\n');
		char line[512];
		size_t n = nl ? (size_t)(nl - s) : strlen(s);

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, s, n);
		line[n] = '\0';
		put_line(f, t++, line);
		s += n + (nl != NULL);
	}
}

static int gen(const char *kind, long mb, const char *path)
{
	FILE *f = fopen(path, "w");
	uint64_t want = (uint64_t)mb << 20, t = 1000000;
	uint32_t seed = 42;
	unsigned long line = 0, crashes_n = 0;
	bool dense = strcmp(kind, "dense") == 0;

	if (f == NULL || mb <= 0) {
		perror(path);
		return 2;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	while ((uint64_t)ftello(f) < want) {
		seed = seed * 1103515245u + 12345u;
		t += 1 + (seed >> 20);
		if (dense ? (line % 4 == 0) : (line % 20000 == 19999)) {
			put_crash(f, t, (unsigned int)crashes_n++, seed >> 8);
			line += 20;
			continue;
		}
		put_template(
		    f, t,
		    noise[(seed >> 12) % (sizeof(noise) / sizeof(noise[0]))],
		    (seed >> 4) & 0xffff);
		line++;
	}
	if (fclose(f) != 0) {
		perror(path);
		return 2;
	}
	return 0;
}

static int run(const char *path)
{
	static char buf[256 * 1024];
	int fd = open(path, O_RDONLY);
	struct oops_parser *p;
	struct oops_report *r;
	unsigned long reports = 0;
	uint64_t bytes = 0;
	double t0, t1;
	struct rusage ru0, ru;
	double cpu;

	if (fd < 0) {
		perror(path);
		return 2;
	}
	p = oops_parser_new(NULL);
	if (p == NULL)
		return 2;
	getrusage(RUSAGE_SELF, &ru0);
	t0 = bench_now_s();
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		bytes += (uint64_t)n;
		if (oops_parser_feed(p, buf, (size_t)n, 0) < 0)
			return 2;
		while ((r = oops_parser_next(p)) != NULL) {
			reports++;
			oops_report_free(r);
		}
	}
	oops_parser_finish(p, 0);
	while ((r = oops_parser_next(p)) != NULL) {
		reports++;
		oops_report_free(r);
	}
	t1 = bench_now_s();
	oops_parser_free(p);
	close(fd);
	getrusage(RUSAGE_SELF, &ru);
	/* CPU time too: on a loaded machine wall time measures the others. */
	cpu = (double)(ru.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
	      (double)(ru.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
	      (double)(ru.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
	      (double)(ru.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	if (cpu <= 0)
		cpu = 1e-6;
	printf("mb=%.1f wall_s=%.3f wall_mbs=%.0f cpu_s=%.3f cpu_mbs=%.0f "
	       "reports=%lu peak_rss_kib=%ld\n",
	       (double)bytes / 1048576.0, t1 - t0,
	       (double)bytes / 1048576.0 / (t1 - t0), cpu,
	       (double)bytes / 1048576.0 / cpu, reports, ru.ru_maxrss);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "gen") == 0)
		return gen(argv[2], atol(argv[3]), argv[4]);
	if (argc == 3 && strcmp(argv[1], "run") == 0)
		return run(argv[2]);
	return usage();
}
